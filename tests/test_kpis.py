"""Key figures: per-currency totals, aging shares, DSO method, promise-kept, CEI."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from dunning_core.columns import A, F, P, Q
from dunning_core.forecast import forecast
from dunning_core.kpis import KPI_COLUMNS, key_figures, kpis
from dunning_core.policy import DEFAULT_POLICY as POLICY
from dunning_core.snapshot import empty_snapshot, snapshot_frame

AS_OF = date(2026, 11, 25)


def make_queue(rows: list[dict[str, Any]]) -> pd.DataFrame:
    today = pd.Timestamp(AS_OF)
    mins = [b.min_days for b in POLICY.buckets]

    def get(key: str, default: Any) -> list[Any]:
        return [r.get(key, default) for r in rows]

    dpd = np.array(get("dpd", 10), dtype="int64")
    return pd.DataFrame(
        {
            F.CUSTOMER_ID: pd.Series(get("cust", "C1"), dtype="str"),
            F.INVOICE_NO: pd.Series(
                [r.get("inv", f"I{i}") for i, r in enumerate(rows)], dtype="str"
            ),
            F.CURRENCY: pd.Series(get("cur", "USD"), dtype="str"),
            F.INVOICE_DATE: pd.Series(today - pd.to_timedelta(get("age", 40), unit="D")),
            F.DUE_DATE: pd.Series(today - pd.to_timedelta(dpd, unit="D")),
            F.OPEN_CENTS: np.array(get("open", 10_000), dtype="int64"),
            F.ORIGINAL_CENTS: pd.array(get("orig", None), dtype="Int64"),
            Q.DAYS_PAST_DUE: dpd,
            Q.BUCKET: pd.Series(
                [
                    POLICY.buckets[int(np.searchsorted(mins, d, side="right")) - 1].label
                    for d in dpd
                ],
                dtype="str",
            ),
        }
    )


def values(frame: pd.DataFrame) -> dict[str, float]:
    return dict(zip(frame["Measure"], frame["Value"], strict=True))


def run(
    queue: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    promises: Any = None,
    activity: Any = None,
) -> pd.DataFrame:
    return kpis(
        queue,
        empty_snapshot() if previous is None else previous,
        pd.DataFrame() if promises is None else promises,
        pd.DataFrame() if activity is None else activity,
        POLICY,
        AS_OF,
    )


def test_totals_overdue_and_aging_per_currency() -> None:
    q = make_queue(
        [
            {"open": 30_000, "dpd": -5},
            {"open": 60_000, "dpd": 45},
            {"open": 10_000, "dpd": 200},
            {"open": -5_000, "dpd": 50},
            {"open": 1_000, "dpd": 3, "cur": "EUR"},
        ]
    )
    out = run(q)
    assert tuple(out.columns) == KPI_COLUMNS
    v = values(out)
    assert v["Open balance USD"] == 950.00
    assert v["Overdue USD"] == 700.00  # credit note not counted as overdue
    assert v["% overdue USD"] == 70.0
    assert v["Aging Current % USD"] == 30.0 and v["Aging 31-60 % USD"] == 60.0
    assert v["Aging 120+ % USD"] == 10.0
    assert v["Open balance EUR"] == 10.0 and v["% overdue EUR"] == 100.0
    assert "CEI % USD" not in v  # no previous snapshot


def test_dso_is_balance_weighted_age_and_named() -> None:
    out = run(make_queue([{"open": 10_000, "age": 10}, {"open": 30_000, "age": 50}]))
    row = out.set_index("Measure").loc["DSO (days) USD"]
    assert row["Value"] == 40.0
    assert "balance-weighted days since invoice date" in row["Note"]


def test_expected_rows_appear_after_forecast() -> None:
    q = forecast(make_queue([{"open": 10_000, "dpd": 20}]), POLICY, AS_OF)
    v = values(run(q))
    assert v["Expected in 13 weeks USD"] == 90.0 and v["At risk USD"] == 10.0


def test_promise_kept_rate_and_activity_this_week() -> None:
    promises = pd.DataFrame({P.STATUS: ["kept", "kept", "broken", "open", "Kept"]})
    activity = pd.DataFrame(
        {
            A.DATE: pd.to_datetime(["2026-11-23", "2026-11-24", "2026-11-22", "2026-11-29"]),
            A.TYPE: ["sent", "sent", "sent", "drafted"],
        }
    )
    out = run(make_queue([{}]), promises=promises, activity=activity)
    v = values(out)
    assert v["Promise-kept rate %"] == 75.0
    assert v["Activity this week: sent"] == 2.0  # 22 Nov is the previous week
    assert v["Activity this week: drafted"] == 1.0
    assert "kept 3 of 4" in out.set_index("Measure").loc["Promise-kept rate %", "Note"]


def test_no_promises_or_activity_is_said_not_failed() -> None:
    v = values(run(make_queue([{}])))
    assert np.isnan(v["Promise-kept rate %"]) and v["Activity this week"] == 0.0


def test_cei_with_previous_snapshot() -> None:
    earlier = date(2026, 11, 18)
    prev_q = forecast(
        make_queue([{"inv": "A", "open": 100_000}, {"inv": "B", "open": 50_000}]), POLICY, earlier
    )
    previous = snapshot_frame(prev_q, earlier)
    # A paid; B still open and overdue; C new (original 40,000), 20,000 left, not due.
    now = make_queue(
        [
            {"inv": "B", "open": 50_000, "dpd": 20},
            {"inv": "C", "open": 20_000, "dpd": -10, "orig": 40_000},
        ]
    )
    v = values(run(now, previous))
    # (150,000 + 40,000 - 70,000) / (150,000 + 40,000 - 20,000) = 120 / 170
    assert v["CEI % USD"] == round(100 * 120 / 170, 1)


def test_key_figures_is_short_and_wide() -> None:
    q = make_queue([{"open": 10_000, "dpd": 5}, {"open": 2_000, "dpd": -3, "cur": "EUR"}])
    promises = pd.DataFrame({P.STATUS: ["kept", "broken"]})
    wide = key_figures(q, empty_snapshot(), promises, pd.DataFrame(), POLICY, AS_OF)
    assert list(wide.columns) == ["Measure", "EUR", "USD", "Whole book", "Note"]
    row = wide.set_index("Measure")
    assert row.loc["Open balance", "USD"] == 100.0 and row.loc["Open balance", "EUR"] == 20.0
    assert row.loc["% overdue", "EUR"] == 0.0
    assert row.loc["Promise-kept rate %", "Whole book"] == 50.0
    assert np.isnan(row.loc["Promise-kept rate %", "USD"])
    per_currency = len(wide) - 2  # promise-kept and activity are book-wide
    long = kpis(q, empty_snapshot(), promises, pd.DataFrame(), POLICY, AS_OF)
    assert len(long) == 2 * per_currency + 2  # the long form repeats each measure per currency


def test_key_figures_with_the_callers_codes_are_the_same() -> None:
    from dunning_core.forecast import bucket_index, week_index
    from dunning_core.kpis import BookCodes

    q = forecast(
        make_queue([{"open": 10_000, "dpd": 5}, {"open": 2_000, "dpd": 95, "cur": "EUR"}]),
        POLICY,
        AS_OF,
    )
    cur, names = pd.factorize(q[F.CURRENCY].to_numpy(), sort=True)
    week = week_index(q[Q.EXPECTED_DATE], AS_OF, POLICY.horizon_weeks)
    codes = BookCodes(cur, np.asarray(names, dtype=object), bucket_index(q, POLICY), week)
    args = (q, empty_snapshot(), pd.DataFrame(), pd.DataFrame(), POLICY, AS_OF)
    pd.testing.assert_frame_equal(key_figures(*args, None, codes), key_figures(*args))
