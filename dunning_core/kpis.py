"""Key figures for the top of Expected Cash: what a controller reads first.

Everything is per currency (amounts are never converted), computed from what the
workbook holds: the open-items book, the previous run's snapshot, the Promises and
Activity sheets. Where a textbook measure needs data an open-items book does not have
(DSO by count-back needs the sales of past months), the measure we *can* support is
used and named in the Note, so nobody mistakes it for another definition.

Values are floats: money in currency units rounded to the cent, shares and indices in
percent (0-100, one decimal), days with one decimal, counts as whole numbers.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import numpy as np
import pandas as pd

from dunning_core.columns import A, F, P, Q
from dunning_core.forecast import bucket_index, week_index, week_start
from dunning_core.money import cents_series, to_units
from dunning_core.policy import Policy

KPI_COLUMNS: Final = ("Measure", "Value", "Note")


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else float("nan")


def _dso(part: pd.DataFrame, as_of: date) -> tuple[float, str]:
    """Balance-weighted days since invoice date of the open debit items."""
    method = (
        "balance-weighted days since invoice date of open debit items "
        "(count-back DSO needs sales history an open-items book does not hold)"
    )
    if F.INVOICE_DATE not in part.columns:
        return float("nan"), "No invoice dates in the book; " + method
    debit = part[(part[F.OPEN_CENTS] > 0) & part[F.INVOICE_DATE].notna()]
    weight = debit[F.OPEN_CENTS].to_numpy(dtype="float64")
    if weight.sum() <= 0:
        return float("nan"), "No open debit items with an invoice date; " + method
    age = (pd.Timestamp(as_of) - pd.to_datetime(debit[F.INVOICE_DATE])).dt.days.to_numpy(
        dtype="float64"
    )
    return round(float(np.average(age, weights=weight)), 1), "Method: " + method


def _cei(part: pd.DataFrame, prev: pd.DataFrame, overdue: pd.Series) -> tuple[float, str]:
    """Collection effectiveness index between the previous run and this one."""
    begin = int(cents_series(prev["open"]).fillna(0).sum())
    prev_keys = set(prev["customer_id"].astype("str") + "\x1f" + prev["invoice_no"].astype("str"))
    keys = part[F.CUSTOMER_ID].astype("str") + "\x1f" + part[F.INVOICE_NO].astype("str")
    new = part[~keys.isin(prev_keys)]
    orig = new[F.ORIGINAL_CENTS] if F.ORIGINAL_CENTS in new.columns else new[F.OPEN_CENTS]
    sales = int(orig.astype("Int64").fillna(new[F.OPEN_CENTS].astype("Int64")).sum())
    end_total = int(part[F.OPEN_CENTS].sum())
    end_current = int(part.loc[~overdue, F.OPEN_CENTS].sum())
    denom = begin + sales - end_current
    note = (
        "(previous open + new invoices - open now) / (previous open + new invoices - "
        f"current-not-due now), since the run of {pd.Timestamp(prev['as_of'].max()):%d %b %Y}; "
        "invoices issued and paid between runs are not seen"
    )
    return _pct(begin + sales - end_total, denom), note


def _currency_rows(
    queue: pd.DataFrame, previous: pd.DataFrame, policy: Policy, as_of: date
) -> list[tuple[str, str, float, str]]:
    """(measure, currency, value, note) for every currency, in a fixed measure order."""
    rows: list[tuple[str, str, float, str]] = []
    dpd = pd.to_numeric(queue.get(Q.DAYS_PAST_DUE, pd.Series(0, index=queue.index))).fillna(0)
    b_idx = bucket_index(queue, policy)
    h = policy.horizon_weeks
    for cur in sorted(queue[F.CURRENCY].astype("str").unique()):
        sel = (queue[F.CURRENCY].astype("str") == cur).to_numpy()
        part = queue[sel]
        open_c = part[F.OPEN_CENTS].to_numpy(dtype="int64")
        debit = open_c > 0
        overdue = pd.Series((dpd[sel] > 0).to_numpy() & debit, index=part.index)
        gross = int(open_c[debit].sum())
        over_c = int(open_c[overdue.to_numpy()].sum())
        add = rows.append
        add(("Open balance", cur, to_units(int(open_c.sum())), "Open items, credit notes included"))
        add(("Open items", cur, float(len(part)), "Invoices and credit notes in the book"))
        add(("Overdue", cur, to_units(over_c), "Debit items past their due date"))
        add(("% overdue", cur, _pct(over_c, gross), "Overdue / open debit balance"))
        if Q.EXPECTED_CENTS in part.columns:
            exp = part[Q.EXPECTED_CENTS].to_numpy(dtype="int64")
            wk = week_index(part[Q.EXPECTED_DATE], as_of, h)
            add(
                (
                    f"Expected in {h} weeks",
                    cur,
                    to_units(int(exp[wk < h].sum())),
                    "Sum of the weekly columns below",
                )
            )
            add(
                (
                    "At risk",
                    cur,
                    to_units(int((open_c - exp)[debit].sum())),
                    "Disputed and legal balances plus the uncollected part of the rest",
                )
            )
        value, note = _dso(part, as_of)
        add(("DSO (days)", cur, value, note))
        prev = (
            previous[previous["currency"].astype("str") == cur] if not previous.empty else previous
        )
        if not prev.empty:
            value, note = _cei(part, prev, overdue)
            add(("CEI %", cur, value, note))
        shares = pd.Series(open_c[debit]).groupby(b_idx[sel][debit]).sum()
        for i, b in enumerate(policy.buckets):
            add(
                (
                    f"Aging {b.label} %",
                    cur,
                    _pct(int(shares.get(i, 0)), gross),
                    "Share of the open debit balance in the bucket",
                )
            )
    return rows


def kpis(
    queue: pd.DataFrame,
    previous: pd.DataFrame,
    promises: pd.DataFrame,
    activity: pd.DataFrame,
    policy: Policy,
    as_of: date,
) -> pd.DataFrame:
    """Return the key figures as ``KPI_COLUMNS`` rows, one per measure and currency.

    ``previous`` is a snapshot frame (:mod:`dunning_core.changes`), empty when there was
    no previous run; ``promises`` and ``activity`` are the sheets' frames (``P`` / ``A``
    columns), possibly empty. Expected-cash rows appear when the queue was forecast.
    Per-currency measures are named "<measure> <currency>", e.g. "% overdue USD".
    """
    rows = [(f"{m} {c}", v, n) for m, c, v, n in _currency_rows(queue, previous, policy, as_of)]
    rows.extend(_promise_rows(promises))
    rows.extend(_activity_rows(activity, as_of))
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS)).astype(
        {"Measure": "str", "Value": "float64", "Note": "str"}
    )


def key_figures(
    queue: pd.DataFrame,
    previous: pd.DataFrame,
    promises: pd.DataFrame,
    activity: pd.DataFrame,
    policy: Policy,
    as_of: date,
) -> pd.DataFrame:
    """The same figures, short: one row per measure, one column per currency.

    Columns: "Measure", one per currency, "Whole book" (promise-kept rate and activity,
    which are not per currency), "Note". This is what the Expected Cash sheet shows.
    """
    long = _currency_rows(queue, previous, policy, as_of)
    currencies = sorted({c for _, c, _, _ in long})
    measures = list(dict.fromkeys(m for m, _, _, _ in long))
    notes = {m: n for m, _, _, n in reversed(long)}
    value = {(m, c): v for m, c, v, _ in long}
    book = [*_promise_rows(promises), *_activity_rows(activity, as_of)]
    frame = pd.DataFrame(
        {
            "Measure": measures + [m for m, _, _ in book],
            **{
                c: [value.get((m, c), np.nan) for m in measures] + [np.nan] * len(book)
                for c in currencies
            },
            "Whole book": [np.nan] * len(measures) + [v for _, v, _ in book],
            "Note": [notes[m] for m in measures] + [n for _, _, n in book],
        }
    )
    return frame.astype({"Measure": "str", "Note": "str"})


def _promise_rows(promises: pd.DataFrame) -> list[tuple[str, float, str]]:
    if P.STATUS not in promises.columns:
        return [("Promise-kept rate %", float("nan"), "No Promises sheet yet")]
    status = promises[P.STATUS].astype("str").str.strip().str.lower()
    kept, broken = int((status == "kept").sum()), int((status == "broken").sum())
    note = f"kept {kept} of {kept + broken} resolved promises; {int((status == 'open').sum())} open"
    return [("Promise-kept rate %", _pct(kept, kept + broken), note)]


def _activity_rows(activity: pd.DataFrame, as_of: date) -> list[tuple[str, float, str]]:
    start = week_start(as_of)
    note = f"Activity logged {start:%d %b} - {start + pd.Timedelta(days=6):%d %b %Y}"
    if A.DATE not in activity.columns or activity.empty:
        return [("Activity this week", 0.0, note)]
    when = pd.to_datetime(activity[A.DATE], errors="coerce")
    week = activity[(when >= start) & (when < start + pd.Timedelta(days=7))]
    if week.empty:
        return [("Activity this week", 0.0, note)]
    counts = week[A.TYPE].astype("str").value_counts().sort_index()
    return [(f"Activity this week: {t}", float(c), note) for t, c in counts.items()]
