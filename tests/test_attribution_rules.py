"""The attribution rule of SPEC §5 as pure functions: every path, the grace boundary, adjustments."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rm_console.domain.attribution import (
    AdjustmentError,
    Credit,
    Person,
    SaleFacts,
    SaleStatus,
    Share,
    current_seller,
    cutoff,
    grace_end,
    grace_ended,
    parse_adjustment,
    parse_grace_days,
    parse_ratio,
    ratio_text,
    resolve,
    sale_status,
)
from rm_console.domain.enums import CreditRole, CreditSource
from rm_console.domain.errors import UserError

D = date(2026, 11, 10)
RM1 = Person(1, "RM001", 70)
RM2 = Person(2, "RM002", 70)
RM3 = Person(3, "RM003", 60)
RM5 = Person(5, "RM005", 80)
TL1 = Person(31, "TL001", 70)

SELLER, REFERRER = CreditRole.SELLER, CreditRole.REFERRER
AUTO, MANUAL, GRACE = CreditSource.AUTO, CreditSource.MANUAL, CreditSource.GRACE


def facts(*, ended: bool, **kwargs: object) -> SaleFacts:
    return SaleFacts(sale_date=D, grace_ended=ended, **kwargs)  # type: ignore[arg-type]


def credits(result: tuple[Credit, ...] | None) -> set[tuple[str, str, int, str]] | None:
    if result is None:
        return None
    return {(c.code, c.role.value, c.ratio_bp, c.source.value) for c in result}


# -- the grace period -------------------------------------------------------------------------------


def test_grace_period_ends_on_the_fifth_day_after_the_sale() -> None:
    assert grace_end(D, 5) == date(2026, 11, 15)
    assert not grace_ended(D, D + timedelta(days=4), 5)
    assert grace_ended(D, D + timedelta(days=5), 5)
    assert grace_ended(D, D + timedelta(days=30), 5)
    assert cutoff(date(2026, 11, 15), 5) == D
    assert cutoff(date(2026, 11, 14), 5) == D - timedelta(days=1)
    assert grace_ended(D, D, 0)


def test_grace_days_parameter() -> None:
    assert parse_grace_days(None) == 5
    assert parse_grace_days("7") == 7
    with pytest.raises(UserError, match="sale_grace_days"):
        parse_grace_days("five")


def test_nobody_by_day_five_gives_the_teller() -> None:
    day4 = facts(ended=grace_ended(D, D + timedelta(days=4), 5), teller=TL1)
    day5 = facts(ended=grace_ended(D, D + timedelta(days=5), 5), teller=TL1)
    assert resolve(day4) is None
    assert credits(resolve(day5)) == {("TL001", "seller", 10_000, "grace")}


# -- automatic and manual ----------------------------------------------------------------------------


@pytest.mark.parametrize("ended", [False, True])
def test_automatic_seller_is_the_primary_rm_before_and_after_grace(ended: bool) -> None:
    assert credits(resolve(facts(ended=ended, auto_seller=RM1, teller=TL1))) == {
        ("RM001", "seller", 10_000, "auto")
    }


@pytest.mark.parametrize("ended", [False, True])
def test_registered_seller_comes_before_automatic_and_teller(ended: bool) -> None:
    result = resolve(facts(ended=ended, registered_seller=RM2, auto_seller=RM1, teller=TL1))
    assert credits(result) == {("RM002", "seller", 10_000, "manual")}


def test_registered_seller_alone_before_grace() -> None:
    assert credits(resolve(facts(ended=False, registered_seller=RM2))) == {
        ("RM002", "seller", 10_000, "manual")
    }


def test_referrer_only_waits_for_the_grace_period_then_splits_with_the_teller() -> None:
    before = facts(ended=False, registered_referrer=RM3, teller=TL1)
    assert resolve(before) is None
    after = facts(ended=True, registered_referrer=RM3, teller=TL1)
    # RM003's default split is 60/40: the teller as seller gets 0.6, RM003 as referrer 0.4.
    assert credits(resolve(after)) == {
        ("TL001", "seller", 6_000, "grace"),
        ("RM003", "referrer", 4_000, "manual"),
    }


def test_referrer_only_without_a_teller_gets_the_whole_sale_after_grace() -> None:
    assert resolve(facts(ended=False, registered_referrer=RM3)) is None
    assert credits(resolve(facts(ended=True, registered_referrer=RM3))) == {
        ("RM003", "referrer", 10_000, "manual")
    }


def test_nobody_and_no_teller_settles_unattributed() -> None:
    assert resolve(facts(ended=False)) is None
    assert resolve(facts(ended=True)) == ()


def test_referrer_registered_after_the_automatic_credit_splits_it() -> None:
    automatic = facts(ended=False, auto_seller=RM1, teller=TL1)
    assert credits(resolve(automatic)) == {("RM001", "seller", 10_000, "auto")}
    referred = facts(ended=False, auto_seller=RM1, teller=TL1, registered_referrer=RM5)
    assert credits(resolve(referred)) == {
        ("RM001", "seller", 8_000, "auto"),
        ("RM005", "referrer", 2_000, "manual"),
    }


def test_registered_seller_and_referrer_use_the_referrers_split() -> None:
    result = resolve(facts(ended=True, registered_seller=RM1, registered_referrer=RM3, teller=TL1))
    assert credits(result) == {("RM001", "seller", 6_000, "manual"), ("RM003", "referrer", 4_000, "manual")}


def test_revoking_returns_to_what_the_other_facts_give() -> None:
    registered = facts(ended=True, registered_seller=RM2, auto_seller=RM1, teller=TL1)
    assert credits(resolve(registered)) == {("RM002", "seller", 10_000, "manual")}
    revoked = facts(ended=True, auto_seller=RM1, teller=TL1)
    assert credits(resolve(revoked)) == {("RM001", "seller", 10_000, "auto")}
    revoked_unassigned = facts(ended=True, teller=TL1)
    assert credits(resolve(revoked_unassigned)) == {("TL001", "seller", 10_000, "grace")}
    assert resolve(facts(ended=False, teller=TL1)) is None


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"registered_seller": RM1, "registered_referrer": RM1}, ("RM001", "seller", 10_000, "manual")),
        ({"auto_seller": RM1, "registered_referrer": RM1}, ("RM001", "seller", 10_000, "auto")),
        ({"teller": TL1, "registered_referrer": TL1}, ("TL001", "seller", 10_000, "grace")),
    ],
)
def test_same_person_as_seller_and_referrer_is_the_seller_alone(
    kwargs: dict[str, Person], expected: tuple[str, str, int, str]
) -> None:
    assert credits(resolve(facts(ended=True, **kwargs))) == {expected}


def test_seller_pct_100_leaves_the_seller_alone_and_0_the_referrer_alone() -> None:
    everything = Person(9, "RM009", 100)
    nothing = Person(8, "RM008", 0)
    assert credits(resolve(facts(ended=True, auto_seller=RM1, registered_referrer=everything))) == {
        ("RM001", "seller", 10_000, "auto")
    }
    assert credits(resolve(facts(ended=True, auto_seller=RM1, registered_referrer=nothing))) == {
        ("RM008", "referrer", 10_000, "manual")
    }


def test_adjusted_sales_are_left_alone() -> None:
    assert resolve(facts(ended=True, auto_seller=RM1, teller=TL1, adjusted=True)) is None


def test_current_seller_names_the_source() -> None:
    assert current_seller(facts(ended=False, teller=TL1)) is None
    assert current_seller(facts(ended=True, teller=TL1)) == (TL1, GRACE)
    assert current_seller(facts(ended=True, auto_seller=RM1, teller=TL1)) == (RM1, AUTO)
    assert current_seller(facts(ended=False, registered_seller=RM2, auto_seller=RM1)) == (RM2, MANUAL)


def test_status() -> None:
    from datetime import UTC, datetime

    assert sale_status(None, False) is SaleStatus.AWAITING
    assert sale_status(datetime(2026, 11, 22, tzinfo=UTC), False) is SaleStatus.SETTLED
    assert sale_status(datetime(2026, 11, 22, tzinfo=UTC), True) is SaleStatus.ADJUSTED


# -- property: every result is whole ------------------------------------------------------------------

people = st.builds(
    Person,
    staff_id=st.integers(1, 6),
    code=st.just(""),
    seller_pct=st.integers(0, 100),
).map(lambda p: Person(p.staff_id, f"S{p.staff_id}", p.seller_pct))


@given(
    ended=st.booleans(),
    seller=st.none() | people,
    referrer=st.none() | people,
    auto=st.none() | people,
    teller=st.none() | people,
)
def test_every_result_names_each_person_once_and_sums_to_one(
    ended: bool, seller: Person | None, referrer: Person | None, auto: Person | None, teller: Person | None
) -> None:
    result = resolve(
        SaleFacts(
            sale_date=D,
            grace_ended=ended,
            registered_seller=seller,
            registered_referrer=referrer,
            auto_seller=auto,
            teller=teller,
        )
    )
    if ended:
        assert result is not None
    if result is None:
        assert not ended and seller is None and auto is None
        return
    if not result:
        assert ended and seller is None and auto is None and teller is None and referrer is None
        return
    assert sum(credit.ratio_bp for credit in result) == 10_000
    assert all(1 <= credit.ratio_bp <= 10_000 for credit in result)
    assert len({credit.staff_id for credit in result}) == len(result)
    assert sum(credit.role is SELLER for credit in result) <= 1
    assert sum(credit.role is REFERRER for credit in result) <= 1
    if seller is not None:
        assert any(c.staff_id == seller.staff_id and c.source is MANUAL for c in result) or (
            referrer is not None and referrer.seller_pct == 0
        )


# -- adjustment -------------------------------------------------------------------------------------

WHERE = {"RM001": "OT01", "RM002": "OT01", "RM019": "BR01", "RM004": "OT02", "AN01": "HO"}
ALLOWED = {"OT01", "BR01", "HO"}


def adjust(*texts: str) -> tuple[Share, ...]:
    return parse_adjustment(
        texts, staff_institutions=WHERE, allowed_institutions=ALLOWED, sale_institution="OT01"
    )


def test_adjustment_accepts_exact_decimal_shares() -> None:
    shares = adjust("RM001:seller:0.7", "RM019:referrer:0.3")
    assert shares == (Share("RM001", SELLER, 7_000), Share("RM019", REFERRER, 3_000))
    assert adjust("RM001:seller:1") == (Share("RM001", SELLER, 10_000),)
    thirds = adjust("RM001:seller:0.3333", "RM002:seller:0.3333", "AN01:referrer:0.3334")
    assert [share.ratio_bp for share in thirds] == [3_333, 3_333, 3_334]
    assert adjust(" RM001 : SELLER : .5 ", "RM002:referrer:0.5000")[0] == Share("RM001", SELLER, 5_000)


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ((), "give at least one --credit"),
        (("RM001-seller-1",), "'RM001-seller-1' is not STAFF:ROLE:RATIO"),
        (("RM001:seller",), "is not STAFF:ROLE:RATIO"),
        (("RM001:boss:1",), "the role must be seller (销售人) or referrer (推荐人), not 'boss'"),
        (("RM001:seller:seven",), "the ratio 'seven' is not a decimal fraction"),
        (("RM001:seller:1e0",), "is not a decimal fraction"),
        (("RM001:seller:0.33333", "RM002:referrer:0.66667"), "has more than 4 decimal places"),
        (("RM001:seller:0", "RM002:referrer:1"), "the ratio must be above 0 and at most 1, not 0"),
        (("RM001:seller:1.5",), "the ratio must be above 0 and at most 1, not 1.5"),
        (("RM001:seller:0.5", "RM001:referrer:0.5"), "RM001 appears more than once"),
        (("RM001:referrer:1",), "at least one seller (销售人)"),
        (("RM001:seller:0.7", "RM002:referrer:0.35"), "the ratios sum to 1.05, not 1"),
        (("RM001:seller:0.6", "RM002:referrer:0.3"), "the ratios sum to 0.9, not 1"),
        (("RM001:seller:0.7", "XX9:referrer:0.3"), "no staff member has the code 'XX9'"),
        (
            ("RM001:seller:0.7", "RM004:referrer:0.3"),
            "RM004 works at OT02, not at OT01 or an institution above it",
        ),
    ],
)
def test_adjustment_refusals_say_why_in_one_sentence(texts: tuple[str, ...], message: str) -> None:
    with pytest.raises(AdjustmentError) as refused:
        adjust(*texts)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_ratio_parsing_is_exact() -> None:
    assert parse_ratio("0.1", given="x") == 1_000
    assert parse_ratio("0.0001", given="x") == 1
    assert parse_ratio("1.0", given="x") == 10_000
    assert ratio_text(7_000) == "0.7"
    assert ratio_text(10_000) == "1"
    assert ratio_text(3_333) == "0.3333"
    assert ratio_text(10_500) == "1.05"
