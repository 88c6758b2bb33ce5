"""Set-based tier evaluation (SPEC §3): one SQL statement over all customers, on SQLite and PostgreSQL.

:func:`evaluate_all` generates one ``INSERT … SELECT`` from a :class:`~rm_console.domain.tiers.RuleSet`
and fills a temporary table with every customer's tier, status, months below, churned-from tier and
qualifying criterion at an evaluation month M, with the previous month's result it judged churn
against. Its answer equals :func:`rm_console.domain.tiers.evaluate` for every customer
(``tests/test_tier_sql.py`` checks that with random customers and rule sets on both databases).

How the statement works. Everything a rule needs to know about a month is a few bits, so one pass
over ``monthly_aum`` (each customer's last months, read by primary key) adds them up into one 62-bit
integer per customer (a "word"; rule sets with very long windows need more), and everything else is
bit tests on the words:

* per tier, D bits where bit k is set when month M − k has a row with AUM ≥ the tier's threshold,
  D = max(window + 2, churn bound + 1) (the default rules need 14 + 14 + 8 + 8 + 5). "AUM reached
  the threshold within window N" is "one of bits 0 … N is set" (bits 1 … N + 1 for M − 1); months
  below are the trailing clear bits, capped at the churn bound; a status band "b or more months
  below" is "bits 0 … b − 1 are clear".
* if a threshold is ≤ 0, which a month without a row (AUM 0) reaches, bits marking the months that
  have a row at all, since an empty window's maximum is 0.
* per tier with non-AUM criteria, a code for each of the months M and M − 1 naming the first of them
  that holds on that month's row (card spend, mortgage, credit loan, diamond card; a month without a
  row holds what all-zero figures hold). It is stored relative to an empty month's code, so the
  0 of a missing row decodes right.

Each month of a customer sets distinct bits, so SUM is an exact bitwise OR. The same level computes
the first rule that holds at M and at M − 1; the levels above turn those into the tier, status,
months below and qualifying criterion (the first that held, AUM first), take the previous month's
result from ``customer_tier`` where stored, and decide churn: the previous tier was reached through
AUM, the tier is now lower (by :attr:`Tier.rank`) and the old tier's last churn-bound months are all
below its threshold.

Every value that comes from the rule set or the month is a bound parameter (the SQL text depends
only on the rule set's shape), cast to the type PostgreSQL needs. Only portable operators are used:
``+ - * & <<``, ``CASE``, ``CAST``, ``COALESCE``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from sqlalchemy import Connection, CursorResult, text

from rm_console.domain.enums import Status, Tier
from rm_console.domain.tiers import RuleSet, TierRule

#: The columns of the evaluation table, in order.
EVAL_COLUMNS = (
    "customer_id",
    "tier",
    "status",
    "months_below",
    "churned_from",
    "qualified_by",
    "prev_month_idx",
    "prev_tier",
    "prev_status",
    "prev_qualified_by",
)

#: Bits used of one word (a BIGINT has 63 besides the sign; one is kept spare).
WORD_BITS = 62
#: The non-AUM criteria in the order ``qualified_by`` prefers them.
NON_AUM = ("card_spend", "mortgage", "credit_loan", "diamond_card")

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_PARAMETER = re.compile(r":(p\d+)\b")

_TABLE_DDL = (
    "CREATE TEMPORARY TABLE {table} ("
    "customer_id INTEGER NOT NULL PRIMARY KEY, "
    "tier VARCHAR(16) NOT NULL, "
    "status VARCHAR(16), "
    "months_below INTEGER NOT NULL, "
    "churned_from VARCHAR(16), "
    "qualified_by VARCHAR(32), "
    "prev_month_idx INTEGER NOT NULL, "
    "prev_tier VARCHAR(16), "
    "prev_status VARCHAR(16), "
    "prev_qualified_by VARCHAR(32))"
)


# ---------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------


def evaluate_all(conn: Connection, rules: RuleSet, month_idx: int, *, table: str = "tier_eval") -> int:
    """(Re)create the TEMPORARY table ``table`` with one row per customer (every customer, also those
    without AUM rows) holding the evaluation at ``month_idx`` in :data:`EVAL_COLUMNS`; return the number
    of rows.

    ``prev_month_idx`` is always ``month_idx - 1``; ``prev_tier``, ``prev_status`` and
    ``prev_qualified_by`` are the previous month's result churn was judged against: the stored
    ``customer_tier`` row if it is of ``month_idx - 1``, else the ``prev_*`` stored with an evaluation
    of ``month_idx`` whose ``prev_month_idx`` is ``month_idx - 1``, else computed from the data with
    ``rules`` (tier, qualifying criterion and the status without churn).

    Raises ValueError for a rule set whose windows or churn bounds are longer than 60 months.
    """
    name = _table_name(table)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {temp_schema(conn)}.{name}")
    conn.exec_driver_sql(_TABLE_DDL.format(table=name))
    sql, params = evaluation_sql(rules, month_idx)
    result = _execute(conn, f"INSERT INTO {name} ({', '.join(EVAL_COLUMNS)}) {sql}", params)
    return int(result.rowcount)


def transition_counts(conn: Connection, table: str = "tier_eval") -> dict[str, dict[str, int]]:
    """How many customers move from each stored tier to each evaluated tier: ``{from: {to: count}}``.

    The from-tier is the stored ``customer_tier.tier``; customers without a stored row count as
    ``ordinary``. The matrix is complete: every tier (and any other stored tier name) is a key on
    both levels, in :class:`Tier` order, with 0 where nobody moves.
    """
    name = _table_name(table)
    rows = conn.execute(
        text(
            f"SELECT COALESCE(ct.tier, :ordinary) AS from_tier, e.tier AS to_tier, COUNT(*) AS n "
            f"FROM {name} e LEFT JOIN customer_tier ct ON ct.customer_id = e.customer_id "
            f"GROUP BY COALESCE(ct.tier, :ordinary), e.tier"
        ),
        {"ordinary": Tier.ORDINARY.value},
    ).all()
    names = [tier.value for tier in Tier]
    for from_tier, to_tier, _ in rows:
        names.extend(name for name in (from_tier, to_tier) if name not in names)
    matrix = {from_tier: dict.fromkeys(names, 0) for from_tier in names}
    for from_tier, to_tier, count in rows:
        matrix[from_tier][to_tier] = int(count)
    return matrix


def changed_customers(conn: Connection, table: str = "tier_eval") -> list[str]:
    """CIFs of the customers whose evaluated tier differs from the stored one, sorted.

    A customer without a stored row counts as ``ordinary``, as in :func:`transition_counts`.
    """
    name = _table_name(table)
    rows = conn.execute(
        text(
            f"SELECT cu.cif FROM {name} e "
            f"JOIN customer cu ON cu.id = e.customer_id "
            f"LEFT JOIN customer_tier ct ON ct.customer_id = e.customer_id "
            f"WHERE COALESCE(ct.tier, :ordinary) <> e.tier"
        ),
        {"ordinary": Tier.ORDINARY.value},
    ).scalars()
    return sorted(rows)  # in Python: the databases' collations would order CIFs differently


def drop_temp_table(conn: Connection, table: str) -> None:
    """Drop a temporary table if it exists, never a permanent table of the same name."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {temp_schema(conn)}.{_table_name(table)}")


