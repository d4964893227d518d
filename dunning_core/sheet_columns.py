"""Whole columns of a sheet grid parsed at once: numbers, dates, flags and texts.

The hidden Snapshot sheet is read back on every run and holds a row per invoice (up
to a million), so its cells are parsed column by column. A column the tool wrote
itself is clean (only floats, or only text, with ``None`` for empty cells) and takes
one C-level conversion; anything else (a value typed by hand, a date Excel formatted,
an id the Excel surface read as a number) falls back to cell-by-cell parsing for that
column only. Each parser returns its values and a mask of cells it could not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Final

import numpy as np
import pandas as pd

from dunning_core.days import DAY_NS
from dunning_core.ingest.grid import Grid

#: One column's cells: an object array (a reader's grid) or any sequence of values.
Cells = np.ndarray | Sequence[Any]
_EPOCH: Final = np.datetime64("1899-12-30", "ns")  # Excel's day 0 (serial dates)
_MAX_SERIAL: Final = 2_958_466  # 9999-12-31
_TRUE: Final = frozenset(("true", "yes", "y", "1", "x"))


#: What ``pd.api.types.infer_dtype`` calls a column of only numbers and blanks.
_NUMERIC_KINDS: Final = frozenset(("floating", "integer", "mixed-integer-float", "empty"))


def _as_floats(cells: Cells) -> np.ndarray | None:
    """The column as float64 in one C-level cast when it holds only numbers and blanks.

    Booleans and numeric text also cast to floats, but the cell-by-cell parsers read
    them differently (TRUE is no date, "12" is ISO text), so they take that path.

    >>> _as_floats((1.0, None, 3)).tolist(), _as_floats((1.0, True)), _as_floats(("12",))
    ([1.0, nan, 3.0], None, None)
    """
    if pd.api.types.infer_dtype(cells, skipna=True) not in _NUMERIC_KINDS:
        return None
    values = np.array(cells, dtype="float64")
    return values if values.ndim == 1 else None


def block(rows: Sequence[Sequence[Any]], start: int, width: int) -> np.ndarray:
    """Rows ``start:`` of a sheet as a 2-D object array at least ``width`` wide.

    A reader's :class:`~dunning_core.ingest.grid.Grid` is sliced without copying; plain
    rows (the Excel surface, tests) are packed once, ragged ones padded with ``None``.
    """
    arr = rows.array[start:] if isinstance(rows, Grid) else Grid.from_rows(rows[start:]).array
    if arr.ndim != 2 or arr.shape[1] < width:
        wide = np.full((len(arr), width), None, dtype=object)
        if arr.ndim == 2 and arr.size:
            wide[:, : arr.shape[1]] = arr
        arr = wide
    return arr


def is_blank(value: Any) -> bool:
    """An empty cell: missing, NaN, or text of spaces only.

    >>> is_blank(None), is_blank("  "), is_blank(float("nan")), is_blank(0)
    (True, True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and value != value


def _float(value: Any) -> float | None:
    """One cell as a float; NaN when blank, None when not a number."""
    if is_blank(value):
        return float("nan")
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def numbers(cells: Cells) -> tuple[np.ndarray, np.ndarray]:
    """Float64 values (NaN when blank) and the mask of cells that are not numbers.

    >>> v, bad = numbers((1.0, None, " 2.5", "lots"))
    >>> v.tolist()[:3], bad.tolist()
    ([1.0, nan, 2.5], [False, False, False, True])
    """
    values = _as_floats(cells)
    if values is not None:
        return values, np.zeros(len(values), dtype=bool)
    parsed = [_float(v) for v in cells]
    bad = np.array([v is None for v in parsed], dtype=bool)
    values = np.array([np.nan if v is None else v for v in parsed], dtype="float64")
    return values, bad


def _serials(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Excel serial days (time of day dropped) as datetime64[ns], NaN giving NaT; and
    the mask of numbers too large to be a date."""
    out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.abs(np.nan_to_num(days, nan=0.0)) < _MAX_SERIAL
    ok &= ~np.isnan(days)
    whole = np.floor(days[ok]).astype("int64")
    out[ok] = _EPOCH + (whole * DAY_NS).astype("timedelta64[ns]")
    return out, ~ok & ~np.isnan(days)


def _date(value: Any) -> Any:
    """One cell as a normalised Timestamp; NaT when blank, None when not a date."""
    if is_blank(value):
        return pd.NaT
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        when, bad = _serials(np.array([float(value)]))
        return None if bad[0] else when[0]
    if isinstance(value, datetime | date | pd.Timestamp):
        return pd.Timestamp(value).tz_localize(None).normalize()
    if isinstance(value, str):
        parsed = pd.to_datetime(value.strip(), format="ISO8601", errors="coerce", utc=True)
        return None if pd.isna(parsed) else parsed.tz_localize(None).normalize()
    return None


def dates(cells: Cells) -> tuple[np.ndarray, np.ndarray]:
    """datetime64[ns] values (NaT when blank) from serials, datetimes or ISO text.

    >>> v, bad = dates((46351.0, None, "2026-11-27", "soon"))
    >>> [str(x)[:10] for x in v], bad.tolist()
    (['2026-11-25', 'NaT', '2026-11-27', 'NaT'], [False, False, False, True])
    """
    days = _as_floats(cells)
    if days is not None:
        return _serials(days)
    parsed = [_date(v) for v in cells]
    bad = np.array([v is None for v in parsed], dtype=bool)
    values = pd.to_datetime(
        pd.Series([pd.NaT if v is None else v for v in parsed], dtype=object), utc=False
    )
    return values.to_numpy(dtype="datetime64[ns]"), bad


def flags(cells: Cells) -> np.ndarray:
    """True where a cell is a true flag: a non-zero number, TRUE, or yes / y / x / 1 text.

    >>> flags((1.0, None, 0.0, "Yes", True, "no")).tolist()
    [True, False, False, True, True, False]
    """
    values = _as_floats(cells)
    if values is not None:
        return np.nan_to_num(values) != 0

    def one(v: Any) -> bool:
        if isinstance(v, str):
            return v.strip().lower() in _TRUE
        n = _float(v)
        return n is not None and n == n and n != 0

    return np.array([one(v) for v in cells], dtype=bool)


def _text(value: Any) -> str:
    if is_blank(value) and not isinstance(value, str):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id a reader saw as a number, without ".0"
    return str(value)


def texts(cells: Cells) -> pd.Series:
    """Text cells as a ``str`` Series ("" when empty); whole numbers without ".0".

    >>> texts(("A", None, 1001.0, " b ")).tolist()
    ['A', '', '1001', ' b ']
    """
    arr = np.array(cells, dtype=object) if len(cells) else np.array([], dtype=object)
    if pd.api.types.infer_dtype(arr, skipna=True) in ("string", "empty"):
        return pd.Series(arr, dtype=object).fillna("").astype("str")
    return pd.Series([_text(v) for v in arr], dtype=object).astype("str")
