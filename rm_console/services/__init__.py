"""Use cases. Each owns its transaction, audit rows and outbox rows, and returns DTOs."""

from rm_console.services.context import Services

__all__ = ["Services"]