def evaluation_sql(rules: RuleSet, month_idx: int) -> tuple[str, dict[str, object]]:
    """The ``SELECT`` of the evaluation (columns as :data:`EVAL_COLUMNS`) and its parameters.

    Parameters are written ``:name``; :func:`evaluate_all` runs it. Raises ValueError for a rule set
    whose windows or churn bounds are longer than 60 months.
    """
    return _Generator(rules, month_idx).select()


# ---------------------------------------------------------------------------------------------------
# Running the statement
# ---------------------------------------------------------------------------------------------------


def _table_name(table: str) -> str:
    if not _IDENTIFIER.fullmatch(table):
        raise ValueError(f"not a plain SQL identifier: {table!r}")
    return table


def temp_schema(conn: Connection) -> str:
    """The schema of temporary tables, so that a DROP never reaches a permanent table."""
    return "pg_temp" if conn.dialect.name == "postgresql" else "temp"


def _execute(conn: Connection, sql: str, params: Mapping[str, object]) -> CursorResult[Any]:
    """Run ``sql`` with its ``:name`` parameters handed to the driver by name.

    Through ``text()`` a parameter used n times becomes n positional ones on SQLite, and the
    planner no longer sees that two uses of one aggregate are the same: handing the driver named
    parameters keeps each a single variable. sqlite3 reads ``:name`` itself; psycopg reads
    ``%(name)s``. Other drivers go through ``text()``.
    """
    style = conn.dialect.paramstyle
    if conn.dialect.name == "sqlite" and conn.dialect.driver == "pysqlite":
        return conn.exec_driver_sql(sql, dict(params))
    if style == "pyformat":
        return conn.exec_driver_sql(_PARAMETER.sub(r"%(\1)s", sql), dict(params))
    return conn.execute(text(sql), dict(params))


