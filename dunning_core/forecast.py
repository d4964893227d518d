"""Per-invoice expected pay date and collect probability.

The forecast is deliberately explainable: every invoice gets exactly one rule, in this
order of precedence, so a controller can say *why* a number is where it is:

1. **Credit note** (negative open balance): no cash expected (probability 0, no date);
   the balance is shown separately as "Credits" on Expected Cash, never netted away.
2. **Disputed or with legal** (flag, or exclusion code ``DISPUTED`` / ``LEGAL``):
   probability 0 and the whole balance *at risk*. A dispute outranks cash in transit,
   because unapplied cash against a disputed item is usually the short-pay itself.
   Exception: when a calibration learnt from paid history how disputed invoices
   settle (``learned_disputes``), disputed invoices follow rule 5 with that model
   (their lateness shifted by the learnt dispute delay); legal stays at risk.
3. **Payment in transit / unapplied cash**: expected ``as_of + 3 days``; the amount in
   transit with probability 1, any remainder at the bucket probability.
4. **Open promise** (promise date on or after ``as_of - promise_grace_days``): expected on
   the promise date (never before the as-of date); the promised part at
   ``max(bucket probability, PROMISE_PROBABILITY)`` — a customer who named a date pays
   more reliably than the bucket average —, any remainder at the bucket probability.
5. **Ordinary**: due date + the bucket's ``lateness_days``; when that lies before the
   as-of date, ``as_of + lateness_days`` (the invoice is already that late, so the lag
   restarts from today). Probability from ``policy.buckets``. A :class:`Calibration`
   (issue 7), when given, replaces date and probability for these invoices only, and
   when it can spread (``weekly()``), their cash is spread over the weeks it may come in.

``EXPECTED_CENTS = round_half_away(open * probability)``, so it never exceeds the open
balance; the uncollected remainder is counted as at risk by :mod:`dunning_core.cash`.
All of it is vectorised: no Python loop over invoices.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final, Protocol

import numpy as np
import pandas as pd

from dunning_core.columns import F, Q
from dunning_core.days import DAY_NS, as_days
from dunning_core.policy import Policy

#: Floor on the collect probability of a promised amount (see module docstring, rule 4).
PROMISE_PROBABILITY: Final = 0.9
#: Days until a payment in transit / unapplied cash is expected to be applied.
IN_TRANSIT_DAYS: Final = 3
MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


class Calibration(Protocol):
    """A calibrated payment model (issue 7) that the forecast can plug in.

    ``basis`` is plain words for the Expected Cash note, e.g. "calibrated on 2,466 paid
    invoices, 2012-2013"; declared as a read-only property so that both a plain attribute
    and a computed property satisfy the protocol.
    """

    @property
    def basis(self) -> str:
        """Plain words for the Expected Cash note (a plain attribute satisfies this too)."""
        ...

    def predict(self, queue: pd.DataFrame, as_of: date) -> pd.DataFrame:
        """Return ``expected_date`` (datetime64) and ``probability`` (float 0..1) per row.

        The result is index-aligned with ``queue`` (the whole queue is passed so a model
        can use customer context); only ordinary invoices' predictions are used, and a
        missing value (NaT / NaN) falls back to the policy default for that row.
        """
        ...


def week_start(as_of: date) -> pd.Timestamp:
    """Monday of the as-of week: the first day of "Wk 1".

    >>> week_start(date(2026, 11, 22)), week_start(date(2026, 11, 23))
    (Timestamp('2026-11-16 00:00:00'), Timestamp('2026-11-23 00:00:00'))
    """
    return pd.Timestamp(as_of - timedelta(days=as_of.weekday()))


def week_labels(as_of: date, weeks: int) -> list[str]:
    """Column headers of the weekly columns, e.g. "Wk 1 23 Nov" (locale independent).

    >>> week_labels(date(2026, 11, 25), 2)
    ['Wk 1 23 Nov', 'Wk 2 30 Nov']
    """
    start = week_start(as_of)
    out = []
    for i in range(weeks):
        d = start + pd.Timedelta(days=7 * i)
        out.append(f"Wk {i + 1} {d.day} {MONTHS[d.month - 1]}")
    return out


def week_index(dates: pd.Series, as_of: date, weeks: int) -> np.ndarray:
    """Week column of each date: 0..weeks-1, or ``weeks`` for "Later" (and for NaT).

    Dates before the Monday of the as-of week fall in week 0 (they are due now).
    """
    start = week_start(as_of)
    base = start.as_unit("ns").value
    if dates.dtype == "datetime64[ns]" and base % DAY_NS == 0:  # the usual case
        ns = dates.to_numpy()
        # whole days since the Monday, floored as .dt.days floors (day numbers first: no
        # int64 overflow for far-apart dates)
        day = ns.view("int64") // DAY_NS - base // DAY_NS
        idx = np.minimum(np.clip(day, 0, None) // 7, weeks)
        return np.where(np.isnat(ns), weeks, idx).astype("int64")
    days = (pd.to_datetime(dates) - start).dt.days.to_numpy(dtype="float64", na_value=np.nan)
    idx = np.floor(np.clip(days, 0, None) / 7.0)
    idx = np.where(np.isnan(idx), weeks, np.minimum(idx, weeks))
    return idx.astype("int64")


def round_half_away(x: np.ndarray) -> np.ndarray:
    """Round floats to int64, halves away from zero (as :func:`money.to_cents`)."""
    return (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype("int64")


def _flag(queue: pd.DataFrame, col: str) -> np.ndarray:
    if col not in queue.columns:
        return np.zeros(len(queue), dtype=bool)
    return queue[col].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _cents(queue: pd.DataFrame, col: str) -> np.ndarray:
    if col not in queue.columns:
        return np.zeros(len(queue), dtype="int64")
    return pd.to_numeric(queue[col]).astype("Int64").fillna(0).to_numpy(dtype="int64")


def _dates(queue: pd.DataFrame, col: str) -> pd.Series:
    if col not in queue.columns:
        return pd.Series(pd.NaT, index=queue.index, dtype="datetime64[ns]")
    return as_days(queue[col])  # ingest's dates are whole days already: kept as they are


def bucket_index(queue: pd.DataFrame, policy: Policy) -> np.ndarray:
    """Index into ``policy.buckets`` per invoice: by the queue's bucket label, else by days."""
    mins = np.array([b.min_days for b in policy.buckets])
    if Q.DAYS_PAST_DUE in queue.columns:
        dpd = pd.to_numeric(queue[Q.DAYS_PAST_DUE]).fillna(0).to_numpy(dtype="int64")
    else:
        dpd = np.zeros(len(queue), dtype="int64")
    by_days = np.clip(np.searchsorted(mins, dpd, side="right") - 1, 0, len(mins) - 1)
    if Q.BUCKET not in queue.columns:
        return by_days
    # Factorise the few distinct labels once instead of a dict lookup per row.
    lookup = {b.label: i for i, b in enumerate(policy.buckets)}
    codes, labels = pd.factorize(queue[Q.BUCKET].astype("str").to_numpy())  # as objects: faster
    per_label = np.array([lookup.get(str(x), -1) for x in labels] + [-1], dtype="int64")
    by_label = per_label[codes]  # code -1 (missing) picks the trailing -1
    return np.where(by_label < 0, by_days, by_label).astype("int64")


