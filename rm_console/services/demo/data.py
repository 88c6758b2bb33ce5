"""The demo bank's inputs, read from the data files under ``fixtures/demo/``.

Every list the generator draws from (names, regions, occupations, products, the institutions and
their staff) is data, not code: changing a file changes the bank. The files are read once per build
and handed to the pure generator as frozen values.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rm_console.domain import enums

#: Where the demo's data files live: ``fixtures/demo`` at the top of the repository.
FIXTURES_DIR = Path(__file__).resolve().parents[3] / "fixtures" / "demo"


class DemoDataError(ValueError):
    """A demo data file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class InstitutionSpec:
    """An institution of the demo bank (SPEC §11 institutions format)."""

    code: str
    name: str
    parent_code: str | None
    kind: str


@dataclass(frozen=True, slots=True)
class StaffSpec:
    """A staff member of the demo bank (SPEC §11 staff format)."""

    code: str
    name: str
    institution_code: str
    role: str
    seller_pct: int


@dataclass(frozen=True, slots=True)
class ProductSpec:
    """A product of the catalogue with its demo terms (term in days and rate, when it has them)."""

    code: str
    name: str
    category: str
    risk_level: str | None
    weight_bp: int
    asset_class: str
    term_days: int | None
    rate_e4: int | None


@dataclass(frozen=True, slots=True)
class Occupation:
    """An occupation with its annual income range (fen) and weights per wealth group."""

    name: str
    income_min_fen: int
    income_max_fen: int
    weights: tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class DemoData:
    """Everything the generator draws from, read from ``fixtures/demo``."""

    institutions: tuple[InstitutionSpec, ...]
    staff: tuple[StaffSpec, ...]
    products: tuple[ProductSpec, ...]
    surnames: tuple[tuple[str, int], ...]
    given_names_male: tuple[str, ...]
    given_names_female: tuple[str, ...]
    regions: tuple[tuple[str, int], ...]
    addresses: dict[str, tuple[tuple[str, str], ...]]
    occupations: tuple[Occupation, ...]
    company_cities: tuple[str, ...]
    company_brands: tuple[str, ...]
    company_industries: tuple[str, ...]
    mobile_prefixes: tuple[tuple[str, int], ...]
    important_dates: tuple[tuple[str, str, bool], ...]


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """The rows of a UTF-8 CSV file whose header is exactly ``columns``."""
    if not path.exists():
        raise DemoDataError(f"{path}: demo data file is missing")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != columns:
            raise DemoDataError(f"{path}: header must be {','.join(columns)}")
        for line, row in enumerate(reader, start=2):
            if any(value is None for value in row.values()):
                raise DemoDataError(f"{path}:{line}: too few columns")
            yield {key: value.strip() for key, value in row.items()}


