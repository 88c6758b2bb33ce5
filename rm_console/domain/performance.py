"""Weighted sales and the leaderboard (SPEC §5 "Performance"): the pure rules and the DTOs they fill.

**Weighted sales.** A sale credit (a staff member's share of one sale) is worth, exactly,

    amount_fen × weight_bp / 10,000 × ratio_bp / 10,000 fen,

where ``weight_bp`` is the product's performance weight and ``ratio_bp`` the credit's share, both in
basis points of one. Nothing is rounded per credit: the exact values of every credit that makes up a
figure (a staff member's month, an outlet's, a product's, a report's total) are summed as integers
and the sum is rounded half-up to the fen once. No float is ever involved.

**Per-unit products.** Channel products and cards (:data:`PER_UNIT_CATEGORIES`: online, mobile, SMS
and phone banking, CTS signing, wealth, private-banking and credit cards) are counted in units, not
amounts: a credit contributes ``ratio_bp / 10,000 × weight_bp / 10,000`` units (its share of one
sale, weighted), and its amount does not enter the weighted figure. Units are exact decimals (at most
eight places), shown with up to two.

**Credited amount.** ``amount_fen × ratio_bp / 10,000`` summed over every credit of a figure,
whatever the product (per-unit ones included), rounded half-up to the fen once: the raw money the
staff member's shares stand for. **Sales** counts the distinct sales credited.

**Ranking.** The leaderboard orders staff by weighted sales, largest first; equal figures by name,
then by staff code (Unicode code-point order), and numbers them 1, 2, 3 … without gaps or shared
ranks: equal figures still get distinct consecutive positions.

Set-based SQL in :mod:`storage.performance` sums ``amount × ratio`` and ``ratio`` per product;
:func:`figures_from_sums` finishes those sums with the weights. :func:`weigh` is the reference rule
over raw credits; the two agree exactly (tests/test_performance.py checks it on both databases).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from rm_console.domain.dto import ReportScope
from rm_console.domain.enums import ProductCategory
from rm_console.domain.money import fen_to_decimal

#: One in basis points: a weight or ratio of 10,000 bp is 1.
BP = 10_000

#: Product categories counted in units rather than amounts: channel products and cards.
PER_UNIT_CATEGORIES: frozenset[str] = frozenset(
    {
        ProductCategory.ONLINE_BANKING.value,
        ProductCategory.MOBILE_BANKING.value,
        ProductCategory.SMS_BANKING.value,
        ProductCategory.PHONE_BANKING.value,
        ProductCategory.CTS.value,
        ProductCategory.WEALTH_CARD.value,
        ProductCategory.PRIVATE_BANKING_CARD.value,
        ProductCategory.CREDIT_CARD.value,
    }
)

#: What the sales report can group by.
SALES_REPORT_KEYS: tuple[str, ...] = ("staff", "outlet", "product")

_CENTS = Decimal("0.01")


def is_per_unit(category: str) -> bool:
    """True when products of ``category`` are counted in units, not amounts."""
    return category in PER_UNIT_CATEGORIES


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, halves away from zero; exact.

    ``denominator`` must be positive.
    """
    if denominator <= 0:
        raise ValueError("round_half_up needs a positive denominator")
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -magnitude if numerator < 0 else magnitude


def units_of(ratio_weight: int) -> Decimal:
    """Units from a sum of ``ratio_bp × weight_bp`` products: that sum / 10⁸, exactly."""
    return Decimal(ratio_weight).scaleb(-8) if ratio_weight else Decimal(0)


def yuan_text(fen: int) -> str:
    """Fen as a yuan text with two decimals: ``123450`` → ``"1234.50"``."""
    return str(fen_to_decimal(fen))


