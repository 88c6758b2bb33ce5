"""The deterministic demo bank: row tuples drawn from a seeded ``random.Random``.

Pure: no I/O and no clock. Every date and time derives from ``as_of``; every random draw comes from
a ``random.Random`` seeded by the build's seed (one stream for the reference data, one per chunk of
customers), so the same seed, customer count, months and as-of date give the same rows, byte for byte.

Rows come out as tuples ready for SQLite (dates as ``YYYY-MM-DD`` text, timestamps as UTC
``YYYY-MM-DD HH:MM:SS.ffffff`` text, UUIDs as 32 hex digits, JSON as text, booleans as 0/1), in
the column order of :data:`COLUMNS`. Monthly AUM comes out as one :data:`MonthlySeries` per customer.

**Tier stories.** Each customer follows an archetype (a *story*): steady in a tier with a given
status, churning out of a tier this month, upgrading, qualifying through card spend, a loan or a
diamond card, losing such a qualifier (a downgrade), having churned long ago, or being new. The
story designs the monthly AUM and the non-AUM figures against the thresholds of the tier rule set,
with margins wide enough that month-to-month noise never crosses a threshold, and states the tier,
status, months below, churned-from tier and qualifying criterion that SPEC §3 gives for it. The
tests evaluate every customer with the reference rule (:mod:`rm_console.domain.tiers`) and compare.
"""

from __future__ import annotations

import json
import random
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate, pairwise

from dateutil.relativedelta import relativedelta

from rm_console.domain.calendar import BUSINESS_TZ, month_idx, month_text
from rm_console.domain.enums import Status, Tier
from rm_console.domain.tiers import RuleSet, TierRule
from rm_console.services.demo.data import DemoData, ProductSpec

#: Customers per chunk. Part of the determinism contract: each chunk has its own random stream.
CHUNK_CUSTOMERS = 20_000

#: Days of transactions before the as-of date (inclusive of it).
TXN_DAYS = 92

#: Transaction keys are customer id × this + a sequence, so chunks need no shared counter.
TXN_KEY_STRIDE = 10

#: Maturities "soon": the workbench's reminder horizon the demo makes sure to populate.
SOON_DAYS = 60

#: Columns of every table the generator fills, in the order of its row tuples.
COLUMNS: dict[str, tuple[str, ...]] = {
    "institution": ("id", "code", "name", "kind", "parent_id"),
    "staff": ("id", "code", "name", "institution_id", "role", "seller_pct", "email", "mobile", "active"),
    "product": ("id", "code", "name", "category", "risk_level", "weight_bp"),
    "customer": (
        "id",
        "cif",
        "name",
        "kind",
        "id_type",
        "id_no",
        "phone",
        "phone_tail",
        "birth_date",
        "gender",
        "occupation",
        "annual_income_fen",
        "institution_id",
        "address",
        "comm_style",
        "value_class",
    ),
    "important_date": ("customer_id", "label", "day", "lunar"),
    "holding": (
        "account_no",
        "customer_id",
        "product_id",
        "asset_class",
        "balance_fen",
        "open_date",
        "maturity_date",
        "rate_e4",
        "loan_type",
        "loan_class",
        "card_level",
        "repayment_day",
    ),
    "txn": (
        "id",
        "txn_id",
        "customer_id",
        "txn_date",
        "amount_fen",
        "direction",
        "channel",
        "institution_id",
        "teller_id",
        "product_id",
        "counterparty",
    ),
    "sale": ("txn_pk", "institution_id", "product_id", "sale_date", "amount_fen", "attributed_at"),
    "customer_tier": (
        "customer_id",
        "month_idx",
        "month",
        "tier",
        "status",
        "months_below",
        "churned_from",
        "qualified_by",
        "rule_version",
        "evaluated_at",
    ),
    "tier_history": (
        "customer_id",
        "month_idx",
        "month",
        "from_tier",
        "to_tier",
        "reason",
        "rule_version",
        "recorded_at",
    ),
    "assignment": ("customer_id", "staff_id", "role", "pct", "institution_id", "since"),
    "assignment_event": (
        "id",
        "customer_id",
        "action",
        "actor_id",
        "before",
        "after",
        "reason",
        "effective",
        "at",
    ),
    "risk_assessment": (
        "id",
        "customer_id",
        "staff_id",
        "assessed_on",
        "valid_until",
        "score",
        "level",
        "answers",
        "created_at",
    ),
}

#: The order tables are filled in (parents before children).
TABLE_ORDER: tuple[str, ...] = tuple(COLUMNS)

#: One customer's monthly figures, oldest month first: (customer_id, first month position with a
#: row, AUM, deposits, mortgage or None, credit loan or None, 12-month card spend or None,
#: diamond card 0/1). Investment is AUM minus deposits.
MonthlySeries = tuple[
    int, int, list[int], list[int], list[int] | None, list[int] | None, list[int] | None, int
]

#: Fixture product codes with a fixed role in the demo: the current account, loans and card levels.
SETTLEMENT_PRODUCT = "DEP001"
LOAN_PRODUCTS = {"mortgage": "LN001", "credit": "LN002", "business": "LN003"}
CARD_PRODUCTS = {"standard": "CCD001", "gold": "CCD002", "platinum": "CCD003", "diamond": "CCD004"}

_ORDINARY = Tier.ORDINARY
#: Two-digit sequence numbers that end a customer's account numbers.
_SEQ = tuple(f"{j:02d}" for j in range(1, 100))
#: Rank of each tier, 0 for core (a dict: ``Tier.rank`` is too slow for the per-customer loop).
_RANK: dict[Tier, int] = {tier: rank for rank, tier in enumerate(Tier)}
_LOAN_CLASSES = ("pass", "special_mention", "substandard", "doubtful", "loss")
_LOAN_CLASS_WEIGHTS = (9_300, 400, 150, 100, 50)
_COMM_STYLES = ("analytical", "driver", "amiable", "expressive")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_TIER_LABELS = {
    "core": "核心级",
    "growth": "成长级",
    "platinum": "白金级",
    "gold": "金级",
    "potential": "潜力级",
}


@dataclass(frozen=True, slots=True)
class DemoParams:
    """What to build: how many customers, how many months of AUM, the seed and the business date."""

    customers: int
    months: int
    seed: int
    as_of: date


@dataclass(frozen=True, slots=True)
class Archetype:
    """A tier story and how many customers (per 100,000) follow it.

    ``kind`` is one of ``steady`` (AUM-qualified in ``tier`` with ``status``), ``churn`` (from ``old``
    to ``tier`` this month), ``upgrade`` (from ``old`` to ``tier`` this month), ``via`` (``tier``
    through the non-AUM ``criterion``), ``downgrade`` (``old`` through ``criterion`` last month,
    ``tier`` now), ``former`` (churned out of ``old`` before last month) and ``young`` (a customer
    with only a few months of history).
    """

    key: str
    weight: int
    kind: str
    tier: Tier
    status: Status | None = None
    old: Tier | None = None
    criterion: str | None = None
    aum_tier: Tier | None = None


