"""Backtest: replay the forecast on paid history and measure it against what happened.

A forecast nobody has measured cannot be trusted, so the paid history is replayed
week by week. At each as-of date ``D``:

* the **book** is every invoice issued on or before ``D`` and not settled by ``D``
  (settled date after ``D``), with its whole amount open;
* each model forecasts, from the book and from history settled *before* ``D`` only,
  the cash of week ``k`` = settled dates ``D + 7(k-1) + 1`` .. ``D + 7k`` (k = 1..W;
  a forecast date on or before ``D`` counts in week 1);
* the **actual** of week ``k`` is the amount of the book's invoices settled in it.

Scores, for a horizon of ``H`` weeks, over all pairs (as-of date, week ``k <= H``)::

    WAPE_H = sum |F - A| / sum A        bias_H = sum (F - A) / sum A

so WAPE 0.20 means the weekly forecasts of the first ``H`` weeks missed by 20 % of the
cash collected, and a negative bias means the model expected too little.

Models: ``naive`` (every invoice paid in full on its due date, overdue ones in week
1), ``defaults`` (:func:`dunning_core.forecast.forecast` without calibration, i.e. the
policy's bucket probabilities and lateness), ``calibrated`` (the calibrated model's
distribution of pay dates, spread over the weeks) and ``expected_cash`` (what the
Expected Cash sheet shows with the calibration plugged in: the calibrated invoices'
cash spread over the weeks, promises and payments in transit on their dates, and
disputed invoices counted at risk, as the foundation's rules say).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from dunning_core.calibration import CalibratedModel, bucket_labels, calibrate, policy_defaults
from dunning_core.columns import F, Q
from dunning_core.history import SETTLED_DATE
from dunning_core.policy import DEFAULT_POLICY, Policy
from dunning_core.records import UserError

HORIZONS: tuple[int, ...] = (1, 4, 13)
MODELS: tuple[str, ...] = ("naive", "defaults", "calibrated", "expected_cash")
_Z90 = 1.2815515655446004  # standard normal quantile of 0.9: P10-P90 = mean -/+ z * sd


@dataclass(frozen=True, eq=False)
class Backtest:
    """Weekly forecasts and actuals of every model at every as-of date.

    Attributes:
        dates: as-of dates replayed.
        weeks: weeks forecast after each date.
        forecast: model -> array (dates x weeks) of forecast cash in cents.
        actual: array (dates x weeks) of cash settled, in cents.
        spread: horizon -> array (dates,) standard deviation, in cents, of the
            calibrated model's cash over the first ``horizon`` weeks (each invoice
            paid or not within the window, independently).
        notes: plain sentences about how the run was done.
    """

    dates: tuple[date, ...]
    weeks: int
    forecast: dict[str, np.ndarray]
    actual: np.ndarray
    spread: dict[int, np.ndarray] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def horizons(self) -> tuple[int, ...]:
        """Reported horizons: 1, 4 and 13 weeks up to ``weeks``, and ``weeks`` itself."""
        return tuple(sorted({h for h in HORIZONS if h <= self.weeks} | {self.weeks}))

    def scores(self) -> dict[str, dict[int, dict[str, float]]]:
        """``{model: {horizon_weeks: {"wape": x, "bias": y}}}`` as fractions."""
        out: dict[str, dict[int, dict[str, float]]] = {}
        for model, fc in self.forecast.items():
            out[model] = {}
            for h in self.horizons():
                f, a = fc[:, :h], self.actual[:, :h]
                total = float(a.sum())
                wape = float(np.abs(f - a).sum()) / total if total else float("nan")
                bias = float((f - a).sum()) / total if total else float("nan")
                out[model][h] = {"wape": round(wape, 4), "bias": round(bias, 4)}
        return out

    def coverage(self, horizon: int) -> float:
        """Share of as-of dates whose actual ``horizon``-week cash fell in P10-P90."""
        low, high = self.band(horizon)
        a = self.actual[:, :horizon].sum(axis=1)
        return float(((a >= low) & (a <= high)).mean()) if len(a) else float("nan")

    def band(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated P10 and P90 of the cash over the first ``horizon`` weeks, in cents."""
        mean = self.forecast["calibrated"][:, :horizon].sum(axis=1)
        sd = self.spread.get(horizon, np.zeros_like(mean))
        return np.clip(mean - _Z90 * sd, 0, None), mean + _Z90 * sd

    def table(self) -> pd.DataFrame:
        """One row per model; WAPE and bias per horizon side by side."""
        s = self.scores()
        rows = []
        for model in self.forecast:
            row: dict[str, object] = {"model": model}
            for h in self.horizons():
                row[f"WAPE {h}w"] = s[model][h]["wape"]
                row[f"bias {h}w"] = s[model][h]["bias"]
            rows.append(row)
        return pd.DataFrame(rows)


