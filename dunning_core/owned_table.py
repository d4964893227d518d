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
from datetime import date, datetime
from typing import Any

import pandas as pd

from dunning_core.records import Problem, RawSheet, Severity
from dunning_core.sheetaddr import cell_address


def _norm(v: Any) -> str:
    return "" if v is None else " ".join(str(v).split()).lower()


def _to_date(v: Any) -> pd.Timestamp | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, datetime | date):
        return pd.Timestamp(v).normalize()
    if isinstance(v, int | float) and not isinstance(v, bool):
        return (pd.Timestamp("1899-12-30") + pd.to_timedelta(float(v), unit="D")).normalize()
    ts = pd.to_datetime(str(v).strip(), errors="raise", dayfirst=False)
    return pd.Timestamp(ts).normalize()


def _to_money(v: Any) -> float | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, int | float) and not isinstance(v, bool):
        return round(float(v), 2)
    s = str(v).strip().replace(",", "")
    neg = s.startswith("(") and s.endswith(")")
    s = "".join(ch for ch in s if ch.isdigit() or ch in ".-")
    f = float(s)
    return round(-f if neg else f, 2)


def read_owned_table(
    raw: RawSheet | None, columns: Sequence[str], formats: Mapping[str, str]
) -> tuple[pd.DataFrame, list[Problem]]:
    """Return the table's rows as a frame with exactly ``columns`` (extra columns dropped).

    Dates become ``datetime64[ns]`` (NaT when blank), money becomes float units,
    everything else text ("" when blank). A header that cannot be found yields an
    empty frame and a problem; a missing optional column yields blanks.
    """
    problems: list[Problem] = []
    empty = _empty(columns, formats)
    if raw is None:
        return empty, problems
    rows = [list(r) for r in raw.rows]
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
    pos = {c: header.index(c.lower()) for c in columns if c.lower() in header}
    records: dict[str, list[Any]] = {c: [] for c in columns}
    for i in range(header_i + 1, len(rows)):
        row = rows[i]
        if not any(v is not None and str(v).strip() for v in row):
            continue
        for c in columns:
            j = pos.get(c)
            v = row[j] if j is not None and j < len(row) else None
            kind = formats.get(c, "text")
            try:
                if kind == "date":
                    val: Any = _to_date(v)
                elif kind == "money":
                    val = _to_money(v)
                else:
                    val = (
                        ""
                        if v is None
                        else (
                            str(v)
                            if not isinstance(v, float) or not v.is_integer()
                            else str(int(v))
                        )
                    )
            except (ValueError, TypeError, OverflowError):
                addr = cell_address(raw.first_row + i, raw.first_col + (j or 0))
                problems.append(
                    Problem(
                        raw.name,
                        addr,
                        c,
                        str(v),
                        f"Expected a {kind} in {c!r}; the cell was left as blank for this run.",
                        Severity.WARNING,
                    )
                )
                val = None if kind in ("date", "money") else ""
            records[c].append(val)
    frame = pd.DataFrame(records)
    return _typed(frame, columns, formats), problems


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
