"""Cell-level basics shared by the value parsers: text of cells, kinds, per-value maps.

Split from :mod:`values` to keep each module small; :mod:`values` re-exports these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Parsed:
    """A parsed column: values, cells that could not be read, and how it was read."""

    values: pd.Series
    bad: pd.Series  # bool mask: non-empty cells that were not understood
    note: str = ""


def per_unique(raw: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """Apply a Python function once per distinct cell value, not once per row.

    Aging columns repeat a lot (customer names, dates, currencies), so this turns
    a per-row Python loop into a hash (``pd.factorize``, in C) plus a short loop.
    Missing cells are passed to ``fn`` as None.
    """
    codes, uniques = pd.factorize(raw.astype(object), use_na_sentinel=True)
    mapped = [fn(v) for v in uniques] + [fn(None)]
    table = np.empty(len(mapped), dtype=object)
    table[:] = mapped
    return pd.Series(table[codes], index=raw.index)


def text(raw: pd.Series) -> pd.Series:
    """Cells as clean text: integral floats lose ``.0``, dates become ISO, blanks "".

    Identifiers must stay text with their leading zeros ("000123"); a number cell
    that Excel stored as 123.0 becomes "123", never "123.0".

    >>> text(pd.Series(["  007 ", 123.0, 4.5, None, dt.date(2024, 1, 2)])).tolist()
    ['007', '123', '4.5', '', '2024-01-02']
    """

    def one(v: object) -> str:
        if v is None:
            return ""
        if isinstance(v, str):
            return v.strip()
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, float):
            if v != v:  # NaN
                return ""
            return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
        if isinstance(v, dt.datetime):
            return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
        if isinstance(v, dt.date):
            return v.isoformat()
        return str(v).strip()

    kind = infer(raw)
    if kind == "empty":
        return pd.Series("", index=raw.index, dtype="str")
    if kind == "string":
        return strings(raw)
    if kind in NUMERIC:
        f = pd.to_numeric(raw.astype(object), errors="coerce").astype("float64")
        whole = f.notna() & (f == np.floor(f)) & (f.abs() < 1e15)
        out = pd.Series("", index=raw.index, dtype="str")
        out[whole] = f[whole].astype("int64").astype("str")
        frac = f.notna() & ~whole
        if frac.any():
            out[frac] = f[frac].map(repr).astype("str")
        return out
    return per_unique(raw, one).astype("str")


NUMERIC = {"integer", "floating", "mixed-integer-float", "decimal"}
DATES = {"date", "datetime", "datetime64"}


def infer(raw: pd.Series) -> str:
    """pandas' inferred kind of a column's non-missing cells ("string", "floating", "mixed"...)."""
    return str(pd.api.types.infer_dtype(raw, skipna=True))


def strings(raw: pd.Series) -> pd.Series:
    """The stripped text of text cells, "" for every other cell (numbers, dates, blanks).

    >>> strings(pd.Series([" a ", 1.0, None])).tolist()
    ['a', '', '']
    """
    return per_unique(raw, lambda v: v.strip() if isinstance(v, str) else "").astype("str")