def forecast(
    queue: pd.DataFrame,
    policy: Policy,
    as_of: date,
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Return ``queue`` with Q.EXPECTED_DATE, Q.PROBABILITY, Q.EXPECTED_CENTS, Q.AT_RISK.

    See the module docstring for the rules and their precedence.
    """
    n = len(queue)
    today = pd.Timestamp(as_of)
    open_c = _cents(queue, F.OPEN_CENTS)
    codes = (
        queue[Q.EXCLUSION_CODE].astype("str").fillna("").to_numpy()
        if Q.EXCLUSION_CODE in queue.columns
        else np.full(n, "", dtype=object)
    )
    b_idx = bucket_index(queue, policy)
    p_bucket = np.array([b.probability for b in policy.buckets], dtype="float64")[b_idx]
    lateness = np.array([b.lateness_days for b in policy.buckets], dtype="int64")[b_idx]

    credit = open_c < 0
    disputed = _flag(queue, F.DISPUTED) | (codes == "DISPUTED")
    if calibration is not None and getattr(calibration, "learned_disputes", False):
        disputed = np.zeros(n, dtype=bool)  # the history says how disputes settle: use it
    risky = ~credit & (disputed | _flag(queue, F.LEGAL) | (codes == "LEGAL"))
    transit_c = np.clip(_cents(queue, F.IN_TRANSIT_CENTS), 0, np.maximum(open_c, 0))
    transit = ~credit & ~risky & (transit_c > 0)
    promise_date = _dates(queue, F.PROMISE_DATE)
    promise_open = (
        (promise_date >= today - pd.Timedelta(days=policy.promise_grace_days))
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    promise = ~credit & ~risky & ~transit & promise_open
    ordinary = ~credit & ~risky & ~transit & ~promise

    # Ordinary rule: due + lateness, restarted from today when already past.
    late = pd.to_timedelta(lateness, unit="D")
    expected = _dates(queue, F.DUE_DATE) + late
    expected = expected.where(expected >= today, today + late)
    prob = p_bucket.copy()
    use_p = use_d = np.zeros(n, dtype=bool)
    if calibration is not None and ordinary.any():
        pred = calibration.predict(queue, as_of).reindex(queue.index)
        c_prob = pd.to_numeric(pred["probability"]).astype("float64").to_numpy(na_value=np.nan)
        c_date = pd.to_datetime(pred["expected_date"]).astype("datetime64[ns]").dt.normalize()
        c_date = c_date.where(c_date >= today, today)
        use_p = ordinary & ~np.isnan(c_prob)
        prob = np.where(use_p, np.clip(np.nan_to_num(c_prob), 0.0, 1.0), prob)
        use_d = ordinary & c_date.notna().to_numpy()
        expected = expected.where(~use_d, c_date)

    # Special rules: a covered part at a higher probability, the rest at the bucket's.
    safe_open = np.where(open_c > 0, open_c, 1).astype("float64")
    p_promise = np.maximum(p_bucket, PROMISE_PROBABILITY)
    promise_c = _cents(queue, F.PROMISE_CENTS)
    promise_c = np.where(promise_c > 0, np.minimum(promise_c, open_c), open_c)
    prob = np.where(
        promise, (promise_c * p_promise + (open_c - promise_c) * p_bucket) / safe_open, prob
    )
    expected = expected.where(~promise, promise_date.where(promise_date >= today, today))
    prob = np.where(transit, (transit_c + (open_c - transit_c) * p_bucket) / safe_open, prob)
    expected = expected.where(~transit, today + pd.Timedelta(days=IN_TRANSIT_DAYS))

    prob = np.where(credit | risky, 0.0, np.clip(prob, 0.0, 1.0))
    expected = expected.where(~(credit | risky), pd.NaT)
    expected_c = round_half_away(open_c * prob)
    calibrated = np.zeros(n, dtype=bool)
    if calibration is not None and ordinary.any():
        calibrated = ordinary & (use_p | use_d)
        spread = spread_cents(calibration, queue, as_of, policy.horizon_weeks, calibrated)
        if spread is not None:
            # Spread over weeks: what is expected within the horizon is the spread's sum.
            expected_c = np.where(calibrated, spread.sum(axis=1), expected_c)
    out = queue.copy(deep=False)  # new columns only: the caller's frame is not touched
    out[Q.EXPECTED_DATE] = expected.astype("datetime64[ns]")
    out[Q.PROBABILITY] = prob.astype("float64")
    out[Q.EXPECTED_CENTS] = expected_c
    out[Q.AT_RISK] = risky
    rule = np.select([credit, risky, transit, promise, calibrated], [0, 1, 2, 3, 4], 5)
    # taken from the six names as text (building 100k strings from a numpy array of
    # fixed-width text costs more than the whole forecast)
    out[Q.FORECAST_RULE] = pd.array(_RULES, dtype="str").take(rule)
    return out


#: The forecast rule of each invoice, by precedence (see the module docstring).
_RULES: Final = ["credit", "at risk", "in transit", "promise", "calibrated", "bucket"]


def spread_cents(
    calibration: Calibration,
    queue: pd.DataFrame,
    as_of: date,
    weeks: int,
    rows: np.ndarray,
) -> np.ndarray | None:
    """Cents per week (rows x weeks) for ``rows`` from a calibration that spreads, else None.

    A calibrated model that knows the spread of its customers' payment days puts each
    invoice's cash over the weeks it may be paid in (``weekly()`` shares) instead of on
    one date: the backtest in docs/forecast.md shows this is what makes weekly totals
    accurate. Cumulative shares are rounded, then differenced, so each row's weeks add
    up exactly to the rounded total and never exceed the open balance. Rows not in
    ``rows`` are zero.
    """
    weekly = getattr(calibration, "weekly", None)
    if weekly is None:
        return None
    open_c = _cents(queue, F.OPEN_CENTS)
    shares = np.clip(np.nan_to_num(np.asarray(weekly(queue, as_of, weeks), "float64")), 0, 1)
    cum = np.clip(np.cumsum(shares, axis=1), 0.0, 1.0)
    cum_c = round_half_away(np.maximum(open_c, 0)[:, None] * cum)
    cents = np.diff(cum_c, axis=1, prepend=0)
    return np.where(rows[:, None], cents, 0).astype("int64")
