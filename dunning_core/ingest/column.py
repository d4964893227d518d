"""One column of a large sheet, hashed once, read per distinct value.

Touching a Python object costs about as much as hashing it (a cache miss each),
so ingest hashes a column once (``pd.factorize``) and every parser, the row
classification and the header profiling then work on its distinct values,
mapping results back to the cells through the codes (a numpy ``take``). Aging
columns repeat a lot: 100,000 invoices have a few thousand customers, a few
hundred dates and three currencies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from dunning_core.codes import empty_str, same_objects

NUMERIC = {"integer", "floating", "mixed-integer-float", "decimal"}
DATES = {"date", "datetime", "datetime64"}
#: kinds that the distinct values tell as well as the cells: no value of them
#: equals a value of another type (True == 1 == 1.0 would hide a bool)
_SAFE_FROM_UNIQUES = {"string", "date", "datetime", "empty"}
#: kinds whose distinct values stand for their cells one to one: ``pd.factorize``
#: merges equal values of different types (True, 1 and 1.0), which only bools break
PURE = NUMERIC | DATES | {"string", "empty"}


class Column:
    """One column of raw cells (None, str, int, float, bool, date, datetime).

    Hashes its cells once (``codes``, ``uniques``) and caches what several parsers
    ask for, so ingest never hashes or strips the same column twice.

    >>> c = Column.of(pd.Series([" a", 1.0, None, " a"]))
    >>> c.codes.tolist(), c.uniques.tolist(), c.filled.tolist()
    ([0, 1, -1, 0], [' a', 1.0], [True, True, False, True])
    """

    def __init__(self, raw: np.ndarray, index: pd.Index) -> None:
        self.raw = raw  # 1-D object array (may be a strided view of the block)
        self.index = index
        self.memo: dict[str, Any] = {}  # parsed forms, filled in by :mod:`values`

    @classmethod
    def of(cls, col: pd.Series | Column) -> Column:
        """The column itself, or a Series' cells as a column (same index)."""
        if isinstance(col, Column):
            return col
        return cls(col.to_numpy(dtype=object), col.index)

    def __len__(self) -> int:
        return len(self.raw)

    @cached_property
    def series(self) -> pd.Series:
        """The cells as an ``object`` Series (no copy)."""
        return pd.Series(self.raw, index=self.index, dtype=object, copy=False)

    @cached_property
    def kind(self) -> str:
        """pandas' inferred kind of the non-missing cells ("string", "floating", "mixed"...).

        Once the column is hashed, the distinct values tell, unless they are numbers
        or bools: ``pd.factorize`` merges True, 1 and 1.0, hiding a kind.
        """
        if "_factorized" in self.__dict__:
            if len(self.uniques) and self._all_text is not None:
                return "string"
            kind = str(pd.api.types.infer_dtype(self.uniques, skipna=True))
            if kind in _SAFE_FROM_UNIQUES:
                return kind
        return str(pd.api.types.infer_dtype(self.raw, skipna=True))

    @cached_property
    def _all_text(self) -> list[str] | None:
        """The distinct values stripped, when every one is text (else None): the
        strip that text needs anyway also tells the kind, in one pass."""
        try:  # str.strip raises TypeError at the first value that is not text
            return list(map(str.strip, self.uniques.tolist()))
        except TypeError:
            return None

    @property
    def hashed_kind(self) -> str:
        """:attr:`kind`, hashing the column first (the distinct values then tell it)."""
        _ = self._factorized
        return self.kind

    @cached_property
    def _factorized(self) -> tuple[np.ndarray, np.ndarray]:
        codes, uniques = _factorize(self.raw)
        return codes, np.asarray(uniques, dtype=object)

    @property
    def codes(self) -> np.ndarray:
        """Per cell, the index of its value in :attr:`uniques` (-1 = missing)."""
        return self._factorized[0]

    @property
    def uniques(self) -> np.ndarray:
        """The distinct non-missing values, in order of first appearance."""
        return self._factorized[1]

    @cached_property
    def filled(self) -> np.ndarray:
        """True where the cell holds a value (not None / NaN)."""
        if "_factorized" in self.__dict__:
            return self.codes >= 0
        return np.asarray(pd.notna(self.raw))

    @cached_property
    def counts(self) -> np.ndarray:
        """How many cells hold each of :attr:`uniques`."""
        return np.bincount(self.codes[self.codes >= 0], minlength=len(self.uniques))

    def with_none(self) -> pd.Series:
        """The distinct values plus a trailing None (what a missing cell maps to)."""
        return pd.Series([*self.uniques, None], dtype=object)

    def spread(self, table: Any) -> Any:
        """Values per distinct value (``len(uniques) + 1``, the last for missing cells)
        to values per cell, as a Series on the column's index when ``table`` is one."""
        if isinstance(table, pd.Series):
            return table.iloc[self.codes].set_axis(self.index)
        return np.asarray(table)[self.codes]

    def per_unique(self, fn: Callable[[Any], Any]) -> np.ndarray:
        """``fn`` of every cell as an object array, calling ``fn`` once per distinct value."""
        table = objects([*(fn(v) for v in self.uniques), fn(None)])
        return table[self.codes]

    @cached_property
    def stripped(self) -> np.ndarray:
        """Per distinct value (plus missing), its stripped text, "" for non-text."""
        if self.kind == "string" and self._all_text is not None:  # all values are text
            table = objects([*self._all_text, ""])
            self.memo["strip_kept_all"] = same_objects(table[:-1], self.uniques)
            return table
        return objects([*(v.strip() if isinstance(v, str) else "" for v in self.uniques), ""])

    @cached_property
    def text_key(self) -> np.ndarray:
        """Per distinct value (plus missing), an integer shared exactly by the values
        whose :func:`text` is equal; -1 where the text is blank.

        Comparing these instead of the texts saves hashing a column of distinct
        invoice numbers a second time: when stripping changed no value, distinct
        values are distinct texts.
        """
        table = self.text_table
        if self.kind == "string" and self.memo.get("strip_kept_all"):
            key = np.arange(len(table), dtype=np.int64)
        else:
            key = pd.factorize(table)[0].astype(np.int64)
        key[empty_str(table)] = -1
        return key

    @cached_property
    def text_table(self) -> np.ndarray:
        """:func:`text` per distinct value, plus "" for missing cells."""
        return _text_table(self)

    @cached_property
    def has_blank_text(self) -> bool:
        """Whether any cell's :func:`cells.text` is "" (missing, or blank text)."""
        return bool((self.codes < 0).any() or empty_str(self.text_table[:-1]).any())

    @cached_property
    def text(self) -> pd.Series:
        """:func:`text` of the column (``str`` dtype), computed once."""
        if self.hashed_kind == "empty":
            return pd.Series("", index=self.index, dtype="str")
        return str_take(self.text_table, self)