def format_units(units: Decimal) -> str:
    """Units with up to two decimals, half-up: ``Decimal("1.505")`` → ``"1.51"``, ``2.5`` → ``"2.5"``."""
    shown = units.quantize(_CENTS, rounding=ROUND_HALF_UP)
    text = f"{shown:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def units_text(units: Decimal) -> str:
    """Units as an exact plain decimal text (no exponent): ``"0.21"``, ``"3"``, ``"0.00375"``."""
    text = f"{units.normalize():f}" if units else "0"
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SalesFigures:
    """The performance figures of a set of credits: weighted sales and credited amount in fen, units
    of per-unit products, and how many distinct sales were credited."""

    weighted_fen: int = 0
    units: Decimal = Decimal(0)
    credited_fen: int = 0
    sales: int = 0

    def as_json(self) -> dict[str, object]:
        """Amounts as integer fen and as yuan texts with two decimals; units as an exact text."""
        return {
            "weighted_fen": self.weighted_fen,
            "weighted_yuan": yuan_text(self.weighted_fen),
            "units": units_text(self.units),
            "credited_fen": self.credited_fen,
            "credited_yuan": yuan_text(self.credited_fen),
            "sales": self.sales,
        }


@dataclass(frozen=True, slots=True)
class Credit:
    """One sale credit as the reference rule reads it: the sale, its amount, the credit's share and
    the product's weight and category."""

    sale: int
    amount_fen: int
    ratio_bp: int
    weight_bp: int
    category: str


@dataclass(frozen=True, slots=True)
class ProductSums:
    """Exact integer sums over the credits of one product within a figure, as SQL computes them.

    ``amount_ratio`` is Σ amount_fen × ratio_bp (fen·bp), ``ratio`` is Σ ratio_bp and ``sales`` the
    distinct sales among those credits.
    """

    weight_bp: int
    category: str
    amount_ratio: int
    ratio: int
    sales: int


def weigh(credits: Iterable[Credit]) -> SalesFigures:
    """The reference rule: the figures of ``credits``, from each credit's exact value, rounded once."""
    weighted = ratio_weight = credited = 0
    sales: set[int] = set()
    for credit in credits:
        sales.add(credit.sale)
        credited += credit.amount_fen * credit.ratio_bp
        if is_per_unit(credit.category):
            ratio_weight += credit.ratio_bp * credit.weight_bp
        else:
            weighted += credit.amount_fen * credit.weight_bp * credit.ratio_bp
    return SalesFigures(
        weighted_fen=round_half_up(weighted, BP * BP),
        units=units_of(ratio_weight),
        credited_fen=round_half_up(credited, BP),
        sales=len(sales),
    )


def figures_from_sums(sums: Iterable[ProductSums]) -> SalesFigures:
    """The figures of credits given as per-product sums (each product once per figure): the weights
    are applied to the exact sums, and each figure is rounded once, as :func:`weigh` does.

    ``sales`` adds the per-product counts: a sale has one product, so none is counted twice.
    """
    weighted = ratio_weight = credited = sales = 0
    for part in sums:
        credited += part.amount_ratio
        sales += part.sales
        if is_per_unit(part.category):
            ratio_weight += part.ratio * part.weight_bp
        else:
            weighted += part.amount_ratio * part.weight_bp
    return SalesFigures(
        weighted_fen=round_half_up(weighted, BP * BP),
        units=units_of(ratio_weight),
        credited_fen=round_half_up(credited, BP),
        sales=sales,
    )


# ---------------------------------------------------------------------------------------------------
# The leaderboard
# ---------------------------------------------------------------------------------------------------

_T = TypeVar("_T")


def rank_order(weighted_fen: int, name: str, code: str) -> tuple[int, str, str]:
    """The leaderboard's sort key: weighted sales descending, then name, then staff code."""
    return (-weighted_fen, name, code)


def ranked(entries: Iterable[_T], key: Callable[[_T], tuple[int, str, str]]) -> list[tuple[int, _T]]:
    """``entries`` in leaderboard order (``key`` gives :func:`rank_order`), numbered 1 … n."""
    return list(enumerate(sorted(entries, key=key), start=1))


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    """A staff member's place on the sales leaderboard (销售排行榜); amounts in fen."""

    rank: int
    staff_code: str
    staff_name: str
    institution_code: str
    institution_name: str
    weighted_fen: int
    units: Decimal
    credited_fen: int
    sales: int
    #: True on the acting person's own row.
    mine: bool

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        figures = SalesFigures(self.weighted_fen, self.units, self.credited_fen, self.sales).as_json()
        return {
            "rank": self.rank,
            "staff": self.staff_code,
            "name": self.staff_name,
            "institution": self.institution_code,
            "institution_name": self.institution_name,
            **figures,
            "mine": self.mine,
        }


