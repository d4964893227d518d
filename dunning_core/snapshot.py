"""The hidden Snapshot sheet: each run's per-invoice state, stored for the next run.

It holds enough to explain why expected cash moved (:mod:`dunning_core.changes`) and the
values collectors typed, so a fresh export cannot lose them (:mod:`dunning_core.carryover`).
It keeps two runs: the baseline before today and today's, so repeating a day compares
with last week, not with itself.

The sheet is read back and rewritten on every run, a row per invoice and run, so it
stores only what the next run reads, in as few cells as it can (``SHEET_COLUMNS``):

* ``as_of``, ``customer_id``, ``invoice_no``, ``currency``: the run's date and the
  invoice's key, on every row, so each row stands on its own: the sheet can be sorted or
  a cell cleared without a row taking its run or customer from the row above (a row
  without a readable run date is left out with a warning instead);
* ``open_cents``, ``expected_cents``: open balance and the expected cash falling in the
  forecast's weekly columns, in integer cents;
* ``disputed``, ``at_risk``: 1, or empty;
* ``promise_date``, ``promise_cents``, ``hold_until``, ``notes``, ``dispute_reason``:
  what collectors typed (carried over), empty for most invoices.

Six cells per invoice are always written (five when the customer id is empty), the rest
only where there is a value. In memory a run is the frame of ``SNAPSHOT_COLUMNS`` (money in
currency units), which the change attribution, the KPIs, promises and carry-over read.

The previous release wrote 15 columns (the memory names plus ``bucket`` and ``stage``,
money in currency units); such a sheet is read too, so carried values survive the upgrade.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

import numpy as np
import pandas as pd

from dunning_core import sheet_columns as cols
from dunning_core.columns import F, Q, S
from dunning_core.forecast import week_index
from dunning_core.money import cents_series, units_series
from dunning_core.records import Problem, RawSheet, Severity
from dunning_core.sheetaddr import cell_address

#: Columns of a run's state in memory (see the module docstring).
SNAPSHOT_COLUMNS: Final = (
    "as_of",
    "invoice_no",
    "customer_id",
    "currency",
    "open",
    "disputed",
    "promise_date",
    "expected_in_horizon",
    "at_risk",
    "notes",
    "promise_amount",
    "hold_until",
    "dispute_reason",
)
#: Columns of the hidden Snapshot sheet, in order (also its header texts).
SHEET_COLUMNS: Final = (
    "as_of",
    "customer_id",
    "invoice_no",
    "currency",
    "open_cents",
    "expected_cents",
    "disputed",
    "at_risk",
    "promise_date",
    "promise_cents",
    "hold_until",
    "notes",
    "dispute_reason",
)
_REQUIRED: Final = SHEET_COLUMNS[:6]
_TEXTS: Final = ("customer_id", "invoice_no", "currency", "notes", "dispute_reason")
_DATES: Final = ("as_of", "promise_date", "hold_until")
#: Sheet money column -> memory column, and whether an empty cell is allowed.
_MONEY: Final = (
    ("open_cents", "open", False),
    ("expected_cents", "expected_in_horizon", False),
    ("promise_cents", "promise_amount", True),
)
#: The same for the previous release's layout: money in currency units, named as in memory.
_OLD_MONEY: Final = tuple((c, c, optional) for _, c, optional in _MONEY)
_OLD_REQUIRED: Final = (
    "as_of",
    "invoice_no",
    "customer_id",
    "currency",
    "open",
    "expected_in_horizon",
)
_FLAGS: Final = ("disputed", "at_risk")
_MAX_DETAILED: Final = 20
_UNREADABLE: Final = (
    "Expected a number or date here; row left out of the change since the previous run."
)
_NO_RUN: Final = (
    "No readable run date (as_of) in this row; row left out of the change since the previous run."
)


def empty_snapshot() -> pd.DataFrame:
    """A snapshot frame with no rows (no previous run) and the stored dtypes."""
    frame = {c: pd.Series([], dtype="str") for c in SNAPSHOT_COLUMNS}
    for c in _DATES:
        frame[c] = pd.Series([], dtype="datetime64[ns]")
    for _, c, _ in _MONEY:
        frame[c] = pd.Series([], dtype="float64")
    for c in _FLAGS:
        frame[c] = pd.Series([], dtype=bool)
    return pd.DataFrame(frame)


def _text(queue: pd.DataFrame, col: str, n: int) -> pd.Series:
    """A queue column as ``str`` with "" for missing (no copy when it already is one)."""
    if col not in queue.columns:
        return pd.Series([""] * n, dtype="str")
    s = queue[col]
    if not isinstance(s.index, pd.RangeIndex) or s.index.start != 0 or s.index.step != 1:
        s = s.reset_index(drop=True)
    if not isinstance(s.dtype, pd.StringDtype):
        s = s.astype("str")
    return s.fillna("") if s.hasnans else s


def _when(queue: pd.DataFrame, col: str, n: int) -> Any:
    if col not in queue.columns:
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    return pd.to_datetime(queue[col]).to_numpy(dtype="datetime64[ns]")


def snapshot_frame(queue: pd.DataFrame, as_of: date, weeks: int = 13) -> pd.DataFrame:
    """The per-invoice state to store for the next run (needs a forecast queue).

    ``expected_in_horizon`` is the expected cash falling in the ``weeks`` weekly columns
    (not "Later"), as float currency units rounded to the cent.
    """
    n = len(queue)
    exp_c = queue[Q.EXPECTED_CENTS].to_numpy(dtype="int64")
    in_horizon = week_index(queue[Q.EXPECTED_DATE], as_of, weeks) < weeks
    disputed = np.zeros(n, dtype=bool)
    if F.DISPUTED in queue.columns:
        disputed = queue[F.DISPUTED].astype("boolean").fillna(False).to_numpy(dtype=bool)
    if Q.EXCLUSION_CODE in queue.columns:
        disputed = disputed | (queue[Q.EXCLUSION_CODE] == "DISPUTED").to_numpy(dtype=bool)
    promised = np.full(n, np.nan)
    if F.PROMISE_CENTS in queue.columns:
        promised = units_series(queue[F.PROMISE_CENTS]).to_numpy(dtype="float64")
    return pd.DataFrame(
        {
            "as_of": np.full(n, np.datetime64(as_of, "ns")),
            "invoice_no": _text(queue, F.INVOICE_NO, n),
            "customer_id": _text(queue, F.CUSTOMER_ID, n),
            "currency": _text(queue, F.CURRENCY, n),
            "open": units_series(queue[F.OPEN_CENTS]).to_numpy(dtype="float64"),
            "disputed": disputed,
            "promise_date": _when(queue, F.PROMISE_DATE, n),
            "expected_in_horizon": np.round(np.where(in_horizon, exp_c, 0) / 100.0, 2),
            "at_risk": queue[Q.AT_RISK].to_numpy(dtype=bool),
            "notes": _text(queue, F.NOTES, n),
            "promise_amount": promised,
            "hold_until": _when(queue, F.HOLD_UNTIL, n),
            "dispute_reason": _text(queue, F.DISPUTE_REASON, n),
        },
        index=pd.RangeIndex(n),
    )


def sheet_frame(runs: pd.DataFrame) -> pd.DataFrame:
    """Snapshot frames (one run after the other) as the sheet stores them (``SHEET_COLUMNS``).

    Money in integer cents (written as whole numbers, read back exactly), the run date
    and the key on every row, flags as 1 or empty: no other cell where there is nothing
    to say.
    """

    def cents(col: str) -> np.ndarray:
        return cents_series(runs[col]).to_numpy(dtype="float64", na_value=np.nan)

    out: dict[str, Any] = {"as_of": runs["as_of"].to_numpy(dtype="datetime64[ns]")}
    for c in ("customer_id", "invoice_no", "currency"):
        out[c] = runs[c]
    out["open_cents"], out["expected_cents"] = cents("open"), cents("expected_in_horizon")
    for c in _FLAGS:
        out[c] = np.where(runs[c].to_numpy(dtype=bool), 1.0, np.nan)
    out["promise_date"] = runs["promise_date"]
    out["promise_cents"] = cents("promise_amount")
    for c in ("hold_until", "notes", "dispute_reason"):
        out[c] = runs[c]
    return pd.DataFrame(out).reset_index(drop=True)


def _warn(cell: str, field: str, value: str, message: str) -> Problem:
    return Problem(S.SNAPSHOT, cell, field, value, message, Severity.WARNING)


def _header(raw: RawSheet) -> tuple[int, list[str], str]:
    """Row index and names of the header row; or -1 and why there is none."""
    for i, row in enumerate(raw.rows[:10]):
        names = [str(v).strip().lower() if v is not None else "" for v in row]
        if all(r in names for r in _REQUIRED) or all(r in names for r in _OLD_REQUIRED):
            return i, names, ""
    why = f"No header row with {', '.join(_REQUIRED)}: change since previous run not shown."
    return -1, [], why


def snapshot_from_sheet(raw: RawSheet | None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read the hidden Snapshot sheet back; an absent or unreadable one means "no previous".

    Column-wise (the sheet holds one row per invoice and run: up to a million). Rows
    with an unreadable amount or date, or without a run date, are left out with a problem
    naming the cell (the first few in detail, then a count), since the comparison can
    still run without them. The previous release's layout is read as well (see the
    module docstring). A sheet that cannot be read at all gives a warning and no
    previous run; never an error.
    """
    if raw is None or not raw.rows:
        return empty_snapshot(), []
    header_at, header, why = _header(raw)
    if header_at < 0:
        return empty_snapshot(), [_warn("", "snapshot", "", why)]
    try:
        return _read(raw, header_at, header)
    except Exception as exc:  # a hand-edited sheet must not stop the run
        msg = f"The Snapshot sheet could not be read ({exc}): change since previous run not shown."
        return empty_snapshot(), [_warn("", "snapshot", "", msg)]


