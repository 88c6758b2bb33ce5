"""Dates as typed into the forms: ISO dates, month-day, offsets, words and weekdays against a given today."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rm_console.domain.date_input import (
    DateInputError,
    parse_date_input,
    parse_time_input,
    parse_when_input,
)

TODAY = date(2026, 11, 22)  # a Sunday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25", date(2026, 11, 25)),
        ("2027-1-5", date(2027, 1, 5)),
        ("2026/11/25", date(2026, 11, 25)),
        ("  2026.11.25 ", date(2026, 11, 25)),
        ("11-25", date(2026, 11, 25)),
        ("11/20", date(2026, 11, 20)),
        ("01-05", date(2027, 1, 5)),
        ("06-01", date(2026, 6, 1)),
        ("5-20", date(2027, 5, 20)),
        ("+3", date(2026, 11, 25)),
        ("+ 3", date(2026, 11, 25)),
        ("+3d", date(2026, 11, 25)),
        ("+0", TODAY),
        ("-2", date(2026, 11, 20)),
        ("+2w", date(2026, 12, 6)),
        ("today", TODAY),
        ("Today", TODAY),
        ("tomorrow", date(2026, 11, 23)),
        ("yesterday", date(2026, 11, 21)),
        ("今天", TODAY),
        ("明天", date(2026, 11, 23)),
        ("后天", date(2026, 11, 24)),
        ("昨天", date(2026, 11, 21)),
        ("next mon", date(2026, 11, 23)),
        ("next  Monday", date(2026, 11, 23)),
        ("next tue", date(2026, 11, 24)),
        ("next fri", date(2026, 11, 27)),
        ("next sun", date(2026, 11, 29)),
        ("wed", date(2026, 11, 25)),
        ("周一", date(2026, 11, 23)),
        ("星期五", date(2026, 11, 27)),
        ("礼拜天", date(2026, 11, 29)),
        ("周日", date(2026, 11, 29)),
        ("下周一", date(2026, 11, 23)),
        ("下周日", date(2026, 11, 29)),
        ("下个星期三", date(2026, 11, 25)),
        ("本周一", date(2026, 11, 16)),
        ("这周日", TODAY),
        ("11月25日", date(2026, 11, 25)),
        ("1月5号", date(2027, 1, 5)),
        ("6月1", date(2026, 6, 1)),
        ("2026年12月1日", date(2026, 12, 1)),
    ],
)
def test_what_a_date_may_be_written_as(text: str, expected: date) -> None:
    assert parse_date_input(text, TODAY) == expected


def test_month_day_is_the_nearest_such_date_to_today() -> None:
    assert parse_date_input("12-31", date(2026, 1, 2)) == date(2025, 12, 31)
    assert parse_date_input("01-02", date(2026, 12, 30)) == date(2027, 1, 2)
    assert parse_date_input("02-29", date(2027, 11, 1)) == date(2028, 2, 29)
    assert parse_date_input("02-29", date(2024, 1, 10)) == date(2024, 2, 29)


def test_next_weekday_is_never_today() -> None:
    monday = date(2026, 11, 23)
    assert parse_date_input("next mon", monday) == date(2026, 11, 30)
    assert parse_date_input("next tue", monday) == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "no date given"),
        ("   ", "no date given"),
        ("soon", "'soon' is not a date; write 2026-11-25, 11-25, +3, today or next mon"),
        ("next month", "'next month' is not a date"),
        ("2026-02-30", "'2026-02-30' is not a day of the calendar"),
        ("13-01", "'13-01' is not a day of the calendar"),
        ("04-31", "'04-31' is not a day of the calendar"),
        ("+99999", "not a date"),
        ("+3x", "not a date"),
    ],
)
def test_unreadable_dates_are_refused_with_a_sentence(text: str, words: str) -> None:
    with pytest.raises(DateInputError, match=re.escape(words)):
        parse_date_input(text, TODAY)


def test_a_month_day_with_no_such_day_within_a_year_is_refused() -> None:
    with pytest.raises(DateInputError, match="from 2025 to 2027"):
        parse_date_input("02-29", date(2026, 6, 1))


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 12, 31)), st.integers(0, 3650))
def test_offsets_are_days_from_today(today: date, days: int) -> None:
    assert parse_date_input(f"+{days}", today) == today + timedelta(days=days)
    assert parse_date_input(f"-{days}", today) == today - timedelta(days=days)


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2900, 10, 31)))
def test_month_day_is_within_half_a_year_and_next_weekday_within_a_week(today: date) -> None:
    for shift in range(0, 400, 17):
        target = today + timedelta(days=shift - 200)
        if (target.month, target.day) == (2, 29):  # only one leap day may be within a year
            continue
        found = parse_date_input(f"{target.month:02d}-{target.day:02d}", today)
        assert (found.month, found.day) == (target.month, target.day)
        assert abs((found - today).days) <= 183
    for name in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        found = parse_date_input(f"next {name}", today)
        assert 1 <= (found - today).days <= 7
        assert found.strftime("%a").lower() == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("周五", date(2026, 11, 27)),  # this week's, still to come
        ("下周五", date(2026, 12, 4)),  # next week's
        ("本周五", date(2026, 11, 27)),
        ("这周一", date(2026, 11, 23)),  # gone already
        ("周三", date(2026, 12, 2)),  # never today, as "wed"
        ("下周三", date(2026, 12, 2)),
    ],
)
def test_chinese_weekdays_on_a_wednesday(text: str, expected: date) -> None:
    assert parse_date_input(text, date(2026, 11, 25)) == expected


@given(st.dates(min_value=date(1900, 1, 8), max_value=date(2900, 12, 20)))
def test_a_chinese_weekday_is_that_day_of_the_week_meant(today: date) -> None:
    """周X is the first such day after today ("next" in English); 下周X is in the calendar week after
    today's, 本周X in today's (weeks start on Monday)."""
    week = today.isocalendar()[:2]
    following = (today + timedelta(weeks=1)).isocalendar()[:2]
    for number, name in enumerate("一二三四五六日"):
        english = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[number]
        assert parse_date_input(f"周{name}", today) == parse_date_input(english, today)
        coming = parse_date_input(f"下周{name}", today)
        assert coming.weekday() == number and coming.isocalendar()[:2] == following
        this = parse_date_input(f"本周{name}", today)
        assert this.weekday() == number and this.isocalendar()[:2] == week
    assert parse_date_input("下周一", today) == parse_date_input("next mon", today)


def test_chinese_dates_that_are_not_days_are_refused() -> None:
    with pytest.raises(DateInputError, match="not a day of the calendar"):
        parse_date_input("2026年2月30日", TODAY)
    with pytest.raises(DateInputError, match="not a day of the calendar"):
        parse_date_input("13月1日", TODAY)
    with pytest.raises(DateInputError, match="is not a date"):
        parse_date_input("周八", TODAY)


def test_times() -> None:
    assert parse_time_input("09:30") == time(9, 30)
    assert parse_time_input("9:05") == time(9, 5)
    assert parse_time_input("14：00") == time(14, 0)
    for bad in ("24:00", "9.30", "12:60", "noon"):
        with pytest.raises(DateInputError, match="not a time of day"):
            parse_time_input(bad)


def test_when_is_a_date_and_an_optional_time() -> None:
    assert parse_when_input("+3 10:00", TODAY) == (date(2026, 11, 25), time(10, 0))
    assert parse_when_input("next mon 9:30", TODAY) == (date(2026, 11, 23), time(9, 30))
    assert parse_when_input("2026-11-25 14:00", TODAY) == (date(2026, 11, 25), time(14, 0))
    assert parse_when_input("11-20", TODAY) == (date(2026, 11, 20), None)
    assert parse_when_input("16:45", TODAY) == (TODAY, time(16, 45))
    assert parse_when_input("下周三 9:30", TODAY) == (date(2026, 11, 25), time(9, 30))
    assert parse_when_input("11月25日 14:00", TODAY) == (date(2026, 11, 25), time(14, 0))
    with pytest.raises(DateInputError, match="no date given"):
        parse_when_input("", TODAY)
    with pytest.raises(DateInputError, match="not a time of day"):
        parse_when_input("+1 25:00", TODAY)
    with pytest.raises(DateInputError, match="'someday' is not a date"):
        parse_when_input("someday 10:00", TODAY)
