"""The facts of an RM's work calendar (工作日历): a month of follow-up dates, manual reminders and dated
holdings.

The calendar reuses the reads of :mod:`storage.today` (the RM's customers, their visit plans, important
dates, risk assessments, large transactions and what the RM did with reminders); this module adds the
reads that cover a whole month rather than one day. Like those, every query is bounded by the
staff member or by the ids of the RM's own customers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from rm_console.domain.enums import AssetClass
from rm_console.domain.reminders import MATURING_CLASSES
from storage.models import ContactRecord, Customer, Holding, ManualReminder, Product
from storage.today import CHUNK

_CONTACT = ContactRecord.__table__  # type: ignore[attr-defined]
_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_HOLDING = Holding.__table__  # type: ignore[attr-defined]
_PRODUCT = Product.__table__  # type: ignore[attr-defined]
_MANUAL = ManualReminder.__table__  # type: ignore[attr-defined]


def manual_between(conn: Connection, staff_id: int, first: date, last: date) -> list[dict[str, Any]]:
    """The staff member's manual reminders due in [first, last]: id, due, text, and the customer's CIF
    and name (None when the reminder is about no customer)."""
    rows = conn.execute(
        select(_MANUAL.c.id, _MANUAL.c.due, _MANUAL.c.text, _CUSTOMER.c.cif, _CUSTOMER.c.name)
        .outerjoin(_CUSTOMER, _CUSTOMER.c.id == _MANUAL.c.customer_id)
        .where(_MANUAL.c.staff_id == staff_id, _MANUAL.c.due >= first, _MANUAL.c.due <= last)
        .order_by(_MANUAL.c.due, _MANUAL.c.created_at)
    ).mappings()
    return [dict(row) for row in rows]


def dated_holdings(conn: Connection, ids: Sequence[int], first: date, last: date) -> list[dict[str, Any]]:
    """The holdings of the customers that put a date in [first, last] on the calendar: deposits, wealth
    products and loans with a balance maturing then, and credit cards with an amount owed and a repayment
    day (due every month). Same columns as :func:`storage.today.holdings`."""
    maturing = [value.value for value in MATURING_CLASSES]
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        result = conn.execute(
            select(
                _HOLDING.c.customer_id,
                _HOLDING.c.account_no,
                _HOLDING.c.asset_class,
                _HOLDING.c.balance_fen,
                _HOLDING.c.maturity_date,
                _HOLDING.c.loan_type,
                _HOLDING.c.loan_class,
                _HOLDING.c.card_level,
                _HOLDING.c.repayment_day,
                _PRODUCT.c.code.label("product_code"),
                _PRODUCT.c.name.label("product_name"),
                _PRODUCT.c.category,
            )
            .join(_PRODUCT, _PRODUCT.c.id == _HOLDING.c.product_id)
            .where(
                _HOLDING.c.customer_id.in_(chunk),
                _HOLDING.c.balance_fen > 0,
                or_(
                    and_(
                        _HOLDING.c.asset_class.in_(maturing),
                        _HOLDING.c.maturity_date >= first,
                        _HOLDING.c.maturity_date <= last,
                    ),
                    and_(
                        _HOLDING.c.asset_class == AssetClass.CARD.value, _HOLDING.c.repayment_day.is_not(None)
                    ),
                ),
            )
            .order_by(_HOLDING.c.account_no)
        ).mappings()
        found.extend(dict(row) for row in result)
    return found


def investing_customers(conn: Connection, ids: Sequence[int]) -> set[int]:
    """The ids of the customers among ``ids`` who hold investment (wealth) products."""
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        found.update(
            int(row[0])
            for row in conn.execute(
                select(_HOLDING.c.customer_id)
                .where(_HOLDING.c.customer_id.in_(chunk), _HOLDING.c.asset_class == AssetClass.WEALTH.value)
                .distinct()
            )
        )
    return found


__all__ = ["dated_holdings", "investing_customers", "manual_between"]
