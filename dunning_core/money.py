"""Exact money: integer minor units inside, display-ready floats at the edges.

Amounts are held as integer cents (``int64``) everywhere in the core, so sums are
exact and totals reconcile with the source book to the cent. Floats appear only at
the boundary (a value read from a cell, a value written to a cell), and the
conversion rounds half away from zero explicitly (STYLE.md, point 10).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CHF": "CHF ",
    "CAD": "CA$",
    "AUD": "A$",
}


def to_cents(value: float | int | Decimal | str) -> int:
    """Convert a currency amount to integer cents, rounding half away from zero.

    >>> to_cents(12.345), to_cents(-0.005), to_cents("1234.5")
    (1235, -1, 123450)
    """
    d = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(d * 100)


#: Amounts at or above this many cents (about 9e16, int64's range) are not amounts.
_MAX_CENTS = float(2**63 - 1024)


def cents_series(values: pd.Series) -> pd.Series:
    """Vectorised :func:`to_cents` for a float Series (NaN stays missing: ``Int64``;
    so do infinities and amounts beyond int64, which no book holds but a garbled cell can).

    Floats read from a workbook carry binary noise (``0.1 + 0.2``); adding a tiny
    epsilon in the sign's direction before rounding makes x.xx5 round away from zero
    as Decimal would, and keeps ordinary values exact.
    """
    x = pd.to_numeric(values, errors="coerce").astype("float64") * 100.0
    r = np.sign(x) * np.floor(np.abs(x) + 0.5 + 1e-7)
    r[~(np.abs(r) < _MAX_CENTS)] = np.nan  # infinite or beyond int64: not an amount
    return pd.Series(r, index=values.index).round().astype("Int64")


def to_units(cents: int) -> float:
    """Cents to a float in currency units, exact to the cent for display/writing.

    >>> to_units(123456)
    1234.56
    """
    return round(cents / 100.0, 2)


def units_series(cents: pd.Series) -> pd.Series:
    """Vectorised :func:`to_units` (missing stays NaN)."""
    return (pd.to_numeric(cents, errors="coerce").astype("float64") / 100.0).round(2)


def format_amount(cents: int, currency: str) -> str:
    """Human text for an amount, for reasons and templates ("$48,210", "€1,250.50").

    Whole amounts drop the decimals, to keep reasons short; others show two.

    >>> format_amount(4821000, "USD"), format_amount(125050, "EUR"), format_amount(-5000, "XYZ")
    ('$48,210', '€1,250.50', '-XYZ 50')
    """
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    body = f"{whole:,}" if frac == 0 else f"{whole:,}.{frac:02d}"
    symbol = _SYMBOLS.get(currency.upper(), f"{currency.upper()} " if currency else "")
    return f"{sign}{symbol}{body}"