def as_of_dates(
    history: pd.DataFrame, start: date | None, end: date | None, weeks: int
) -> list[date]:
    """Weekly as-of dates; defaults leave 13 weeks of history to learn from at the start
    and at least 13 weeks of settlements to measure against at the end (so the dates,
    and the scores of the shorter horizons, do not depend on ``weeks``)."""
    if history.empty:
        raise UserError("paid history has no usable rows: nothing to backtest")
    first = pd.Timestamp(history[F.INVOICE_DATE].min()).date() + timedelta(weeks=13)
    last = pd.Timestamp(history[SETTLED_DATE].max()).date() - timedelta(weeks=max(weeks, 13))
    lo, hi = start or first, end or last
    if hi < lo:
        raise UserError(
            f"backtest period is empty: from {lo:%Y-%m-%d} to {hi:%Y-%m-%d} "
            f"(the history runs {history[F.INVOICE_DATE].min():%Y-%m-%d} to "
            f"{history[SETTLED_DATE].max():%Y-%m-%d})"
        )
    return [lo + timedelta(weeks=i) for i in range((hi - lo).days // 7 + 1)]


def book_at(history: pd.DataFrame, as_of: date, policy: Policy = DEFAULT_POLICY) -> pd.DataFrame:
    """The open book at ``as_of`` as a queue frame: issued by then, settled after."""
    d = pd.Timestamp(as_of)
    book = history[(history[F.INVOICE_DATE] <= d) & (history[SETTLED_DATE] > d)]
    q = book.drop(columns=[SETTLED_DATE]).rename(columns={F.ORIGINAL_CENTS: F.OPEN_CENTS})
    q[Q.DAYS_PAST_DUE] = (d - q[F.DUE_DATE]).dt.days.astype("int64")
    q[Q.BUCKET] = bucket_labels(q[Q.DAYS_PAST_DUE], policy)
    return q


def _week_of(dates: pd.Series, as_of: date, weeks: int) -> np.ndarray:
    """Week 1..weeks of each date after ``as_of`` (on or before it: 1; later: weeks+1)."""
    days = (pd.to_datetime(dates) - pd.Timestamp(as_of)).dt.days.to_numpy(dtype="float64")
    wk = np.ceil(np.clip(np.nan_to_num(days, nan=1e9), 1, None) / 7.0)
    return np.minimum(wk, weeks + 1).astype("int64")


def _weekly(dates: pd.Series, cents: np.ndarray, as_of: date, weeks: int) -> np.ndarray:
    wk = _week_of(dates, as_of, weeks)
    return np.bincount(wk, weights=cents.astype("float64"), minlength=weeks + 2)[1 : weeks + 1]


def _expected_cash_weeks(
    dated: pd.DataFrame, model: CalibratedModel, as_of: date, weeks: int
) -> np.ndarray:
    """Weekly cash as the Expected Cash sheet allocates it (spread rows + single dates)."""
    from dunning_core.forecast import spread_cents

    spread_rows = (dated[Q.FORECAST_RULE] == "calibrated").to_numpy(dtype=bool)
    spread = spread_cents(model, dated, as_of, weeks, spread_rows)
    if spread is None:
        spread_rows[:] = False
        spread = np.zeros((len(dated), weeks), dtype="int64")
    single = dated[~spread_rows]
    rest = _weekly(single[Q.EXPECTED_DATE], single[Q.EXPECTED_CENTS].to_numpy(), as_of, weeks)
    return spread.sum(axis=0) + rest


def _forecaster() -> Callable[..., pd.DataFrame] | None:
    """The forecast module's entry point, imported lazily (None when it is absent)."""
    try:
        from dunning_core.forecast import forecast
    except ImportError:
        return None
    return forecast


def run(
    history: pd.DataFrame,
    start: date | None = None,
    end: date | None = None,
    weeks: int = 13,
    policy: Policy = DEFAULT_POLICY,
) -> Backtest:
    """Replay weekly as-of dates from ``start`` to ``end`` over ``weeks`` weeks ahead."""
    if weeks < 1:
        raise UserError(f"--horizon must be at least 1 week, got {weeks}")
    dates = as_of_dates(history, start, end, weeks)
    forecast = _forecaster()
    notes = [f"{len(dates)} weekly as-of dates, {dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d}."]
    if forecast is None:
        notes.append("dunning_core.forecast not available: defaults use the policy bucket rules.")
    fc = {m: np.zeros((len(dates), weeks)) for m in MODELS}
    actual = np.zeros((len(dates), weeks))
    hz = sorted({h for h in HORIZONS if h <= weeks} | {weeks})
    spread = {h: np.zeros(len(dates)) for h in hz}
    for i, d in enumerate(dates):
        q = book_at(history, d, policy)
        cents = q[F.OPEN_CENTS].to_numpy(dtype="int64")
        actual[i] = _weekly(history.loc[q.index, SETTLED_DATE], cents, d, weeks)
        fc["naive"][i] = _weekly(q[F.DUE_DATE], cents, d, weeks)
        model = calibrate(history, d, policy)
        if forecast is not None:
            base = forecast(q, policy, d)
            fc["defaults"][i] = _weekly(
                base[Q.EXPECTED_DATE], base[Q.EXPECTED_CENTS].to_numpy(), d, weeks
            )
            dated = forecast(q, policy, d, calibration=model)
            fc["expected_cash"][i] = _expected_cash_weeks(dated, model, d, weeks)
        else:
            for name, pred in (
                ("defaults", policy_defaults(q, d, policy)),
                ("expected_cash", model.predict(q, d)),
            ):
                fc[name][i] = _weekly(
                    pred["expected_date"], cents * pred["probability"].to_numpy(), d, weeks
                )
        shares = model.weekly(q, d, weeks)
        fc["calibrated"][i] = cents.astype("float64") @ shares
        for h in hz:
            p = np.clip(shares[:, :h].sum(axis=1), 0.0, 1.0)
            spread[h][i] = float(np.sqrt(np.sum(cents.astype("float64") ** 2 * p * (1 - p))))
    return Backtest(tuple(dates), weeks, fc, actual, spread, tuple(notes))


def plot(result: Backtest, path: Path, horizon: int = 4) -> None:
    """Write a PNG: actual cash of the next ``horizon`` weeks against each model's forecast."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    horizon = min(horizon, result.weeks)
    x = pd.to_datetime(list(result.dates))
    fig, ax = plt.subplots(figsize=(10, 4.8), dpi=110)
    low, high = result.band(horizon)
    ax.fill_between(
        x, low / 100, high / 100, color="tab:green", alpha=0.15, label="calibrated P10-P90"
    )
    styles = {
        "naive": "tab:red",
        "defaults": "tab:orange",
        "calibrated": "tab:green",
        "expected_cash": "tab:olive",
    }
    s = result.scores()
    for model, f in result.forecast.items():
        w = s[model][horizon]["wape"]
        ax.plot(
            x,
            f[:, :horizon].sum(axis=1) / 100,
            color=styles.get(model),
            lw=1.2,
            ls="--" if model == "expected_cash" else "-",
            label=f"{model} (WAPE {w:.0%})",
        )
    ax.plot(x, result.actual[:, :horizon].sum(axis=1) / 100, color="black", lw=2, label="actual")
    ax.set_title(f"Cash collected in the {horizon} weeks after each as-of date: forecast vs actual")
    ax.set_ylabel("currency units")
    ax.legend(fontsize=8, ncol=3, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
