"""The import contract of SPEC §11: the columns, cell formats and row rules of every kind of file.

Each kind is a pydantic model whose fields are the file's columns, in SPEC order, typed with the cell
formats below; a field without a default is a required column (and its cells must not be empty), a
default written as text (``seller_pct = "70"``) is what an empty or absent cell means. The models read
as the specification; the bulk path derived from them is built for speed:

1. **Header**: unknown, duplicate, unnamed and missing required columns are refused (line 1).
2. **Cells**: one ``TypeAdapter(list[tuple[...]])`` over the file's rows checks every cell against its
   format's pattern, length or literal choices inside pydantic-core, with no Python call per cell.
   Error locations (row index, column position) map back to the file's line and column name.
3. **Values**: column by column, checked text becomes values in tight loops: yuan to integer fen
   (exactly, no float), dates, month indexes, flags, scaled rates and weights. A column that cannot be
   converted as a whole (a 30 February) is redone cell by cell to name the cells.
4. **Row rules** of the kind (``row_checks``): cross-field rules such as "a loan has a loan type".
5. **Natural keys**: a key given twice in one file is refused on the later line.

References to the store (institution codes, CIFs, product and staff codes) are resolved by the import
service, not here. Empty cell = not given: on insert it takes the column's default (or NULL); an
absent optional column leaves the stored value as it is on update.

Pure: standard library and pydantic only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from itertools import compress, repeat
from operator import add, gt, itemgetter
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, StringConstraints, TypeAdapter, ValidationError

from rm_console.domain import enums
from rm_console.domain.calendar import parse_month
from rm_console.domain.dto import RowError
from rm_console.domain.money import AMOUNT_PATTERN, fen_column, fixed_column, parse_fixed, parse_yuan

#: The header is line 1 of every file.
HEADER_LINE = 1

#: ``(row index within a batch, column name, message)``: one refused row found by a row rule.
Problem = tuple[int, str, str]


# ---------------------------------------------------------------------------------------------------
# Cell formats
# ---------------------------------------------------------------------------------------------------


def _as_is(texts: Sequence[str]) -> list[Any]:
    return list(texts)


def _text_or_none(texts: Sequence[str]) -> list[str | None]:
    if "" in texts:
        return [text or None for text in texts]
    return list(texts)


def _stripped(texts: Sequence[str]) -> list[str | None]:
    return [text.strip() or None for text in texts]


def _int_column(texts: Sequence[str]) -> list[int | None]:
    if "" in texts:
        return [int(text) if text else None for text in texts]
    return list(map(int, texts))


def _date_column(texts: Sequence[str]) -> list[date | None]:
    from_iso = date.fromisoformat
    return [from_iso(text) if text else None for text in texts]


_FLAGS: dict[str, bool | None] = {"0": False, "1": True, "": None}


def _flag_column(texts: Sequence[str]) -> list[bool | None]:
    return list(map(_FLAGS.__getitem__, texts))


def _month_indexes(months: Sequence[str | None]) -> list[int | None]:
    index = {month: parse_month(month) for month in set(months) if month}
    return list(map(index.get, months))


def _phone_tails(phones: Sequence[str | None]) -> list[str | None]:
    return [phone[-4:] if phone else None for phone in phones]


def _parse_text(text: str) -> str:
    return text


def _whole_number(low: int, high: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
            raise ValueError(f"{text!r} is not {what}")
        return int(text)

    return parse


_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_date(text: str) -> date:
    if not _DATE_TEXT.fullmatch(text):
        raise ValueError(f"{text!r} is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date in the calendar ({exc})") from None


def _parse_flag(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(f"{text!r} is not 0 or 1")
    return text == "1"


@dataclass(frozen=True, slots=True, eq=False)
class CellFormat:
    """What a cell of one format may hold, how to tell a person it does not, and what it becomes.

    The format's constraints (``pattern``, ``max_length``, ``choices``) are checked by pydantic-core;
    ``column`` then converts a whole column of checked text at once (``""`` is None) and ``parse``
    converts one cell, raising ``ValueError`` with a message a person understands; it is only used to
    find and explain refused cells. ``derived`` adds computed columns named ``column + suffix``
    (``month`` → ``month_idx``).
    """

    what: str
    """How the cell should be written, for messages (\"an amount in yuan …\")."""
    pattern: str | None = None
    """Regular expression the whole cell must match (anchors are added)."""
    max_length: int | None = None
    """Most characters the cell may hold."""
    choices: tuple[str, ...] = ()
    """The exact texts allowed (enumerations)."""
    strip: bool = False
    """Free text: surrounding spaces are insignificant."""
    column: Callable[[Sequence[str]], list[Any]] = _text_or_none
    """Converts a column of checked text; ``""`` becomes None."""
    parse: Callable[[str], Any] = _parse_text
    """Converts one non-empty cell; ``ValueError`` says what is wrong."""
    derived: tuple[tuple[str, Callable[[Sequence[Any]], list[Any]]], ...] = ()
    """Computed companion columns: (name suffix, function of the converted column)."""

    def annotation(self, *, required: bool) -> Any:
        """The pydantic type of a cell of this format (an empty cell is allowed unless ``required``)."""
        if self.choices:
            allowed = self.choices if required else (*self.choices, "")
            return Annotated[Literal[allowed], self]  # type: ignore[valid-type]
        pattern = None
        if self.pattern is not None:
            pattern = f"^(?:{self.pattern})$" if required else f"^(?:{self.pattern})?$"
        constraints = StringConstraints(
            strip_whitespace=self.strip or None,
            min_length=1 if required else None,
            max_length=self.max_length,
            pattern=pattern,
        )
        return Annotated[str, constraints, self]

    def explain(self, text: str, *, required: bool = True) -> str:
        """Why ``text`` was refused (only called for refused cells)."""
        if not text.strip():
            return "required; the cell is empty" if required else f"{text!r} holds nothing but spaces"
        if self.choices:
            return f"{text!r} is not one of: {', '.join(self.choices)}"
        if self.max_length is not None and len(text.strip() if self.strip else text) > self.max_length:
            return f"{text!r} is longer than {self.max_length} characters"
        try:
            self.parse(text)
        except ValueError as exc:
            return str(exc)
        return f"{text!r} is not {self.what}"


def code(max_length: int) -> Any:
    """A code or number (CIF, account number, staff code…): 1 to ``max_length`` characters, no spaces."""
    return CellFormat(
        what=f"a code of 1 to {max_length} characters without spaces", pattern=rf"\S{{1,{max_length}}}"
    ).annotation(required=True)


def text(max_length: int) -> Any:
    """Free text such as a name: surrounding spaces are dropped; at most ``max_length`` characters."""
    return CellFormat(
        what=f"a text of at most {max_length} characters", max_length=max_length, strip=True, column=_stripped
    ).annotation(required=True)


def one_of(enum: type[StrEnum]) -> Any:
    """One of an enumeration's stored values, written exactly (``head_office``, ``R3``, ``M``…)."""
    choices = tuple(enums.values(enum))
    return CellFormat(what=f"one of {', '.join(choices)}", choices=choices).annotation(required=True)


def _fixed(places: int) -> Callable[[Sequence[str]], list[int | None]]:
    def column(texts: Sequence[str]) -> list[int | None]:
        return fixed_column(texts, places)

    return column


def _fixed_parser(places: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        return parse_fixed(text, places)

    return parse


#: Yuan with at most 2 decimals, stored as integer fen (``1234.5`` → 123450).
AMOUNT = CellFormat(
    what="an amount in yuan (digits with at most 2 decimals, e.g. 1234.50)",
    pattern=AMOUNT_PATTERN,
    column=fen_column,
    parse=parse_yuan,
)
#: A calendar date ``YYYY-MM-DD``.
DATE = CellFormat(
    what="a date YYYY-MM-DD", pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2}", column=_date_column, parse=_parse_date
)
#: A month ``YYYY-MM``; also yields ``<column>_idx`` = year × 12 + month − 1.
MONTH = CellFormat(
    what="a month YYYY-MM",
    pattern=r"[0-9]{4}-(?:0[1-9]|1[0-2])",
    parse=parse_month,
    derived=(("_idx", _month_indexes),),
)
#: A whole percentage 0–100.
PERCENT = CellFormat(
    what="a whole percentage from 0 to 100",
    pattern=r"100|[1-9]?[0-9]",
    column=_int_column,
    parse=_whole_number(0, 100, "a whole percentage from 0 to 100"),
)
#: A performance weight such as ``1`` or ``1.25``, stored in basis points of one (1 = 10,000).
WEIGHT = CellFormat(
    what="a weight such as 1 or 1.25 (at most 4 decimals)",
    pattern=r"0*[0-9]{1,4}(?:\.[0-9]{1,4})?",
    column=_fixed(4),
    parse=_fixed_parser(4),
)
#: A rate or yield in percent such as ``3.25``, stored in ten-thousandths of a percent (32,500).
RATE = CellFormat(
    what="a rate in percent such as 3.25 (at most 4 decimals)",
    pattern=r"0*[0-9]{1,3}(?:\.[0-9]{1,4})?",
    column=_fixed(4),
    parse=_fixed_parser(4),
)
#: A day of the month 1–31.
DAY = CellFormat(
    what="a day of the month from 1 to 31",
    pattern=r"[1-9]|[12][0-9]|3[01]",
    column=_int_column,
    parse=_whole_number(1, 31, "a day of the month from 1 to 31"),
)
#: A mainland mobile number: 11 digits starting with 1; also yields ``<column>_tail``, its last 4 digits.
PHONE = CellFormat(
    what="a mobile number of 11 digits starting with 1",
    pattern=r"1[0-9]{10}",
    derived=(("_tail", _phone_tails),),
)
#: ``0`` or ``1``.
FLAG = CellFormat(what="0 or 1", choices=("0", "1"), column=_flag_column, parse=_parse_flag)


Code = code(32)
"""Institution, staff and product codes and CIFs."""
AccountNo = code(40)
"""Account numbers and transaction ids."""
IdNo = code(32)
"""An identity document number."""
Name = text(128)
"""A customer, institution or product name."""
StaffName = text(64)
"""A staff member's name."""
ShortText = text(16)
"""An identity document type (``身份证``, ``passport``…)."""
Occupation = text(64)
"""An occupation."""
Channel = text(32)
"""A transaction channel (counter, mobile, ATM…)."""
Amount = AMOUNT.annotation(required=True)
"""Yuan, at most 2 decimals → integer fen."""
Date = DATE.annotation(required=True)
"""``YYYY-MM-DD``."""
Month = MONTH.annotation(required=True)
"""``YYYY-MM``."""
Percent = PERCENT.annotation(required=True)
"""0–100."""
Weight = WEIGHT.annotation(required=True)
"""A performance weight, stored in basis points of one."""
Rate = RATE.annotation(required=True)
"""A rate in percent, stored × 10⁴."""
Day = DAY.annotation(required=True)
"""1–31."""
Phone = PHONE.annotation(required=True)
"""11 digits starting with 1."""
Flag = FLAG.annotation(required=True)
"""``0`` or ``1``."""
InstitutionKind = one_of(enums.InstitutionKind)
"""``head_office`` / ``branch`` / ``outlet``."""
Role = one_of(enums.Role)
"""``rm`` / ``branch_manager`` / ``teller`` / ``analyst``."""
Category = one_of(enums.ProductCategory)
"""A product category of SPEC §11."""
RiskLevel = one_of(enums.RiskLevel)
"""``R1`` – ``R5``."""
CustomerKind = one_of(enums.CustomerKind)
"""``individual`` / ``corporate``."""
Gender = one_of(enums.Gender)
"""``M`` / ``F``."""
AssetClass = one_of(enums.AssetClass)
"""``deposit`` / ``wealth`` / ``settlement`` / ``loan`` / ``channel`` / ``card``."""
LoanType = one_of(enums.LoanType)
"""``mortgage`` / ``credit`` / ``business``."""
LoanClass = one_of(enums.LoanClass)
"""``pass`` / ``special_mention`` / ``substandard`` / ``doubtful`` / ``loss``."""
CardLevel = one_of(enums.CardLevel)
"""``diamond`` / ``platinum`` / ``gold`` / ``standard``."""
Direction = one_of(enums.Direction)
"""``in`` / ``out``."""
Counterparty = one_of(enums.Counterparty)
"""``in_bank`` / ``out_bank``."""


# ---------------------------------------------------------------------------------------------------
# The kinds of file (SPEC §11)
# ---------------------------------------------------------------------------------------------------


class Rows:
    """Converted columns of a batch of rows, by column name, for row rules.

    ``rows["x"]`` is the column's values, or Nones when the file has no such column.
    """

    __slots__ = ("_values", "count")

    def __init__(self, values: dict[str, list[Any]], count: int) -> None:
        self._values = values
        self.count = count
        """How many rows the batch holds."""

    def __getitem__(self, name: str) -> Iterable[Any]:
        values = self._values.get(name)
        return values if values is not None else repeat(None, self.count)

    def has(self, name: str) -> bool:
        """True when the file has the column ``name``."""
        return name in self._values


class ImportRow(BaseModel):
    """A row of an import file as written: one field per column, in SPEC §11's order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file_kind: ClassVar[str]
    """The KIND of ``rmc import KIND FILE``."""
    natural_key: ClassVar[tuple[str, ...]]
    """The columns that identify a row; a key given twice in one file is refused."""

    @classmethod
    def row_checks(cls, rows: Rows) -> Iterator[Problem]:
        """Cross-field rules of the kind, over converted values; yields each refused row."""
        return iter(())


class InstitutionRow(ImportRow):
    """``institutions``: the bank's tree, head office → branch → outlet (机构)."""

    file_kind: ClassVar[str] = "institutions"
    natural_key: ClassVar[tuple[str, ...]] = ("code",)

    code: Code
    name: Name
    parent_code: Code | None = None
    """The parent institution: in the store already, or defined earlier in the same file."""
    kind: InstitutionKind

    @classmethod
    def row_checks(cls, rows: Rows) -> Iterator[Problem]:
        """A head office has no parent; nothing is its own parent."""
        for i, (own, parent, kind) in enumerate(
            zip(rows["code"], rows["parent_code"], rows["kind"], strict=False)
        ):
            if parent is None:
                continue
            if kind == enums.InstitutionKind.HEAD_OFFICE:
                yield i, "parent_code", "a head office has no parent institution"
            elif parent == own:
                yield i, "parent_code", "an institution cannot be its own parent"


class StaffRow(ImportRow):
    """``staff``: who works where, in which role, with which default seller share (员工)."""

    file_kind: ClassVar[str] = "staff"
    natural_key: ClassVar[tuple[str, ...]] = ("code",)

    code: Code
    name: StaffName
    institution_code: Code
    role: Role
    seller_pct: Percent = "70"
    """Seller share of a seller/referrer split (销售人/推荐人比例), in percent."""


class ProductRow(ImportRow):
    """``products``: the catalogue with risk levels and performance weights (SPEC §5)."""

    file_kind: ClassVar[str] = "products"
    natural_key: ClassVar[tuple[str, ...]] = ("code",)

    code: Code
    name: Name
    category: Category
    risk_level: RiskLevel | None = None
    weight: Weight = "1"


class CustomerRow(ImportRow):
    """``customers``: who they are and which institution they belong to (客户)."""

    file_kind: ClassVar[str] = "customers"
    natural_key: ClassVar[tuple[str, ...]] = ("cif",)

    cif: Code
    name: Name
    kind: CustomerKind
    id_type: ShortText | None = None
    id_no: IdNo | None = None
    phone: Phone | None = None
    birth_date: Date | None = None
    gender: Gender | None = None
    occupation: Occupation | None = None
    annual_income: Amount | None = None
    institution_code: Code

    @classmethod
    def row_checks(cls, rows: Rows) -> Iterator[Problem]:
        """An ID number needs its type; only individuals have a gender."""
        columns = zip(rows["kind"], rows["id_type"], rows["id_no"], rows["gender"], strict=False)
        for i, (kind, id_type, id_no, gender) in enumerate(columns):
            if id_no is not None and id_type is None:
                yield i, "id_type", "required when id_no is given"
            if gender is not None and kind == enums.CustomerKind.CORPORATE:
                yield i, "gender", "a corporate customer has no gender"


class AumRow(ImportRow):
    """``aum``: one customer's month-end figures (月度资产)."""

    file_kind: ClassVar[str] = "aum"
    natural_key: ClassVar[tuple[str, ...]] = ("cif", "month")

    cif: Code
    month: Month
    aum: Amount
    """Assets under management = deposits + investment assets."""
    deposit: Amount | None = None
    investment: Amount | None = None
    mortgage_balance: Amount | None = None
    credit_loan_balance: Amount | None = None
    card_spend_12m: Amount | None = None
    """Credit-card spend over the trailing 12 months."""
    diamond_card: Flag = "0"
    """1 when the customer holds a valid diamond card."""

    @classmethod
    def row_checks(cls, rows: Rows) -> Iterator[Problem]:
        """Deposits and investments are parts of AUM, so together they cannot exceed it."""
        if not (rows.has("deposit") or rows.has("investment")):
            return
        parts = [
            [value or 0 for value in rows[name]] if rows.has(name) else [0] * rows.count
            for name in ("deposit", "investment")
        ]
        aums = rows["aum"]
        if not any(map(gt, map(add, *parts), aums)):
            return
        for i, (total, aum) in enumerate(zip(map(add, *parts), aums, strict=False)):
            if total > aum:
                yield i, "aum", "is less than deposit + investment, which are parts of it"


class HoldingRow(ImportRow):
    """``holdings``: the accounts a customer holds, by asset class (持仓)."""

    file_kind: ClassVar[str] = "holdings"
    natural_key: ClassVar[tuple[str, ...]] = ("account_no",)

    account_no: AccountNo
    cif: Code
    product_code: Code
    asset_class: AssetClass
    balance: Amount
    open_date: Date | None = None
    maturity_date: Date | None = None
    rate: Rate | None = None
    """Rate or yield in percent."""
    loan_type: LoanType | None = None
    """Required for a loan, and only for a loan."""
    loan_class: LoanClass | None = None
    """Five-category classification (五级分类); required for a loan, and only for a loan."""
    card_level: CardLevel | None = None
    """Required for a card, and only for a card."""
    repayment_day: Day | None = None
    """Only for a card or a loan."""

    @classmethod
    def row_checks(cls, rows: Rows) -> Iterator[Problem]:
        """Loan and card attributes belong to loans and cards; nothing matures before it opens."""
        loan, card = enums.AssetClass.LOAN, enums.AssetClass.CARD
        columns = zip(
            rows["asset_class"],
            rows["loan_type"],
            rows["loan_class"],
            rows["card_level"],
            rows["repayment_day"],
            rows["open_date"],
            rows["maturity_date"],
            strict=False,
        )
        for i, (asset, loan_type, loan_class, card_level, day, opened, matures) in enumerate(columns):
            for column, value in (("loan_type", loan_type), ("loan_class", loan_class)):
                if asset == loan and value is None:
                    yield i, column, "required for a loan"
                elif asset != loan and value is not None:
                    yield i, column, f"only a loan has a {column}; this is a {asset} holding"
            if asset == card and card_level is None:
                yield i, "card_level", "required for a card"
            elif asset != card and card_level is not None:
                yield i, "card_level", f"only a card has a card_level; this is a {asset} holding"
            if day is not None and asset not in (loan, card):
                yield (
                    i,
                    "repayment_day",
                    f"only a card or a loan has a repayment_day; this is a {asset} holding",
                )
            if opened is not None and matures is not None and matures < opened:
                yield i, "maturity_date", f"{matures.isoformat()} is before open_date {opened.isoformat()}"


class TransactionRow(ImportRow):
    """``transactions``: the core system's transactions (交易流水); one with a product is a sale."""

    file_kind: ClassVar[str] = "transactions"
    natural_key: ClassVar[tuple[str, ...]] = ("txn_id",)

    txn_id: AccountNo
    cif: Code
    date: Date
    amount: Amount
    direction: Direction
    channel: Channel | None = None
    institution_code: Code
    """Where the transaction happened (交易机构); a sale's sales institution."""
    teller_code: Code | None = None
    product_code: Code | None = None
    """The product sold, when the transaction is a sale."""
    counterparty: Counterparty | None = None
    """In-bank (行内) or out-of-bank (行外)."""

    @classmethod
    def row_checks(cls, rows: Rows) -> Iterator[Problem]:
        """A transaction moves a positive amount."""
        amounts = rows["amount"]
        for i, amount in enumerate(amounts):
            if amount == 0:
                yield i, "amount", "must be more than 0"


#: Every kind of file, by the KIND of ``rmc import KIND FILE``, in dependency order.
ROW_MODELS: dict[str, type[ImportRow]] = {
    model.file_kind: model
    for model in (InstitutionRow, StaffRow, ProductRow, CustomerRow, AumRow, HoldingRow, TransactionRow)
}


# ---------------------------------------------------------------------------------------------------
# Checking files
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of a kind: its format, whether it is required, and what an empty cell means."""

    name: str
    format: CellFormat
    required: bool
    default: str | None
    """The text an empty or absent cell stands for, or None (not given)."""

    def absent_values(self) -> dict[str, Any]:
        """The values (with derived ones) a row gets when the file has no such column."""
        texts = [self.default or ""]
        value = self.format.column(texts)
        values = {self.name: value[0]}
        for suffix, derive in self.format.derived:
            values[self.name + suffix] = derive(value)[0]
        return values


def _cell_format(annotation: Any, metadata: Iterable[Any]) -> CellFormat:
    for meta in metadata:
        if isinstance(meta, CellFormat):
            return meta
    if get_origin(annotation) in (Union, type(int | None)):
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, CellFormat):
            return meta
    raise TypeError(f"{annotation!r} is not a cell format")


@dataclass(frozen=True)
class KindSpec:
    """The columns and natural key of one kind of file, read from its row model."""

    kind: str
    model: type[ImportRow]
    columns: dict[str, ColumnSpec]
    natural_key: tuple[str, ...]

    @classmethod
    def of(cls, model: type[ImportRow]) -> KindSpec:
        """The spec of a row model."""
        columns = {}
        for name, info in model.model_fields.items():
            default = info.default if isinstance(info.default, str) else None
            columns[name] = ColumnSpec(
                name, _cell_format(info.annotation, info.metadata), info.is_required(), default
            )
        return cls(model.file_kind, model, columns, model.natural_key)

    @property
    def required(self) -> list[str]:
        """The required columns, in SPEC order."""
        return [c.name for c in self.columns.values() if c.required]

    def check_header(self, header: Sequence[str]) -> list[RowError]:
        """Refuse unnamed, unknown, duplicate and missing required columns (each an error on line 1)."""
        errors: list[RowError] = []
        seen: set[str] = set()
        for position, name in enumerate(header, start=1):
            if not name:
                errors.append(RowError(HEADER_LINE, f"#{position}", "a column has no name"))
            elif name not in self.columns:
                known = ", ".join(self.columns)
                errors.append(RowError(HEADER_LINE, name, f"unknown column; {self.kind} files have: {known}"))
            elif name in seen:
                errors.append(RowError(HEADER_LINE, name, "the column is given twice"))
            seen.add(name)
        for name in self.required:
            if name not in seen:
                errors.append(RowError(HEADER_LINE, name, "required column is missing"))
        return errors

    def absent_values(self, header: Sequence[str]) -> dict[str, Any]:
        """The values every row gets for the optional columns the file does not have."""
        values: dict[str, Any] = {}
        for column in self.columns.values():
            if column.name not in header:
                values.update(column.absent_values())
        return values

    def checker(self, header: Sequence[str]) -> RowChecker:
        """A checker for the rows of a file with this (already accepted) header."""
        return RowChecker(self, tuple(header))


#: The spec of every kind, by KIND.
SPECS: dict[str, KindSpec] = {kind: KindSpec.of(model) for kind, model in ROW_MODELS.items()}


@lru_cache(maxsize=64)
def _rows_adapter(kind: str, header: tuple[str, ...]) -> TypeAdapter[Any]:
    spec = SPECS[kind]
    cells = tuple(
        spec.columns[name].format.annotation(required=spec.columns[name].required) for name in header
    )
    return TypeAdapter(list[tuple[cells]])  # type: ignore[valid-type]


@dataclass(slots=True)
class CheckedRows:
    """The rows of a batch that passed every check of this module, as converted columns."""

    lines: list[int]
    """The file line of each row."""
    values: dict[str, list[Any]]
    """Column (or derived column) name → one value per row."""
    keys: list[Any]
    """Each row's natural key (a text, or a tuple for composite keys)."""
    errors: list[RowError] = field(default_factory=list)
    """Every refused cell or row of the batch."""

    def __len__(self) -> int:
        return len(self.lines)

    def without(self, refused: set[int]) -> CheckedRows:
        """The same rows less those at the indexes in ``refused``."""
        if not refused:
            return self
        keep = [i not in refused for i in range(len(self.lines))]
        return CheckedRows(
            list(compress(self.lines, keep)),
            {name: list(compress(values, keep)) for name, values in self.values.items()},
            list(compress(self.keys, keep)),
            self.errors,
        )


class RowChecker:
    """Checks the rows of one file, batch after batch; remembers natural keys across batches."""

    def __init__(self, spec: KindSpec, header: tuple[str, ...]) -> None:
        self.spec = spec
        """The kind's spec."""
        self.header = header
        """The file's column names, in file order."""
        self._columns = [spec.columns[name] for name in header]
        self._adapter = _rows_adapter(spec.kind, header)
        self._seen: dict[Any, int] = {}

    def check(self, rows: list[Sequence[str]], lines: list[int]) -> CheckedRows:
        """Check and convert a batch of rows (cells as text) found on ``lines`` of the file."""
        errors: list[RowError] = []
        rows, lines = self._check_shape(rows, lines, errors)
        rows, lines = self._check_keys(rows, lines, errors)
        rows, lines = self._check_cells(rows, lines, errors)
        values, refused = self._convert(rows, lines, errors)
        for i, column, message in self.spec.model.row_checks(Rows(values, len(lines))):
            if i not in refused:
                errors.append(RowError(lines[i], column, message))
                refused.add(i)
        key = self.spec.natural_key
        keys = values[key[0]] if len(key) == 1 else list(zip(*(values[name] for name in key), strict=False))
        return CheckedRows(lines, values, keys, errors).without(refused)

    def _check_shape(
        self, rows: list[Sequence[str]], lines: list[int], errors: list[RowError]
    ) -> tuple[list[Sequence[str]], list[int]]:
        width = len(self.header)
        if not rows or set(map(len, rows)) == {width}:
            return rows, lines
        keep = []
        for row, line in zip(rows, lines, strict=False):
            if len(row) != width:
                column = self.header[len(row)] if len(row) < width else f"#{width + 1}"
                errors.append(RowError(line, column, f"the row has {len(row)} cells; the header has {width}"))
            keep.append(len(row) == width)
        return list(compress(rows, keep)), list(compress(lines, keep))

    def _check_cells(
        self, rows: list[Sequence[str]], lines: list[int], errors: list[RowError]
    ) -> tuple[list[Sequence[str]], list[int]]:
        try:
            self._adapter.validate_python(rows)
        except ValidationError as exc:
            refused: set[int] = set()
            for error in exc.errors(include_url=False, include_context=False, include_input=False):
                loc = error["loc"]
                i = int(loc[0])
                position = int(loc[1]) if len(loc) > 1 else 0
                column = self._columns[position]
                message = column.format.explain(rows[i][position], required=column.required)
                errors.append(RowError(lines[i], column.name, message))
                refused.add(i)
            keep = [i not in refused for i in range(len(rows))]
            return list(compress(rows, keep)), list(compress(lines, keep))
        return rows, lines

    def _convert(
        self, rows: list[Sequence[str]], lines: list[int], errors: list[RowError]
    ) -> tuple[dict[str, list[Any]], set[int]]:
        values: dict[str, list[Any]] = {}
        refused: set[int] = set()
        columns: list[Sequence[str]] = list(zip(*rows, strict=False)) if rows else [() for _ in self._columns]
        for spec, texts in zip(self._columns, columns, strict=False):
            fmt = spec.format
            if spec.default is not None and "" in texts:
                texts = [text or spec.default for text in texts]
            try:
                converted = fmt.column(texts)
            except ValueError:
                converted = []
                for i, text in enumerate(texts):
                    try:
                        converted.append(fmt.parse(text) if text else None)
                    except ValueError as exc:
                        errors.append(RowError(lines[i], spec.name, str(exc)))
                        refused.add(i)
                        converted.append(None)
            values[spec.name] = converted
            for suffix, derive in fmt.derived:
                values[spec.name + suffix] = derive(converted)
        return values, refused

    def _check_keys(
        self, rows: list[Sequence[str]], lines: list[int], errors: list[RowError]
    ) -> tuple[list[Sequence[str]], list[int]]:
        """Refuse a natural key given again, on its later line (whatever else is wrong with either row).

        Key cells are codes and months, whose checked text is their value, so keys are taken from the
        text; a row with an empty key cell is left to the cell check.
        """
        if not rows:
            return rows, lines
        positions = [self.header.index(name) for name in self.spec.natural_key]
        keys: list[Any] = list(map(itemgetter(*positions), rows))
        seen = self._seen
        batch = dict(zip(keys, lines, strict=False))
        if len(batch) == len(keys) and seen.keys().isdisjoint(batch):
            seen.update(batch)
            return rows, lines
        names = self.spec.natural_key
        keep = []
        for key, line in zip(keys, lines, strict=False):
            parts = key if len(names) > 1 else (key,)
            first = seen.get(key)
            if first is None or not all(parts):
                if all(parts):
                    seen[key] = line
                keep.append(True)
                continue
            shown = " ".join(f"{name} {value}" for name, value in zip(names, parts, strict=False))
            errors.append(RowError(line, names[-1], f"duplicate: {shown} is already on line {first}"))
            keep.append(False)
        return list(compress(rows, keep)), list(compress(lines, keep))

    def defined_line(self, key: Any) -> int | None:
        """The line of this file where ``key`` was given, if it was."""
        return self._seen.get(key)


def institution_cycles(parent_of: Mapping[str, str | None], codes: Iterable[str]) -> dict[str, list[str]]:
    """Those of ``codes`` that would be their own ancestor under ``parent_of``, each with the loop.

    ``parent_of`` maps every institution code (the store's, overlaid with the file's) to its parent's.
    """
    loops: dict[str, list[str]] = {}
    for start in codes:
        path, seen, current = [start], {start}, parent_of.get(start)
        while current is not None:
            path.append(current)
            if current == start:
                loops[start] = path
                break
            if current in seen:
                break
            seen.add(current)
            current = parent_of.get(current)
    return loops


# ---------------------------------------------------------------------------------------------------
# Spreadsheet cells
# ---------------------------------------------------------------------------------------------------


def cell_text(value: object, fmt: CellFormat) -> str:
    """The text a CSV file would hold for a spreadsheet cell's value (read as a value, not a formula).

    Numbers are written without float artefacts: ``1234.5`` → ``"1234.5"`` (so 123450 fen),
    ``13812345678.0`` → ``"13812345678"``; a float's shortest round-trip text is taken exactly as
    ``Decimal(str(x))``, so a value with more than 2 decimals stays refused. A date typed into a month
    column (Excel turns ``2024-05`` into 1 May 2024) becomes ``2024-05``.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(Decimal(str(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        if value.time() != time(0):
            return value.isoformat(sep=" ")
        value = value.date()
    if isinstance(value, date):
        if fmt is MONTH and value.day == 1:
            return value.strftime("%Y-%m")
        return value.isoformat()
    return str(value)
