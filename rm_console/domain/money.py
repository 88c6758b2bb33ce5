"""Money as integer fen: exact parsing of yuan amounts and display with thousands separators."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from itertools import repeat

#: Fen in one yuan.
FEN_PER_YUAN = 100
#: Largest amount accepted from a file: ¥10 trillion is far beyond any single figure a bank reports.
MAX_ABS_FEN = 10**15

_AMOUNT = re.compile(r"(-)?(\d+)(?:\.(\d*))?\Z")

#: The text of a non-negative yuan amount ``parse_yuan`` accepts, as a regular expression without
#: anchors: digits (below ¥10 trillion, leading zeros allowed) and at most two decimals.
AMOUNT_PATTERN = r"0*[0-9]{1,13}(?:\.[0-9]{1,2})?"


class AmountError(ValueError):
    """An amount that is not a yuan figure with at most two decimals."""


def parse_yuan(text: str, *, allow_negative: bool = False) -> int:
    """Convert a yuan amount such as ``"1234.5"`` to integer fen (``123450``), exactly.

    Thousands separators, more than two decimals, exponents and non-digits are refused; no float is
    ever involved, so ``"0.29"`` is 29 fen, not 28.
    """
    value = text.strip()
    match = _AMOUNT.match(value)
    if match is None:
        raise AmountError(f"{text!r} is not an amount in yuan (digits, optional '.' and up to 2 decimals)")
    sign, whole, decimals = match.groups()
    if decimals is not None and len(decimals) > 2:
        raise AmountError(f"{text!r} has more than 2 decimals")
    if decimals == "" and value.endswith("."):
        raise AmountError(f"{text!r} ends with a bare decimal point")
    fen = int(whole) * FEN_PER_YUAN + (int(decimals.ljust(2, "0")) if decimals else 0)
    if sign:
        if not allow_negative:
            raise AmountError(f"{text!r} is negative")
        fen = -fen
    if abs(fen) >= MAX_ABS_FEN:
        raise AmountError(f"{text!r} is too large")
    return fen


def parse_fixed(text: str, places: int, *, allow_negative: bool = False) -> int:
    """Convert a decimal text with at most ``places`` decimals to an integer scaled by ``10**places``.

    ``parse_fixed("1.25", 4) == 12500``. Exact: no float is involved. Used for performance weights
    (basis points of one) and rates (ten-thousandths of a percent).
    """
    value = text.strip()
    match = _AMOUNT.match(value)
    if match is None or value.endswith("."):
        raise AmountError(f"{text!r} is not a number (digits, optional '.' and up to {places} decimals)")
    sign, whole, decimals = match.groups()
    decimals = decimals or ""
    if len(decimals) > places:
        raise AmountError(f"{text!r} has more than {places} decimals")
    scaled = int(whole + decimals.ljust(places, "0"))
    if sign:
        if not allow_negative:
            raise AmountError(f"{text!r} is negative")
        scaled = -scaled
    return scaled


def fixed_column(texts: Sequence[str], places: int) -> list[int | None]:
    """Convert many already-checked decimal texts to scaled integers at once; ``""`` becomes None.

    Every non-empty text must match ``-?DIGITS[.DECIMALS]`` with at most ``places`` decimals (as
    ``AMOUNT_PATTERN`` guarantees for ``places`` = 2); this is the bulk path of an import, so it checks
    nothing and does the least work per cell. When every text has exactly ``places`` decimals (as
    exports usually write amounts), dropping the point gives the integer: ``"1234.50"`` → ``123450``;
    otherwise each text is split at the point: ``"1234.5"`` → ``"1234"`` + ``"5"`` → ``12345`` × 10.
    """
    if not texts:
        return []
    joined = "\n".join(texts)
    dots = joined.count(".")
    empty = 0 if dots == len(texts) else texts.count("")
    if dots == len(texts) - empty and _short_decimals(places).search(joined) is None:
        if not empty:
            return list(map(int, joined.replace(".", "").split("\n")))
        return [int(text.replace(".", "")) if text else None for text in texts]
    scale = tuple(10 ** (places - n) for n in range(places + 1))
    parts = map(str.partition, texts, repeat("."))
    if empty:
        return [int(whole + frac) * scale[len(frac)] if whole else None for whole, _, frac in parts]
    return [int(whole + frac) * scale[len(frac)] for whole, _, frac in parts]


@lru_cache(maxsize=8)
def _short_decimals(places: int) -> re.Pattern[str]:
    """Finds a number with fewer than ``places`` decimals in newline-separated texts."""
    return re.compile(rf"\.[0-9]{{1,{places - 1}}}(?:\n|\Z)" if places > 1 else r"\.(?:\n|\Z)")


def fen_column(texts: Sequence[str]) -> list[int | None]:
    """``fixed_column`` for yuan amounts: checked texts to fen, ``""`` to None."""
    return fixed_column(texts, 2)


def yuan_to_fen(amount: Decimal | int) -> int:
    """Convert a ``Decimal`` or whole-yuan ``int`` to fen, refusing fractions of a fen."""
    fen = Decimal(amount) * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise AmountError(f"{amount} has a fraction of a fen")
    return int(fen)


def fen_to_decimal(fen: int) -> Decimal:
    """Fen as a ``Decimal`` number of yuan with two places."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_yuan(fen: int, *, cents: bool = False, symbol: str = "¥") -> str:
    """``¥1,234,567`` (or ``¥1,234,567.89`` with ``cents``); negative amounts as ``-¥1,200``."""
    sign = "-" if fen < 0 else ""
    whole, rest = divmod(abs(fen), FEN_PER_YUAN)
    if cents:
        return f"{sign}{symbol}{whole:,}.{rest:02d}"
    if rest >= FEN_PER_YUAN // 2:
        whole += 1
    return f"{sign}{symbol}{whole:,}"
