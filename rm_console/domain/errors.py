"""Errors a person can cause and fix: the CLI and the console show their message, never a traceback.

A refusal is written in English as a template with named values, ``NotFound("no customer {cif!r}",
cif=cif)``: its ``str`` is the English sentence (the CLI's), and :meth:`UserError.localized` gives the
same sentence in the console's language, the template looked up in the gettext catalogs first. The
templates are literal strings so that the catalogs can be extracted from the code. A word or phrase a
refusal names as a value (what the person tried to do, a role) is a :class:`Phrase`, translated with it.
"""

from __future__ import annotations

from collections.abc import Callable


class Phrase(str):
    """An English word or phrase that a refusal names as a value, ``Phrase("plan visits")``: the English as
    a ``str``, translated when the refusal is :meth:`~UserError.localized`. Written literally, like a
    template, so that the catalogs can be extracted from the code."""

    __slots__ = ()


class UserError(Exception):
    """The user's input or request was refused (CLI exit code 1)."""

    def __init__(self, message: str, /, **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.template = message
        """The English sentence, with ``{name}`` for each of :attr:`values`."""
        self.values = values
        """The values the sentence names; a value that is a refusal or a :class:`Phrase` is localized with
        it."""

    def localized(self, translate: Callable[[str], str]) -> str:
        """The sentence with its template translated by ``translate`` (a gettext lookup)."""
        template = translate(self.template)
        if not self.values:
            return template
        return template.format(**{name: _localized(value, translate) for name, value in self.values.items()})


def _localized(value: object, translate: Callable[[str], str]) -> object:
    if isinstance(value, UserError):
        return value.localized(translate)
    if isinstance(value, Phrase):
        return translate(value)
    return value


class NotFound(UserError):
    """Something named by the user does not exist, or is outside what they may see."""


class PermissionRefused(UserError):
    """The acting person may not do this."""
