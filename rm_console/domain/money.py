"""Money as integer fen: exact parsing of yuan amounts and display with thousands separators."""

from __future__ import annotations

import re
from decimal import Decimal

#: Fen in one yuan.
FEN_PER_YUAN = 100
#: Largest amount accepted from a file: ¥10 trillion is far beyond any single figure a bank reports.
MAX_ABS_FEN = 10**15

_AMOUNT = re.compile(r"(-)?(\d+)(?:\.(\d*))?\Z")


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