#: neighbour pairs looked at, spread over the column, to tell whether it comes in runs
_RUN_SAMPLE = 2048


def _factorize(raw: np.ndarray) -> tuple[np.ndarray, Any]:
    """``pd.factorize(raw)``, hashing one cell per run of equal neighbours when the
    column comes in runs.

    An export sorted by customer repeats the customer's number, name, e-mail,
    collector and currency on each of its invoices. Comparing each cell with the
    one above costs one look at each cell; hashing costs two (a type scan, then the
    hash), so a column where few sampled cells differ from the one above (under one
    in 8) is hashed per run: the first cell of each run is where a value is first
    seen, and equal neighbours are equal values for ``pd.factorize`` too (NaN never
    equals its neighbour: it stays a run of its own, and missing).

    >>> codes, uniques = _factorize(np.array(["b"] * 3 + [None, "a", "b"] * 3000, dtype=object))
    >>> codes[:8].tolist(), uniques.tolist()
    ([0, 0, 0, -1, 1, 0, -1, 1], ['b', 'a'])
    """
    n = len(raw)
    if n >= 4 * _RUN_SAMPLE:
        at = np.linspace(0, n - 2, _RUN_SAMPLE).astype(np.intp)
        if np.count_nonzero(raw[at] != raw[at + 1]) * 8 < _RUN_SAMPLE:
            new = np.empty(n, dtype=bool)
            new[0] = True
            np.not_equal(raw[1:], raw[:-1], out=new[1:])
            codes, uniques = pd.factorize(raw[np.flatnonzero(new)], use_na_sentinel=True)
            return codes[np.cumsum(new) - 1], uniques
    return pd.factorize(raw, use_na_sentinel=True)


def objects(values: list[Any]) -> np.ndarray:
    """A 1-D object array of ``values`` (``np.fromiter``: assigning a list into an
    object array checks every item for being a sequence, and costs 2x more).

    >>> objects(["a", (1, 2)]).tolist()
    ['a', (1, 2)]
    """
    return np.fromiter(values, dtype=object, count=len(values))


def str_take(table: np.ndarray, col: Column) -> pd.Series:
    """A ``str`` Series from per-distinct-value strings (validated once per value)."""
    arr = pd.array(table, dtype="str").take(col.codes)
    return pd.Series(arr, index=col.index, copy=False)


def _one(v: object) -> str:
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


def _text_table(col: Column) -> np.ndarray:
    """:func:`cells.text` per distinct value (plus "" for missing cells), as an object array."""
    kind = col.hashed_kind
    if kind == "string":
        return col.stripped
    if kind in NUMERIC:  # per distinct value: equal ints and floats give the same text
        f = pd.to_numeric(col.with_none(), errors="coerce").astype("float64")
        whole = f.notna() & (f == np.floor(f)) & (f.abs() < 1e15)
        out = pd.Series("", index=f.index, dtype="str")
        out[whole] = f[whole].astype("int64").astype("str")
        frac = f.notna() & ~whole
        if frac.any():
            out[frac] = pd.Series(
                list(map(repr, f[frac].tolist())), index=f.index[frac], dtype="str"
            )
        return out.to_numpy(dtype=object)
    return objects([*(_one(v) for v in col.uniques), ""])
