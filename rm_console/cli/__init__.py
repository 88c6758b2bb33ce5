"""``rmc``: the one command (SPEC §12). It parses, calls a service and prints; it decides nothing.

Exit codes: 0 success, 1 the user's input was refused, 2 usage error.
"""

from rm_console.cli.root import app, main

__all__ = ["app", "main"]
