"""Calibration: learn when each customer pays from the team's own paid history.

The policy's bucket probabilities are a guess; the paid history says how late each
customer really pays. For every customer we keep the distribution of *days after due
date* at which invoices were settled (negative = early), shrunk towards its segment
and the whole book when the customer has few settled invoices (a customer with ``n``
invoices gets weight ``n / (n + k)``), so one odd invoice does not decide a forecast.
Disputes are a shift: disputed invoices settle a measured number of days later.

An open invoice ``x0`` days past due at the as-of date is, by definition, not paid by
``x0``, so its forecast is the customer's distribution *conditional on* ``x > x0``:
the expected pay date is its median, the probability is the share paid within the
horizon. Only invoices settled before the as-of date are used: nothing after it can
leak into a forecast (the backtest depends on it, and a test proves it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from dunning_core.columns import F
from dunning_core.history import SETTLED_DATE
from dunning_core.policy import Policy
from dunning_core.records import Block

X_MIN, X_MAX = -400, 730  # days after due covered by the distributions
MIN_HISTORY = 20  # settled invoices needed before the history is used at all
MIN_SURVIVAL = 0.02  # below this, the invoice is later than the history knows
CUSTOMER_K = 5.0  # pseudo-invoices of the segment prior behind each customer
SEGMENT_K = 20.0  # pseudo-invoices of the book prior behind each segment
MIN_DISPUTES = 10  # disputed (and undisputed) invoices needed to measure the shift
HALF_LIFE_DAYS = 180  # an invoice settled this long ago counts half: behaviour drifts


def _bucket_index(days_past_due: np.ndarray, policy: Policy) -> np.ndarray:
    """Index into ``policy.buckets`` (ascending, contiguous) for each day count."""
    mins = np.array([b.min_days for b in policy.buckets])
    return np.clip(np.searchsorted(mins, days_past_due, side="right") - 1, 0, len(mins) - 1)


def bucket_labels(days_past_due: pd.Series, policy: Policy) -> pd.Series:
    """Label of the policy bucket for each day count."""
    labels = np.array([b.label for b in policy.buckets], dtype=object)
    idx = _bucket_index(days_past_due.to_numpy(dtype="int64"), policy)
    return pd.Series(labels[idx], index=days_past_due.index, dtype="str")


def policy_defaults(queue: pd.DataFrame, as_of: date, policy: Policy) -> pd.DataFrame:
    """The policy's rule when there is no history: probability and lateness by bucket.

    Expected date = due date + the bucket's lateness days, or as-of + lateness when
    the invoice is already later than that (see :class:`~dunning_core.policy.Bucket`).
    """
    d = np.datetime64(pd.Timestamp(as_of), "D")
    due = pd.to_datetime(queue[F.DUE_DATE]).to_numpy(dtype="datetime64[D]")
    dpd = np.nan_to_num((d - due).astype("float64"), nan=0.0).astype("int64")
    idx = _bucket_index(dpd, policy)
    late = np.array([b.lateness_days for b in policy.buckets], dtype="int64")[idx]
    prob = np.array([b.probability for b in policy.buckets], dtype="float64")[idx]
    expected = due + late.astype("timedelta64[D]")
    expected = np.where(expected > d, expected, d + late.astype("timedelta64[D]"))
    return pd.DataFrame(
        {"expected_date": expected.astype("datetime64[ns]"), "probability": prob},
        index=queue.index,
    )


@dataclass(frozen=True, eq=False)
class CalibratedModel:
    """Per-customer settlement behaviour learnt from history settled before ``as_of``.

    Attributes:
        as_of: the date the model was calibrated at (history after it is unseen).
        policy: policy whose buckets and horizon are used (and whose defaults apply
            when the history is too small).
        n_history: settled invoices used.
        cdf: one row per profile (customer, then segments, then the book; last row is
            the book), cumulative share settled by each day after due in X_MIN..X_MAX.
        profiles: profile key ("customer:ID", "segment:S", "book") -> row of ``cdf``.
        dispute_shift: days later that disputed invoices settle.
        history: the settled invoices used (for the Settings tables).
    """

    as_of: date
    policy: Policy
    n_history: int
    cdf: np.ndarray = field(repr=False)
    profiles: dict[str, int] = field(repr=False)
    dispute_shift: int = 0
    history: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def calibrated(self) -> bool:
        """Whether the history was large enough to replace the policy defaults."""
        return self.n_history >= MIN_HISTORY

    @property
    def learned_disputes(self) -> bool:
        """Whether the history showed how disputed invoices settle (enough of them).

        The forecast then lets this model time disputed invoices (later by
        ``dispute_shift``) instead of counting them wholly at risk.
        """
        if not self.calibrated or F.DISPUTED not in self.history:
            return False
        return int(_flags(self.history, F.DISPUTED).sum()) >= MIN_DISPUTES

    @property
    def basis(self) -> str:
        """Plain words for the Expected Cash sheet: what the forecast rests on."""
        if not self.calibrated:
            return (
                f"Policy defaults by aging bucket: only {self.n_history} invoices settled "
                f"before {self.as_of:%Y-%m-%d} in the paid history (at least {MIN_HISTORY} needed)."
            )
        return (
            f"Calibrated on {self.n_history} invoices settled before {self.as_of:%Y-%m-%d}: "
            f"each customer's own days-late record, blended with its segment and the whole "
            f"book when it has few invoices; disputed invoices {self.dispute_shift:+d} days"
            + (" (learnt from the history)." if self.learned_disputes else ".")
        )

    def predict(self, queue: pd.DataFrame, as_of: date) -> pd.DataFrame:
        """Expected pay date and probability of collection within the horizon, per row."""
        base = policy_defaults(queue, as_of, self.policy)
        if not self.calibrated or queue.empty:
            return base
        rows, idx0, shift = self._start(queue, as_of)
        g = self.cdf.shape[1]
        f0 = self.cdf[rows, idx0]
        surv = 1.0 - f0
        horizon = self.policy.horizon_weeks * 7
        f_h = self.cdf[rows, np.clip(idx0 + horizon, 0, g - 1)]
        # Median of the conditional distribution: first day where the CDF passes halfway
        # between f0 and 1. Rows are offset by 2 * row so one searchsorted serves all.
        flat = (self.cdf + 2.0 * np.arange(self.cdf.shape[0])[:, None]).ravel()
        pos = np.searchsorted(flat, f0 + 0.5 * surv + 2.0 * rows - 1e-12) - rows * g
        x_med = np.clip(pos, 0, g - 1) + X_MIN + shift
        prob = np.divide(f_h - f0, surv, out=np.zeros_like(surv), where=surv > 0)
        known = surv >= MIN_SURVIVAL
        expected = pd.to_datetime(queue[F.DUE_DATE]) + pd.to_timedelta(x_med, unit="D")
        prob_s = pd.Series(np.clip(prob, 0.0, 1.0), index=queue.index)
        dates = expected.where(known, base["expected_date"]).astype("datetime64[ns]")
        return pd.DataFrame(
            {"expected_date": dates, "probability": prob_s.where(known, base["probability"])},
            index=queue.index,
        )

    def weekly(self, queue: pd.DataFrame, as_of: date, weeks: int) -> np.ndarray:
        """Share of each row's balance expected in each week after ``as_of`` (rows x weeks).

        Week ``k`` (1-based, column ``k - 1``) holds the days ``as_of + 7(k-1) + 1`` to
        ``as_of + 7k``. Spreading an invoice over the weeks its customer might pay in,
        rather than putting it all on one expected date, is what makes weekly totals
        accurate (see docs/forecast.md). Uncalibrated models and rows later than the
        history knows put the policy probability on the policy date's week.
        """
        n = len(queue)
        d = pd.Timestamp(as_of)
        base = policy_defaults(queue, as_of, self.policy)
        out = np.zeros((n, weeks))
        wk = np.ceil((base["expected_date"] - d).dt.days.to_numpy(dtype="float64") / 7.0)
        wk = np.clip(np.nan_to_num(wk, nan=weeks + 1), 1, weeks + 1).astype("int64")
        inside = wk <= weeks
        out[np.flatnonzero(inside), wk[inside] - 1] = base["probability"].to_numpy()[inside]
        if not self.calibrated or n == 0:
            return out
        rows, idx0, _ = self._start(queue, as_of)
        g = self.cdf.shape[1]
        idx = np.clip(idx0[:, None] + 7 * np.arange(weeks + 1)[None, :], 0, g - 1)
        c = self.cdf[rows[:, None], idx]
        surv = 1.0 - c[:, :1]
        shares = np.diff(c, axis=1) / np.where(surv > 0, surv, 1.0)
        known = (surv[:, 0] >= MIN_SURVIVAL)[:, None]
        return np.where(known, np.clip(shares, 0.0, 1.0), out)

    def weekly_range(self, queue: pd.DataFrame, as_of: date, weeks: int) -> pd.DataFrame:
        """Expected cash per week with its P10 and P90, in cents (week 1..weeks as index).

        Each invoice is paid in a week or not, independently of the others, so a week's
        total has variance ``sum(open^2 * p * (1 - p))``; P10/P90 use the normal quantile.
        """
        cents = pd.to_numeric(queue[F.OPEN_CENTS]).clip(lower=0).to_numpy(dtype="float64")
        p = self.weekly(queue, as_of, weeks)
        mean = cents @ p
        sd = np.sqrt((cents**2) @ (p * (1.0 - p)))
        z = 1.2815515655446004
        return pd.DataFrame(
            {
                "expected_cents": np.rint(mean).astype("int64"),
                "p10_cents": np.rint(np.clip(mean - z * sd, 0, None)).astype("int64"),
                "p90_cents": np.rint(mean + z * sd).astype("int64"),
            },
            index=pd.RangeIndex(1, weeks + 1, name="week"),
        )

    def settings_blocks(self) -> tuple[Block, ...]:
        """Readable tables for the Settings sheet (customers, buckets, disputes)."""
        from dunning_core.calibration_tables import settings_tables

        return settings_tables(self)

    def _start(self, queue: pd.DataFrame, as_of: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row: profile row, grid index of the as-of day (dispute-adjusted), shift."""
        due = pd.to_datetime(queue[F.DUE_DATE])
        x0 = (pd.Timestamp(as_of) - due).dt.days.fillna(0).to_numpy(dtype="int64")
        shift = np.where(_flags(queue, F.DISPUTED), self.dispute_shift, 0)
        idx0 = np.clip(x0 - shift - X_MIN, 0, self.cdf.shape[1] - 1)
        return self._rows(queue), idx0, shift

    def _rows(self, queue: pd.DataFrame) -> np.ndarray:
        """Profile row per queue row: the customer's, else its segment's, else the book's."""
        book = self.profiles["book"]
        seg = queue[F.SEGMENT] if F.SEGMENT in queue else pd.Series("", index=queue.index)
        by_seg = seg.astype(str).map(lambda s: self.profiles.get(f"segment:{s}", book))
        if F.CUSTOMER_ID not in queue:
            return by_seg.to_numpy(dtype="int64")
        cust = queue[F.CUSTOMER_ID].astype(str)
        by_cust = cust.map(lambda c: self.profiles.get(f"customer:{c}", -1))
        return by_cust.where(by_cust >= 0, by_seg).to_numpy(dtype="int64")


