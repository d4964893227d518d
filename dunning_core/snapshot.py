"""The hidden Snapshot sheet: each run's per-invoice state, stored for the next run.

It holds enough to explain why expected cash moved (:mod:`dunning_core.changes`) and the
values collectors typed, so a fresh export cannot lose them (:mod:`dunning_core.carryover`).
It keeps two runs: the baseline before today and today's, so repeating a day compares
with last week, not with itself.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

import numpy as np
import pandas as pd

from dunning_core.columns import F, Q, S
from dunning_core.forecast import week_index
from dunning_core.money import units_series
from dunning_core.records import Problem, RawSheet, Severity
from dunning_core.sheetaddr import cell_address

_IDENTITY: Final = ("as_of", "invoice_no", "customer_id", "currency", "open", "bucket", "stage")
_STATE: Final = ("disputed", "promise_date", "expected_in_horizon", "at_risk")
#: Collector-typed values kept so a fresh export cannot lose them (dunning_core.carryover).
_CARRIED: Final = ("notes", "promise_amount", "hold_until", "dispute_reason")
#: Columns of the hidden Snapshot sheet, in order (also its header texts).
SNAPSHOT_COLUMNS: Final = _IDENTITY + _STATE + _CARRIED
_REQUIRED: Final = ("as_of", "invoice_no", "customer_id", "currency", "open", "expected_in_horizon")
_DATES: Final = ("as_of", "promise_date", "hold_until")
_MONEY: Final = ("open", "expected_in_horizon", "promise_amount")
_FLAGS: Final = ("disputed", "at_risk")
_MAX_DETAILED: Final = 20


def empty_snapshot() -> pd.DataFrame:
    """A snapshot frame with no rows (no previous run) and the stored dtypes."""
    return _typed(pd.DataFrame({c: [] for c in SNAPSHOT_COLUMNS}))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in _DATES:
        out[c] = pd.to_datetime(out[c]).astype("datetime64[ns]")
    for c in _MONEY:
        out[c] = pd.to_numeric(out[c]).astype("float64")
    for c in _FLAGS:
        out[c] = out[c].astype("boolean").fillna(False).astype(bool)
    for c in (
        "invoice_no",
        "customer_id",
        "currency",
        "bucket",
        "stage",
        "notes",
        "dispute_reason",
    ):
        out[c] = out[c].astype("str").fillna("")
    return out.reset_index(drop=True)


def snapshot_frame(queue: pd.DataFrame, as_of: date, weeks: int = 13) -> pd.DataFrame:
    """The per-invoice state to store for the next run (needs a forecast queue).

    ``expected_in_horizon`` is the expected cash falling in the ``weeks`` weekly columns
    (not "Later"), as float currency units rounded to the cent.
    """
    n = len(queue)
    exp_c = queue[Q.EXPECTED_CENTS].to_numpy(dtype="int64")
    in_horizon = week_index(queue[Q.EXPECTED_DATE], as_of, weeks) < weeks
    codes = queue.get(Q.EXCLUSION_CODE, pd.Series("", index=queue.index))
    flag = queue.get(F.DISPUTED, pd.Series(False, index=queue.index))
    disputed = flag.astype("boolean").fillna(False) | (codes == "DISPUTED")

    def text(col: str) -> Any:
        return queue[col].to_numpy() if col in queue.columns else np.full(n, "", dtype=object)

    frame = pd.DataFrame(
        {
            "as_of": np.full(n, pd.Timestamp(as_of)),
            "invoice_no": text(F.INVOICE_NO),
            "customer_id": text(F.CUSTOMER_ID),
            "currency": text(F.CURRENCY),
            "open": units_series(queue[F.OPEN_CENTS]).to_numpy(),
            "bucket": text(Q.BUCKET),
            "stage": text(Q.STAGE),
            "disputed": disputed.to_numpy(),
            "promise_date": (
                queue[F.PROMISE_DATE].to_numpy() if F.PROMISE_DATE in queue.columns else pd.NaT
            ),
            "expected_in_horizon": units_series(
                pd.Series(np.where(in_horizon, exp_c, 0), index=queue.index)
            ).to_numpy(),
            "at_risk": queue[Q.AT_RISK].to_numpy(dtype=bool),
            "notes": text(F.NOTES),
            "promise_amount": (
                units_series(queue[F.PROMISE_CENTS]).to_numpy()
                if F.PROMISE_CENTS in queue.columns
                else np.nan
            ),
            "hold_until": (
                queue[F.HOLD_UNTIL].to_numpy() if F.HOLD_UNTIL in queue.columns else pd.NaT
            ),
            "dispute_reason": text(F.DISPUTE_REASON),
        }
    )
    return _typed(frame)


def _warn(cell: str, field: str, value: str, message: str) -> Problem:
    return Problem(S.SNAPSHOT, cell, field, value, message, Severity.WARNING)


_EPOCH: Final = pd.Timestamp("1899-12-30")  # Excel's day 0 (serial dates)
_NUMBER_TYPES: Final = (int, float, np.int64, np.float64)
_DATE_TYPES: Final = (datetime, date, pd.Timestamp)


def _blank(s: pd.Series, types: pd.Series) -> pd.Series:
    """Missing cells and text cells holding only spaces (stripped only where text)."""
    out = s.isna().to_numpy(dtype=bool).copy()
    text = types.isin((str,)).to_numpy()
    out[text] = [not v.strip() for v in s.to_numpy()[text]]
    return pd.Series(out, index=s.index)


def _dates(s: pd.Series, types: pd.Series, blank: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Date cells (datetimes, Excel serials or ISO text) -> datetime64[ns]; and a bad mask."""
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    num = types.isin(_NUMBER_TYPES)
    if num.any():
        days = np.floor(s[num].astype("float64").to_numpy())
        out[num] = _EPOCH + pd.to_timedelta(days, unit="D")
    when = types.isin(_DATE_TYPES)
    if when.any():
        out[when] = pd.to_datetime(list(s[when])).normalize()
    text = types.isin((str,)) & ~blank
    if text.any():
        iso = s[text].astype("str").str.strip()
        parsed = pd.to_datetime(iso, format="ISO8601", errors="coerce", utc=True)
        out[text] = parsed.dt.tz_localize(None).dt.normalize()
    return out, ~blank & out.isna()