@dataclass(frozen=True, slots=True)
class Leaderboard:
    """The month's sales leaderboard of an institution: its staff and the staff of the institutions
    below it, ranked by weighted sales of that institution tree's sales."""

    month: str
    scope: ReportScope
    rows: tuple[LeaderboardRow, ...]

    @property
    def institution_code(self) -> str:
        """The ranked institution's code."""
        return self.scope.institution_code or self.scope.acting.institution_code

    @property
    def institution_name(self) -> str:
        """The ranked institution's name."""
        return self.scope.institution_name or self.scope.acting.institution_name

    @property
    def mine(self) -> LeaderboardRow | None:
        """The acting person's row, None when they are not on the board."""
        return next((row for row in self.rows if row.mine), None)

    def as_json(self) -> dict[str, object]:
        """The ``rmc leaderboard --json`` document."""
        mine = self.mine
        return {
            "report": "leaderboard",
            "month": self.month,
            "institution": self.institution_code,
            "institution_name": self.institution_name,
            "scope": self.scope.as_json(),
            "staff": len(self.rows),
            "my_rank": mine.rank if mine is not None else None,
            "rows": [row.as_json() for row in self.rows],
        }


# ---------------------------------------------------------------------------------------------------
# The sales report
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SalesReportRow:
    """The figures of one staff member, outlet or product; amounts in fen.

    ``key`` and ``name`` are the staff code and name, the outlet's (sales institution's) code and
    name, or the product's code and name. ``institution_code`` is the staff member's institution (by
    staff) and ``category`` the product's category (by product); both are None otherwise.
    """

    key: str
    name: str
    institution_code: str | None
    category: str | None
    figures: SalesFigures

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "key": self.key,
            "name": self.name,
            "institution": self.institution_code,
            "category": self.category,
            **self.figures.as_json(),
        }


@dataclass(frozen=True, slots=True)
class SalesReport:
    """Weighted sales of one month by staff, outlet or product over an institution's tree, with the
    total of every credit the report covers (rounded once, not the sum of the rounded rows)."""

    by: str
    month: str
    scope: ReportScope
    #: True when the report covers only the acting person's own credits (an RM or a teller).
    own_only: bool
    rows: tuple[SalesReportRow, ...]
    total: SalesFigures

    def as_json(self) -> dict[str, object]:
        """The ``rmc report sales --json`` document."""
        return {
            "report": "sales",
            "by": self.by,
            "month": self.month,
            "scope": self.scope.as_json(),
            "own_only": self.own_only,
            "rows": [row.as_json() for row in self.rows],
            "total": self.total.as_json(),
        }


def report_order(row: SalesReportRow) -> tuple[int, Decimal, str]:
    """The sales report's order: weighted sales descending, units descending, then key."""
    return (-row.figures.weighted_fen, -row.figures.units, row.key)


def sorted_report_rows(rows: Sequence[SalesReportRow]) -> tuple[SalesReportRow, ...]:
    """``rows`` in the sales report's order (:func:`report_order`)."""
    return tuple(sorted(rows, key=report_order))


__all__ = [
    "BP",
    "PER_UNIT_CATEGORIES",
    "SALES_REPORT_KEYS",
    "Credit",
    "Leaderboard",
    "LeaderboardRow",
    "ProductSums",
    "SalesFigures",
    "SalesReport",
    "SalesReportRow",
    "figures_from_sums",
    "format_units",
    "is_per_unit",
    "rank_order",
    "ranked",
    "report_order",
    "round_half_up",
    "sorted_report_rows",
    "units_of",
    "units_text",
    "weigh",
    "yuan_text",
]