# ---------------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Field:
    """A run of bits in the words: word number, offset of its bit 0, and width."""

    word: int
    offset: int
    width: int


def _low(count: int) -> int:
    """An integer with the ``count`` lowest bits set."""
    return (1 << max(count, 0)) - 1


def _window_bits(rule: TierRule) -> int:
    """Months the AUM window covers: the evaluation month and ``window_months`` before it."""
    return max(rule.window_months + 1, 0)


def _churn_bits(rule: TierRule) -> int:
    """The churn bound as a number of months: the cap of months below."""
    return max(rule.churn_at, 0)


def _in_range(value: int, minimum: int | None, maximum: int | None) -> bool:
    return minimum is not None and value >= minimum and (maximum is None or value < maximum)


def _criteria(rule: TierRule) -> list[str]:
    """The non-AUM criteria ``rule`` uses, in order; criterion ``n`` of the list has code n + 1."""
    used = {
        "card_spend": rule.card_spend_min_fen is not None,
        "mortgage": rule.mortgage_min_fen is not None,
        "credit_loan": rule.credit_loan_min_fen is not None,
        "diamond_card": rule.diamond_card,
    }
    return [name for name in NON_AUM if used[name]]


def _empty_month_code(rule: TierRule) -> int:
    """The code of the first non-AUM criterion that all-zero figures hold (a month without a row), or 0."""
    held = {
        "card_spend": rule.card_spend_min_fen is not None and rule.card_spend_min_fen <= 0,
        "mortgage": _in_range(0, rule.mortgage_min_fen, rule.mortgage_max_fen),
        "credit_loan": _in_range(0, rule.credit_loan_min_fen, rule.credit_loan_max_fen),
        "diamond_card": False,
    }
    for code, name in enumerate(_criteria(rule), start=1):
        if held[name]:
            return code
    return 0