def _int(path: Path, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise DemoDataError(f"{path}: {text!r} is not a whole number") from None


def _scaled(path: Path, text: str, scale: int) -> int:
    """A decimal text times ``scale``, exactly (``"1.45"`` × 10,000 → 14,500)."""
    try:
        value = Decimal(text) * scale
    except InvalidOperation:
        raise DemoDataError(f"{path}: {text!r} is not a number") from None
    if value != value.to_integral_value():
        raise DemoDataError(f"{path}: {text!r} has too many decimals")
    return int(value)


def _products(directory: Path) -> tuple[ProductSpec, ...]:
    terms_path = directory / "product_terms.csv"
    terms: dict[str, tuple[str, int | None, int | None]] = {}
    for row in _rows(terms_path, ("code", "asset_class", "term_days", "rate_pct")):
        if row["asset_class"] not in enums.values(enums.AssetClass):
            raise DemoDataError(f"{terms_path}: unknown asset class {row['asset_class']!r}")
        term = _int(terms_path, row["term_days"]) if row["term_days"] else None
        rate = _scaled(terms_path, row["rate_pct"], 10_000) if row["rate_pct"] else None
        terms[row["code"]] = (row["asset_class"], term, rate)
    products: list[ProductSpec] = []
    columns = ("code", "name", "category", "risk_level", "weight")
    path = directory / "products.csv"
    for row in _rows(path, columns):
        if row["category"] not in enums.values(enums.ProductCategory):
            raise DemoDataError(f"{path}: unknown category {row['category']!r}")
        if row["risk_level"] and row["risk_level"] not in enums.values(enums.RiskLevel):
            raise DemoDataError(f"{path}: unknown risk level {row['risk_level']!r}")
        asset_class, term, rate = terms.get(row["code"], ("channel", None, None))
        if row["category"] == enums.ProductCategory.CREDIT_CARD or row["category"].endswith("_card"):
            asset_class = enums.AssetClass.CARD.value
        products.append(
            ProductSpec(
                code=row["code"],
                name=row["name"],
                category=row["category"],
                risk_level=row["risk_level"] or None,
                weight_bp=_scaled(path, row["weight"] or "1", 10_000),
                asset_class=asset_class,
                term_days=term,
                rate_e4=rate,
            )
        )
    return tuple(products)


def load_demo_data(directory: Path = FIXTURES_DIR) -> DemoData:
    """Read and check every demo data file under ``directory``."""
    path = directory / "institutions.csv"
    institutions = tuple(
        InstitutionSpec(row["code"], row["name"], row["parent_code"] or None, row["kind"])
        for row in _rows(path, ("code", "name", "parent_code", "kind"))
    )
    path = directory / "staff.csv"
    staff = tuple(
        StaffSpec(
            row["code"], row["name"], row["institution_code"], row["role"], _int(path, row["seller_pct"])
        )
        for row in _rows(path, ("code", "name", "institution_code", "role", "seller_pct"))
    )
    path = directory / "surnames.csv"
    surnames = tuple(
        (row["surname"], _int(path, row["weight"])) for row in _rows(path, ("surname", "weight"))
    )
    given = list(_rows(directory / "given_names.csv", ("name", "gender")))
    path = directory / "regions.csv"
    regions = tuple(
        (row["code"], _int(path, row["weight"])) for row in _rows(path, ("code", "name", "weight"))
    )
    addresses: dict[str, list[tuple[str, str]]] = {}
    for row in _rows(directory / "addresses.csv", ("outlet_code", "district", "street")):
        addresses.setdefault(row["outlet_code"], []).append((row["district"], row["street"]))
    path = directory / "occupations.csv"
    occupations = tuple(
        Occupation(
            row["occupation"],
            _int(path, row["income_min"]) * 100,
            _int(path, row["income_max"]) * 100,
            (
                _int(path, row["weight_mass"]),
                _int(path, row["weight_affluent"]),
                _int(path, row["weight_wealthy"]),
            ),
        )
        for row in _rows(
            path,
            ("occupation", "income_min", "income_max", "weight_mass", "weight_affluent", "weight_wealthy"),
        )
    )
    words: dict[str, list[str]] = {}
    for row in _rows(directory / "company_words.csv", ("kind", "word")):
        words.setdefault(row["kind"], []).append(row["word"])
    path = directory / "mobile_prefixes.csv"
    prefixes = tuple((row["prefix"], _int(path, row["weight"])) for row in _rows(path, ("prefix", "weight")))
    dates = tuple(
        (row["label"], row["kind"], row["lunar"] == "1")
        for row in _rows(directory / "important_dates.csv", ("label", "kind", "lunar"))
    )
    data = DemoData(
        institutions=institutions,
        staff=staff,
        products=_products(directory),
        surnames=surnames,
        given_names_male=tuple(row["name"] for row in given if row["gender"] == "M"),
        given_names_female=tuple(row["name"] for row in given if row["gender"] == "F"),
        regions=regions,
        addresses={code: tuple(rows) for code, rows in addresses.items()},
        occupations=occupations,
        company_cities=tuple(words.get("city", ())),
        company_brands=tuple(words.get("brand", ())),
        company_industries=tuple(words.get("industry", ())),
        mobile_prefixes=prefixes,
        important_dates=dates,
    )
    _check(data, directory)
    return data


def _check(data: DemoData, directory: Path) -> None:
    """Refuse data the generator cannot build a bank from."""
    codes = {inst.code for inst in data.institutions}
    kinds = [inst.kind for inst in data.institutions]
    if kinds.count("head_office") != 1 or "outlet" not in kinds:
        raise DemoDataError(f"{directory}: institutions need one head office and at least one outlet")
    for inst in data.institutions:
        if inst.kind not in enums.values(enums.InstitutionKind):
            raise DemoDataError(f"{directory}/institutions.csv: unknown kind {inst.kind!r}")
        if inst.parent_code is not None and inst.parent_code not in codes:
            raise DemoDataError(f"{directory}/institutions.csv: unknown parent {inst.parent_code!r}")
    outlets = [inst.code for inst in data.institutions if inst.kind == "outlet"]
    for person in data.staff:
        if person.institution_code not in codes:
            raise DemoDataError(
                f"{directory}/staff.csv: {person.code} works at unknown {person.institution_code!r}"
            )
        if person.role not in enums.values(enums.Role):
            raise DemoDataError(f"{directory}/staff.csv: {person.code} has unknown role {person.role!r}")
    for outlet in outlets:
        roles = {p.role for p in data.staff if p.institution_code == outlet}
        if not {"rm", "teller", "branch_manager"} <= roles:
            raise DemoDataError(f"{directory}/staff.csv: outlet {outlet} needs an RM, a teller and a manager")
        if not data.addresses.get(outlet):
            raise DemoDataError(f"{directory}/addresses.csv: outlet {outlet} has no streets")
    categories = {p.category for p in data.products}
    missing = set(enums.values(enums.ProductCategory)) - categories
    if missing:
        raise DemoDataError(f"{directory}/products.csv: no product of categories {sorted(missing)}")
    if not (data.given_names_male and data.given_names_female and data.surnames and data.regions):
        raise DemoDataError(f"{directory}: name and region lists must not be empty")
    if not (data.company_cities and data.company_brands and data.company_industries):
        raise DemoDataError(f"{directory}/company_words.csv: needs city, brand and industry words")