def _read(raw: RawSheet, header_at: int, header: list[str]) -> tuple[pd.DataFrame, list[Problem]]:
    old = "open_cents" not in header  # the previous release's layout: money in units
    money = _OLD_MONEY if old else _MONEY
    names = SHEET_COLUMNS + tuple(c for c, _, _ in money)
    where: dict[str, int] = {c: header.index(c) for c in names if c in header}
    body = cols.block(raw.rows, header_at + 1, len(header))
    n = len(body)

    def cells(c: str) -> Any:
        return body[:, where[c]] if c in where else np.full(n, None, dtype=object)

    when, bad_when = cols.dates(cells("as_of"))
    out: dict[str, Any] = {"as_of": when}
    wrong: dict[str, np.ndarray] = {"as_of": bad_when | np.isnat(when)}
    for sheet_col, col, optional in money:
        values, bad = cols.numbers(cells(sheet_col))
        out[col] = np.round(values if old else np.round(values) / 100.0, 2)
        wrong[sheet_col] = bad if optional else bad | np.isnan(values)
    for c in ("promise_date", "hold_until"):
        out[c], wrong[c] = cols.dates(cells(c))
    for c in _FLAGS:
        out[c] = cols.flags(cells(c))
    for c in _TEXTS:
        out[c] = cols.texts(cells(c))
    checked = list(wrong)
    matrix = np.column_stack([wrong[c] for c in checked]) if n else np.zeros((0, 1), bool)
    rows_bad = np.flatnonzero(matrix.any(axis=1))
    keep = np.ones(n, dtype=bool)
    keep[rows_bad] = False
    problems: list[Problem] = []
    flagged = 0
    for i in rows_bad.tolist():
        if all(cols.is_blank(v) for v in body[i]):
            continue  # an empty row: nothing was stored there
        flagged += 1
        if flagged > _MAX_DETAILED:
            continue
        c = checked[int(np.argmax(matrix[i]))]
        j = where.get(c, where["as_of"])
        cell = cell_address(raw.first_row + header_at + 1 + i, raw.first_col + j)
        value = body[i, j]
        problems.append(_warn(cell, c, str(value), _NO_RUN if c == "as_of" else _UNREADABLE))
    if flagged > _MAX_DETAILED:
        msg = f"{flagged} unreadable rows left out in all (first {_MAX_DETAILED} listed)."
        problems.append(_warn("", "snapshot", str(flagged), msg))
    frame = pd.DataFrame({c: out[c] for c in SNAPSHOT_COLUMNS})
    if not keep.all():
        frame = frame[keep].reset_index(drop=True)
    return (frame if len(frame) else empty_snapshot()), problems


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
    """What the Snapshot sheet stores (``SHEET_COLUMNS``): the baseline run and this run,
    when they fit."""
    if previous.empty or len(previous) + len(current) > MAX_TWO_GENERATION_ROWS:
        return sheet_frame(current)
    return sheet_frame(pd.concat([previous, current], ignore_index=True))