class _Generator:
    """Builds the evaluation ``SELECT`` for one rule set and month, and collects its parameters."""

    def __init__(self, rules: RuleSet, month_idx: int) -> None:
        self.rules = rules.rules
        self.month_idx = month_idx
        self.params: dict[str, object] = {}
        self._names: dict[tuple[str, object], str] = {}
        self.criteria = [_criteria(rule) for rule in self.rules]
        self.empty_code = [_empty_month_code(rule) for rule in self.rules]
        self._used: list[int] = []
        self.aum = [self._place(max(_window_bits(rule) + 1, _churn_bits(rule) + 1)) for rule in self.rules]
        #: Bits of the months that have a row, if some threshold is ≤ 0 (needed for its window only).
        self.present = None
        low = [_window_bits(rule) + 1 for rule in self.rules if rule.aum_min_fen <= 0]
        if low:
            self.present = self._place(max(low))
        self.codes = [self._place(2 * len(names).bit_length()) if names else None for names in self.criteria]
        #: Months read: M − span + 1 … M.
        self.span = max([2, *(field.width for field in self._month_fields())])
        self.words = len(self._used)

    # -- parameters ---------------------------------------------------------------------------------

    def bound(self, value: int | str) -> str:
        """A bound parameter (one per distinct value).

        PostgreSQL types an integer from the value (psycopg sends the smallest integer type that holds
        it), so arithmetic that needs 64 bits casts its operands first; strings are cast to VARCHAR.
        """
        key = (type(value).__name__, value)
        name = self._names.get(key)
        if name is None:
            name = f"p{len(self.params)}"
            self._names[key] = name
            self.params[name] = value
        if isinstance(value, str):
            # PostgreSQL deduces an untyped string parameter's type per use, and refuses to deduce
            # two: one is compared with a VARCHAR column, another is a result column (TEXT).
            return f"CAST(:{name} AS VARCHAR(32))"
        return f":{name}"

    # -- layout -------------------------------------------------------------------------------------

    def _place(self, width: int) -> _Field:
        """First fit of ``width`` bits into the words."""
        if width > WORD_BITS:
            raise ValueError(
                f"tier windows and churn bounds of up to {WORD_BITS - 2} months can be evaluated in SQL; "
                f"this rule set needs {width - 1}"
            )
        for number, used in enumerate(self._used):
            if used + width <= WORD_BITS:
                self._used[number] += width
                return _Field(number, used, width)
        self._used.append(width)
        return _Field(len(self._used) - 1, 0, width)

    def _month_fields(self) -> list[_Field]:
        """The fields with one bit per month."""
        return [*self.aum, *([self.present] if self.present is not None else [])]

    # -- the pass over monthly_aum: each row's bits -------------------------------------------------

    def _month_bits(self, number: int, back: str) -> str | None:
        """This row's AUM (and row-present) bits in word ``number``, shifted to its month; None if none.

        One ``CASE`` over the distinct thresholds, lowest first (most rows stop at the first test): a
        row that reaches a threshold reaches every lower one, so each branch sets the bits of every
        tier whose threshold the row reaches. A month further back than a field is wide is masked out
        of it (its bit would land in the next field). Comparisons bind their constants as they are;
        the results are cast to BIGINT once.
        """
        fields = [
            (rule, field) for rule, field in zip(self.rules, self.aum, strict=True) if field.word == number
        ]
        present = self.present if self.present is not None and self.present.word == number else None
        if not fields and present is None:
            return None
        base = 0 if present is None else 1 << present.offset

        def reached(threshold: int | None) -> str:
            """The bits of a row whose AUM reaches ``threshold`` but no higher one (None: none)."""
            tiers = (f.offset for r, f in fields if threshold is not None and r.aum_min_fen <= threshold)
            return self.bound(base + sum(1 << offset for offset in tiers))

        thresholds = sorted({rule.aum_min_fen for rule, _ in fields})
        steps = [f"WHEN m.aum_fen < {self.bound(thresholds[0])} THEN {reached(None)}"] if thresholds else []
        steps += [
            f"WHEN m.aum_fen < {self.bound(higher)} THEN {reached(lower)}"
            for lower, higher in pairwise(thresholds)
        ]
        otherwise = reached(thresholds[-1] if thresholds else None)
        bits = (
            f"CAST(CASE {' '.join(steps)} ELSE {otherwise} END AS BIGINT)"
            if steps
            else f"CAST({self.bound(base)} AS BIGINT)"
        )
        in_word = [field for field in self._month_fields() if field.word == number]
        widths = sorted({field.width for field in in_word if field.width < self.span})
        if widths:
            keep = " ".join(
                f"WHEN m.month_idx > {self.bound(self.month_idx - width)} THEN "
                f"{self.bound(sum(1 << f.offset for f in in_word if f.width >= width))}"
                for width in widths
            )
            full = self.bound(sum(1 << f.offset for f in in_word if f.width >= self.span))
            bits = f"({bits} & CAST(CASE {keep} ELSE {full} END AS BIGINT))"
        return f"({bits} << {back})"

    def _code_case(self, i: int, field: _Field, back: str) -> str:
        """This row's code for rule ``i``, relative to an empty month's, shifted to its month's place."""
        rule, names = self.rules[i], self.criteria[i]

        def value(code: int) -> str:
            return self.bound(((code - self.empty_code[i]) % (len(names) + 1)) << field.offset)

        def test(name: str) -> str:
            if name == "card_spend":
                return self._range_test("m.card_spend_12m_fen", rule.card_spend_min_fen, None)
            if name == "mortgage":
                return self._range_test("m.mortgage_fen", rule.mortgage_min_fen, rule.mortgage_max_fen)
            if name == "credit_loan":
                return self._range_test(
                    "m.credit_loan_fen", rule.credit_loan_min_fen, rule.credit_loan_max_fen
                )
            return "m.diamond_card"

        steps = " ".join(f"WHEN {test(name)} THEN {value(code)}" for code, name in enumerate(names, start=1))
        bits = len(names).bit_length()
        return f"(CAST(CASE {steps} ELSE {value(0)} END AS BIGINT) << ({back} * {self.bound(bits)}))"

    def _range_test(self, column: str, minimum: int | None, maximum: int | None) -> str:
        test = f"COALESCE({column}, 0) >= {self.bound(minimum or 0)}"
        if maximum is not None:
            test += f" AND COALESCE({column}, 0) < {self.bound(maximum)}"
        return test

    def _word_sum(self, number: int) -> str:
        """The aggregate that fills word ``number`` (0 for a customer without rows)."""
        back = f"({self.bound(self.month_idx)} - m.month_idx)"
        terms = []
        month_bits = self._month_bits(number, back)
        if month_bits is not None:
            terms.append(month_bits)
        codes = [
            self._code_case(i, field, back)
            for i, field in enumerate(self.codes)
            if field is not None and field.word == number
        ]
        if codes:
            recent = f"m.month_idx >= {self.bound(self.month_idx - 1)}"
            terms.append(f"CASE WHEN {recent} THEN {' + '.join(codes)} ELSE 0 END")
        # A customer without rows in the months meets one row of NULLs: ``<< NULL`` makes its term
        # NULL, which SUM skips, and the sum of nothing is NULL, hence the COALESCE.
        return f"COALESCE(CAST(SUM({' + '.join(terms)}) AS BIGINT), 0)"

    # -- bit tests (``w`` holds the SQL of each word: its aggregate, or its column) ------------------

    def _any(self, w: Sequence[str], field: _Field, first: int, count: int) -> str:
        if count <= 0:
            return "(1 = 0)"
        return f"(({w[field.word]}) & {self.bound(_low(count) << (field.offset + first))}) <> 0"

    def _none(self, w: Sequence[str], field: _Field, first: int, count: int) -> str:
        if count <= 0:
            return "(1 = 1)"
        return f"(({w[field.word]}) & {self.bound(_low(count) << (field.offset + first))}) = 0"

    def aum_held(self, w: Sequence[str], i: int, back: int) -> str:
        """AUM reached rule ``i``'s threshold within its window, ``back`` months before M."""
        rule, field = self.rules[i], self.aum[i]
        test = self._any(w, field, back, _window_bits(rule))
        if rule.aum_min_fen <= 0 and self.present is not None:
            # An empty window's maximum is 0, which reaches a threshold ≤ 0.
            test = f"({test} OR {self._none(w, self.present, back, _window_bits(rule))})"
        return test

    def _code(self, w: Sequence[str], i: int, back: int, code: int) -> tuple[str, str]:
        """(this month's code bits of rule ``i``, the value they have when its code is ``code``)."""
        field = self.codes[i]
        assert field is not None
        bits = len(self.criteria[i]).bit_length()
        shift = field.offset + back * bits
        value = (code - self.empty_code[i]) % (len(self.criteria[i]) + 1)
        return f"(({w[field.word]}) & {self.bound(_low(bits) << shift)})", self.bound(value << shift)

    def code_held(self, w: Sequence[str], i: int, back: int) -> str | None:
        """Some non-AUM criterion of rule ``i`` holds ``back`` months before M (None: it has none)."""
        if self.codes[i] is None:
            return None
        bits, none = self._code(w, i, back, 0)
        return f"{bits} <> {none}"

    def code_is(self, w: Sequence[str], i: int, back: int, name: str) -> str:
        """The first non-AUM criterion of rule ``i`` that holds ``back`` months before M is ``name``."""
        bits, value = self._code(w, i, back, self.criteria[i].index(name) + 1)
        return f"{bits} = {value}"

    def held(self, w: Sequence[str], i: int, back: int) -> str:
        """Some criterion of rule ``i`` holds ``back`` months before M."""
        code = self.code_held(w, i, back)
        aum = self.aum_held(w, i, back)
        return aum if code is None else f"({aum} OR {code})"

    def below(self, w: Sequence[str], i: int, back: int) -> str:
        """Months below rule ``i``'s threshold ending ``back`` months before M, up to the churn bound."""
        field, cap = self.aum[i], _churn_bits(self.rules[i])
        if cap == 0:
            return self.bound(0)
        steps = " ".join(f"WHEN {self._any(w, field, back + n, 1)} THEN {self.bound(n)}" for n in range(cap))
        return f"CASE {steps} ELSE {self.bound(cap)} END"

    def band(self, w: Sequence[str], i: int, back: int) -> str:
        """Rule ``i``'s status band of its months below (SPEC §3), without churn."""
        rule, field = self.rules[i], self.aum[i]
        cap = _churn_bits(rule)
        steps = [f"WHEN {self._none(w, field, back, cap)} THEN {self.bound(Status.CHURNED.value)}"]
        if rule.attention_max is not None and rule.watch_max < cap:
            attention = self._none(w, field, back, rule.watch_max + 1)
            steps.append(f"WHEN {attention} THEN {self.bound(Status.ATTENTION.value)}")
        steps.append(f"WHEN {self._none(w, field, back, 1)} THEN {self.bound(Status.WATCH.value)}")
        return f"CASE {' '.join(steps)} ELSE {self.bound(Status.NORMAL.value)} END"

    # -- one customer's results, from the index of the first rule that holds ------------------------

    def winner(self, w: Sequence[str], back: int) -> str:
        """The index of the first rule any of whose criteria holds; ``len(rules)`` for ordinary."""
        steps = " ".join(f"WHEN {self.held(w, i, back)} THEN {self.bound(i)}" for i in range(len(self.rules)))
        ordinary = self.bound(len(self.rules))
        return f"CASE {steps} ELSE {ordinary} END" if steps else ordinary

    def _by_rule(self, index: str, values: Sequence[str], otherwise: str) -> str:
        if not values:
            return otherwise
        steps = " ".join(f"WHEN {self.bound(i)} THEN {value}" for i, value in enumerate(values))
        return f"CASE {index} {steps} ELSE {otherwise} END"

    def tier(self, index: str) -> str:
        """The name of rule ``index``'s tier (ordinary past the last rule)."""
        names = [self.bound(rule.tier.value) for rule in self.rules]
        return self._by_rule(index, names, self.bound(Tier.ORDINARY.value))

    def rank(self, index: str) -> str:
        """The :attr:`Tier.rank` of rule ``index``'s tier."""
        ranks = [self.bound(Tier(rule.tier).rank) for rule in self.rules]
        return self._by_rule(index, ranks, self.bound(Tier.ORDINARY.rank))

    def qualified_by(self, w: Sequence[str], index: str, back: int) -> str:
        """``qualified_by``: the first criterion of rule ``index`` that held, AUM first."""
        values = []
        for i, names in enumerate(self.criteria):
            steps = [f"WHEN {self.aum_held(w, i, back)} THEN {self.bound('aum')}"]
            steps += [f"WHEN {self.code_is(w, i, back, name)} THEN {self.bound(name)}" for name in names]
            values.append(f"CASE {' '.join(steps)} END")
        return self._by_rule(index, values, "CAST(NULL AS VARCHAR(32))")

    def status(self, w: Sequence[str], index: str, back: int) -> str:
        """The status without churn: normal while a non-AUM criterion holds, else the AUM band."""
        values = []
        for i in range(len(self.rules)):
            code, band = self.code_held(w, i, back), self.band(w, i, back)
            normal = self.bound(Status.NORMAL.value)
            values.append(band if code is None else f"CASE WHEN {code} THEN {normal} ELSE {band} END")
        return self._by_rule(index, values, "CAST(NULL AS VARCHAR(16))")

    def months_below(self, w: Sequence[str], index: str) -> str:
        """Months below the threshold of rule ``index``'s tier at M (0 for ordinary)."""
        return self._by_rule(index, [self.below(w, i, 0) for i in range(len(self.rules))], self.bound(0))

    def churned_from(self, w: Sequence[str]) -> str:
        """The previous tier if the customer churned out of it at M, else NULL."""
        steps = " ".join(
            f"WHEN {self.bound(rule.tier.value)} THEN "
            f"CASE WHEN cur_rank > {self.bound(Tier(rule.tier).rank)} "
            f"AND {self._none(w, self.aum[j], 0, _churn_bits(rule))} THEN {self.bound(rule.tier.value)} END"
            for j, rule in enumerate(self.rules)
        )
        if not steps:
            return "CAST(NULL AS VARCHAR(16))"
        return f"CASE WHEN prev_qualified_by = {self.bound('aum')} THEN CASE prev_tier {steps} END END"

    def churn_below(self) -> str:
        """Months below: the old tier's churn bound in the month of churn, else the tier's own."""
        steps = " ".join(
            f"WHEN {self.bound(rule.tier.value)} THEN {self.bound(_churn_bits(rule))}" for rule in self.rules
        )
        return f"CASE churned_from {steps} ELSE months_below END" if steps else "months_below"

    def _previous(self, column: str, computed: str) -> str:
        """The previous month's ``column``: stored for M − 1, stored beside M's evaluation, or computed."""
        m, m1 = self.bound(self.month_idx), self.bound(self.month_idx - 1)
        return (
            f"CASE WHEN ct.month_idx = {m1} THEN ct.{column} "
            f"WHEN ct.month_idx = {m} AND ct.prev_month_idx = {m1} THEN ct.prev_{column} "
            f"ELSE {computed} END"
        )

    # -- the statement ------------------------------------------------------------------------------

    def select(self) -> tuple[str, dict[str, object]]:
        """The whole ``SELECT`` and its parameters.

        The aggregate level also finds the first rule that holds at M and at M − 1 (``cur``, ``prv``):
        there it is computed once per customer, while the planners merge the levels above into one
        and would repeat it in every expression that used it.
        """
        sums = [self._word_sum(n) for n in range(self.words)]
        columns = [
            "c.id AS customer_id",
            *(f"{total} AS w{n}" for n, total in enumerate(sums)),
            f"{self.winner(sums, 0)} AS cur",
            f"{self.winner(sums, 1)} AS prv",
        ]
        first, last = self.bound(self.month_idx - self.span + 1), self.bound(self.month_idx)
        source = f"SELECT {', '.join(columns)} FROM customer c"
        if self.words:
            source += (
                f" LEFT JOIN monthly_aum m ON m.customer_id = c.id "
                f"AND m.month_idx BETWEEN {first} AND {last} GROUP BY c.id"
            )
        w = [f"w{n}" for n in range(self.words)]
        joined = (
            f"SELECT a.*, ct.month_idx, ct.prev_month_idx, ct.tier, ct.status, "
            f"ct.qualified_by, ct.prev_tier, ct.prev_status, ct.prev_qualified_by "
            f"FROM ({source}) a LEFT JOIN customer_tier ct ON ct.customer_id = a.customer_id"
        )
        evaluated = (
            f"SELECT ct.customer_id{''.join(f', {word}' for word in w)}, {self.tier('cur')} AS tier, "
            f"{self.status(w, 'cur', 0)} AS status, {self.months_below(w, 'cur')} AS months_below, "
            f"{self.qualified_by(w, 'cur', 0)} AS qualified_by, {self.rank('cur')} AS cur_rank, "
            f"{self._previous('tier', self.tier('prv'))} AS prev_tier, "
            f"{self._previous('status', self.status(w, 'prv', 1))} AS prev_status, "
            f"{self._previous('qualified_by', self.qualified_by(w, 'prv', 1))} AS prev_qualified_by "
            f"FROM ({joined}) ct"
        )
        judged = (
            f"SELECT customer_id, tier, status, months_below, qualified_by, prev_tier, prev_status, "
            f"prev_qualified_by, {self.churned_from(w)} AS churned_from FROM ({evaluated}) e"
        )
        sql = (
            f"SELECT customer_id, tier, "
            f"CASE WHEN churned_from IS NULL THEN status "
            f"ELSE {self.bound(Status.CHURNED.value)} END AS status, "
            f"{self.churn_below()} AS months_below, churned_from, qualified_by, "
            f"{self.bound(self.month_idx - 1)} AS prev_month_idx, prev_tier, prev_status, prev_qualified_by "
            f"FROM ({judged}) j"
        )
        return sql, dict(self.params)
