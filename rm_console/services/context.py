"""The composition of services over one store and one acting person."""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from rm_console.services.assignments import AssignmentService
    from rm_console.services.calendar import CalendarService
    from rm_console.services.customers import CustomerService
    from rm_console.services.demo import DemoService
    from rm_console.services.imports import ImportService
    from rm_console.services.overview import OverviewService
    from rm_console.services.performance import PerformanceService
    from rm_console.services.records import RecordService
    from rm_console.services.reports import ReportService
    from rm_console.services.sales import SalesService
    from rm_console.services.store import StoreService
    from rm_console.services.tiers import TierService
    from rm_console.services.today import TodayService

#: The audit actor recorded when nobody is acting (``rmc db upgrade`` on a new machine).
SYSTEM_ACTOR = "system"

#: Held while a service's module is imported or the engine made. The console's loaders ask for their
#: services from several threads at once; the first of them imports the storage layer (SQLAlchemy, the
#: tables) alone while the others wait, instead of interleaving with it, and only one engine is made.
_LOADING = threading.RLock()


class Services:
    """Every use case, bound to one local store and the staff member acting on it.

    Nothing touches the database until a service is used; the engine is made on first use, and each
    service's module (with SQLAlchemy and the store's tables behind it) is imported when the service is
    first asked for, so the console can draw its first screen before any of them is loaded.
    """

    def __init__(self, db_path: Path, *, actor: str | None = None, engine: Engine | None = None) -> None:
        self.db_path = db_path
        """The local store's file."""
        self.actor = actor
        """The acting staff member's code, or None."""
        self._engine = engine

    @property
    def audit_actor(self) -> str:
        """What the audit log records as the actor."""
        return self.actor or SYSTEM_ACTOR

    @property
    def engine(self) -> Engine:
        """The store's engine, made on first use."""
        if self._engine is None:
            with _LOADING:
                if self._engine is None:
                    from storage.engine import make_engine, sqlite_url

                    self._engine = make_engine(sqlite_url(self.db_path))
        return self._engine

    def close(self) -> None:
        """Release the engine's connections (the store file can then be replaced)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @cached_property
    def store(self) -> StoreService:
        """Creating and migrating the store."""
        with _LOADING:
            from rm_console.services.store import StoreService

        return StoreService(self)

    @cached_property
    def imports(self) -> ImportService:
        """Bulk import of SPEC §11 files."""
        with _LOADING:
            from rm_console.services.imports import ImportService

        return ImportService(self)

    @cached_property
    def demo(self) -> DemoService:
        """The deterministic demo bank."""
        with _LOADING:
            from rm_console.services.demo import DemoService

        return DemoService(self)

    @cached_property
    def overview(self) -> OverviewService:
        """Who is acting and the customers in scope by tier."""
        with _LOADING:
            from rm_console.services.overview import OverviewService

        return OverviewService(self)

    @cached_property
    def tiers(self) -> TierService:
        """Tier rule sets, evaluation, simulation and explanation (SPEC §3)."""
        with _LOADING:
            from rm_console.services.tiers import TierService

        return TierService(self)

    @cached_property
    def reports(self) -> ReportService:
        """The churn report and tier counts."""
        with _LOADING:
            from rm_console.services.reports import ReportService

        return ReportService(self)

    @cached_property
    def assignments(self) -> AssignmentService:
        """Assigning customers to RMs, adjustment, recycle, the pool (SPEC §4)."""
        with _LOADING:
            from rm_console.services.assignments import AssignmentService

        return AssignmentService(self)

    @cached_property
    def sales(self) -> SalesService:
        """Sale registration, attribution and adjustment (SPEC §5)."""
        with _LOADING:
            from rm_console.services.sales import SalesService

        return SalesService(self)

    @cached_property
    def performance(self) -> PerformanceService:
        """Weighted sales, the leaderboard and the sales report (SPEC §5)."""
        with _LOADING:
            from rm_console.services.performance import PerformanceService

        return PerformanceService(self)

    @cached_property
    def records(self) -> RecordService:
        """Visits, contacts, complaints, work log, risk assessments and credit ratings (SPEC §8)."""
        with _LOADING:
            from rm_console.services.records import RecordService

        return RecordService(self)

    @cached_property
    def today(self) -> TodayService:
        """The RM's day: reminders, churn alerts and recommendations (SPEC §6)."""
        with _LOADING:
            from rm_console.services.today import TodayService

        return TodayService(self)

    @cached_property
    def calendar(self) -> CalendarService:
        """The work calendar: visits, reminders and follow-ups by day (SPEC §6.5)."""
        with _LOADING:
            from rm_console.services.calendar import CalendarService

        return CalendarService(self)

    @cached_property
    def customers(self) -> CustomerService:
        """Customer lists, quick-find, the customer 360 and audited reveal (SPEC §7)."""
        with _LOADING:
            from rm_console.services.customers import CustomerService

        return CustomerService(self)
