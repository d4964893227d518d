"""Turn the mapped data block into the canonical invoice frame, column by column.

Each mapped column is parsed whole (vectorised), once; unreadable cells become
problems with their cell address. Unmapped fields get their typed "missing"
value, so every consumer can rely on every ``columns.ALL_FIELDS`` column existing
with one dtype: text ``str`` ("" when missing), dates ``datetime64[ns]``, amounts
``Int64`` (open balance ``int64``), flags ``bool``, days overdue ``Int64``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dunning_core.columns import (
    ALL_FIELDS,
    AMOUNT_FIELDS,
    DATE_FIELDS,
    FLAG_FIELDS,
    TEXT_FIELDS,
    F,
)
from dunning_core.ingest import values
from dunning_core.records import Problem, Severity

if TYPE_CHECKING:
    from dunning_core.ingest.prepare import Source

MAX_CELL_PROBLEMS = 50  # per field; a summary line counts the rest


def parse_field(field: str, col: values.Column, dayfirst: bool | None) -> values.Parsed:
    """Parse one source column with the parser its canonical field needs."""
    if field in DATE_FIELDS:
        return values.dates(col, dayfirst)
    if field in AMOUNT_FIELDS:
        return values.amounts(col)
    if field in FLAG_FIELDS:
        return values.flags(col)
    if field == F.DAYS_OVERDUE:
        return values.integers(col)
    return values.Parsed(values.text(col), pd.Series(False, index=col.index))


def empty_column(field: str, index: pd.Index) -> pd.Series:
    """The typed 'missing' column of a field that the source does not have."""
    if field in TEXT_FIELDS:
        return pd.Series("", index=index, dtype="str")
    if field in DATE_FIELDS:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if field in FLAG_FIELDS:
        return pd.Series(False, index=index, dtype="bool")
    n = len(index)  # all missing, built directly (the scalar constructor loops per cell)
    return pd.Series(pd.arrays.IntegerArray(np.ones(n, np.int64), np.ones(n, bool)), index=index)


def cell_problems(
    parsed: values.Parsed, raw: values.Column, keep: np.ndarray, field: str, src: Source, col: int
) -> list[Problem]:
    """WARNING per unreadable cell of a kept row (capped, with a count of the rest)."""
    bad = parsed.bad.to_numpy() & keep
    n = int(bad.sum())
    if not n:
        return []
    if field in DATE_FIELDS:
        kind = "a date"
    elif field in AMOUNT_FIELDS:
        kind = "an amount"
    else:
        kind = "a whole number"
    msg = f"expected {kind}; left empty"
    out = [
        Problem(src.sheet, src.cell(p, col), field, str(raw.raw[p])[:80], msg, Severity.WARNING)
        for p in np.flatnonzero(bad)[:MAX_CELL_PROBLEMS]
    ]
    if n > MAX_CELL_PROBLEMS:
        more = f"{n - MAX_CELL_PROBLEMS} more cells could not be read as {kind}"
        out.append(Problem(src.sheet, "", field, "", more, Severity.WARNING))
    return out


def _kind(field: str) -> str:
    for kind, fields in (("text", TEXT_FIELDS), ("date", DATE_FIELDS), ("flag", FLAG_FIELDS)):
        if field in fields:
            return kind
    return "int"


def assemble(columns: dict[str, pd.Series], index: pd.Index, rows: pd.Series) -> pd.DataFrame:
    """Frame with ``F.ROW`` and every field in ``ALL_FIELDS``, typed, in that order."""
    data: dict[str, pd.Series] = {F.ROW: rows.astype("int64")}
    empty: dict[str, pd.Series] = {}  # one per kind, shared (copy-on-write)
    for field in ALL_FIELDS:
        s = columns.get(field)
        if s is None:
            kind = _kind(field)
            if kind not in empty:
                empty[kind] = empty_column(field, index)
            s = empty[kind]
        elif field in TEXT_FIELDS:
            s = s.astype("str")
        elif field in DATE_FIELDS:
            s = s.astype("datetime64[ns]")
        elif field in FLAG_FIELDS:
            s = s.astype("bool")
        elif field == F.OPEN_CENTS:
            s = s.astype("int64")
        else:
            s = s.astype("Int64")
        data[field] = s
    frame = pd.DataFrame(data, index=index, copy=False)  # copy-on-write: no need to copy
    return frame.reset_index(drop=True)
