"""Presentational widgets: DTOs in, messages out."""