#: The catalogue of stories. Most customers are ordinary or potential, as in a real bank.
ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("core-normal", 330, "steady", Tier.CORE, Status.NORMAL),
    Archetype("core-watch", 70, "steady", Tier.CORE, Status.WATCH),
    Archetype("core-attention", 40, "steady", Tier.CORE, Status.ATTENTION),
    Archetype("growth-normal", 650, "steady", Tier.GROWTH, Status.NORMAL),
    Archetype("growth-watch", 120, "steady", Tier.GROWTH, Status.WATCH),
    Archetype("growth-attention", 60, "steady", Tier.GROWTH, Status.ATTENTION),
    Archetype("platinum-normal", 4_500, "steady", Tier.PLATINUM, Status.NORMAL),
    Archetype("platinum-watch", 700, "steady", Tier.PLATINUM, Status.WATCH),
    Archetype("platinum-attention", 350, "steady", Tier.PLATINUM, Status.ATTENTION),
    Archetype("gold-normal", 7_500, "steady", Tier.GOLD, Status.NORMAL),
    Archetype("gold-watch", 1_300, "steady", Tier.GOLD, Status.WATCH),
    Archetype("gold-attention", 700, "steady", Tier.GOLD, Status.ATTENTION),
    Archetype("potential-normal", 19_000, "steady", Tier.POTENTIAL, Status.NORMAL),
    Archetype("potential-watch", 3_500, "steady", Tier.POTENTIAL, Status.WATCH),
    Archetype("ordinary", 50_000, "steady", Tier.ORDINARY),
    Archetype("churn-core-growth", 25, "churn", Tier.GROWTH, old=Tier.CORE),
    Archetype("churn-core-platinum", 10, "churn", Tier.PLATINUM, old=Tier.CORE),
    Archetype("churn-growth-platinum", 30, "churn", Tier.PLATINUM, old=Tier.GROWTH),
    Archetype("churn-growth-gold", 10, "churn", Tier.GOLD, old=Tier.GROWTH),
    Archetype("churn-platinum-gold", 300, "churn", Tier.GOLD, old=Tier.PLATINUM),
    Archetype("churn-platinum-potential", 100, "churn", Tier.POTENTIAL, old=Tier.PLATINUM),
    Archetype("churn-gold-potential", 500, "churn", Tier.POTENTIAL, old=Tier.GOLD),
    Archetype("churn-gold-ordinary", 100, "churn", Tier.ORDINARY, old=Tier.GOLD),
    Archetype("churn-potential-ordinary", 1_200, "churn", Tier.ORDINARY, old=Tier.POTENTIAL),
    Archetype("upgrade-growth-core", 20, "upgrade", Tier.CORE, old=Tier.GROWTH),
    Archetype("upgrade-platinum-growth", 40, "upgrade", Tier.GROWTH, old=Tier.PLATINUM),
    Archetype("upgrade-gold-platinum", 200, "upgrade", Tier.PLATINUM, old=Tier.GOLD),
    Archetype("upgrade-potential-platinum", 40, "upgrade", Tier.PLATINUM, old=Tier.POTENTIAL),
    Archetype("upgrade-potential-gold", 400, "upgrade", Tier.GOLD, old=Tier.POTENTIAL),
    Archetype("upgrade-ordinary-potential", 1_200, "upgrade", Tier.POTENTIAL, old=Tier.ORDINARY),
    Archetype("growth-card-spend", 50, "via", Tier.GROWTH, criterion="card_spend"),
    Archetype("growth-mortgage", 30, "via", Tier.GROWTH, criterion="mortgage"),
    Archetype("growth-diamond-card", 150, "via", Tier.GROWTH, criterion="diamond_card"),
    Archetype("platinum-card-spend", 600, "via", Tier.PLATINUM, criterion="card_spend"),
    Archetype("platinum-mortgage", 700, "via", Tier.PLATINUM, criterion="mortgage"),
    Archetype("platinum-credit-loan", 250, "via", Tier.PLATINUM, criterion="credit_loan"),
    Archetype("gold-credit-loan", 800, "via", Tier.GOLD, criterion="credit_loan"),
    Archetype(
        "downgrade-growth-platinum-mortgage",
        15,
        "downgrade",
        Tier.PLATINUM,
        old=Tier.GROWTH,
        criterion="mortgage",
        aum_tier=Tier.GOLD,
    ),
    Archetype(
        "downgrade-platinum-gold-card-spend",
        60,
        "downgrade",
        Tier.GOLD,
        old=Tier.PLATINUM,
        criterion="card_spend",
    ),
    Archetype(
        "downgrade-platinum-gold-mortgage",
        40,
        "downgrade",
        Tier.GOLD,
        old=Tier.PLATINUM,
        criterion="mortgage",
    ),
    Archetype(
        "downgrade-gold-potential-credit-loan",
        80,
        "downgrade",
        Tier.POTENTIAL,
        old=Tier.GOLD,
        criterion="credit_loan",
    ),
    Archetype(
        "downgrade-gold-ordinary-credit-loan",
        20,
        "downgrade",
        Tier.ORDINARY,
        old=Tier.GOLD,
        criterion="credit_loan",
    ),
    Archetype("former-potential", 2_500, "former", Tier.ORDINARY, old=Tier.POTENTIAL),
    Archetype("young-gold", 150, "young", Tier.GOLD, Status.NORMAL),
    Archetype("young-potential", 600, "young", Tier.POTENTIAL, Status.NORMAL),
    Archetype("young-ordinary", 1_500, "young", Tier.ORDINARY),
)


class _Story:
    """One customer's designed figures and the tier outcome they imply."""

    __slots__ = (
        "aum",
        "card",
        "churned_from",
        "credit",
        "diamond",
        "first_k",
        "floor_rank",
        "months_below",
        "mortgage",
        "prev_tier",
        "qualified_by",
        "reason",
        "status",
        "tier",
    )

    def __init__(
        self,
        aum: list[int],
        first_k: int,
        tier: Tier,
        status: Status | None,
        months_below: int,
        churned_from: Tier | None,
        qualified_by: str | None,
        prev_tier: Tier,
        reason: str | None,
        floor_rank: int,
    ) -> None:
        self.aum = aum
        self.first_k = first_k
        self.tier = tier
        self.status = status
        self.months_below = months_below
        self.churned_from = churned_from
        self.qualified_by = qualified_by
        self.prev_tier = prev_tier
        self.reason = reason
        #: Figures not designed by the story may only qualify tiers ranked below this rank.
        self.floor_rank = floor_rank
        self.mortgage: list[int] | None = None
        self.credit: list[int] | None = None
        self.card: list[int] | None = None
        self.diamond = False


@dataclass(slots=True)
class Chunk:
    """The rows of one chunk of customers, by table, plus their monthly series."""

    first_customer_id: int
    customers: int
    rows: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)
    monthly: list[MonthlySeries] = field(default_factory=list)


