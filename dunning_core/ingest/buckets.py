"""Derive what a layout leaves out: due dates, and open items from bucket columns.

Summary layouts give one balance per aging bucket and no invoice dates. Each
non-zero bucket cell becomes an open item due at the *start* of its bucket's range
(e.g. "31 - 60" -> due 31 days before the as-of date), so it lands in the same
bucket under the default policy and is never shown as older than the export says.
Detail layouts without a due date get it from a days-overdue column, or from the
invoice date plus payment terms ("Net 30", "30 Tage", "Due on receipt").
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from dunning_core.ingest.mapping import BucketColumn


def expand(
    bucket_cents: dict[int, pd.Series], buckets: tuple[BucketColumn, ...], as_of: dt.date
) -> pd.DataFrame:
    """One row per non-zero bucket cell: ``pos``, ``bucket``, ``open_cents``, ``due``, ``col``.

    >>> from dunning_core.ingest.mapping import BucketColumn
    >>> b = (BucketColumn(1, "Current", -30, 0), BucketColumn(2, "1 - 30", 1, 30))
    >>> cents = {1: pd.Series([100, 0]).astype("Int64"), 2: pd.Series([None, 250]).astype("Int64")}
    >>> expand(cents, b, dt.date(2025, 1, 31))[["pos", "open_cents", "due"]].values.tolist()
    [[0, 100, Timestamp('2025-01-31 00:00:00')], [1, 250, Timestamp('2025-01-30 00:00:00')]]
    """
    parts = []
    as_of_ts = pd.Timestamp(as_of)
    for b in buckets:
        cents = bucket_cents[b.index]
        hit = cents.notna() & cents.ne(0)
        if not hit.any():
            continue
        days = max(b.lo, 0)
        parts.append(
            pd.DataFrame(
                {
                    "pos": cents.index[hit].to_numpy(),
                    "bucket": b.header,
                    "open_cents": cents[hit].astype("int64").to_numpy(),
                    "due": as_of_ts - pd.Timedelta(days=days),
                    "col": b.index,
                    "order": b.index,
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {"pos": [], "bucket": [], "open_cents": [], "due": [], "col": [], "order": []}
        ).astype({"pos": "int64", "open_cents": "int64", "due": "datetime64[ns]"})
    out = pd.concat(parts, ignore_index=True).sort_values(["pos", "order"], kind="stable")
    out["due"] = out["due"].astype("datetime64[ns]")
    return out.reset_index(drop=True)


_ON_RECEIPT = re.compile(
    r"(?:due on receipt|on receipt|immediate|sofort|cash|cod|prepaid|a la vista)", re.IGNORECASE
)


def terms_days(terms: pd.Series) -> pd.Series:
    """Days until due stated by payment terms text (``Int64``; missing when unknown).

    For terms with a discount ("2/10 Net 30") the net days (the last number) count.

    >>> t = pd.Series(["Net 30", "2/10 Net 45", "Due on receipt", "30 Tage", "", "EOM"])
    >>> terms_days(t).tolist()
    [30, 45, 0, 30, <NA>, <NA>]
    """
    t = terms.astype("str")
    net = t.str.extract(r"(?i)net\s*(\d{1,3})")[0]
    last = t.str.findall(r"\d{1,3}").map(lambda xs: xs[-1] if xs else None)
    days = pd.to_numeric(net.where(net.notna(), last), errors="coerce")
    days = days.where(~t.str.contains(_ON_RECEIPT), 0)
    return days.round().astype("Int64")


def due_from_days(days_overdue: pd.Series, as_of: dt.date) -> pd.Series:
    """Due date = as-of date - days overdue (``datetime64[ns]``, NaT where unknown)."""
    d = pd.to_numeric(days_overdue, errors="coerce").astype("float64")
    out = pd.Timestamp(as_of) - pd.to_timedelta(d.to_numpy(), unit="D")
    return pd.Series(out, index=days_overdue.index).astype("datetime64[ns]")


def due_from_terms(invoice_date: pd.Series, terms: pd.Series) -> pd.Series:
    """Due date = invoice date + terms days (NaT where either is unknown)."""
    days = terms_days(terms).astype("float64").to_numpy()
    out = invoice_date + pd.to_timedelta(np.where(np.isnan(days), np.nan, days), unit="D")
    return out.astype("datetime64[ns]")
