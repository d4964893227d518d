"""Read back a table the tool wrote on one of its own sheets.

The tool writes Drafts, Activity and Promises with a fixed header; collectors then
edit cells, sort, filter and add rows. Reading back finds the header row (not
assuming it stayed in row 1), keeps every row that has any value, and types
the columns by the same format map the writer used, so a date typed as text or an
amount typed with a currency sign is read, and what cannot be read is a problem
naming its cell rather than a crash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dunning_core import sheet_columns
from dunning_core.ingest import values
from dunning_core.money import units_series
from dunning_core.records import Problem, RawSheet, Severity, UserError
from dunning_core.sheetaddr import cell_address


def _norm(v: Any) -> str:
    return "" if v is None else " ".join(str(v).split()).lower()


def read_owned_table(
    raw: RawSheet | None, columns: Sequence[str], formats: Mapping[str, str]
) -> tuple[pd.DataFrame, list[Problem]]:
    """Return the table's rows as a frame with exactly ``columns``.

    Dates become ``datetime64[ns]`` (NaT when blank), money becomes float units,
    everything else text ("" when blank). A header that cannot be found yields an
    empty frame and a problem (the caller decides whether that is fatal).

    The tool rewrites this sheet after the run, so anything it could not read back
    would be erased: a renamed or missing column, a column a person added, or a cell
    that does not parse stops the run with a :class:`UserError` naming the sheet and
    cells, before anything is written.
    """
    problems: list[Problem] = []
    empty = _empty(columns, formats)
    if raw is None:
        return empty, problems
    rows = raw.rows[:30]
    want = [c.lower() for c in columns]
    header_i = None
    for i, row in enumerate(rows[:30]):
        cells = [_norm(v) for v in row]
        if sum(1 for w in want if w in cells) >= max(2, len(want) // 2):
            header_i = i
            break
    if header_i is None:
        problems.append(
            Problem(
                raw.name,
                "A1",
                "",
                "",
                "Could not find this sheet's header row "
                f"(expected {', '.join(columns)}); its rows were not read.",
                Severity.ERROR,
            )
        )
        return empty, problems
    header = [_norm(v) for v in rows[header_i]]
    grid = sheet_columns.block(raw.rows, header_i + 1, len(header))
    _check_columns(raw, header_i, rows[header_i], grid, header, columns)
    pos = {c: header.index(c.lower()) for c in columns if c.lower() in header}
    for c in columns:
        if c not in pos:
            problems.append(
                Problem(
                    raw.name,
                    cell_address(raw.first_row + header_i, raw.first_col),
                    c,
                    "",
                    f"Column {c!r} is missing; it is read as blank and written back.",
                    Severity.WARNING,
                )
            )
    some = np.flatnonzero((grid != None).any(axis=1)).tolist() if grid.size else []  # noqa: E711
    kept_at = [int(i) for i in some if not all(sheet_columns.is_blank(v) for v in grid[i])]
    body = grid[kept_at] if len(kept_at) else np.empty((0, grid.shape[1]), dtype=object)
    kept = [header_i + 1 + int(k) for k in kept_at]
    records: dict[str, Any] = {}
    unreadable: list[str] = []
    for c in columns:
        j = pos.get(c, -1)
        stored = body[:, j] if j >= 0 else np.full(len(kept), None, dtype=object)
        column = pd.Series(stored, index=pd.RangeIndex(len(kept)), dtype=object)
        kind = formats.get(c, "text")
        if kind in ("date", "money"):
            # the aging ingest's own parsers: every convention it reads, one way
            parsed = values.dates(column) if kind == "date" else values.amounts(column)
            records[c] = parsed.values if kind == "date" else units_series(parsed.values)
            for k in np.flatnonzero(parsed.bad.to_numpy()):
                addr = cell_address(raw.first_row + kept[int(k)], raw.first_col + j)
                found = str(column.iat[int(k)])[:40]
                unreadable.append(f"{addr} ({c}: expected a {kind}, found {found!r})")
        else:
            records[c] = sheet_columns.texts(column.to_numpy()).tolist()
    if unreadable:
        more = len(unreadable) - 5
        listed = "; ".join(unreadable[:5]) + (f"; and {more} more" if more > 0 else "")
        raise UserError(
            f"Sheet '{raw.name}': cells the tool cannot read back, so rewriting the sheet "
            f"would erase them: {listed}. Fix them and run again; nothing was written."
        )
    frame = pd.DataFrame(records)
    return _typed(frame, columns, formats), problems


def _check_columns(
    raw: RawSheet,
    header_i: int,
    header_row: Sequence[Any],
    grid: np.ndarray,
    header: list[str],
    columns: Sequence[str],
) -> None:
    """Refuse a header whose cells the tool could not write back: unknown filled columns.

    A renamed column, or one a person added, holds values the rewrite would drop, so the
    run stops. A column that is simply missing is read as blank (its values are already
    gone, and a sheet written by an older version lacks the newer columns).
    """
    want = {c.lower() for c in columns}
    added = [
        str(header_row[j])
        for j, h in enumerate(header)
        if h
        and h not in want
        and any(not sheet_columns.is_blank(v) for v in grid[:, j] if v is not None)
    ]
    if not added:
        return
    missing = [c for c in columns if c.lower() not in header]
    hint = f" (renamed from {', '.join(repr(c) for c in missing)}?)" if missing else ""
    raise UserError(
        f"Sheet '{raw.name}', header row {raw.first_row + header_i}: column(s) the tool does "
        f"not keep {', '.join(repr(c) for c in added)}{hint}. The tool rewrites this sheet, so "
        "their cells would be lost: rename the columns back (keep your own notes in another "
        "sheet or in a 'Reviewer note'/'Note' column) and run again; nothing was written."
    )


def _text(v: Any) -> str:
    """A text cell as written: whole floats without ".0" (ids typed as numbers)."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _empty(columns: Sequence[str], formats: Mapping[str, str]) -> pd.DataFrame:
    return _typed(pd.DataFrame({c: [] for c in columns}), columns, formats)


def _typed(frame: pd.DataFrame, columns: Sequence[str], formats: Mapping[str, str]) -> pd.DataFrame:
    out: dict[str, Any] = {}
    for c in columns:
        kind = formats.get(c, "text")
        if kind == "date":
            out[c] = pd.to_datetime(frame[c], errors="coerce").astype("datetime64[ns]")
        elif kind == "money":
            out[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
        else:
            out[c] = frame[c].astype(object).where(frame[c].notna(), "").astype(str)
    return pd.DataFrame(out, columns=list(columns))
