"""The reminder rules of the RM's day (SPEC §6.1) at their boundaries: pure functions, no database."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rm_console.domain.enums import AssetClass, LoanClass, ReminderState
from rm_console.domain.festivals import (
    Festival,
    anniversary,
    festivals,
    is_working_day,
    lunar_anniversaries,
    lunar_month_day,
    lunar_name,
    previous_working_day,
)
from rm_console.domain.reminders import (
    AssessmentFact,
    CustomerFact,
    DayFacts,
    FollowUp,
    HoldingFact,
    ImportantDateFact,
    ManualFact,
    PlannedContact,
    Priority,
    Reminder,
    ReminderKind,
    StoredState,
    TxnFact,
    apply_states,
    assessment_reminders,
    birthday_reminders,
    can_remind,
    card_due_date,
    card_repayment_reminders,
    day_reminders,
    festival_reminders,
    follow_up_reminders,
    important_date_reminders,
    large_txn_reminders,
    loan_reminders,
    manual_reminders,
    maturity_reminders,
    sort_key,
    visit_reminders,
)

TODAY = date(2026, 3, 16)  # a Monday outside any public holiday

days_2000_2100 = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


def deposit(
    maturity: date, *, account: str = "D001", balance: int = 50_000_000, kind: str = "deposit"
) -> HoldingFact:
    return HoldingFact(account, "C001", "张三", kind, "三年定期", balance, maturity_date=maturity)


def card(repayment_day: int, *, owed: int = 1_234_500) -> HoldingFact:
    return HoldingFact(
        "K001", "C002", "李四", "card", "白金信用卡", owed, card_level="platinum", repayment_day=repayment_day
    )


def loan(*, loan_class: str | None = "pass", dpd: int = 0, as_of: date | None = None) -> HoldingFact:
    return HoldingFact(
        "L001",
        "C003",
        "王五",
        "loan",
        "个人住房贷款",
        120_000_000,
        maturity_date=date(2046, 1, 1),
        loan_type="mortgage",
        loan_class=loan_class,
        days_past_due=dpd,
        days_past_due_as_of=as_of,
    )


def txn(
    day: date, amount: int = 5_000_000, *, direction: str = "in", counterparty: str | None = None
) -> TxnFact:
    return TxnFact(
        "T001", "C004", "赵六", day, amount, direction, channel="mobile", counterparty=counterparty
    )


def ids(reminders: list[Reminder]) -> list[str]:
    return [r.id for r in reminders]


# ---------------------------------------------------------------------------------------------------
# Festivals and the calendar
# ---------------------------------------------------------------------------------------------------

PUBLISHED_LUNAR = [
    ("春节", date(2025, 1, 29)),
    ("春节", date(2026, 2, 17)),
    ("春节", date(2027, 2, 6)),
    ("元宵节", date(2025, 2, 12)),
    ("元宵节", date(2026, 3, 3)),
    ("元宵节", date(2027, 2, 20)),
    ("端午节", date(2025, 5, 31)),
    ("端午节", date(2026, 6, 19)),
    ("端午节", date(2027, 6, 9)),
    ("中秋节", date(2025, 10, 6)),
    ("中秋节", date(2026, 9, 25)),
    ("中秋节", date(2027, 9, 15)),
    ("重阳节", date(2025, 10, 29)),
    ("重阳节", date(2026, 10, 18)),
    ("重阳节", date(2027, 10, 8)),
]


@pytest.mark.parametrize(("name_zh", "day"), PUBLISHED_LUNAR)
def test_lunar_festivals_fall_on_the_published_dates(name_zh: str, day: date) -> None:
    in_year = [f for f in festivals(date(day.year, 1, 1), date(day.year, 12, 31)) if f.name_zh == name_zh]
    assert [f.day for f in in_year] == [day]


def test_festivals_of_a_year_include_the_solar_ones_in_order() -> None:
    found = festivals(date(2026, 1, 1), date(2026, 12, 31))
    assert found == sorted(found)
    by_name = {f.name_zh: f for f in found}
    assert by_name["元旦"] == Festival(date(2026, 1, 1), "New Year's Day", "元旦")
    assert by_name["劳动节"].day == date(2026, 5, 1)
    assert by_name["国庆节"].day == date(2026, 10, 1)
    assert by_name["妇女节"].day == date(2026, 3, 8)
    assert by_name["母亲节"].day == date(2026, 5, 10)  # second Sunday of May
    assert by_name["父亲节"].day == date(2026, 6, 21)  # third Sunday of June
    assert {f.name_en for f in found} >= {"Spring Festival", "Mid-Autumn Festival", "National Day"}
    day, name_en, name_zh = by_name["中秋节"]
    assert (day, name_en, name_zh) == (date(2026, 9, 25), "Mid-Autumn Festival", "中秋节")


def test_festival_range_includes_both_ends_and_crosses_years() -> None:
    assert [f.name_zh for f in festivals(date(2026, 9, 25), date(2026, 10, 1))] == ["中秋节", "国庆节"]
    assert [f.day for f in festivals(date(2025, 12, 31), date(2026, 1, 1))] == [date(2026, 1, 1)]
    assert festivals(date(2026, 9, 26), date(2026, 9, 30)) == []
    assert festivals(date(2026, 10, 2), date(2026, 10, 1)) == []


def test_festival_reminders_show_on_the_day_and_three_days_before() -> None:
    assert festival_reminders(date(2026, 9, 21)) == []
    (ahead,) = festival_reminders(date(2026, 9, 22))
    assert ahead.id == "festival:mid-autumn-festival:2026-09-25"
    assert (ahead.kind, ahead.cif, ahead.name, ahead.due) == (
        ReminderKind.FESTIVAL,
        None,
        None,
        date(2026, 9, 25),
    )
    assert ahead.priority is Priority.LOW
    assert "in 3 days" in ahead.text_en and "中秋节" in ahead.text_zh
    (on_day,) = festival_reminders(date(2026, 9, 25))
    assert on_day.id == ahead.id and on_day.priority is Priority.NORMAL
    # One reminder per festival: National Day and Mid-Autumn 2026 are six days apart.
    assert ids(festival_reminders(date(2026, 9, 28))) == ["festival:national-day:2026-10-01"]
    assert ids(festival_reminders(date(2025, 10, 3))) == ["festival:mid-autumn-festival:2025-10-06"]
    assert ids(festival_reminders(date(2026, 9, 24))) == ["festival:mid-autumn-festival:2026-09-25"]
    spring = festival_reminders(date(2026, 2, 14))
    assert ids(spring) == ["festival:spring-festival:2026-02-17"]
    assert ids(festival_reminders(date(2025, 12, 29))) == ["festival:new-years-day:2026-01-01"]


def test_previous_working_day_of_a_monday_is_the_friday() -> None:
    assert TODAY.weekday() == 0
    assert previous_working_day(TODAY) == date(2026, 3, 13)
    assert previous_working_day(date(2026, 3, 17)) == TODAY
    # A year the official calendar does not cover: Monday to Friday.
    assert previous_working_day(date(2030, 3, 18)) == date(2030, 3, 15)


def test_previous_working_day_follows_the_official_holiday_calendar() -> None:
    # National Day 2026: 1–7 October off, Saturday 10 October a working day.
    assert previous_working_day(date(2026, 10, 8)) == date(2026, 9, 30)
    assert is_working_day(date(2026, 10, 10)) and not is_working_day(date(2026, 10, 5))
    assert previous_working_day(date(2026, 10, 12)) == date(2026, 10, 10)


@given(days_2000_2100)
def test_previous_working_day_is_the_last_one_before(day: date) -> None:
    before = previous_working_day(day)
    assert before < day and is_working_day(before)
    gap = (day - before).days
    assert all(not is_working_day(before + timedelta(days=n)) for n in range(1, gap))


# ---------------------------------------------------------------------------------------------------
# Maturities
# ---------------------------------------------------------------------------------------------------


def test_maturity_on_day_n_is_shown_and_day_n_plus_one_is_not() -> None:
    assert ids(maturity_reminders([deposit(TODAY + timedelta(days=7))], TODAY)) == [
        "maturity:D001:2026-03-23"
    ]
    assert maturity_reminders([deposit(TODAY + timedelta(days=8))], TODAY) == []
    assert len(maturity_reminders([deposit(TODAY)], TODAY)) == 1
    assert maturity_reminders([deposit(TODAY - timedelta(days=1))], TODAY) == []
    assert len(maturity_reminders([deposit(TODAY + timedelta(days=14))], TODAY, days=14)) == 1
    assert maturity_reminders([deposit(TODAY + timedelta(days=15))], TODAY, days=14) == []


def test_maturity_covers_deposits_wealth_and_loans_with_a_balance() -> None:
    due = TODAY + timedelta(days=3)
    holdings = [
        deposit(due, account="D1"),
        deposit(due, account="W1", kind="wealth"),
        deposit(due, account="L1", kind="loan"),
        deposit(due, account="S1", kind="settlement"),
        deposit(due, account="D0", balance=0),
    ]
    found = maturity_reminders(holdings, TODAY)
    assert ids(found) == ["maturity:D1:2026-03-19", "maturity:W1:2026-03-19", "maturity:L1:2026-03-19"]
    (first,) = found[:1]
    assert first.priority is Priority.NORMAL and first.due == due
    assert first.text_en == "Deposit 三年定期 of 张三 (CIF C001), ¥500,000, matures on 2026-03-19 (in 3 days)"
    assert first.text("zh") == "张三（CIF C001）的存款「三年定期」¥500,000 将于 2026-03-19 到期（3 天后）"
    assert first.text("en") == first.text_en


@given(
    today=days_2000_2100,
    offset=st.integers(min_value=-30, max_value=30),
    window=st.integers(min_value=0, max_value=20),
)
def test_maturity_window_property(today: date, offset: int, window: int) -> None:
    found = maturity_reminders([deposit(today + timedelta(days=offset))], today, days=window)
    assert bool(found) == (0 <= offset <= window)
    if found:
        assert found[0].id == f"maturity:D001:{(today + timedelta(days=offset)).isoformat()}"


# ---------------------------------------------------------------------------------------------------
# Credit-card repayments
# ---------------------------------------------------------------------------------------------------


def test_repayment_day_31_falls_on_the_last_day_of_short_months() -> None:
    assert card_due_date(31, date(2026, 4, 10)) == date(2026, 4, 30)
    assert card_due_date(31, date(2026, 2, 1)) == date(2026, 2, 28)
    assert card_due_date(31, date(2028, 2, 1)) == date(2028, 2, 29)
    assert card_due_date(30, date(2026, 2, 28)) == date(2026, 2, 28)
    assert card_due_date(31, date(2026, 5, 1)) == date(2026, 5, 31)
    assert card_due_date(1, date(2026, 1, 30)) == date(2026, 2, 1)
    assert card_due_date(15, date(2026, 12, 20)) == date(2027, 1, 15)


def test_card_repayment_within_three_days_at_month_ends() -> None:
    (april,) = card_repayment_reminders([card(31)], date(2026, 4, 27))
    assert april.id == "card_repayment:K001:2026-04-30" and april.due == date(2026, 4, 30)
    assert "¥12,345" in april.text_en and "还款日 2026-04-30" in april.text_zh
    assert card_repayment_reminders([card(31)], date(2026, 4, 26)) == []
    (february,) = card_repayment_reminders([card(31)], date(2026, 2, 25))
    assert february.due == date(2026, 2, 28)
    assert card_repayment_reminders([card(31)], date(2026, 2, 24)) == []
    assert card_repayment_reminders([card(31)], date(2028, 2, 25)) == []
    assert card_repayment_reminders([card(31)], date(2028, 2, 26))[0].due == date(2028, 2, 29)
    (next_month,) = card_repayment_reminders([card(1)], date(2026, 1, 29))
    assert next_month.due == date(2026, 2, 1)


def test_card_without_amount_owed_or_repayment_day_has_no_reminder() -> None:
    assert card_repayment_reminders([card(17, owed=0)], TODAY) == []
    wealth_card = HoldingFact("K9", "C002", "李四", "card", "财富卡", 0)
    assert card_repayment_reminders([wealth_card], TODAY) == []


@given(today=days_2000_2100, repayment_day=st.integers(min_value=1, max_value=31))
def test_card_due_date_is_the_next_repayment_date(today: date, repayment_day: int) -> None:
    due = card_due_date(repayment_day, today)
    assert today <= due <= today + timedelta(days=31)
    assert due.day == min(repayment_day, calendar.monthrange(due.year, due.month)[1])
    # No earlier day from today on is a repayment date.
    for n in range((due - today).days):
        day = today + timedelta(days=n)
        assert day.day != min(repayment_day, calendar.monthrange(day.year, day.month)[1])


# ---------------------------------------------------------------------------------------------------
# Loans
# ---------------------------------------------------------------------------------------------------


def test_a_current_pass_loan_has_no_reminder() -> None:
    assert loan_reminders([loan()], TODAY) == []
    assert loan_reminders([loan(loan_class=None)], TODAY) == []


def test_an_overdue_loan_is_high_and_keeps_its_id_while_overdue() -> None:
    (first,) = loan_reminders([loan(dpd=1)], TODAY)
    assert first.kind is ReminderKind.OVERDUE_LOAN and first.priority is Priority.HIGH
    assert first.id == "overdue_loan:L001:2026-03-15" and first.due == date(2026, 3, 15)
    assert "1 days past due" in first.text_en and "已逾期 1 天" in first.text_zh
    (later,) = loan_reminders([loan(dpd=11)], TODAY + timedelta(days=10))
    assert later.id == first.id
    # Days past due counted on an earlier data date still point at the same missed due date.
    (stale,) = loan_reminders([loan(dpd=1, as_of=TODAY)], TODAY + timedelta(days=3))
    assert stale.id == first.id and "4 days past due" in stale.text_en


def test_problem_loans_from_special_mention_down() -> None:
    for loan_class, zh in (
        ("special_mention", "关注"),
        ("substandard", "次级"),
        ("doubtful", "可疑"),
        ("loss", "损失"),
    ):
        (found,) = loan_reminders([loan(loan_class=loan_class)], TODAY)
        assert found.kind is ReminderKind.PROBLEM_LOAN and found.priority is Priority.HIGH
        assert found.id == f"problem_loan:L001:{loan_class}" and found.due == TODAY
        assert zh in found.text_zh
        (tomorrow,) = loan_reminders([loan(loan_class=loan_class)], TODAY + timedelta(days=1))
        assert tomorrow.id == found.id
    (both,) = loan_reminders([loan(loan_class="doubtful", dpd=95)], TODAY)
    assert (
        both.kind is ReminderKind.OVERDUE_LOAN and "class doubtful" in both.text_en and "可疑" in both.text_zh
    )


def test_only_loans_are_judged_as_loans() -> None:
    assert loan_reminders([deposit(TODAY)], TODAY) == []
    with pytest.raises(ValueError):
        loan(loan_class="bad")
    with pytest.raises(ValueError):
        loan(dpd=-1)


# ---------------------------------------------------------------------------------------------------
# Large transactions
# ---------------------------------------------------------------------------------------------------


def test_large_transactions_since_the_last_working_day_on_a_monday() -> None:
    friday, thursday = date(2026, 3, 13), date(2026, 3, 12)
    assert ids(large_txn_reminders([txn(friday)], TODAY)) == ["large_txn:T001:2026-03-13"]
    assert len(large_txn_reminders([txn(date(2026, 3, 14))], TODAY)) == 1  # Saturday
    assert len(large_txn_reminders([txn(TODAY)], TODAY)) == 1
    assert large_txn_reminders([txn(thursday)], TODAY) == []
    assert large_txn_reminders([txn(TODAY + timedelta(days=1))], TODAY) == []
    # On Tuesday only Monday's count.
    assert large_txn_reminders([txn(friday)], date(2026, 3, 17)) == []


def test_large_transactions_after_a_public_holiday_look_back_to_before_it() -> None:
    assert len(large_txn_reminders([txn(date(2026, 9, 30))], date(2026, 10, 8))) == 1
    assert large_txn_reminders([txn(date(2026, 9, 29))], date(2026, 10, 8)) == []


def test_large_transaction_threshold_is_inclusive() -> None:
    assert len(large_txn_reminders([txn(TODAY, 5_000_000)], TODAY)) == 1
    assert large_txn_reminders([txn(TODAY, 4_999_999)], TODAY) == []
    assert len(large_txn_reminders([txn(TODAY, 1_000_000)], TODAY, threshold_fen=1_000_000)) == 1


def test_money_leaving_for_another_bank_is_high() -> None:
    (leaving,) = large_txn_reminders([txn(TODAY, 8_000_000, direction="out", counterparty="out_bank")], TODAY)
    assert leaving.priority is Priority.HIGH
    assert "¥80,000 out" in leaving.text_en and "funds leaving the bank" in leaving.text_en
    assert "转出 ¥80,000" in leaving.text_zh and "资金流出本行" in leaving.text_zh
    (incoming,) = large_txn_reminders([txn(TODAY, 8_000_000, counterparty="out_bank")], TODAY)
    assert incoming.priority is Priority.NORMAL


# ---------------------------------------------------------------------------------------------------
# Birthdays and important dates
# ---------------------------------------------------------------------------------------------------


def test_birthday_today_and_within_three_days_with_age() -> None:
    customer = CustomerFact("C005", "孙七", date(1966, 3, 19))
    (ahead,) = birthday_reminders([customer], TODAY)
    assert ahead.id == "birthday:C005:2026-03-19" and ahead.priority is Priority.LOW
    assert ahead.text_en == "Birthday of 孙七 (CIF C005): turns 60 on 2026-03-19 (in 3 days)"
    assert ahead.text_zh == "孙七（CIF C005）60 岁生日：2026-03-19（3 天后）"
    assert birthday_reminders([customer], TODAY - timedelta(days=1)) == []
    (on_day,) = birthday_reminders([customer], date(2026, 3, 19))
    assert on_day.id == ahead.id and on_day.priority is Priority.NORMAL and "(today)" in on_day.text_en
    assert birthday_reminders([CustomerFact("C006", "无名", None)], TODAY) == []


def test_leap_day_birthday_falls_on_28_february_in_common_years() -> None:
    leapling = CustomerFact("C007", "周八", date(2000, 2, 29))
    (common,) = birthday_reminders([leapling], date(2027, 2, 25))
    assert common.due == date(2027, 2, 28) and "turns 27" in common.text_en
    assert birthday_reminders([leapling], date(2027, 3, 1)) == []
    assert birthday_reminders([leapling], date(2028, 2, 25)) == []
    (leap,) = birthday_reminders([leapling], date(2028, 2, 26))
    assert leap.due == date(2028, 2, 29) and "turns 28" in leap.text_en


def test_important_dates_on_the_solar_and_lunar_calendars() -> None:
    wedding = ImportantDateFact("41", "C008", "吴九", "结婚纪念日", date(1998, 12, 31))
    (solar,) = important_date_reminders([wedding], date(2026, 12, 29))
    assert solar.id == "important_date:41:2026-12-31" and "结婚纪念日" in solar.text_zh
    assert important_date_reminders([wedding], date(2026, 12, 27)) == []
    # Mother's lunar birthday on the 15th of the 8th lunar month: Mid-Autumn day.
    mother = ImportantDateFact("42", "C008", "吴九", "母亲生日(农历)", date(1950, 9, 26), lunar=True)
    assert lunar_month_day(date(1950, 9, 26))[1:] == (8, 15)
    (lunar,) = important_date_reminders([mother], date(2026, 9, 22))
    assert lunar.due == date(2026, 9, 25) and "农历八月十五" in lunar.text_zh
    assert important_date_reminders([mother], date(2026, 9, 21)) == []
    (next_year,) = important_date_reminders([mother], date(2027, 9, 15))
    assert next_year.due == date(2027, 9, 15) and next_year.priority is Priority.NORMAL


def test_lunar_30th_falls_on_the_29th_in_a_short_month() -> None:
    # 1990-01-26 is the 30th of the 12th lunar month of 1989; that month has 29 days in 2025 and 2026.
    assert lunar_month_day(date(1990, 1, 26)) == (1989, 12, 30)
    assert lunar_anniversaries(date(1990, 1, 26), date(2026, 1, 1), date(2026, 12, 31)) == [date(2026, 2, 16)]
    assert lunar_name(date(2026, 2, 16)) == "十二月廿九"
    # Born in the leap second month of 2023: kept in the ordinary second month.
    assert lunar_month_day(date(2023, 4, 10)) == (2023, 2, 20)
    assert lunar_anniversaries(date(2023, 4, 10), date(2024, 1, 1), date(2024, 12, 31)) == [date(2024, 3, 29)]


@given(born=st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31)), year=st.integers(2021, 2060))
def test_anniversary_property(born: date, year: int) -> None:
    day = anniversary(born, year)
    assert day.year == year and day.month == born.month
    leap_day_in_common_year = (born.month, born.day) == (2, 29) and not calendar.isleap(year)
    assert day.day == (28 if leap_day_in_common_year else born.day)


@given(born=st.dates(min_value=date(1940, 1, 1), max_value=date(2020, 12, 31)), year=st.integers(2022, 2040))
def test_lunar_anniversary_keeps_the_lunar_month_and_day(born: date, year: int) -> None:
    found = lunar_anniversaries(born, date(year, 1, 1), date(year + 2, 12, 31))
    _, month, day = lunar_month_day(born)
    lunar_years = [lunar_month_day(when)[0] for when in found]
    # Once per lunar year: two to four times in three Gregorian years (a lunar year is 354–384 days).
    assert 2 <= len(found) <= 4 and lunar_years == sorted(set(lunar_years))
    for when in found:
        _, found_month, found_day = lunar_month_day(when)
        assert found_month == month
        assert found_day == day or (day == 30 and found_day == 29)


#: Threads computing lunar dates for the first time in a fresh interpreter, all at once.
RACE = """
import sys, threading
sys.setswitchinterval(1e-6)
from rm_console.domain.festivals import lunar_month_day
from tyme4py.lunar import LunarYear
from datetime import date
barrier, found = threading.Barrier(8), []
def work():
    barrier.wait()
    found.append(lunar_month_day(date(2033, 12, 1)))
