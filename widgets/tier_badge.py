"""Tiers (客户等级) as coloured badges and statuses (客户状态) in their colours, in the theme's colours.

Two forms of the same look: Textual markup with theme variables (for ``Static`` and other widgets that
render content markup) and Rich ``Text`` with the variables resolved from the running app's theme
(for ``DataTable`` cells, which render Rich text). No colour is written here, only theme variables.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from rich.text import Text

from rm_console.domain.enums import Status, Tier
from rm_console.domain.words import status_label, tier_label

#: Each tier's badge: (text variable, background variable). The top tier is solid, the others muted.
TIER_COLOURS: dict[str, tuple[str, str]] = {
    Tier.CORE: ("background", "accent"),
    Tier.GROWTH: ("text-warning", "warning-muted"),
    Tier.PLATINUM: ("text-primary", "primary-muted"),
    Tier.GOLD: ("text-accent", "secondary-muted"),
    Tier.POTENTIAL: ("text-success", "success-muted"),
}

#: Each status's text colour variable; normal is calm, churned loud.
STATUS_COLOURS: dict[str, str] = {
    Status.NORMAL: "text-success",
    Status.WATCH: "text-warning",
    Status.ATTENTION: "text-error",
    Status.CHURNED: "error",
}


def tier_markup(tier: str | None, lang: str = "en") -> str:
    """A tier badge as Textual markup (``[b $text-primary on $primary-muted] platinum 白金级 [/]``)."""
    if tier is None:
        return "[$text-muted]—[/]"
    label = tier_label(tier, lang).replace("[", r"\[")
    colours = TIER_COLOURS.get(tier)
    if colours is None:
        return f"[$text-muted] {label} [/]"
    fg, bg = colours
    return f"[b ${fg} on ${bg}] {label} [/]"


def status_markup(status: str | None, lang: str = "en") -> str:
    """A status in its colour as Textual markup (empty for none: ordinary customers have no status)."""
    if status is None:
        return ""
    colour = STATUS_COLOURS.get(status, "text-muted")
    bold = "b " if status == Status.CHURNED else ""
    return f"[{bold}${colour}]{status_label(status, lang)}[/]"


def _colour(variables: Mapping[str, str], name: str) -> str | None:
    """A theme variable's colour as Rich understands it (None when the theme has no plain colour)."""
    value = variables.get(name, "")
    return value if value.startswith("#") else None


def tier_text(tier: str | None, variables: Mapping[str, str], lang: str = "en") -> Text:
    """A tier badge as Rich text in the colours of ``variables`` (an app's ``get_css_variables()``)."""
    if tier is None:
        return Text("—", style="dim")
    label = f" {tier_label(tier, lang)} "
    colours = TIER_COLOURS.get(tier)
    if colours is None:
        return Text(label, style="dim")
    fg, bg = (_colour(variables, name) for name in colours)
    return Text(label, style=Style(bold=True, color=fg, bgcolor=bg))


def status_text(status: str | None, variables: Mapping[str, str], lang: str = "en") -> Text:
    """A status in its colour as Rich text (empty for none)."""
    if status is None:
        return Text("")
    colour = _colour(variables, STATUS_COLOURS.get(status, ""))
    return Text(status_label(status, lang), style=Style(color=colour, bold=status == Status.CHURNED))


__all__ = ["STATUS_COLOURS", "TIER_COLOURS", "status_markup", "status_text", "tier_markup", "tier_text"]
