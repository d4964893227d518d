"""Cell-level basics shared by the value parsers: text of cells, kinds, per-value maps.

Split from :mod:`values` to keep each module small; :mod:`values` re-exports these.
Each takes a Series of raw cells or a :class:`Column` (whose hashing and results
are then shared with every other stage that reads the column).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dunning_core.ingest.column import DATES, NUMERIC, PURE, Column, objects, str_take

__all__ = [
    "DATES", "NUMERIC", "PURE", "Column", "Parsed", "infer", "objects", "per_unique",
    "str_take", "strings", "text",
]  # fmt: skip


@dataclass(frozen=True)
class Parsed:
    """A parsed column: values, cells that could not be read, and how it was read."""

    values: pd.Series
    bad: pd.Series  # bool mask: non-empty cells that were not understood
    note: str = ""


def per_unique(raw: pd.Series | Column, fn: Callable[[Any], Any]) -> pd.Series:
    """Apply a Python function once per distinct cell value, not once per row.

    Aging columns repeat a lot (customer names, dates, currencies), so this turns
    a per-row Python loop into a hash (``pd.factorize``, in C) plus a short loop.
    Missing cells are passed to ``fn`` as None.
    """
    col = Column.of(raw)
    return pd.Series(col.per_unique(fn), index=col.index)


def text(raw: pd.Series | Column) -> pd.Series:
    """Cells as clean text: integral floats lose ``.0``, dates become ISO, blanks "".

    Identifiers must stay text with their leading zeros ("000123"); a number cell
    that Excel stored as 123.0 becomes "123", never "123.0".

    >>> import datetime as dt
    >>> text(pd.Series(["  007 ", 123.0, 4.5, None, dt.date(2024, 1, 2)])).tolist()
    ['007', '123', '4.5', '', '2024-01-02']
    """
    return Column.of(raw).text


def infer(raw: pd.Series | Column) -> str:
    """pandas' inferred kind of a column's non-missing cells ("string", "floating", "mixed"...)."""
    return Column.of(raw).kind


def strings(raw: pd.Series | Column) -> pd.Series:
    """The stripped text of text cells, "" for every other cell (numbers, dates, blanks).

    >>> strings(pd.Series([" a ", 1.0, None])).tolist()
    ['a', '', '']
    """
    col = Column.of(raw)
    return str_take(col.stripped, col)
