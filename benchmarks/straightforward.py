"""The straightforward cycle a team would script: pandas + openpyxl, no tricks.

This is the baseline ``dunning run`` is compared against, written the way the
pandas and openpyxl documentation suggest: ``pandas.read_excel(engine="openpyxl")``
to read, the same per-invoice logic vectorised in plain pandas (days past due,
bucket, stage, exclusions, priority with a per-customer total, owner, next action,
expected pay date and probability, one draft line per customer), then
``openpyxl.load_workbook`` + 12 new columns + ``save``. It is deliberately fair:
no Python loop over invoices in the logic, only in the openpyxl cell writes, which
is the only way openpyxl offers to set cells.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from benchmarks.generate import HEADER_ROW, SHEET

MANAGED = (
    "Days past due",
    "Bucket",
    "Stage",
    "Priority",
    "Priority reason",
    "Excluded",
    "Exclusion reason",
    "Owner",
    "Next action",
    "Action due",
    "Expected pay date",
    "Collect probability",
)
_EDGES = [-np.inf, 0, 30, 60, 90, 120, np.inf]
_BUCKETS = ["Current", "1-30", "31-60", "61-90", "91-120", "120+"]
_PROB = dict(zip(_BUCKETS, [0.95, 0.90, 0.80, 0.65, 0.45, 0.20], strict=True))
_LATE = dict(zip(_BUCKETS, [3, 14, 21, 28, 42, 60], strict=True))


def read(path: Path) -> pd.DataFrame:
    """The aging table as pandas reads it through openpyxl (ids kept as text)."""
    return pd.read_excel(
        path, sheet_name=SHEET, header=HEADER_ROW - 1, engine="openpyxl",
        dtype={"Customer No": str, "Invoice #": str},
    )  # fmt: skip


def logic(df: pd.DataFrame, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The managed columns (one row per invoice) and the drafts (one row per customer)."""
    ts = pd.Timestamp(as_of)
    due = pd.to_datetime(df["Due Date"], errors="coerce")
    dpd = (ts - due).dt.days.fillna(0).astype(int)
    bucket = pd.cut(dpd, _EDGES, labels=_BUCKETS).astype(str)
    stage = np.select(
        [dpd >= 75, dpd >= 45, dpd >= 15, dpd >= 1, dpd >= -5],
        ["Escalation", "Final notice", "Firm reminder", "Friendly reminder", "Pre-due reminder"],
        default="",
    )
    open_ = pd.to_numeric(df["Open Balance"], errors="coerce").fillna(0.0)
    disputed = df["Dispute"].fillna("").astype(str).str.lower().isin(["yes", "y", "true", "x"])
    promise = pd.to_datetime(df["Promise Date"], errors="coerce")
    promised = promise >= ts
    small = open_ < 50
    excluded = disputed | promised | small
    reason = np.select(
        [disputed, promised, small],
        ["Disputed", "Open promise to pay", "Below minimum amount"],
        default="",
    )
    cust_total = open_.where(dpd > 0, 0.0).groupby(df["Customer No"]).transform("sum")
    score = 0.5 * dpd.clip(0, 180) / 180 + 0.5 * cust_total.rank(pct=True)
    priority = (score * 100).round().astype(int).where(~excluded, 0)
    why = bucket + " overdue; customer owes " + cust_total.round(2).astype(str)
    action = (
        pd.Series(stage, index=df.index)
        .map({"Escalation": "Escalate to owner", "": "None"})
        .fillna("Send " + pd.Series(stage, index=df.index).str.lower())
    )
    expected = due + pd.to_timedelta(bucket.map(_LATE), unit="D")
    managed = pd.DataFrame(
        {
            "Days past due": dpd,
            "Bucket": bucket,
            "Stage": stage,
            "Priority": priority,
            "Priority reason": why,
            "Excluded": np.where(excluded, "Yes", ""),
            "Exclusion reason": reason,
            "Owner": df["Collector"],
            "Next action": action.where(~excluded, "Route to owner"),
            "Action due": ts + pd.to_timedelta(np.where(dpd > 0, 0, 7), unit="D"),
            "Expected pay date": expected.where(expected > ts, ts + pd.Timedelta(days=7)),
            "Collect probability": bucket.map(_PROB).where(~disputed, 0.0),
        }
    )
    todo = df[(dpd > 0) & ~excluded].assign(_open=open_, _dpd=dpd)
    drafts = todo.groupby(["Customer No", "Currency"], sort=True).agg(
        customer=("Customer Name", "first"),
        invoices=("Invoice #", lambda s: ", ".join(s.head(20))),
        amount=("_open", "sum"),
        worst=("_dpd", "max"),
    )
    drafts["subject"] = (
        "Overdue invoices: " + drafts["customer"] + " " + drafts.index.get_level_values(1)
    )
    return managed, drafts


def write(src: Path, dst: Path, managed: pd.DataFrame) -> None:
    """openpyxl load, 12 columns written at the right edge, save to ``dst``."""
    wb = openpyxl.load_workbook(src)
    ws = wb[SHEET]
    first = ws.max_column + 1
    for j, name in enumerate(MANAGED):
        ws.cell(row=HEADER_ROW, column=first + j, value=name)
        values = managed[name]
        if values.dtype.kind == "M":
            col = [None if pd.isna(v) else v.to_pydatetime() for v in values]
        else:
            col = values.tolist()
        for i, v in enumerate(col):
            ws.cell(row=HEADER_ROW + 1 + i, column=first + j, value=v)
    wb.save(dst)


def cycle(src: Path, dst: Path, as_of: date) -> dict[str, dict[str, float]]:
    """The whole straightforward cycle; wall and CPU seconds of each of its phases."""
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    t, c = time.perf_counter(), time.process_time()

    def lap(name: str) -> None:
        nonlocal t, c
        wall[name], cpu[name] = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()

    df = read(src)
    lap("read")
    managed, _drafts = logic(df, as_of)
    lap("logic")
    write(src, dst, managed)
    lap("write")
    return {"phases": wall, "phases_cpu": cpu}


if __name__ == "__main__":  # smoke: python -m benchmarks.straightforward BOOK
    import sys

    book = Path(sys.argv[1])
    print(cycle(book, book.with_suffix(".straight.tmp.xlsx"), datetime(2026, 11, 23).date()))
