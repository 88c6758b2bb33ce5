"""Dates and times as people type them into the console's forms, read against a given "today".

"Today" is always passed in (the store's business date), never read from the clock, so the rules are
pure and the same on every terminal. :func:`parse_date_input` accepts:

===================  ===============================================================================
``2026-11-25``       that date (``2026/11/25`` and ``2026.11.25`` too)
``11-25``            month and day (``11/25`` too): **the nearest such date to today**, looking one
                     year back and one year ahead. A form is as often about a day just gone (a visit
                     recorded) as about a day to come (a visit planned, a follow-up), so neither "this
                     year" nor "the next one" is right every time: on 2026-11-22, ``11-20`` is
                     2026-11-20 and ``01-05`` is 2027-01-05, ``06-01`` is 2026-06-01.
``+3``, ``-2``       days from today (``+3d``); ``+2w`` is two weeks from today
``today``            and ``tomorrow``, ``yesterday``; in Chinese ``今天``, ``明天``, ``后天``, ``昨天``
``next mon``         the first Monday after today (never today itself: on a Monday it is a week
                     later); ``mon``…``sun`` and full day names (``next friday``) alike
``周五``             in Chinese the same (``星期五``, ``礼拜五``; Sunday ``周日``, ``周天``); ``下周五``
                     is the Friday of next week (weeks start on Monday: ``下周一`` is ``next mon``),
                     ``本周五`` or ``这周五`` the Friday of this week, gone or to come
``11月25日``         month and day in Chinese (``11月25号``, ``11月25``), as ``11-25``; and
                     ``2026年11月25日``
===================  ===============================================================================

Anything else is refused with a :class:`DateInputError` saying what may be written.
:func:`parse_when_input` reads the same date optionally followed by a time of day (``+3 10:00``,
``next mon 9:30``, ``11-25 14:00``), or a time alone (today at that time).
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from rm_console.domain.errors import UserError

#: How the forms tell people what a date may be (the refusals below write it out, to be translated).
DATE_FORMS = "2026-11-25, 11-25, +3, today or next mon"

_FULL = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\Z")
_MONTH_DAY = re.compile(r"(\d{1,2})[-/.](\d{1,2})\Z")
_OFFSET = re.compile(r"([+-])\s*(\d{1,4})\s*([dw]?)\Z")
_NEXT = re.compile(r"(?:next\s+)?([a-z]+)\Z")
_TIME = re.compile(r"(\d{1,2})[:：](\d{2})\Z")
_ZH_FULL = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?\Z")
_ZH_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})[日号]?\Z")
_ZH_WEEKDAY = re.compile(r"(下|本|这)?个?(?:周|星期|礼拜)([一二三四五六日天])\Z")
#: The Chinese names of the days of the week, Monday first (Sunday has two).
_ZH_DAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}

_WORDS: dict[str, int] = {
    "today": 0,
    "tomorrow": 1,
    "yesterday": -1,
    "今天": 0,
    "今日": 0,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "昨天": -1,
    "昨日": -1,
}

_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("mon", "monday"),
        ("tue", "tues", "tuesday"),
        ("wed", "wednesday"),
        ("thu", "thur", "thurs", "thursday"),
        ("fri", "friday"),
        ("sat", "saturday"),
        ("sun", "sunday"),
    )
):
    for _name in _names:
        _WEEKDAYS[_name] = _number


class DateInputError(UserError):
    """Text that is not a date (or time) the forms understand; the message says what may be written."""


def _calendar_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateInputError("{text!r} is not a day of the calendar", text=text) from None


def _nearest(month: int, day: int, today: date, text: str) -> date:
    """The date with ``month`` and ``day`` nearest to ``today`` (a year back to a year ahead)."""
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise DateInputError("{text!r} is not a day of the calendar; write month-day, e.g. 11-25", text=text)
    found: list[date] = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            found.append(date(year, month, day))
        except ValueError:
            continue
    if not found:
        raise DateInputError(
            "{text!r} is not a day of the calendar from {first_year} to {last_year}",
            text=text,
            first_year=today.year - 1,
            last_year=today.year + 1,
        )
    # The nearest; on a tie (only possible around 29 February) the later one.
    return min(found, key=lambda candidate: (abs((candidate - today).days), -candidate.toordinal()))


def _next_weekday(weekday: int, today: date) -> date:
    """The first day after ``today`` that is ``weekday`` (0 Monday … 6 Sunday): a week on when today is."""
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def parse_date_input(text: str, today: date) -> date:
    """The date ``text`` stands for, read against ``today`` (see the module's table).

    Raises :class:`DateInputError` with a sentence for empty or unreadable text.
    """
    written = " ".join(text.strip().split())
    if not written:
        raise DateInputError("no date given; write 2026-11-25, 11-25, +3, today or next mon")
    lowered = written.lower()
    if lowered in _WORDS:
        return today + timedelta(days=_WORDS[lowered])
    if match := _FULL.match(lowered):
        return _calendar_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), written)
    if match := _MONTH_DAY.match(lowered):
        return _nearest(int(match.group(1)), int(match.group(2)), today, written)
    if match := _OFFSET.match(lowered):
        count = int(match.group(2)) * (7 if match.group(3) == "w" else 1)
        days = count if match.group(1) == "+" else -count
        try:
            return today + timedelta(days=days)
        except OverflowError:
            raise DateInputError("{text!r} is too far from today", text=written) from None
    if (match := _NEXT.match(lowered)) and match.group(1) in _WEEKDAYS:
        return _next_weekday(_WEEKDAYS[match.group(1)], today)
    if match := _ZH_FULL.match(written):
        return _calendar_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), written)
    if match := _ZH_MONTH_DAY.match(written):
        return _nearest(int(match.group(1)), int(match.group(2)), today, written)
    if match := _ZH_WEEKDAY.match(written):
        weekday = _ZH_DAYS[match.group(2)]
        if match.group(1) is None:
            return _next_weekday(weekday, today)
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=1 if match.group(1) == "下" else 0)
        return monday + timedelta(days=weekday)
    raise DateInputError(
        "{text!r} is not a date; write 2026-11-25, 11-25, +3, today or next mon", text=written
    )


def parse_time_input(text: str) -> time:
    """A time of day written ``HH:MM`` (``9:30`` too), 00:00–23:59."""
    written = text.strip()
    match = _TIME.match(written)
    if match is None:
        raise DateInputError("{text!r} is not a time of day; write HH:MM, e.g. 09:30", text=written)
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise DateInputError("{text!r} is not a time of day; write HH:MM from 00:00 to 23:59", text=written)
    return time(hour, minute)


def parse_when_input(text: str, today: date) -> tuple[date, time | None]:
    """A date as :func:`parse_date_input` reads it, optionally followed by a time of day ``HH:MM``;
    a time alone is today at that time. The time is None when none is written."""
    words = text.strip().split()
    if not words:
        raise DateInputError(
            "no date given; write 2026-11-25, 11-25, +3, today or next mon, and a time such as 10:00"
        )
    if _TIME.match(words[-1]):
        moment = parse_time_input(words[-1])
        rest = " ".join(words[:-1])
        return (parse_date_input(rest, today) if rest else today), moment
    return parse_date_input(" ".join(words), today), None


__all__ = ["DATE_FORMS", "DateInputError", "parse_date_input", "parse_time_input", "parse_when_input"]
