"""Domain value types: money in fen, months, business dates, masking, bilingual words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rm_console.domain.calendar import (
    business_date,
    month_idx,
    month_start,
    month_text,
    parse_date,
    parse_month,
)
from rm_console.domain.enums import AssetClass, ReminderState, RiskLevel, Tier, member
from rm_console.domain.masking import mask_id_no, mask_phone
from rm_console.domain.money import AmountError, fen_to_decimal, format_yuan, parse_yuan, yuan_to_fen
from rm_console.domain.words import status_label, tier_label


@pytest.mark.parametrize(
    ("text", "fen"),
    [("0", 0), ("0.29", 29), ("0.1", 10), ("1234.5", 123450), ("50000", 5_000_000), ("1.01", 101)],
)
def test_yuan_amounts_become_exact_fen(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["1.234", "1,000", "1e3", "abc", "", "-5", "1.", ".5", "¥5", "nan"])
def test_amounts_that_are_not_yuan_are_refused(text: str) -> None:
    with pytest.raises(AmountError):
        parse_yuan(text)


def test_negative_amounts_only_when_allowed() -> None:
    assert parse_yuan("-12.30", allow_negative=True) == -1230


@given(st.integers(min_value=0, max_value=10**14))
def test_fen_round_trips_through_text(fen: int) -> None:
    assert parse_yuan(f"{fen // 100}.{fen % 100:02d}") == fen
    assert yuan_to_fen(fen_to_decimal(fen)) == fen


def test_fractions_of_a_fen_are_refused() -> None:
    assert yuan_to_fen(Decimal("12.34")) == 1234
    with pytest.raises(AmountError):
        yuan_to_fen(Decimal("0.001"))


def test_yuan_display() -> None:
    assert format_yuan(123_456_700) == "¥1,234,567"
    assert format_yuan(123_456_789, cents=True) == "¥1,234,567.89"
    assert format_yuan(-120_000_000) == "-¥1,200,000"
    assert format_yuan(50) == "¥1"
    assert format_yuan(49) == "¥0"


def test_months() -> None:
    assert parse_month("2026-11") == 2026 * 12 + 10
    assert month_text(parse_month("2026-01")) == "2026-01"
    assert month_idx(date(2026, 1, 31)) - month_idx(date(2025, 12, 1)) == 1
    assert month_start(parse_month("2024-02")) == date(2024, 2, 1)
    for bad in ("2026-13", "2026-1", "26-11", "2026/11"):
        with pytest.raises(ValueError, match="not a month"):
            parse_month(bad)


def test_dates() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    for bad in ("2023-02-29", "2026-1-5", "20261105", ""):
        with pytest.raises(ValueError, match="not a date"):
            parse_date(bad)


def test_business_date_is_shanghai() -> None:
    assert business_date(datetime(2026, 11, 21, 16, 0, tzinfo=UTC)) == date(2026, 11, 22)
    assert business_date(datetime(2026, 11, 21, 15, 59, tzinfo=UTC)) == date(2026, 11, 21)
    with pytest.raises(ValueError):
        business_date(datetime(2026, 11, 21, 16, 0))


def test_masking() -> None:
    assert mask_id_no("110105199001011234") == "110105********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_no(None) == "" and mask_phone("") == ""
    assert "1234567" not in mask_id_no("A1234567")


def test_bilingual_words() -> None:
    assert tier_label(Tier.CORE, "en") == "core 核心级"
    assert tier_label(Tier.CORE, "zh") == "核心级 core"
    assert status_label("churned", "zh") == "流失 churned"


@pytest.mark.parametrize("enum", [Tier, RiskLevel, AssetClass, ReminderState])
def test_member_is_the_enums_own_conversion(enum: type[StrEnum]) -> None:
    for item in enum:
        assert member(enum, item.value) is enum(item.value)
        assert member(enum, item) is item
    with pytest.raises(ValueError, match="is not a valid"):
        member(enum, "no such value")


def test_tier_rank_is_the_declaration_order() -> None:
    assert [tier.rank for tier in Tier] == list(range(len(Tier)))
