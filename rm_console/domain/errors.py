"""Errors a person can cause and fix: the CLI and the console show their message, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """The user's input or request was refused (CLI exit code 1)."""


class NotFound(UserError):
    """Something named by the user does not exist, or is outside what they may see."""


class PermissionRefused(UserError):
    """The acting person may not do this."""
