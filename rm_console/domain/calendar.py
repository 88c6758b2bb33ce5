"""Business dates and months. Business dates are in Asia/Shanghai; months are ``YYYY-MM``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

#: The bank's time zone: every business date is a date here.
BUSINESS_TZ = ZoneInfo("Asia/Shanghai")

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])\Z")


def business_date(at: datetime | None = None) -> date:
    """The business date in Asia/Shanghai of an aware instant (now when omitted)."""
    moment = at if at is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("business_date needs an aware datetime")
    return moment.astimezone(BUSINESS_TZ).date()


def parse_month(text: str) -> int:
    """The month index (year × 12 + month − 1) of a ``YYYY-MM`` text; ValueError otherwise."""
    match = _MONTH.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a month (YYYY-MM)")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def month_idx(day: date) -> int:
    """The month index of the month containing ``day``."""
    return day.year * 12 + day.month - 1


def month_text(idx: int) -> str:
    """The ``YYYY-MM`` text of a month index."""
    year, month0 = divmod(idx, 12)
    return f"{year:04d}-{month0 + 1:02d}"


def month_start(idx: int) -> date:
    """The first day of a month index."""
    year, month0 = divmod(idx, 12)
    return date(year, month0 + 1, 1)


def parse_date(text: str) -> date:
    """A ``YYYY-MM-DD`` date; ValueError with the offending text otherwise."""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None
