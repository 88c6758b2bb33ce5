"""Data passed out of services: frozen, plain values that outlive any database session."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RowError:
    """One refused cell or row of an import file."""

    line: int
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did (or, on a dry run or refusal, would have done)."""

    kind: str
    file: str
    rows: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: tuple[RowError, ...] = ()
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """True when no row was refused."""
        return not self.errors

    def as_json(self) -> dict[str, object]:
        """The JSON document of SPEC §12."""
        return {
            "kind": self.kind,
            "file": self.file,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [{"line": e.line, "column": e.column, "message": e.message} for e in self.errors],
        }


@dataclass(frozen=True, slots=True)
class StaffDTO:
    """A staff member as the console shows them."""

    code: str
    name: str
    role: str
    institution_code: str
    institution_name: str


@dataclass(frozen=True, slots=True)
class TierCount:
    """How many customers in scope are in one tier, and how many of them by status."""

    tier: str
    customers: int
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Overview:
    """Who is acting, the store's business date, and customers in scope by tier."""

    acting: StaffDTO | None
    business_date: str | None
    customers: int
    tiers: tuple[TierCount, ...]
    evaluated_month: str | None


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What ``rmc demo`` built."""

    path: str
    seed: int
    as_of: str
    months: int
    counts: dict[str, int]
    seconds: float
