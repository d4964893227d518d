"""The calibration as Settings tables a controller can read, check and argue with.

Kept apart from :mod:`dunning_core.calibration` (the model) because it is presentation:
per-customer behaviour, collection probability by bucket and horizon, the dispute effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dunning_core.calibration import CUSTOMER_K, CalibratedModel, _flags, _quantile
from dunning_core.columns import F
from dunning_core.history import SETTLED_DATE
from dunning_core.records import Block


def _within(weeks: int) -> str:
    return f"Within {weeks} week{'s' if weeks > 1 else ''}"


def settings_tables(model: CalibratedModel) -> tuple[Block, ...]:
    """The calibration as tables a controller can read, check and argue with."""
    h = model.history
    if not model.calibrated:
        return ()
    note = f"From {model.n_history} invoices settled before {model.as_of:%Y-%m-%d}."
    x = (pd.to_datetime(h[SETTLED_DATE]) - pd.to_datetime(h[F.DUE_DATE])).dt.days
    disputed = pd.Series(_flags(h, F.DISPUTED), index=h.index)
    keys = sorted(k for k in model.profiles if k.startswith("customer:"))
    rows = np.array([model.profiles[k] for k in keys], dtype="int64")
    ids = [k.split(":", 1)[1] for k in keys]
    cust = h[F.CUSTOMER_ID].astype(str)
    counts = cust.value_counts().reindex(ids).to_numpy()
    seg = h.groupby(cust)[F.SEGMENT].last().reindex(ids).to_numpy() if F.SEGMENT in h else ""
    customers = pd.DataFrame(
        {
            "Customer id": ids,
            "Segment": seg,
            "Invoices settled": counts,
            "Median days late (own)": x.groupby(cust).median().reindex(ids).round().to_numpy(),
            "Median days late (used)": _quantile(model.cdf[rows], 0.5),
            "P10 days late": _quantile(model.cdf[rows], 0.1),
            "P90 days late": _quantile(model.cdf[rows], 0.9),
            "Weight of own history": counts / (counts + CUSTOMER_K),
        }
    )
    buckets = []
    amount = h[F.ORIGINAL_CENTS].astype("float64").abs()
    for b in model.policy.buckets:
        issued = (pd.to_datetime(h[F.INVOICE_DATE]) - pd.to_datetime(h[F.DUE_DATE])).dt.days
        ref = issued.fillna(-30) if b.min_days < -1000 else pd.Series(b.min_days, index=h.index)
        alive = x > ref
        row: dict[str, object] = {"Bucket": b.label, "Invoices": int(alive.sum())}
        for weeks in (1, 4, 13):
            paid = alive & (x <= ref + 7 * weeks)
            total = amount[alive].sum()
            row[_within(weeks)] = amount[paid].sum() / total if total else np.nan
        row["Policy default"] = b.probability
        buckets.append(row)
    disp = pd.DataFrame(
        {
            "Invoices": [int((~disputed).sum()), int(disputed.sum())],
            "Median days late": [x[~disputed].median(), x[disputed].median()],
            "Shift applied (days)": [0, model.dispute_shift],
        },
        index=pd.Index(["Not disputed", "Disputed"], name="Dispute flag"),
    ).reset_index()
    pct = {_within(w): "percent" for w in (1, 4, 13)} | {"Policy default": "percent"}
    days = {c: "int" for c in customers.columns if "days" in c or c == "Invoices settled"}
    return (
        Block(
            "Payment behaviour by customer",
            customers,
            days | {"Weight of own history": "percent"},
            note + f" Days after due date (negative = early); a customer with n invoices "
            f"counts for n/(n+{CUSTOMER_K:g}), the rest comes from its segment and the book.",
        ),
        Block(
            "Collection probability by bucket",
            pd.DataFrame(buckets),
            pct | {"Invoices": "int"},
            note + " Share of the amount still unpaid on the bucket's first day (issue date "
            "for Current) that was settled within 1, 4 and 13 weeks.",
        ),
        Block(
            "Dispute effect",
            disp,
            {"Invoices": "int", "Median days late": "number", "Shift applied (days)": "int"},
            note + " Disputed invoices are forecast this many days later than the customer's "
            "undisputed record.",
        ),
    )