def _flags(s: pd.Series, types: pd.Series) -> pd.Series:
    out = pd.Series(False, index=s.index)
    is_bool = types.isin((bool, np.bool_))
    out[is_bool] = s[is_bool].astype(bool)
    num = types.isin(_NUMBER_TYPES)
    out[num] = s[num].astype("float64") != 0
    text = types.isin((str,))
    out[text] = s[text].astype("str").str.strip().str.lower().isin(("true", "yes", "y", "1", "x"))
    return out


def _texts(s: pd.Series, types: pd.Series) -> pd.Series:
    """Text cells as str; whole floats (an id a reader saw as a number) without ".0"."""

    def one(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)

    other = ~types.isin((str,))
    out = s.where(~other, "")
    if other.any():
        out[other] = s[other].map(one)
    return out.astype("str")


def snapshot_from_sheet(raw: RawSheet | None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the hidden Snapshot sheet back; an absent or unreadable one means "no previous".

    Column-wise and vectorised (the sheet holds one row per invoice: up to a million).
    Rows with an unreadable amount or date are left out with a problem naming the cell
    (the first few in detail, then a count), since the comparison can still run without them.
    """
    if raw is None or not raw.rows:
        return empty_snapshot(), []
    header_at, header = None, []
    for i, row in enumerate(raw.rows[:10]):
        names = [str(v).strip().lower() if v is not None else "" for v in row]
        if all(r in names for r in _REQUIRED):
            header_at, header = i, names
            break
    if header_at is None:
        msg = f"No header row with {', '.join(_REQUIRED)}: change since previous run not shown."
        return empty_snapshot(), [_warn("", "snapshot", "", msg)]
    cols: dict[str, int] = {c: header.index(c) for c in SNAPSHOT_COLUMNS if c in header}
    body = raw.rows[header_at + 1 :]
    lengths = {len(r) for r in body}
    width = max(max(cols.values()) + 1, *lengths) if lengths else max(cols.values()) + 1
    if lengths != {width}:  # ragged rows, as a reader may give them: pad with None
        body = [list(r) + [None] * (width - len(r)) for r in body]
    grid = pd.DataFrame(list(body), columns=range(width), dtype=object)
    cells = {c: grid[j] for c, j in cols.items()}
    types = {c: s.map(type) for c, s in cells.items()}
    blanks = {c: _blank(cells[c], types[c]) for c in cols}
    blank = pd.concat(list(blanks.values()), axis=1).all(axis=1)
    out: dict[str, pd.Series] = {}
    bad: dict[str, pd.Series] = {}
    for c in SNAPSHOT_COLUMNS:
        if c not in cells:
            out[c] = pd.Series(None, index=grid.index, dtype=object)
            continue
        s, t = cells[c], types[c]
        if c in _MONEY:
            num = t.isin(_NUMBER_TYPES)
            optional = c not in _REQUIRED  # a blank promise amount is fine, a blank open not
            out[c], bad[c] = s.where(num).astype("float64"), ~num & ~(blanks[c] & optional)
        elif c in _DATES:
            out[c], bad[c] = _dates(s, t, blanks[c])
            if c == "as_of":
                bad[c] = bad[c] | out[c].isna()
        elif c in _FLAGS:
            out[c] = _flags(s, t)
        else:
            out[c] = _texts(s, t)
    checked = [c for c in (*_MONEY, *_DATES) if c in bad]
    wrong = pd.concat([bad[c] for c in checked], axis=1).to_numpy() & ~blank.to_numpy()[:, None]
    rows_bad = np.flatnonzero(wrong.any(axis=1))
    problems = []
    for i in rows_bad[:_MAX_DETAILED]:
        c = checked[int(np.argmax(wrong[i]))]
        cell = cell_address(raw.first_row + header_at + 1 + int(i), raw.first_col + cols[c])
        msg = "Expected a number or date here; row left out of the change since the previous run."
        problems.append(_warn(cell, c, str(cells[c].iat[int(i)]), msg))
    if len(rows_bad) > _MAX_DETAILED:
        msg = f"{len(rows_bad)} unreadable rows left out in all (first {_MAX_DETAILED} listed)."
        problems.append(_warn("", "snapshot", str(len(rows_bad)), msg))
    keep = ~blank.to_numpy() & ~wrong.any(axis=1)
    frame = pd.DataFrame({c: out[c] for c in SNAPSHOT_COLUMNS})[keep]
    return (_typed(frame) if len(frame) else empty_snapshot()), problems


#: Rows above which the Snapshot keeps only the current run (two generations would not
#: fit one sheet's 1,048,576 rows); a same-day re-run then compares with itself.
MAX_TWO_GENERATION_ROWS: Final = 1_000_000


def previous_generation(stored: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The latest stored run strictly before ``as_of``: the baseline of this run.

    The Snapshot sheet keeps the last two runs. Taking the latest one *before* the
    as-of date (not the latest one) is what makes re-running the same day give the
    same result: a repeated run compares with last week, not with itself.
    """
    if stored.empty:
        return stored
    days = pd.to_datetime(stored["as_of"])
    before = days[days < pd.Timestamp(as_of)]
    if before.empty:
        return stored.iloc[0:0]
    return stored[days == before.max()].reset_index(drop=True)


def latest_generation(stored: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The latest stored run on or before ``as_of``: what collectors last saw and typed.

    Carry-over reads this one (not the baseline): values typed and carried today are
    still carried when today's run is repeated after a fresh export was pasted.
    """
    if stored.empty:
        return stored
    days = pd.to_datetime(stored["as_of"])
    upto = days[days <= pd.Timestamp(as_of)]
    if upto.empty:
        return stored.iloc[0:0]
    return stored[days == upto.max()].reset_index(drop=True)


def later_runs(stored: pd.DataFrame, as_of: date) -> list[pd.Timestamp]:
    """As-of dates of stored runs after ``as_of`` (a run dated back in time)."""
    if stored.empty:
        return []
    days = pd.to_datetime(stored["as_of"])
    return sorted({pd.Timestamp(d) for d in days[days > pd.Timestamp(as_of)]})


def generations_to_store(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """What the Snapshot sheet stores: the baseline run and this run, when they fit."""
    if previous.empty or len(previous) + len(current) > MAX_TWO_GENERATION_ROWS:
        return current
    return pd.concat([previous, current], ignore_index=True)