threads = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(LunarYear._LEAP), len(found), len(set(found)))
"""


def test_lunar_dates_are_right_when_threads_first_use_them_together() -> None:
    """tyme4py fills its leap-month table on first use without a lock; threads doing so together (the
    workbench's loaders) appended its rows several times, and lunar dates went wrong for the rest of the
    run. The table is built once, when the festivals are imported."""
    import subprocess
    import sys

    for _run in range(3):
        done = subprocess.run([sys.executable, "-c", RACE], capture_output=True, text=True, check=True)
        assert done.stdout.split() == ["12", "8", "1"]  # twelve rows; eight answers, all the same


# ---------------------------------------------------------------------------------------------------
# Risk assessments
# ---------------------------------------------------------------------------------------------------


def test_assessment_expiring_within_thirty_days() -> None:
    due = TODAY + timedelta(days=30)
    (found,) = assessment_reminders([AssessmentFact("C009", "郑十", "C3", due)], TODAY)
    assert found.id == "assessment_expiring:C009:2026-04-15" and found.priority is Priority.NORMAL
    assert "(C3 balanced)" in found.text_en and "将于 2026-04-15 到期" in found.text_zh
    assert assessment_reminders([AssessmentFact("C009", "郑十", "C3", due + timedelta(days=1))], TODAY) == []
    assert len(assessment_reminders([AssessmentFact("C009", "郑十", "C3", TODAY)], TODAY)) == 1


def test_expired_assessment_is_high_only_for_investors() -> None:
    expired = TODAY - timedelta(days=1)
    (found,) = assessment_reminders(
        [AssessmentFact("C009", "郑十", "C4", expired, has_investments=True)], TODAY
    )
    assert found.kind is ReminderKind.ASSESSMENT_EXPIRED and found.priority is Priority.HIGH
    assert found.id == "assessment_expired:C009:2026-03-15"
    assert (
        "expired" in found.text_en and "Urgent" in found.text_en and "已于 2026-03-15 过期" in found.text_zh
    )
    assert assessment_reminders([AssessmentFact("C009", "郑十", "C4", expired)], TODAY) == []


def test_a_new_assessment_replaces_the_expired_one() -> None:
    old = AssessmentFact("C009", "郑十", "C2", date(2025, 3, 1), has_investments=True)
    new = AssessmentFact("C009", "郑十", "C3", date(2027, 3, 1), has_investments=True)
    assert assessment_reminders([old, new], TODAY) == []
    assert assessment_reminders([new, old], TODAY) == []


# ---------------------------------------------------------------------------------------------------
# Visits, calls and follow-ups
# ---------------------------------------------------------------------------------------------------


def test_visits_and_calls_of_the_day_in_business_time() -> None:
    # 17:00 UTC on the 15th is 01:00 on the 16th in Shanghai.
    early = PlannedContact("P1", "C010", "钱一", datetime(2026, 3, 15, 17, 0, tzinfo=UTC), "开户")
    call = PlannedContact("P2", "C011", "钱二", datetime(2026, 3, 16, 2, 30, tzinfo=UTC), "回访", kind="call")
    late = PlannedContact("P3", "C012", "钱三", datetime(2026, 3, 16, 16, 30, tzinfo=UTC), "送资料")
    cancelled = PlannedContact(
        "P4", "C013", "钱四", datetime(2026, 3, 16, 3, 0, tzinfo=UTC), "x", cancelled=True
    )
    done = PlannedContact("P5", "C014", "钱五", datetime(2026, 3, 16, 3, 0, tzinfo=UTC), "x", done=True)
    found = visit_reminders([early, call, late, cancelled, done], TODAY)
    assert ids(found) == ["visit:P1:2026-03-16", "call:P2:2026-03-16"]
    assert found[0].text_en == "Visit 钱一 (CIF C010) at 01:00: 开户"
    assert found[1].kind is ReminderKind.CALL and found[1].text_zh == "10:30 致电 钱二（CIF C011）：回访"
    with pytest.raises(ValueError):
        PlannedContact("P6", "C", "n", datetime(2026, 3, 16, 3, 0), "naive")
    with pytest.raises(ValueError):
        PlannedContact("P7", "C", "n", datetime(2026, 3, 16, 3, 0, tzinfo=UTC), "x", kind="event")


def test_follow_ups_due_or_overdue() -> None:
    items = [
        FollowUp("R1", "C015", "孔一", TODAY, "送合同"),
        FollowUp("R2", "C016", "孔二", TODAY - timedelta(days=3)),
        FollowUp("R3", "C017", "孔三", TODAY + timedelta(days=1)),
        FollowUp("R4", "C018", "孔四", TODAY - timedelta(days=1), done=True),
    ]
    found = {r.id: r for r in follow_up_reminders(items, TODAY)}
    assert set(found) == {"follow_up:R1:2026-03-16", "follow_up:R2:2026-03-13"}
    assert found["follow_up:R1:2026-03-16"].priority is Priority.NORMAL
    overdue = found["follow_up:R2:2026-03-13"]
    assert overdue.priority is Priority.HIGH and "overdue" in overdue.text_en and "已逾期" in overdue.text_zh


# ---------------------------------------------------------------------------------------------------
# The day as a whole, states and ids
# ---------------------------------------------------------------------------------------------------


def facts() -> DayFacts:
    return DayFacts(
        follow_ups=(FollowUp("R2", "C016", "孔二", TODAY - timedelta(days=3)),),
        holdings=(deposit(TODAY + timedelta(days=5)), card(18), loan(loan_class="substandard")),
        txns=(txn(date(2026, 3, 13)),),
        customers=(CustomerFact("C005", "孙七", date(1966, 3, 19)),),
        assessments=(AssessmentFact("C009", "郑十", "C3", TODAY + timedelta(days=20)),),
    )


def test_day_reminders_sorted_by_priority_then_due_then_customer() -> None:
    found = day_reminders(facts(), TODAY)
    assert found == sorted(found, key=sort_key)
    assert [r.kind for r in found] == [
        ReminderKind.FOLLOW_UP,
        ReminderKind.PROBLEM_LOAN,
        ReminderKind.LARGE_TXN,
        ReminderKind.CARD_REPAYMENT,
        ReminderKind.MATURITY,
        ReminderKind.ASSESSMENT_EXPIRING,
        ReminderKind.BIRTHDAY,
    ]
    assert [r.priority for r in found][:2] == [Priority.HIGH, Priority.HIGH]
    assert len(set(ids(found))) == len(found)
    # The same fact twice gives one reminder.
    twice = DayFacts(holdings=(deposit(TODAY), deposit(TODAY)))
    assert ids(day_reminders(twice, TODAY)) == ["maturity:D001:2026-03-16"]
    # The maturity window is a parameter.
    assert not any(r.kind is ReminderKind.MATURITY for r in day_reminders(facts(), TODAY, maturity_days=4))


def test_ids_are_stable_from_day_to_day() -> None:
    first = set(ids(day_reminders(facts(), TODAY)))
    second = set(ids(day_reminders(facts(), TODAY + timedelta(days=1))))
    for kept in ("maturity:D001:2026-03-21", "problem_loan:L001:substandard", "birthday:C005:2026-03-19"):
        assert kept in first and kept in second
    assert "assessment_expiring:C009:2026-04-05" in first & second
    assert "card_repayment:K001:2026-03-18" in first & second


def test_done_and_dismissed_hide_and_snooze_hides_until_its_date() -> None:
    found = day_reminders(facts(), TODAY)
    maturity, birthday, loan_id = (
        "maturity:D001:2026-03-21",
        "birthday:C005:2026-03-19",
        "problem_loan:L001:substandard",
    )
    states = {
        maturity: StoredState(ReminderState.DONE),
        loan_id: StoredState(ReminderState.DISMISSED),
        birthday: StoredState(ReminderState.SNOOZED, date(2026, 3, 18)),
        "maturity:D001:2026-01-01": StoredState(ReminderState.DONE),  # an old occurrence matches nothing
    }
    shown = ids(apply_states(found, states, TODAY))
    assert maturity not in shown and loan_id not in shown and birthday not in shown
    assert len(shown) == len(found) - 3
    tomorrow = ids(
        apply_states(day_reminders(facts(), TODAY + timedelta(days=1)), states, TODAY + timedelta(days=1))
    )
    assert birthday not in tomorrow and maturity not in tomorrow
    on_snooze_date = apply_states(day_reminders(facts(), date(2026, 3, 18)), states, date(2026, 3, 18))
    assert birthday in ids(on_snooze_date) and maturity not in ids(on_snooze_date)
    assert on_snooze_date == sorted(on_snooze_date, key=sort_key)


def test_a_snooze_needs_a_date_and_only_a_snooze_has_one() -> None:
    with pytest.raises(ValueError):
        StoredState(ReminderState.SNOOZED)
    with pytest.raises(ValueError):
        StoredState(ReminderState.DONE, date(2026, 3, 20))
    assert StoredState("snoozed", date(2026, 3, 20)).state is ReminderState.SNOOZED  # type: ignore[arg-type]


_STATES = st.one_of(
    st.none(),
    st.sampled_from([StoredState(ReminderState.DONE), StoredState(ReminderState.DISMISSED)]),
    st.builds(
        StoredState,
        st.just(ReminderState.SNOOZED),
        st.dates(min_value=date(2026, 3, 1), max_value=date(2026, 4, 30)),
    ),
)


@given(
    chosen=st.lists(_STATES, min_size=7, max_size=7),
    today=st.dates(min_value=date(2026, 3, 10), max_value=date(2026, 3, 20)),
)
def test_apply_states_property(chosen: list[StoredState | None], today: date) -> None:
    found = day_reminders(facts(), today)
    states = {r.id: s for r, s in zip(found, chosen, strict=False) if s is not None}
    shown = apply_states(found, states, today)
    assert shown == sorted(shown, key=sort_key)
    for reminder in found:
        stored = states.get(reminder.id)
        expected = stored is None or (
            stored.state is ReminderState.SNOOZED
            and stored.snooze_until is not None
            and today >= stored.snooze_until
        )
        assert (reminder in shown) == expected


# ---------------------------------------------------------------------------------------------------
# Manual reminders (手工提醒)
# ---------------------------------------------------------------------------------------------------

CALL_BACK = ManualFact("0190aaaa-0000-7000-8000-000000000001", "C001", "张三", TODAY, "call about the bond")


def test_a_manual_reminder_shows_on_its_day_at_normal_priority() -> None:
    (found,) = manual_reminders([CALL_BACK], TODAY)
    assert found.kind is ReminderKind.MANUAL and found.priority is Priority.NORMAL
    assert found.id == f"manual:{CALL_BACK.reminder_id}:2026-03-16"
    assert (found.cif, found.name, found.due) == ("C001", "张三", TODAY)
    assert found.text_en == "Reminder: call about the bond (张三, C001)"
    assert found.text_zh == "提醒：call about the bond（张三，C001）"
    assert found in day_reminders(DayFacts(manual=(CALL_BACK,)), TODAY)


def test_a_manual_reminder_is_not_shown_the_day_before() -> None:
    assert manual_reminders([CALL_BACK], TODAY - timedelta(days=1)) == []
    assert not any(
        r.kind is ReminderKind.MANUAL
        for r in day_reminders(DayFacts(manual=(CALL_BACK,)), TODAY - timedelta(days=1))
    )


def test_an_overdue_manual_reminder_stays_at_high_priority_with_the_same_id() -> None:
    (on_the_day,) = manual_reminders([CALL_BACK], TODAY)
    (later,) = manual_reminders([CALL_BACK], TODAY + timedelta(days=3))
    assert later.id == on_the_day.id and later.due == TODAY
    assert later.priority is Priority.HIGH
    assert "due 2026-03-16 (3 days ago)" in later.text_en and "3 天前" in later.text_zh
    done = {later.id: StoredState(ReminderState.DONE)}
    assert apply_states([later], done, TODAY + timedelta(days=3)) == []


def test_a_manual_reminder_without_a_customer() -> None:
    bare = ManualFact("0190aaaa-0000-7000-8000-000000000002", None, None, TODAY, "branch meeting")
    (found,) = manual_reminders([bare], TODAY)
    assert found.cif is None and found.name is None
    assert (found.text_en, found.text_zh) == ("Reminder: branch meeting", "提醒：branch meeting")


@given(
    today=st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)),
    asset_class=st.sampled_from(list(AssetClass)),
    maturity=st.one_of(st.none(), st.dates(min_value=date(2023, 1, 1), max_value=date(2029, 12, 31))),
    loan_class=st.one_of(st.none(), st.sampled_from(list(LoanClass))),
    days_past_due=st.integers(min_value=0, max_value=200),
    repayment_day=st.one_of(st.none(), st.integers(min_value=1, max_value=31)),
    balance=st.integers(min_value=-100_000, max_value=10_000_000),
)
def test_a_holding_that_cannot_remind_never_does(
    today: date,
    asset_class: AssetClass,
    maturity: date | None,
    loan_class: LoanClass | None,
    days_past_due: int,
    repayment_day: int | None,
    balance: int,
) -> None:
    """The day's facts leave out the holdings can_remind rules out; no rule may have wanted them."""
    holding = HoldingFact(
        "A1",
        "C1",
        "Customer",
        asset_class,
        "Product",
        balance,
        maturity_date=maturity,
        loan_class=loan_class,
        days_past_due=days_past_due,
        repayment_day=repayment_day,
    )
    if not can_remind(asset_class, maturity):
        alone = day_reminders(DayFacts(), today, maturity_days=31)
        assert day_reminders(DayFacts(holdings=(holding,)), today, maturity_days=31) == alone
