"""Exact fixed-point parsing of file amounts: ``parse_fixed``, the bulk ``fixed_column``/``fen_column``
and the amount pattern the import checks cells against."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rm_console.domain.money import (
    AMOUNT_PATTERN,
    MAX_ABS_FEN,
    AmountError,
    fen_column,
    fixed_column,
    parse_fixed,
    parse_yuan,
)


@pytest.mark.parametrize(
    ("text", "places", "scaled"),
    [
        ("1", 4, 10_000),
        ("1.25", 4, 12_500),
        ("0.0001", 4, 1),
        ("3.25", 4, 32_500),
        ("007.5", 2, 750),
        ("0", 2, 0),
        ("12", 0, 12),
    ],
)
def test_parse_fixed_scales_exactly(text: str, places: int, scaled: int) -> None:
    assert parse_fixed(text, places) == scaled


@pytest.mark.parametrize("text", ["", ".5", "5.", "1e3", "1,000", "abc", "1.2.3", "--1"])
def test_parse_fixed_refuses_what_is_not_a_number(text: str) -> None:
    with pytest.raises(AmountError, match="is not a number"):
        parse_fixed(text, 4)


def test_parse_fixed_refuses_extra_decimals_and_signs() -> None:
    with pytest.raises(AmountError, match="more than 4 decimals"):
        parse_fixed("1.23456", 4)
    with pytest.raises(AmountError, match="is negative"):
        parse_fixed("-1", 4)
    assert parse_fixed("-1.5", 4, allow_negative=True) == -15_000


def test_columns_convert_every_shape_of_amount() -> None:
    assert fen_column(()) == []
    assert fen_column(("1234.50", "0.29", "0.01")) == [123_450, 29, 1]
    assert fen_column(("1234.5", "7", "0.29", "100.00")) == [123_450, 700, 29, 10_000]
    assert fen_column(("", "12.30", "", "")) == [None, 1230, None, None]
    assert fen_column(("", "", "")) == [None, None, None]
    assert fen_column(("5", "", "0.5")) == [500, None, 50]
    assert fen_column(("-12.05", "-0.5", "-3")) == [-1205, -50, -300]
    assert fixed_column(("1", "1.25", "0.0001", ""), 4) == [10_000, 12_500, 1, None]
    assert fixed_column(("1.2500", "0.0001"), 4) == [12_500, 1]


_amount_texts = st.builds(
    lambda sign, whole, frac: f"{sign}{whole}{'.' + frac if frac is not None else ''}",
    st.sampled_from(["", "-"]),
    st.from_regex(r"\A[0-9]{1,13}\Z"),
    st.none() | st.from_regex(r"\A[0-9]{1,2}\Z"),
)


@given(st.lists(st.one_of(st.just(""), _amount_texts), max_size=30))
def test_bulk_conversion_matches_decimal(texts: list[str]) -> None:
    expected = [int(Decimal(text) * 100) if text else None for text in texts]
    assert fen_column(texts) == expected
    assert fen_column(tuple(texts)) == expected


@given(st.lists(st.from_regex(r"\A[0-9]{1,4}(\.[0-9]{1,4})?\Z"), max_size=20))
def test_bulk_conversion_of_four_places_matches_parse_fixed(texts: list[str]) -> None:
    assert fixed_column(texts, 4) == [parse_fixed(text, 4) for text in texts]


@given(st.text(alphabet="0123456789.-,e ", max_size=18))
def test_the_amount_pattern_accepts_exactly_what_parse_yuan_accepts(text: str) -> None:
    matches = re.fullmatch(AMOUNT_PATTERN, text) is not None
    try:
        fen = parse_yuan(text)
    except AmountError:
        fen = None
    if matches:
        assert fen is not None
        assert fen_column([text]) == [fen]
    elif fen is not None:
        # parse_yuan tolerates surrounding spaces; a cell in a file must not have them.
        assert text != text.strip()


def test_the_largest_amount() -> None:
    assert fen_column(["9999999999999.99"]) == [MAX_ABS_FEN - 1]
    assert re.fullmatch(AMOUNT_PATTERN, "10000000000000") is None
    with pytest.raises(AmountError, match="too large"):
        parse_yuan("10000000000000")
