"""Priority: which invoice to work first, as a 0-100 score with the reason in words.

A collector trusts a ranking only when it explains itself, so the score is a plain
weighted sum of five factors, each scaled to 0..1, and the reason names the factors
that contributed most, with their amounts and dates.

Formula (``w`` = ``policy.weights``, normalised to sum to 1)::

    priority = round_half_up(100 * (w.balance * B + w.days * D + w.stage * S
                                    + w.broken_promise * X + w.exposure * E))

* ``B`` balance: ``log1p(open) / log1p(largest open item)`` in units of the invoice's
  currency (credits count 0). Log-scaled so a $2M item does not flatten every other.
* ``D`` days past due: ``clip(days, 0, w.days_cap) / w.days_cap``.
* ``S`` stage: the stage's rank among ``policy.stages`` (1..n) divided by n; not due 0.
* ``X`` broken promise: 1 when the customer has a broken promise still unpaid
  (``Q.BROKEN_PROMISE_DATE`` set), else 0.
* ``E`` exposure: the customer's overdue open total, log-scaled against the largest
  customer's, per currency (log for the same reason as ``B``).

Items with no positive open balance (credits, settled lines) score 0.
Maxima are taken per currency, so yen never compete with dollars. Every factor is
non-decreasing in the invoice's own balance and days past due, so more money or more
days never lowers an invoice's priority, all else equal (tested with hypothesis).

``Q.CUSTOMER_PRIORITY`` is the customer's highest invoice priority: the account is as
urgent as its most urgent item (a simple rule a collector can check by eye).

``Q.PRIORITY_REASON`` lists up to three clauses in order of contribution, e.g.
"$48,210, 75 days past due; promise broken 2026-11-03; customer owes $120,400 overdue".
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from dunning_core.columns import F, Q
from dunning_core.exclusions import format_amounts, format_dates
from dunning_core.policy import Policy

_TOP = 3


def _log_share(units: pd.Series, groups: pd.Series) -> np.ndarray:
    """log1p(x) / log1p(max x in the group), 0 where the group's max is 0."""
    lx = pd.Series(np.log1p(units.clip(lower=0).astype("float64")), index=units.index)
    top = lx.groupby(groups).transform("max")
    return np.where(top > 0, lx / top.where(top > 0, 1.0), 0.0)


def factors(frame: pd.DataFrame, policy: Policy, overdue: pd.Series | None = None) -> pd.DataFrame:
    """The five factors, each 0..1, one row per invoice (for tests and explanations)."""
    overdue = customer_overdue(frame) if overdue is None else overdue
    w = policy.weights
    cur = frame[F.CURRENCY].astype(str)
    open_cents = frame[F.OPEN_CENTS].astype("int64").clip(lower=0)
    days = frame[Q.DAYS_PAST_DUE].astype("Float64").fillna(0).astype("float64")
    rank = {s.key: (i + 1) / len(policy.stages) for i, s in enumerate(policy.stages)}
    stage = frame[Q.STAGE].astype(str).map(rank).fillna(0.0).astype("float64")
    broken = frame.get(Q.BROKEN_PROMISE_DATE, pd.Series(pd.NaT, index=frame.index)).notna()
    cap = max(w.days_cap, 1)
    return pd.DataFrame(
        {
            "balance": _log_share(open_cents / 100.0, cur),
            "days": days.clip(lower=0, upper=cap) / cap,
            "stage": stage,
            "broken_promise": broken.astype("float64"),
            "exposure": _log_share(overdue / 100.0, cur),
        },
        index=frame.index,
    )


def customer_overdue(frame: pd.DataFrame) -> pd.Series:
    """Per row, its customer's overdue open total in the row's currency (cents)."""
    days = frame[Q.DAYS_PAST_DUE].astype("Float64").fillna(0)
    due = frame[F.OPEN_CENTS].astype("int64").where((days > 0).to_numpy(), 0).clip(lower=0)
    return due.groupby([frame[F.CUSTOMER_ID], frame[F.CURRENCY]]).transform("sum")


def _weights(policy: Policy) -> np.ndarray:
    w = policy.weights
    raw = np.array([w.balance, w.days, w.stage, w.broken_promise, w.exposure], dtype=float)
    raw = np.clip(raw, 0, None)
    return raw / raw.sum() if raw.sum() > 0 else raw


def _clauses(frame: pd.DataFrame, policy: Policy, overdue: pd.Series) -> list[pd.Series]:
    """The four reason clauses (invoice, stage, promise, exposure) as text per row."""
    cur = frame[F.CURRENCY].astype(str)
    amount = format_amounts(frame[F.OPEN_CENTS], cur)
    days = frame[Q.DAYS_PAST_DUE].astype("Int64")
    late = days.fillna(0) > 0
    age = pd.Series(
        np.where(late, ", " + days.astype("string").fillna("0") + " days past due", ""),
        index=frame.index,
    )
    invoice = amount + age.where(late, " not yet due")
    names = {s.key: s.name for s in policy.stages}
    stage = "stage: " + frame[Q.STAGE].astype(str).map(names).astype(object).fillna("").astype(str)
    broken = frame.get(Q.BROKEN_PROMISE_DATE, pd.Series(pd.NaT, index=frame.index))
    promise = "promise broken " + format_dates(broken.astype("datetime64[ns]"))
    exposure = "customer owes " + format_amounts(overdue, cur) + " overdue"
    return [invoice, stage.astype(str), promise, exposure]


def score(frame: pd.DataFrame, policy: Policy, as_of: date) -> pd.DataFrame:
    """Return ``frame`` with ``Q.PRIORITY``, ``Q.CUSTOMER_PRIORITY``, ``Q.PRIORITY_REASON``.

    Needs the ``F`` fields, ``Q.DAYS_PAST_DUE`` and ``Q.STAGE``; uses
    ``Q.BROKEN_PROMISE_DATE`` when present. ``as_of`` is accepted for the stage
    signature; the score depends on it only through days past due.
    """
    out = frame.copy()
    overdue = customer_overdue(out)
    f = factors(out, policy, overdue)
    w = _weights(policy)
    live = (out[F.OPEN_CENTS].astype("int64") > 0).to_numpy()
    contrib = f.to_numpy(dtype=float) * w * live[:, None]  # credits: nothing to chase
    total = np.clip(np.floor(contrib.sum(axis=1) * 100 + 0.5 + 1e-9), 0, 100).astype("int64")
    out[Q.PRIORITY] = total
    out[Q.CUSTOMER_PRIORITY] = out.groupby(F.CUSTOMER_ID)[Q.PRIORITY].transform("max")
    out[Q.CUSTOMER_PRIORITY] = out[Q.CUSTOMER_PRIORITY].astype("int64")

    # reason: balance and days share the invoice clause
    merged = np.column_stack(
        [contrib[:, 0] + contrib[:, 1], contrib[:, 2], contrib[:, 3], contrib[:, 4]]
    )
    texts = np.vstack([c.to_numpy(dtype=object) for c in _clauses(out, policy, overdue)])
    order = np.argsort(-np.round(merged, 12), axis=1, kind="stable")
    rows = np.arange(len(out))
    reason = np.full(len(out), "", dtype=object)
    for k in range(min(_TOP, merged.shape[1])):
        pick = order[:, k]
        ok = merged[rows, pick] > 0  # contributions are sorted: once 0, the rest are 0
        sep = "; " if k else ""
        reason[ok] = reason[ok] + sep + texts[pick[ok], rows[ok]]
    reason[~live] = "credit or settled item: nothing to collect"
    out[Q.PRIORITY_REASON] = pd.Series(reason, index=out.index, dtype="str")
    return out
