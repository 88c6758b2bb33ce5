"""Pure business rules and value types. Standard library, pydantic and dateutil only."""
