"""Errors a person can cause and fix: the CLI and the console show their message, never a traceback.

A refusal is written in English as a template with named values, ``NotFound("no customer {cif!r}",
cif=cif)``: its ``str`` is the English sentence (the CLI's), and :meth:`UserError.localized` gives the
same sentence in the console's language, the template looked up in the gettext catalogs first. The
templates are literal strings so that the catalogs can be extracted from the code.
"""

from __future__ import annotations

from collections.abc import Callable


class UserError(Exception):
    """The user's input or request was refused (CLI exit code 1)."""

    def __init__(self, message: str, /, **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.template = message
        """The English sentence, with ``{name}`` for each of :attr:`values`."""
        self.values = values
        """The values the sentence names; a value that is itself a refusal is localized with it."""

    def localized(self, translate: Callable[[str], str]) -> str:
        """The sentence with its template translated by ``translate`` (a gettext lookup)."""
        template = translate(self.template)
        if not self.values:
            return template
        values = {
            name: value.localized(translate) if isinstance(value, UserError) else value
            for name, value in self.values.items()
        }
        return template.format(**values)


class NotFound(UserError):
    """Something named by the user does not exist, or is outside what they may see."""


class PermissionRefused(UserError):
    """The acting person may not do this."""
