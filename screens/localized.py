"""The keys a screen shows, in the console's language.

A screen's ``BINDINGS`` are built when its module is imported, which may be before the language is
chosen; so each binding holds its description and tooltip as English messages (marked with ``N_``), and
:class:`LocalizedBindings` translates them where they are shown: the footer and the keys panel both read
:attr:`textual.screen.Screen.active_bindings`. The description of one of the console's keys (each has an
``id``) keeps its Chinese beside the English in the English console (``Done 完成``), as the console's
other domain words do; in the Chinese console it is the Chinese alone. Textual's own keys (the command
palette's ``palette``) are simply translated. Which key does what is untouched: keys are dispatched from
the bindings themselves.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from textual.binding import ActiveBinding, Binding

from rm_console.i18n import _, language, with_chinese


@lru_cache(maxsize=1024)
def localized(binding: Binding, lang: str) -> Binding:
    """``binding`` with its description, group and tooltip in ``lang`` (the current language, given so
    that a change of language is not answered from the cache)."""
    describe = with_chinese if binding.id is not None else _
    group = binding.group
    if group is not None and group.description:
        group = replace(group, description=describe(group.description))
    return replace(
        binding,
        description=describe(binding.description) if binding.description else "",
        tooltip=_(binding.tooltip) if binding.tooltip else "",
        group=group,
    )


class LocalizedBindings:
    """Mixed into each of the console's screens (before Textual's ``Screen``): the active bindings with
    their words in the console's language."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The screen's active bindings, each described in the console's language."""
        lang = language()
        shown: dict[str, ActiveBinding] = {}
        for key, active in super().active_bindings.items():  # type: ignore[misc]
            binding = localized(active.binding, lang)
            shown[key] = ActiveBinding(active.node, binding, active.enabled, binding.tooltip)
        return shown
