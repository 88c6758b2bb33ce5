"""The store: SQLModel tables, engines, migrations and set-based SQL. No UI, no services."""