def _flags(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[name].fillna(False).astype(bool).to_numpy()


def _cdf_rows(
    codes: np.ndarray, x: np.ndarray, weight: np.ndarray, n_rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted empirical CDF over the day grid for each code; returns (cdf, weights)."""
    g = X_MAX - X_MIN + 1
    hist = np.zeros((n_rows, g))
    np.add.at(hist, (codes, np.clip(x - X_MIN, 0, g - 1)), weight)
    counts = hist.sum(axis=1)
    cdf = np.divide(
        hist.cumsum(axis=1), counts[:, None], out=np.zeros_like(hist), where=counts[:, None] > 0
    )
    return cdf, counts


def calibrate(history: pd.DataFrame, as_of: date, policy: Policy) -> CalibratedModel:
    """Calibrate from the invoices in ``history`` settled strictly before ``as_of``."""
    h = history[pd.to_datetime(history[SETTLED_DATE]) < pd.Timestamp(as_of)]
    h = h[h[F.DUE_DATE].notna()].sort_values(SETTLED_DATE, kind="stable")
    n = len(h)
    g = X_MAX - X_MIN + 1
    if n < MIN_HISTORY:
        empty = np.zeros((1, g))
        return CalibratedModel(as_of, policy, n, empty, {"book": 0}, 0, h)
    x = (pd.to_datetime(h[SETTLED_DATE]) - pd.to_datetime(h[F.DUE_DATE])).dt.days.to_numpy()
    disputed = _flags(h, F.DISPUTED)
    shift = 0
    if disputed.sum() >= MIN_DISPUTES and (~disputed).sum() >= MIN_DISPUTES:
        shift = round(float(np.median(x[disputed]) - np.median(x[~disputed])))
    base_x = x - np.where(disputed, shift, 0)  # undisputed-equivalent behaviour
    age = (pd.Timestamp(as_of) - pd.to_datetime(h[SETTLED_DATE])).dt.days.to_numpy()
    w = 0.5 ** (age / HALF_LIFE_DAYS) if HALF_LIFE_DAYS else np.ones(n)
    book_cdf, _ = _cdf_rows(np.zeros(n, dtype="int64"), base_x, w, 1)
    seg = h[F.SEGMENT].astype(str) if F.SEGMENT in h else pd.Series("", index=h.index)
    seg_codes, seg_keys = pd.factorize(seg, sort=True)
    seg_cdf, seg_n = _cdf_rows(seg_codes, base_x, w, len(seg_keys))
    seg_cdf = (seg_n[:, None] * seg_cdf + SEGMENT_K * book_cdf) / (seg_n + SEGMENT_K)[:, None]
    cust = h[F.CUSTOMER_ID].astype(str)
    cust_codes, cust_keys = pd.factorize(cust, sort=True)
    cust_cdf, cust_n = _cdf_rows(cust_codes, base_x, w, len(cust_keys))
    cust_seg = np.zeros(len(cust_keys), dtype="int64")
    cust_seg[cust_codes] = seg_codes  # a customer's segment: its latest invoice's
    prior = seg_cdf[cust_seg]
    cust_cdf = (cust_n[:, None] * cust_cdf + CUSTOMER_K * prior) / (cust_n + CUSTOMER_K)[:, None]
    cdf = np.vstack([cust_cdf, seg_cdf, book_cdf])
    profiles = {f"customer:{c}": i for i, c in enumerate(cust_keys)}
    profiles |= {f"segment:{s}": len(cust_keys) + i for i, s in enumerate(seg_keys) if s}
    profiles["book"] = cdf.shape[0] - 1
    return CalibratedModel(as_of, policy, n, cdf, profiles, shift, h)


def _quantile(cdf: np.ndarray, q: float) -> np.ndarray:
    """Day-after-due at which each CDF row first reaches ``q``."""
    return np.argmax(cdf >= q - 1e-12, axis=1) + X_MIN