def utc_text(moment: datetime) -> str:
    """An aware datetime as the UTC text SQLite stores for a timestamp column."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def shanghai_text(day: date, hour: int, minute: int = 0) -> str:
    """A wall-clock time in Asia/Shanghai on ``day`` as stored UTC text."""
    return utc_text(datetime.combine(day, time(hour, minute), BUSINESS_TZ))


def _cumulative(weights: Sequence[int]) -> tuple[list[int], int]:
    cum = list(accumulate(weights))
    return cum, cum[-1]


def _skewed(u: float) -> float:
    """Map a uniform draw in [0, 1) to [0, 1) with most mass near 0 (as amounts are in a bank).

    Uses multiplication only: unlike ``pow``, IEEE arithmetic rounds the same on every platform, so
    the bank stays identical byte for byte wherever it is built.
    """
    return u * u * u


def _uuid7_hex(rng: random.Random, moment_ms: int) -> str:
    """A UUIDv7 (as 32 hex digits) whose time is ``moment_ms`` and whose random bits come from ``rng``."""
    value = (moment_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rng.getrandbits(12) << 64
    value |= 0b10 << 62
    value |= rng.getrandbits(62)
    return f"{value:032x}"


class DemoGenerator:
    """Generates the demo bank for one set of :class:`DemoParams` against one tier rule set."""

    def __init__(self, data: DemoData, rules: RuleSet, params: DemoParams) -> None:
        if params.customers < 1:
            raise ValueError("the demo bank needs at least one customer")
        if params.months < 14:
            raise ValueError("the demo bank needs at least 14 months of AUM (a churn out of core needs 14)")
        self.data = data
        self.rules = rules
        self.params = params
        self.as_of = params.as_of
        self.now_idx = month_idx(params.as_of)
        self.n = params.months
        self.first_idx = self.now_idx - self.n + 1
        self.month_idxs = tuple(range(self.first_idx, self.now_idx + 1))
        self._setup_rules()
        self._setup_reference()
        self._setup_tables()
        self.archetypes = ARCHETYPES
        self._arch_cum, self._arch_total = _cumulative([a.weight for a in ARCHETYPES])
        #: The first customers follow every story once at the first outlet (its first RM's book),
        #: then once more spread over the outlets, so even a small bank shows every tier and status.
        self.showcase = ARCHETYPES + ARCHETYPES
        self.evaluated_at = shanghai_text(self.as_of, 1)
        #: The demo's earliest instant: its first month's first day, midnight in Shanghai.
        self.origin = datetime.combine(self._month_first_day(self.first_idx), time(0), BUSINESS_TZ)

    # ------------------------------------------------------------------------------------------
    # Set-up: thresholds, reference data, lookup tables
    # ------------------------------------------------------------------------------------------

    @staticmethod
    def _month_first_day(idx: int) -> date:
        year, month0 = divmod(idx, 12)
        return date(year, month0 + 1, 1)

    def _setup_rules(self) -> None:
        rules = self.rules.rules
        if [rule.rank for rule in rules] != sorted(rule.rank for rule in rules):
            raise ValueError("rule set is not ordered by rank")
        self.rule_of: dict[Tier, TierRule] = {Tier(rule.tier): rule for rule in rules}
        for tier in (Tier.CORE, Tier.GROWTH, Tier.PLATINUM, Tier.GOLD, Tier.POTENTIAL):
            if tier not in self.rule_of:
                raise ValueError(f"rule set {self.rules.version} has no rule for {tier}")
        ordered = [Tier(rule.tier) for rule in rules]
        for higher, lower in pairwise(ordered):
            if self.rule_of[higher].aum_min_fen <= self.rule_of[lower].aum_min_fen:
                raise ValueError("AUM thresholds must rise with the tier")
        #: (lowest, highest) AUM of each tier's band, in fen: at least the tier's threshold, below the
        #: next tier's.
        self.band: dict[Tier, tuple[int, int]] = {}
        above: int | None = None
        for tier in ordered:
            low = self.rule_of[tier].aum_min_fen
            self.band[tier] = (low, above if above is not None else low * 8)
            above = low
        self.band[_ORDINARY] = (10_000, above or 5_000_000)
        #: By floor rank: caps of card spend, mortgage and credit loan, and whether a diamond card is
        #: allowed, for figures that must qualify no tier at or above the floor.
        self._caps = {
            rank: (
                self._cap(rank, "card_spend"),
                self._cap(rank, "mortgage"),
                self._cap(rank, "credit_loan"),
                self._diamond_allowed(rank),
            )
            for rank in range(len(Tier))
        }

    def _setup_reference(self) -> None:
        data = self.data
        self.inst_id = {inst.code: i for i, inst in enumerate(data.institutions, start=1)}
        parent_of = {inst.code: inst.parent_code for inst in data.institutions}
        self.outlets = [inst.code for inst in data.institutions if inst.kind == "outlet"]
        self.staff_id = {person.code: i for i, person in enumerate(data.staff, start=1)}
        self.staff_code = {i: person.code for i, person in enumerate(data.staff, start=1)}
        self.product_id = {product.code: i for i, product in enumerate(data.products, start=1)}
        self.product_of = {product.code: product for product in data.products}

        def staff_at(code: str | None, role: str) -> list[int]:
            return [
                self.staff_id[p.code] for p in data.staff if p.institution_code == code and p.role == role
            ]

        self.outlet_rms = {code: staff_at(code, "rm") for code in self.outlets}
        self.outlet_tellers = {code: staff_at(code, "teller") for code in self.outlets}
        self.outlet_manager = {code: staff_at(code, "branch_manager")[0] for code in self.outlets}
        self.branch_rms = {code: staff_at(parent_of[code], "rm") for code in self.outlets}
        weights = [20, 18, 15, 20, 15, 12]
        self._outlet_cum, self._outlet_total = _cumulative(
            [weights[i % len(weights)] for i in range(len(self.outlets))]
        )
        by_category: dict[str, list[ProductSpec]] = {}
        for product in data.products:
            by_category.setdefault(product.category, []).append(product)
        self.by_category = by_category

        self.settlement_product = self.product_of[SETTLEMENT_PRODUCT]
        self.time_deposits = [p for p in by_category["deposit"] if p.asset_class == "deposit" and p.term_days]
        self.investments = [p for p in data.products if p.asset_class == "wealth"]
        self.channels = [
            by_category[c][0] for c in ("online_banking", "mobile_banking", "sms_banking", "phone_banking")
        ]
        self.cts = by_category["cts"][0]
        self.wealth_card = by_category["wealth_card"][0]
        self.pb_card = by_category["private_banking_card"][0]
        self.card_by_level = {level: self.product_of[code] for level, code in CARD_PRODUCTS.items()}
        self.mortgage_product = self.product_of[LOAN_PRODUCTS["mortgage"]]
        self.credit_product = self.product_of[LOAN_PRODUCTS["credit"]]
        self.business_product = self.product_of[LOAN_PRODUCTS["business"]]
        self.sellable = [p for p in self.investments] + [p for p in self.time_deposits if p.term_days >= 365]
        self.sellable += by_category["fx"][:1]
        self._channel_odds = [
            (self.product_id[product.code], chance)
            for product, chance in zip(self.channels, (0.45, 0.75, 0.3, 0.1), strict=True)
        ]
        self._streets = {
            code: [f"武汉市{district}{street}" for district, street in data.addresses[code]]
            for code in self.outlets
        }
        self.dates_by_kind = {
            kind: [d for d in data.important_dates if d[1] in (kind, "any")]
            for kind in ("individual", "corporate")
        }

    def _setup_tables(self) -> None:
        """Lookup tables that make the per-customer loop cheap."""
        data = self.data
        as_of = self.as_of
        # Day offsets from as_of → ISO text, for the past 40 years and the next 30.
        self._day_base = 40 * 366
        start = as_of - timedelta(days=self._day_base)
        self._days = [(start + timedelta(days=i)).isoformat() for i in range(self._day_base + 30 * 366)]
        # Birth dates 18 to 85 years before as_of, with their ID-number partial checksums.
        young = as_of - relativedelta(years=18)
        old = as_of - relativedelta(years=85)
        births: list[tuple[str, str, int]] = []
        day = old
        while day <= young:
            compact = day.strftime("%Y%m%d")
            partial = sum(int(c) * w for c, w in zip(compact, _ID_WEIGHTS[6:14], strict=True))
            births.append((day.isoformat(), compact, partial))
            day += timedelta(days=1)
        self._births = births
        self._regions = [
            (code, sum(int(c) * w for c, w in zip(code, _ID_WEIGHTS[:6], strict=True)))
            for code, _ in data.regions
        ]
        self._region_cum, self._region_total = _cumulative([w for _, w in data.regions])
        self._seqs = [
            (f"{s:03d}", sum(int(c) * w for c, w in zip(f"{s:03d}", _ID_WEIGHTS[14:], strict=True)))
            for s in range(1000)
        ]
        self._surnames = [s for s, _ in data.surnames]
        self._surname_cum, self._surname_total = _cumulative([w for _, w in data.surnames])
        self._prefixes = [p for p, _ in data.mobile_prefixes]
        self._prefix_cum, self._prefix_total = _cumulative([w for _, w in data.mobile_prefixes])
        self._occupations = data.occupations
        self._occ_cum = [_cumulative([o.weights[g] for o in data.occupations]) for g in range(3)]
        n = self.n
        rng = random.Random(f"rmc-demo-profiles:{self.params.seed}")
        profiles: list[tuple[int, ...]] = []
        for _ in range(512):
            value = rng.randint(975, 1025)
            walk = []
            for _ in range(n):
                walk.append(value)
                value = min(1050, max(950, value + rng.randint(-18, 18)))
            profiles.append(tuple(walk))
        self._profiles = profiles
        self._moments: dict[tuple[int, int], tuple[str, str, int, str]] = {}

    # ------------------------------------------------------------------------------------------
    # Reference data: institutions, staff, products
    # ------------------------------------------------------------------------------------------

    def reference_rows(self) -> dict[str, list[tuple[object, ...]]]:
        """Institutions, staff and products, with ids in file order."""
        data = self.data
        rng = random.Random(f"rmc-demo-reference:{self.params.seed}")
        institutions = [
            (
                self.inst_id[i.code],
                i.code,
                i.name,
                i.kind,
                self.inst_id[i.parent_code] if i.parent_code else None,
            )
            for i in data.institutions
        ]
        staff = []
        for person in data.staff:
            mobile = (
                f"{self._prefixes[bisect(self._prefix_cum, rng.random() * self._prefix_total)]}"
                f"{rng.randrange(100_000_000):08d}"
            )
            email = f"{person.code.lower()}@jcbank.example.cn"
            staff.append(
                (
                    self.staff_id[person.code],
                    person.code,
                    person.name,
                    self.inst_id[person.institution_code],
                    person.role,
                    person.seller_pct,
                    email,
                    mobile,
                    1,
                )
            )
        products = [
            (self.product_id[p.code], p.code, p.name, p.category, p.risk_level, p.weight_bp)
            for p in data.products
        ]
        return {"institution": institutions, "staff": staff, "product": products}

    # ------------------------------------------------------------------------------------------
    # Tier stories
    # ------------------------------------------------------------------------------------------

    def _level(self, rng: random.Random, tier: Tier) -> int:
        """A steady AUM level inside ``tier``'s band, far enough from both edges for ±5 % noise."""
        low, high = self.band[tier]
        low = max(low * 106 // 100, 10_000)
        high = high * 94 // 100
        return low + int((high - low) * _skewed(rng.random()))

    def _dip(self, rng: random.Random, tier: Tier) -> int:
        """A level below ``tier``'s threshold by at least 6 % (so noise keeps it below)."""
        return int(self.band[tier][0] * (0.35 + 0.59 * rng.random()))

    def _series(self, rng: random.Random, *segments: tuple[int, int]) -> list[int]:
        """AUM for every month: ``(level, months)`` segments, oldest first, with a noise profile."""
        profile = self._profiles[rng.getrandbits(9)]
        out: list[int] = []
        pos = 0
        for level, count in segments:
            out += [level * p // 1000 for p in profile[pos : pos + count]]
            pos += count
        return out

    def _criterion_range(self, tier: Tier, criterion: str) -> tuple[int, int]:
        """The (low, high) range of a non-AUM figure that qualifies ``tier`` and no higher tier."""
        rule = self.rule_of[tier]
        low = getattr(rule, f"{criterion}_min_fen")
        if low is None:
            raise ValueError(f"tier {tier} has no {criterion} criterion")
        high = getattr(rule, f"{criterion}_max_fen", None)
        if high is None:
            above = [
                getattr(r, f"{criterion}_min_fen")
                for r in self.rules.rules
                if r.rank < rule.rank and getattr(r, f"{criterion}_min_fen") is not None
            ]
            high = min(above) if above else low * 3
        return low, high

    def _cap(self, floor_rank: int, criterion: str) -> int | None:
        """The largest value of a figure that qualifies no tier ranked at or above ``floor_rank``."""
        mins = [
            getattr(r, f"{criterion}_min_fen")
            for r in self.rules.rules
            if r.rank <= floor_rank and getattr(r, f"{criterion}_min_fen") is not None
        ]
        return min(mins) if mins else None

    def _diamond_allowed(self, floor_rank: int) -> bool:
        """Whether a diamond card qualifies no tier ranked at or above ``floor_rank``."""
        return not any(r.diamond_card for r in self.rules.rules if r.rank <= floor_rank)

    def _flat_figure(self, rng: random.Random, low: int, high: int) -> list[int]:
        """A figure steadily inside [low, high) in every month (±5 % noise, 6 % margins)."""
        level = int(low * 1.06 + (high * 0.94 - low * 1.06) * rng.random())
        profile = self._profiles[rng.getrandbits(9)]
        return [level * p // 1000 for p in profile]

    def _loan_figure(self, rng: random.Random, low: int, high: int) -> list[int]:
        """A loan balance inside [low, high) in every month, amortising towards the as-of month."""
        n = self.n
        current = int(low * 1.04 + (high * 0.9 - low * 1.04) * rng.random())
        step = min(current * 4 // 1000, max(0, (high * 97 // 100 - current) // max(n - 1, 1)))
        return [current + (n - 1 - k) * step for k in range(n)]

    def _design(self, story: _Story, rng: random.Random, criterion: str, tier: Tier) -> None:
        """Give ``story`` a non-AUM figure that qualifies ``tier`` through ``criterion`` in every month."""
        if criterion == "diamond_card":
            story.diamond = True
        else:
            low, high = self._criterion_range(tier, criterion)
            if criterion == "card_spend":
                story.card = self._flat_figure(rng, low, high)
            elif criterion == "mortgage":
                story.mortgage = self._loan_figure(rng, low, high)
            else:
                story.credit = self._loan_figure(rng, low, high)

    def story(self, archetype: Archetype, rng: random.Random) -> _Story:
        """Design one customer's figures for ``archetype``."""
        n = self.n
        kind = archetype.kind
        tier = archetype.tier
        rank = _RANK[tier]
        if kind == "steady":
            if tier == _ORDINARY:
                return _Story(
                    self._series(rng, (self._level(rng, tier), n)),
                    0,
                    tier,
                    None,
                    0,
                    None,
                    None,
                    tier,
                    None,
                    rank,
                )
            rule = self.rule_of[tier]
            if archetype.status == Status.NORMAL:
                below = 0
            elif archetype.status == Status.WATCH:
                below = rng.randint(1, min(rule.watch_max, rule.window_months))
            else:
                below = rng.randint(rule.watch_max + 1, min(rule.attention_max or 0, rule.window_months))
            aum = self._series(rng, (self._level(rng, tier), n - below), (self._dip(rng, tier), below))
            return _Story(aum, 0, tier, archetype.status, below, None, "aum", tier, None, rank)
        if kind == "churn":
            old = archetype.old
            assert old is not None
            bound = self.rule_of[old].churn_at
            aum = self._series(rng, (self._level(rng, old), n - bound), (self._level(rng, tier), bound))
            qualified = None if tier == _ORDINARY else "aum"
            return _Story(aum, 0, tier, Status.CHURNED, bound, old, qualified, old, "churn", rank)
        if kind == "upgrade":
            old = archetype.old
            assert old is not None
            aum = self._series(rng, (self._level(rng, old), n - 1), (self._level(rng, tier), 1))
            return _Story(aum, 0, tier, Status.NORMAL, 0, None, "aum", old, "upgrade", _RANK[old])
        if kind == "via":
            choices = [t for t in (Tier.PLATINUM, Tier.GOLD, Tier.POTENTIAL, _ORDINARY) if _RANK[t] > rank]
            aum_tier = choices[rng.randrange(min(len(choices), 3))]
            aum = self._series(rng, (self._level(rng, aum_tier), n))
            bound = self.rule_of[tier].churn_at
            story = _Story(aum, 0, tier, Status.NORMAL, bound, None, archetype.criterion, tier, None, rank)
            self._design(story, rng, archetype.criterion or "", tier)
            return story
        if kind == "downgrade":
            return self._downgrade(archetype, rng)
        if kind == "former":
            old = archetype.old
            assert old is not None
            gap = self.rule_of[old].churn_at + 1
            aum = self._series(rng, (self._level(rng, old), n - gap), (self._level(rng, tier), gap))
            return _Story(aum, 0, tier, None, 0, None, None, tier, None, rank)
        if kind == "young":
            months = rng.randint(2, 6)
            aum = [0] * (n - months) + self._series(rng, (self._level(rng, tier), n))[n - months :]
            if tier == _ORDINARY:
                return _Story(aum, n - months, tier, None, 0, None, None, tier, None, rank)
            return _Story(aum, n - months, tier, Status.NORMAL, 0, None, "aum", tier, None, rank)
        raise ValueError(f"unknown archetype kind {kind!r}")

    def _downgrade(self, archetype: Archetype, rng: random.Random) -> _Story:
        """Qualified last month through a non-AUM figure that no longer qualifies this month."""
        n = self.n
        tier, old, criterion = archetype.tier, archetype.old, archetype.criterion or ""
        assert old is not None
        aum_tier = archetype.aum_tier or tier
        aum = self._series(rng, (self._level(rng, aum_tier), n))
        if aum_tier == tier:
            status = None if tier == _ORDINARY else Status.NORMAL
            qualified = None if tier == _ORDINARY else "aum"
            below = 0
        else:
            status, qualified, below = Status.NORMAL, criterion, self.rule_of[tier].churn_at
        story = _Story(aum, 0, tier, status, below, None, qualified, old, "downgrade", _RANK[tier])
        self._design(story, rng, criterion, old)
        if qualified == criterion:
            low, high = self._criterion_range(tier, criterion)
            now = int(low * 1.06 + (high * 0.94 - low * 1.06) * rng.random())
        elif criterion in ("mortgage", "credit_loan") and rng.random() < 0.5:
            now = 0
        else:
            now = int((self._cap(_RANK[tier], criterion) or 0) * (0.4 + 0.5 * rng.random()))
        figures = {"card_spend": story.card, "mortgage": story.mortgage, "credit_loan": story.credit}[
            criterion
        ]
        assert figures is not None
        figures[-1] = now
        return story

    # ------------------------------------------------------------------------------------------
    # Customers
    # ------------------------------------------------------------------------------------------

    def chunk_count(self) -> int:
        """How many chunks the bank is generated in."""
        return -(-self.params.customers // CHUNK_CUSTOMERS)

    def chunks(self) -> Iterator[Chunk]:
        """Every chunk of customers, in order."""
        for number in range(self.chunk_count()):
            yield self.chunk(number)

    def chunk(self, number: int) -> Chunk:
        """Chunk ``number`` of the customers. Chunks are independent of each other (each has its own
        random stream and its own keys), so they may be generated in any order or in parallel."""
        start = number * CHUNK_CUSTOMERS
        end = min(start + CHUNK_CUSTOMERS, self.params.customers)
        rng = random.Random(f"rmc-demo-customers:{self.params.seed}:{number}")
        chunk = Chunk(first_customer_id=start + 1, customers=end - start)
        rows = chunk.rows = {
            table: [] for table in TABLE_ORDER if table not in ("institution", "staff", "product")
        }
        state = _ChunkState(rows, chunk.monthly, first=number == 0)
        for index in range(start, end):
            self._customer(index, rng, state)
        return chunk

    def _archetype(self, index: int, rng: random.Random) -> Archetype:
        if index < len(self.showcase):
            return self.showcase[index]
        return self.archetypes[bisect(self._arch_cum, rng.random() * self._arch_total)]

    def _outlet(self, index: int, rng: random.Random) -> str:
        if index < len(ARCHETYPES):
            return self.outlets[0]
        if index < len(self.showcase):
            return self.outlets[index % len(self.outlets)]
        return self.outlets[bisect(self._outlet_cum, rng.random() * self._outlet_total)]

    def _customer(self, index: int, rng: random.Random, state: _ChunkState) -> None:
        """Every row of one customer."""
        cid = index + 1
        archetype = self._archetype(index, rng)
        story = self.story(archetype, rng)
        outlet = self._outlet(index, rng)
        tier_rank = _RANK[story.tier]
        top_rank = min(
            tier_rank, _RANK[story.prev_tier], _RANK[story.churned_from] if story.churned_from else 9
        )
        wealth = 2 if top_rank <= 2 else (1 if top_rank <= 4 else 0)
        self._figures(story, rng, wealth)
        corporate = index >= len(self.showcase) and rng.random() < 0.02
        self._person(cid, story, outlet, corporate, wealth, rng, state)
        self._monthly(cid, story, rng, state)
        holdings_inv = self._holdings(cid, story, corporate, wealth, rng, state)
        self._transactions(cid, outlet, wealth, rng, state)
        self._tier_rows(cid, story, state)
        self._assignment(cid, index, story, outlet, rng, state)
        if holdings_inv or (wealth and rng.random() < 0.5) or rng.random() < 0.05:
            self._risk_assessment(cid, outlet, wealth, rng, state)

    def _figures(self, story: _Story, rng: random.Random, wealth: int) -> None:
        """Loans and card spend the story did not design: realistic, qualifying nothing at or above
        the story's floor tier."""
        card_cap, mortgage_cap, credit_cap, diamond_ok = self._caps[story.floor_rank]
        rnd = rng.random
        if story.card is None and rnd() < (0.25, 0.45, 0.65)[wealth]:
            cap = card_cap or 50_000_000
            high = min(cap * 94 // 100, (9_000_000, 30_000_000, 45_000_000)[wealth])
            low = 200_000
            if high > low:
                level = low + int((high - low) * _skewed(rnd()))
                profile = self._profiles[rng.getrandbits(9)]
                story.card = [level * p // 1000 for p in profile]
        if story.mortgage is None and rnd() < (0.07, 0.14, 0.22)[wealth]:
            cap = mortgage_cap or 800_000_000
            high = min(cap, (90_000_000, 140_000_000, 450_000_000)[wealth])
            story.mortgage = self._loan_figure(rng, 10_000_000, high)
        if story.credit is None and rnd() < (0.04, 0.06, 0.08)[wealth]:
            cap = credit_cap or 300_000_000
            high = min(cap, (25_000_000, 55_000_000, 150_000_000)[wealth])
            story.credit = self._loan_figure(rng, 2_000_000, high)
        if not story.diamond and wealth == 2 and story.card is not None and diamond_ok:
            story.diamond = rnd() < 0.4

    def _person(
        self,
        cid: int,
        story: _Story,
        outlet: str,
        corporate: bool,
        wealth: int,
        rng: random.Random,
        state: _ChunkState,
    ) -> None:
        rnd = rng.random
        data = self.data
        streets = self._streets[outlet]
        address = f"{streets[int(rnd() * len(streets))]}{int(rnd() * 480) + 1}号"
        region, region_sum = self._regions[bisect(self._region_cum, rnd() * self._region_total)]
        phone = (
            f"{self._prefixes[bisect(self._prefix_cum, rnd() * self._prefix_total)]}"
            f"{rng.randrange(100_000_000):08d}"
        )
        style = _COMM_STYLES[int(rnd() * 4)]
        tier_rank = _RANK[story.tier]
        if tier_rank <= 2:
            value_class = "vip"
        elif tier_rank <= 4:
            value_class = "target"
        else:
            value_class = "negative" if rnd() < 0.06 else "mass"
        if corporate:
            name = (
                f"{data.company_cities[int(rnd() * len(data.company_cities))]}"
                f"{data.company_brands[int(rnd() * len(data.company_brands))]}"
                f"{data.company_industries[int(rnd() * len(data.company_industries))]}有限公司"
            )
            body = region + "".join(_USCC_CHARS[int(rnd() * 31)] for _ in range(9))
            code = "91" + body
            check = (
                31 - sum(_USCC_CHARS.index(c) * w for c, w in zip(code, _USCC_WEIGHTS, strict=True)) % 31
            ) % 31
            state.rows["customer"].append(
                (
                    cid,
                    str(1_000_000_000 + cid),
                    name,
                    "corporate",
                    "uscc",
                    code + _USCC_CHARS[check],
                    phone,
                    phone[-4:],
                    None,
                    None,
                    None,
                    None,
                    self.inst_id[outlet],
                    f"{address}{int(rnd() * 20) + 1}楼",
                    style,
                    value_class,
                )
            )
            if rnd() < 0.3:
                self._important_dates(cid, "corporate", rng, state)
            return
        male = rnd() < 0.52
        surname = self._surnames[bisect(self._surname_cum, rnd() * self._surname_total)]
        given = data.given_names_male if male else data.given_names_female
        name = surname + given[int(rnd() * len(given))]
        births = self._births
        # Birth dates run oldest first; wealthier customers are older on average.
        u = rnd()
        birth_iso, birth_compact, birth_sum = births[
            int(len(births) * (u if wealth == 0 else u * (0.4 + 0.6 * u)))
        ]
        seq_text, seq_sum = self._seqs[int(rnd() * 500) * 2 + (1 if male else 0)]
        check = _ID_CHECK[(region_sum + birth_sum + seq_sum) % 11]
        occ_cum, occ_total = self._occ_cum[wealth]
        occupation = self._occupations[bisect(occ_cum, rnd() * occ_total)]
        income = occupation.income_min_fen + int(
            (occupation.income_max_fen - occupation.income_min_fen) * rnd()
        )
        income -= income % 100_000
        state.rows["customer"].append(
            (
                cid,
                str(1_000_000_000 + cid),
                name,
                "individual",
                "id_card",
                f"{region}{birth_compact}{seq_text}{check}",
                phone,
                phone[-4:],
                birth_iso,
                "M" if male else "F",
                occupation.name,
                income,
                self.inst_id[outlet],
                f"{address}{int(rnd() * 30) + 1}栋{int(rnd() * 2800) + 101}室",
                style,
                value_class,
            )
        )
        if rnd() < (0.06, 0.15, 0.4)[wealth]:
            self._important_dates(cid, "individual", rng, state)

    def _important_dates(self, cid: int, kind: str, rng: random.Random, state: _ChunkState) -> None:
        """One or two anniversaries of the customer (some on the lunar calendar)."""
        rnd = rng.random
        labels = self.dates_by_kind[kind]
        for _ in range(1 + (rnd() < 0.3)):
            label, _, lunar = labels[int(rnd() * len(labels))]
            day = self._days[self._day_base - 30 - int(rnd() * 12_000)]
            state.rows["important_date"].append((cid, label, day, 1 if lunar else 0))

    def _monthly(self, cid: int, story: _Story, rng: random.Random, state: _ChunkState) -> None:
        aum = story.aum
        share = 1000 - self._inv_share(story, rng)
        deposits = [a * share // 1000 for a in aum]
        state.monthly.append(
            (
                cid,
                story.first_k,
                aum,
                deposits,
                story.mortgage,
                story.credit,
                story.card,
                1 if story.diamond else 0,
            )
        )
        state.deposit_now = deposits[-1]
        state.investment_now = aum[-1] - deposits[-1]

    @staticmethod
    def _inv_share(story: _Story, rng: random.Random) -> int:
        """Per mille of AUM held in investments, steady over the months: more for the wealthier."""
        roll = int(rng.random() * 1000)
        rank = _RANK[story.tier]
        if rank <= 1:
            return 350 + roll * 2 // 5
        if rank <= 3:
            return 150 + roll * 9 // 20
        if rank == 4:
            return roll * 2 // 5
        return 0 if roll < 600 else (roll - 600) * 5 // 8

    # ------------------------------------------------------------------------------------------
    # Holdings
    # ------------------------------------------------------------------------------------------

    def _loan_class(self, rng: random.Random, state: _ChunkState) -> str:
        """Five-category class: mostly pass; the first loans of a bank take each class once."""
        state.loans += 1
        if state.global_first and state.loans <= len(_LOAN_CLASSES):
            return _LOAN_CLASSES[state.loans - 1]
        return _LOAN_CLASSES[bisect(state.loan_cum, rng.random() * state.loan_total)]

    def _maturity(self, rng: random.Random, term: int) -> tuple[str, str]:
        """Open and maturity dates of a term product: 40 % mature within the next 60 days."""
        rnd = rng.random
        if rnd() < 0.4:
            ahead = 1 + int(rnd() * SOON_DAYS)
        else:
            ahead = SOON_DAYS + 1 + int(rnd() * max(term - SOON_DAYS, 1))
        ahead = min(ahead, term)
        base = self._day_base
        return self._days[base + ahead - term], self._days[base + ahead]

    def _holdings(
        self, cid: int, story: _Story, corporate: bool, wealth: int, rng: random.Random, state: _ChunkState
    ) -> bool:
        """Deposits, investments, channels, cards and loans; balances add up to the as-of month's
        figures. Returns whether the customer holds investments."""
        rnd = rng.random
        held: list[tuple[object, ...]] = []
        add = held.append
        pid = self.product_id

        def hold(
            product_id: int,
            asset_class: str,
            balance: int,
            opened: date,
            matures: date | None = None,
            rate_e4: int | None = None,
        ) -> None:
            """An account without loan or card attributes."""
            add((cid, product_id, asset_class, balance, opened, matures, rate_e4, None, None, None, None))

        def lend(
            product_id: int, loan_type: str, balance: int, opened: date, matures: date, rate_e4: int
        ) -> None:
            """A loan with its five-category class and repayment day (drawn in this order)."""
            loan_class = self._loan_class(rng, state)
            day = 1 + int(rnd() * 28)
            add(
                (cid, product_id, "loan", balance, opened, matures, rate_e4, loan_type, loan_class, None, day)
            )

        def sign(product_id: int, asset_class: str, opened: date) -> None:
            """A signing without a balance: a channel service or a card."""
            hold(product_id, asset_class, 0, opened)

        base = self._day_base
        days = self._days
        deposit = state.deposit_now
        investment = state.investment_now
        # Deposits: a settlement (current) account and, for many, time deposits.
        time_part = 0
        if deposit >= 500_000 and rnd() < (0.35, 0.6, 0.75)[wealth]:
            time_part = deposit * (30 + int(rnd() * 60)) // 100
        settle_open = days[base - 30 - int(rnd() * 5000)]
        add(
            (
                cid,
                pid[self.settlement_product.code],
                "settlement",
                deposit - time_part,
                settle_open,
                None,
                self.settlement_product.rate_e4,
                None,
                None,
                None,
                None,
            )
        )
        if time_part:
            pieces = 1 + int(rnd() * (1 + wealth))
            for i in range(pieces):
                amount = (
                    time_part // pieces if i < pieces - 1 else time_part - time_part // pieces * (pieces - 1)
                )
                product = self.time_deposits[int(rnd() * len(self.time_deposits))]
                opened, matures = self._maturity(rng, product.term_days or 365)
                hold(pid[product.code], "deposit", amount, opened, matures, product.rate_e4)
        # Investments.
        if investment > 0:
            pieces = 1 + int(rnd() * (1 + 2 * wealth)) if investment > 1_000_000 else 1
            for i in range(pieces):
                amount = (
                    investment // pieces
                    if i < pieces - 1
                    else investment - investment // pieces * (pieces - 1)
                )
                product = self.investments[int(rnd() * len(self.investments))]
                if product.term_days:
                    opened, matures = self._maturity(rng, product.term_days)
                else:
                    opened, matures = days[base - 10 - int(rnd() * 1500)], None
                hold(pid[product.code], "wealth", amount, opened, matures, product.rate_e4)
            if rnd() < 0.3:
                sign(pid[self.cts.code], "channel", days[base - int(rnd() * 3000)])
        # Channel signings.
        for product_id, chance in self._channel_odds:
            if rnd() < chance:
                sign(product_id, "channel", days[base - int(rnd() * 3000)])
        # Cards.
        if wealth >= 1 and _RANK[story.tier] <= 3:
            sign(pid[self.wealth_card.code], "card", days[base - int(rnd() * 2500)])
        if _RANK[story.tier] <= 1:
            sign(pid[self.pb_card.code], "card", days[base - int(rnd() * 2000)])
        if story.card is not None or story.diamond:
            spend = story.card[-1] if story.card is not None else 0
            if story.diamond:
                level = "diamond"
            elif spend >= 5_000_000:
                level = "platinum"
            elif spend >= 2_000_000:
                level = "gold"
            else:
                level = "standard"
            product = self.card_by_level[level]
            owed = spend // 12 * (20 + int(rnd() * 100)) // 100
            add(
                (
                    cid,
                    pid[product.code],
                    "card",
                    owed,
                    days[base - 60 - int(rnd() * 3000)],
                    None,
                    None,
                    None,
                    None,
                    level,
                    1 + int(rnd() * 28),
                )
            )
        # Loans: balances equal the as-of month's mortgage and credit-loan figures.
        if story.mortgage is not None and story.mortgage[-1] > 0:
            product = self.mortgage_product
            opened = base - 400 - int(rnd() * 3000)
            lend(
                pid[product.code],
                "mortgage",
                story.mortgage[-1],
                days[opened],
                days[min(opened + (product.term_days or 9125), len(days) - 1)],
                product.rate_e4 + int(rnd() * 6000),
            )
        if story.credit is not None and story.credit[-1] > 0:
            product = self.credit_product
            opened, matures = self._maturity(rng, product.term_days or 1095)
            lend(
                pid[product.code],
                "credit",
                story.credit[-1],
                opened,
                matures,
                (product.rate_e4 or 0) + int(rnd() * 30000),
            )
        if corporate or (wealth and rnd() < 0.04):
            product = self.business_product
            opened, matures = self._maturity(rng, product.term_days or 1095)
            amount = 20_000_000 + int(rnd() * 480_000_000) // 100_000 * 100_000
            lend(
                pid[product.code],
                "business",
                amount,
                opened,
                matures,
                (product.rate_e4 or 0) + int(rnd() * 15000),
            )
        prefix = f"6217{cid:011d}"
        state.rows["holding"].extend([(prefix + _SEQ[j], *row) for j, row in enumerate(held)])
        return investment > 0

    # ------------------------------------------------------------------------------------------
    # Transactions and sales
    # ------------------------------------------------------------------------------------------

    def _transactions(
        self, cid: int, outlet: str, wealth: int, rng: random.Random, state: _ChunkState
    ) -> None:
        rnd = rng.random
        txns = state.rows["txn"]
        sales = state.rows["sale"]
        count = int(rnd() * (3, 5, TXN_KEY_STRIDE - 1)[wealth])
        if count == 0:
            return
        base = self._day_base
        days = self._days
        home = self.inst_id[outlet]
        large_chance = (0.01, 0.06, 0.3)[wealth]
        sale_chance = (0.06, 0.18, 0.3)[wealth]
        top = (2_000_000, 4_000_000, 50_000_000)[wealth]
        small_top = (2_000_000, 4_000_000, 4_890_000)[wealth]
        first_pk = cid * TXN_KEY_STRIDE
        for pk in range(first_pk, first_pk + count):
            day = days[base - int(rnd() * TXN_DAYS)]
            where = outlet if rnd() < 0.85 else self.outlets[int(rnd() * len(self.outlets))]
            if rnd() < sale_chance:
                product = self.sellable[int(rnd() * len(self.sellable))]
                amount = 1_000_000 + int(rnd() * (top if wealth else 4_000_000)) // 100_000 * 100_000
                tellers = self.outlet_tellers[where]
                teller = tellers[int(rnd() * len(tellers))]
                inst = self.inst_id[where]
                product_id = self.product_id[product.code]
                txns.append(
                    (
                        pk,
                        f"T{pk:013d}",
                        cid,
                        day,
                        amount,
                        "out",
                        "counter",
                        inst,
                        teller,
                        product_id,
                        "in_bank",
                    )
                )
                sales.append((pk, inst, product_id, day, amount, None))
                continue
            if rnd() < large_chance:
                amount = (5_000_000 + int(rnd() * top * 2)) // 100 * 100
            else:
                amount = 100 + int(small_top * _skewed(rnd())) // 100 * 100
            channel_roll = rnd()
            teller = None
            if channel_roll < 0.25:
                channel = "counter"
                tellers = self.outlet_tellers[where]
                teller = tellers[int(rnd() * len(tellers))]
            elif channel_roll < 0.7:
                channel = "mobile"
            elif channel_roll < 0.85:
                channel = "online"
            elif channel_roll < 0.95:
                channel = "atm"
            else:
                channel = "pos"
            inst = self.inst_id[where] if channel in ("counter", "atm") else home
            txns.append(
                (
                    pk,
                    f"T{pk:013d}",
                    cid,
                    day,
                    amount,
                    "in" if rnd() < 0.5 else "out",
                    channel,
                    inst,
                    teller,
                    None,
                    "in_bank" if rnd() < 0.4 else "out_bank",
                )
            )

    # ------------------------------------------------------------------------------------------
    # Tiers, assignments, risk assessments
    # ------------------------------------------------------------------------------------------

    def _tier_rows(self, cid: int, story: _Story, state: _ChunkState) -> None:
        now = self.now_idx
        month = month_text(now)
        version = self.rules.version
        state.rows["customer_tier"].append(
            (
                cid,
                now,
                month,
                story.tier.value,
                story.status.value if story.status else None,
                story.months_below,
                story.churned_from.value if story.churned_from else None,
                story.qualified_by,
                version,
                self.evaluated_at,
            )
        )
        if story.reason is not None:
            state.rows["tier_history"].append(
                (
                    cid,
                    now,
                    month,
                    story.prev_tier.value,
                    story.tier.value,
                    story.reason,
                    version,
                    self.evaluated_at,
                )
            )

    def _assignment(
        self, cid: int, index: int, story: _Story, outlet: str, rng: random.Random, state: _ChunkState
    ) -> None:
        """Gold-and-above customers (and those who churned out of gold or above this month) have RMs
        of their outlet or its branch; some wait in the unassigned pool."""
        gold_rank = _RANK[Tier.GOLD]
        eligible = _RANK[story.tier] <= gold_rank or (
            story.churned_from is not None and _RANK[story.churned_from] <= gold_rank
        )
        if not eligible:
            return
        rnd = rng.random
        showcase = index < len(self.showcase)
        # Most customers new to gold-and-above this month wait in the pool; a few others do too.
        pooled = (showcase or rnd() < 0.8) if story.reason == "upgrade" else (not showcase and rnd() < 0.08)
        rms = self.outlet_rms[outlet]
        branch = self.branch_rms[outlet]
        if index < len(ARCHETYPES):
            primary = rms[0]
        elif _RANK[story.tier] <= 1 and branch and rnd() < 0.35:
            primary = branch[int(rnd() * len(branch))]
        else:
            primary = rms[int(rnd() * len(rms))]
        others = [s for s in rms + branch if s != primary]
        roll = rnd()
        if roll < 0.6 or not others:
            team = [(primary, "primary", 100)]
        elif roll < 0.9:
            second = others[int(rnd() * len(others))]
            split = (70, 60, 80)[int(rnd() * 3)]
            team = [(primary, "primary", split), (second, "secondary", 100 - split)]
        else:
            second, third = rng.sample(others, 2) if len(others) >= 2 else (others[0], others[0])
            split = ((60, 20, 20), (50, 30, 20), (40, 30, 30))[int(rnd() * 3)]
            team = [(primary, "primary", split[0]), (second, "secondary", split[1])]
            if third != second:
                team.append((third, "secondary", split[2]))
            else:
                team[0] = (primary, "primary", split[0] + split[2])
        since_off = 20 + int(rnd() * 700)
        since, _, at_ms, at_text = self._moment(since_off, 9)
        manager = self.outlet_manager[outlet]
        after = json.dumps([{"staff": self.staff_code[s], "role": r, "pct": p} for s, r, p in team])
        events = state.rows["assignment_event"]
        events.append(
            (_uuid7_hex(rng, at_ms), cid, "assign", manager, "null", after, "新客户分配", since, at_text)
        )
        if pooled:
            if story.reason == "upgrade" or rnd() < 0.6:
                events.pop()
                return
            back_day, _, back_ms, back_text = self._moment(int(rnd() * min(since_off - 1, 120)), 15)
            reason = ("客户经理岗位调整", "客户要求更换客户经理", "客户迁出服务区域")[int(rnd() * 3)]
            events.append(
                (_uuid7_hex(rng, back_ms), cid, "recycle", manager, after, "[]", reason, back_day, back_text)
            )
            return
        inst = self.inst_id[outlet]
        for staff, role, pct in team:
            state.rows["assignment"].append((cid, staff, role, pct, inst, since))

    def _risk_assessment(
        self, cid: int, outlet: str, wealth: int, rng: random.Random, state: _ChunkState
    ) -> None:
        """A risk-tolerance assessment within the last 14 months (so some have expired), valid 12 months."""
        rnd = rng.random
        day_iso, until_iso, moment_ms, created = self._moment(int(rnd() * 430), 10)
        score = min(100, int(rnd() * 70) + (10, 20, 30)[wealth])
        level = (
            "C1"
            if score <= 20
            else "C2"
            if score <= 40
            else "C3"
            if score <= 60
            else "C4"
            if score <= 80
            else "C5"
        )
        rms = self.outlet_rms[outlet]
        staff = rms[int(rnd() * len(rms))] if wealth else None
        state.rows["risk_assessment"].append(
            (_uuid7_hex(rng, moment_ms), cid, staff, day_iso, until_iso, score, level, "null", created)
        )

    def _moment(self, days_ago: int, hour: int) -> tuple[str, str, int, str]:
        """For a day ``days_ago`` before as-of: its ISO text, the ISO text a year later, and the
        instant ``hour``:00 in Shanghai that day as epoch milliseconds and as stored UTC text."""
        key = (days_ago, hour)
        found = self._moments.get(key)
        if found is None:
            day = self.as_of - timedelta(days=days_ago)
            moment = datetime.combine(day, time(hour), BUSINESS_TZ)
            found = (
                day.isoformat(),
                (day + relativedelta(months=12)).isoformat(),
                int(moment.timestamp() * 1000),
                utc_text(moment),
            )
            self._moments[key] = found
        return found


class _ChunkState:
    """Mutable state while one chunk is generated."""

    __slots__ = (
        "deposit_now",
        "global_first",
        "investment_now",
        "loan_cum",
        "loan_total",
        "loans",
        "monthly",
        "rows",
    )

    def __init__(
        self, rows: dict[str, list[tuple[object, ...]]], monthly: list[MonthlySeries], *, first: bool
    ) -> None:
        self.rows = rows
        self.monthly = monthly
        self.deposit_now = 0
        self.investment_now = 0
        self.loans = 0
        self.global_first = first
        self.loan_cum, self.loan_total = _cumulative(_LOAN_CLASS_WEIGHTS)
