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
from typing import Final, NamedTuple

import numpy as np
import pandas as pd

from dunning_core.changes import Keys, invoice_keys
from dunning_core.columns import A, F, P, Q
from dunning_core.forecast import bucket_index, week_index, week_start
from dunning_core.money import cents_series, to_units
from dunning_core.policy import Policy

KPI_COLUMNS: Final = ("Measure", "Value", "Note")


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else float("nan")


_DSO_METHOD: Final = (
    "balance-weighted days since invoice date of open debit items "
    "(count-back DSO needs sales history an open-items book does not hold)"
)


def _dso(age: np.ndarray, weight: np.ndarray) -> tuple[float, str]:
    """Balance-weighted days since invoice date; ``age`` is NaN where there is no date."""
    use = ~np.isnan(age) & (weight > 0)
    if not use.any():
        return float("nan"), "No open debit items with an invoice date; " + _DSO_METHOD
    value = float(np.average(age[use], weights=weight[use].astype("float64")))
    return round(value, 1), "Method: " + _DSO_METHOD


def _new_sales(queue: pd.DataFrame, previous: pd.DataFrame, keys: Keys | None) -> np.ndarray:
    """Per row: the original amount (open when unknown) of invoices absent last run, else 0."""
    current = pd.DataFrame(
        {
            "currency": queue[F.CURRENCY],
            "customer_id": queue[F.CUSTOMER_ID],
            "invoice_no": queue[F.INVOICE_NO],
        }
    )
    k_prev, k_cur, _, _ = keys or invoice_keys(previous, current)
    open_c = queue[F.OPEN_CENTS].astype("Int64")
    orig = queue[F.ORIGINAL_CENTS].astype("Int64") if F.ORIGINAL_CENTS in queue.columns else open_c
    sales = orig.fillna(open_c).fillna(0).to_numpy(dtype="int64")
    return np.where(pd.Series(k_cur).isin(k_prev).to_numpy(dtype=bool), 0, sales)


def _cei(begin: int, sales: int, end_total: int, end_current: int, since: str) -> tuple[float, str]:
    """Collection effectiveness index between the previous run and this one."""
    note = (
        "(previous open + new invoices - open now) / (previous open + new invoices - "
        f"current-not-due now), since the run of {since}; "
        "invoices issued and paid between runs are not seen"
    )
    return _pct(begin + sales - end_total, begin + sales - end_current), note


class BookCodes(NamedTuple):
    """Per-invoice codes a caller (Expected Cash) has already worked out for the queue,
    so the key figures do not work them out again."""

    currency: np.ndarray  # code into ``currencies`` (sorted), -1 for a missing currency
    currencies: np.ndarray
    bucket: np.ndarray  # :func:`forecast.bucket_index`
    week: np.ndarray  # :func:`forecast.week_index` of the expected date


def _currency_rows(
    queue: pd.DataFrame,
    previous: pd.DataFrame,
    policy: Policy,
    as_of: date,
    keys: Keys | None,
    codes: BookCodes | None = None,
) -> list[tuple[str, str, float, str]]:
    """(measure, currency, value, note) for every currency, in a fixed measure order.

    Works on whole-book arrays with one mask per currency (no frame copies), so a
    million-invoice book costs a few vectorised passes.
    """
    rows: list[tuple[str, str, float, str]] = []
    add = rows.append
    h = policy.horizon_weeks
    if codes is None:
        cur_code, currencies = pd.factorize(queue[F.CURRENCY].astype("str").to_numpy(), sort=True)
    else:
        cur_code, currencies = codes.currency, codes.currencies
    open_all = queue[F.OPEN_CENTS].to_numpy(dtype="int64")
    dpd = (
        queue[Q.DAYS_PAST_DUE]
        if Q.DAYS_PAST_DUE in queue.columns
        else pd.Series(0, index=queue.index)
    )
    debit_all = open_all > 0
    overdue_all = (pd.to_numeric(dpd).fillna(0).to_numpy() > 0) & debit_all
    b_all = bucket_index(queue, policy) if codes is None else codes.bucket
    age_all = np.full(len(queue), np.nan)
    if F.INVOICE_DATE in queue.columns:
        age_all = (pd.Timestamp(as_of) - pd.to_datetime(queue[F.INVOICE_DATE])).dt.days.to_numpy(
            dtype="float64", na_value=np.nan
        )
    forecast_done = Q.EXPECTED_CENTS in queue.columns
    if forecast_done:
        exp_all = queue[Q.EXPECTED_CENTS].to_numpy(dtype="int64")
        week = week_index(queue[Q.EXPECTED_DATE], as_of, h) if codes is None else codes.week
        in_h_all = week < h
    if not previous.empty:
        sales_all = _new_sales(queue, previous, keys)
        prev_cur = previous["currency"].astype("str").to_numpy(dtype=object)
        prev_open = cents_series(previous["open"]).fillna(0).to_numpy(dtype="int64")
        since = f"{pd.Timestamp(previous['as_of'].max()):%d %b %Y}"
    for i_cur, cur in enumerate(currencies):
        sel = cur_code == i_cur
        open_c, debit, overdue = open_all[sel], debit_all[sel], overdue_all[sel]
        gross, over_c = int(open_c[debit].sum()), int(open_c[overdue].sum())
        add(("Open balance", cur, to_units(int(open_c.sum())), "Open items, credit notes included"))
        add(("Open items", cur, float(sel.sum()), "Invoices and credit notes in the book"))
        add(("Overdue", cur, to_units(over_c), "Debit items past their due date"))
        add(("% overdue", cur, _pct(over_c, gross), "Overdue / open debit balance"))
        if forecast_done:
            exp = exp_all[sel]
            add(
                (
                    f"Expected in {h} weeks",
                    cur,
                    to_units(int(exp[in_h_all[sel]].sum())),
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
        value, note = _dso(age_all[sel], np.where(debit, open_c, 0))
        add(("DSO (days)", cur, value, note))
        if not previous.empty and (prev_cur == cur).any():
            begin = int(prev_open[prev_cur == cur].sum())
            sales = int(sales_all[sel].sum())
            value, note = _cei(begin, sales, int(open_c.sum()), int(open_c[~overdue].sum()), since)
            add(("CEI %", cur, value, note))
        in_bucket = np.zeros(len(policy.buckets), dtype="int64")
        np.add.at(in_bucket, b_all[sel][debit], open_c[debit])
        for i, b in enumerate(policy.buckets):
            add(
                (
                    f"Aging {b.label} %",
                    cur,
                    _pct(int(in_bucket[i]), gross),
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
    rows = [
        (f"{m} {c}", v, n) for m, c, v, n in _currency_rows(queue, previous, policy, as_of, None)
    ]
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
    keys: Keys | None = None,
    codes: BookCodes | None = None,
) -> pd.DataFrame:
    """The same figures, short: one row per measure, one column per currency.

    Columns: "Measure", one per currency, "Whole book" (promise-kept rate and activity,
    which are not per currency), "Note". This is what the Expected Cash sheet shows.
    ``keys``: :func:`changes.invoice_keys` of ``previous`` and the queue's rows, when the
    caller already has them (factorising a million invoice numbers takes seconds);
    ``codes``: the queue's currency, bucket and week codes, when the caller has them.
    """
    long = _currency_rows(queue, previous, policy, as_of, keys, codes)
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
    week = activity[A.TYPE][(when >= start) & (when < start + pd.Timedelta(days=7))]
    if week.empty:
        return [("Activity this week", 0.0, note)]
    counts = week.astype("str").value_counts().sort_index()
    return [(f"Activity this week: {t}", float(c), note) for t, c in counts.items()]
