"""RM Console: the relationship manager's workbench of a commercial bank."""

__version__ = "0.1.0"
