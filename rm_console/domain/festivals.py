"""Festivals an RM greets customers for, lunar anniversaries and working days (SPEC §6).

Lunar dates come from ``tyme4py`` (6tail's Tyme, the successor of ``lunar-python``): its lunar calendar
follows the national standard GB/T 33661-2017 (《农历的编算和颁行》) and computes new moons and solar
terms astronomically, so no table of lunar years is kept here. The same library carries the State
Council's official holiday calendar (法定节假日, with the weekend days moved to working days, 调休), which
:func:`is_working_day` uses for the years it covers (2002–2026 in tyme4py 1.5).

A festival is defined by its day: a solar month and day, a weekday rule (Mother's and Father's Day), or a
lunar month and day (Spring Festival is the first day of the first lunar month, and so on); the library
turns the lunar ones into Gregorian dates year by year.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from dateutil.relativedelta import SU, relativedelta
from tyme4py.holiday import LegalHoliday
from tyme4py.lunar import LunarDay, LunarMonth, LunarYear
from tyme4py.solar import SolarDay

# tyme4py builds its table of leap months on first use, without a lock: threads using it for the first
# time together (the workbench's loaders do) each append the table's rows, and every lunar date after
# that can be wrong ("illegal lunar month: 13"). Building it here builds it once: a module's body runs
# under the import lock, in one thread.
LunarYear.from_year(2000)


class Festival(NamedTuple):
    """A festival on one day: its date and its English and Chinese names."""

    day: date
    name_en: str
    name_zh: str


#: Festivals on a fixed Gregorian day: (month, day, English name, Chinese name).
SOLAR_FESTIVALS: tuple[tuple[int, int, str, str], ...] = (
    (1, 1, "New Year's Day", "元旦"),
    (3, 8, "Women's Day", "妇女节"),
    (5, 1, "Labour Day", "劳动节"),
    (10, 1, "National Day", "国庆节"),
)

#: Festivals on the n-th Sunday of a month: (month, n, English name, Chinese name).
SUNDAY_FESTIVALS: tuple[tuple[int, int, str, str], ...] = (
    (5, 2, "Mother's Day", "母亲节"),
    (6, 3, "Father's Day", "父亲节"),
)

#: Festivals on a lunar day: (lunar month, lunar day, English name, Chinese name).
LUNAR_FESTIVALS: tuple[tuple[int, int, str, str], ...] = (
    (1, 1, "Spring Festival", "春节"),
    (1, 15, "Lantern Festival", "元宵节"),
    (5, 5, "Dragon Boat Festival", "端午节"),
    (8, 15, "Mid-Autumn Festival", "中秋节"),
    (9, 9, "Double Ninth Festival", "重阳节"),
)


def festivals(start: date, end: date) -> list[Festival]:
    """The festivals from ``start`` to ``end`` (both included), by date, then by English name."""
    if end < start:
        return []
    found: list[Festival] = []
    # A lunar year starts in January or February, so the festivals of lunar year Y - 1 can fall in Y.
    for year in range(start.year - 1, end.year + 1):
        found.extend(festival for festival in _festivals_of_year(year) if start <= festival.day <= end)
    return sorted(found)


@lru_cache(maxsize=64)
def _festivals_of_year(year: int) -> tuple[Festival, ...]:
    """The solar festivals of Gregorian year ``year`` and the lunar festivals of lunar year ``year``."""
    found = [Festival(date(year, month, day), en, zh) for month, day, en, zh in SOLAR_FESTIVALS]
    found += [
        Festival(date(year, month, 1) + relativedelta(weekday=SU(nth)), en, zh)
        for month, nth, en, zh in SUNDAY_FESTIVALS
    ]
    found += [
        Festival(_solar(LunarDay.from_ymd(year, month, day)), en, zh)
        for month, day, en, zh in LUNAR_FESTIVALS
    ]
    return tuple(found)


def _solar(day: LunarDay) -> date:
    """The Gregorian date of a lunar day."""
    solar: SolarDay = day.get_solar_day()
    return date(solar.get_year(), solar.get_month(), solar.get_day())


def anniversary(day: date, year: int) -> date:
    """The day's anniversary in ``year``; 29 February falls on 28 February in a common year."""
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def anniversaries(day: date, start: date, end: date) -> list[date]:
    """The anniversaries of ``day`` from ``start`` to ``end`` (both included), after ``day`` itself."""
    found = (anniversary(day, year) for year in range(max(start.year, day.year + 1), end.year + 1))
    return [when for when in found if start <= when <= end]


@lru_cache(maxsize=4096)
def lunar_month_day(day: date) -> tuple[int, int, int]:
    """The lunar year, month (1–12, a leap month counted as the ordinary one) and day of a date."""
    lunar: LunarDay = SolarDay.from_ymd(day.year, day.month, day.day).get_lunar_day()
    return lunar.get_year(), lunar.get_lunar_month().get_month(), lunar.get_day()


def lunar_name(day: date) -> str:
    """The lunar month and day of a date in Chinese (``八月十五``); a leap month takes the ordinary name."""
    _year, month, lunar_day = lunar_month_day(day)
    return LunarMonth.NAMES[month - 1] + LunarDay.NAMES[lunar_day - 1]


def lunar_anniversaries(day: date, start: date, end: date) -> list[date]:
    """The Gregorian dates from ``start`` to ``end`` with the same lunar month and day as ``day``.

    Only anniversaries after ``day`` itself count. A day born in a leap month (闰月) is kept in the
    ordinary month of that number, as is the custom; the 30th of a month falls on the 29th in a year
    whose month has 29 days (the month's last day, like 29 February in a common year).
    """
    if end < start:
        return []
    first_year, month, lunar_day = lunar_month_day(day)
    found: list[date] = []
    for year in range(max(start.year - 1, first_year + 1), end.year + 1):
        when = _lunar_anniversary(year, month, lunar_day)
        if start <= when <= end:
            found.append(when)
    return found


@lru_cache(maxsize=4096)
def _lunar_anniversary(year: int, month: int, day: int) -> date:
    """The Gregorian date of lunar ``month``/``day`` in lunar ``year``, the day kept within the month."""
    length = LunarMonth.from_ym(year, month).get_day_count()
    return _solar(LunarDay.from_ymd(year, month, min(day, length)))


def is_working_day(day: date) -> bool:
    """Whether banks' back offices work on ``day``.

    For the years the official calendar covers (tyme4py 1.5: 2002–2026), a public holiday is a day off
    even on a weekday and a moved working day (调休) is a working day even on a weekend. For other years,
    working days are Monday to Friday: public holidays are not known there until a library release adds
    the State Council's announcement for that year.
    """
    official: LegalHoliday | None = LegalHoliday.from_ymd(day.year, day.month, day.day)
    if official is not None:
        return official.is_work()
    return day.weekday() < 5


def previous_working_day(day: date) -> date:
    """The last working day strictly before ``day`` (a Monday's is the Friday before, outside holidays)."""
    before = day - timedelta(days=1)
    while not is_working_day(before):
        before -= timedelta(days=1)
    return before
