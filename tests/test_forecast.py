"""Forecast rules: one rule per invoice, expected never above open, calibration hook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.columns import F, Q
from dunning_core.forecast import (
    PROMISE_PROBABILITY,
    bucket_index,
    forecast,
    week_index,
    week_labels,
    week_start,
)
from dunning_core.policy import DEFAULT_POLICY as POLICY

AS_OF = date(2026, 11, 25)  # a Wednesday; week 1 starts Monday 23 Nov


def make_queue(rows: list[dict[str, Any]], as_of: date = AS_OF) -> pd.DataFrame:
    """A queue frame with canonical F and Q columns; ``dpd`` is days past due."""
    today = pd.Timestamp(as_of)
    mins = [b.min_days for b in POLICY.buckets]

    def get(key: str, default: Any) -> list[Any]:
        return [r.get(key, default) for r in rows]

    dpd = np.array(get("dpd", 10), dtype="int64")
    days = lambda xs: pd.Series(  # noqa: E731
        [today + pd.Timedelta(days=x) if x is not None else pd.NaT for x in xs],
        dtype="datetime64[ns]",
    )
    return pd.DataFrame(
        {
            F.CUSTOMER_ID: pd.Series(get("cust", "C1"), dtype="str"),
            F.INVOICE_NO: pd.Series(
                [r.get("inv", f"I{i}") for i, r in enumerate(rows)], dtype="str"
            ),
            F.CURRENCY: pd.Series(get("cur", "USD"), dtype="str"),
            F.DUE_DATE: days([-int(d) for d in dpd]),
            F.OPEN_CENTS: np.array(get("open", 10_000), dtype="int64"),
            F.DISPUTED: np.array(get("disputed", False), dtype=bool),
            F.LEGAL: np.array(get("legal", False), dtype=bool),
            F.PROMISE_DATE: days(get("promise", None)),
            F.PROMISE_CENTS: pd.array(get("promise_cents", None), dtype="Int64"),
            F.IN_TRANSIT_CENTS: pd.array(get("transit", None), dtype="Int64"),
            Q.DAYS_PAST_DUE: dpd,
            Q.BUCKET: pd.Series(
                [
                    POLICY.buckets[int(np.searchsorted(mins, d, side="right")) - 1].label
                    for d in dpd
                ],
                dtype="str",
            ),
            Q.EXCLUSION_CODE: pd.Series(get("code", ""), dtype="str"),
        }
    )


def one(**row: Any) -> pd.Series:
    return forecast(make_queue([row]), POLICY, AS_OF).iloc[0]


def test_ordinary_overdue_restarts_lateness_from_today() -> None:
    r = one(dpd=20, open=10_000)  # bucket 1-30: p 0.90, 14 days late; due+14 is in the past
    assert r[Q.EXPECTED_DATE] == pd.Timestamp(AS_OF) + pd.Timedelta(days=14)
    assert r[Q.PROBABILITY] == 0.90
    assert r[Q.EXPECTED_CENTS] == 9_000
    assert not r[Q.AT_RISK]


def test_ordinary_not_yet_due_is_due_plus_lateness() -> None:
    r = one(dpd=-30, open=10_001)  # Current: p 0.95, 3 days late
    assert r[Q.EXPECTED_DATE] == pd.Timestamp(AS_OF) + pd.Timedelta(days=33)
    assert r[Q.EXPECTED_CENTS] == 9_501  # 9500.95 rounds half away from zero


def test_disputed_and_legal_are_at_risk_whole() -> None:
    for row in ({"disputed": True}, {"legal": True}, {"code": "DISPUTED"}, {"code": "LEGAL"}):
        r = one(dpd=40, open=50_000, promise=5, **row)
        assert r[Q.AT_RISK] and r[Q.PROBABILITY] == 0.0 and r[Q.EXPECTED_CENTS] == 0
        assert pd.isna(r[Q.EXPECTED_DATE])


def test_open_promise_uses_promise_date_and_raised_probability() -> None:
    r = one(dpd=100, open=20_000, promise=10)  # 91-120: p 0.45 raised to 0.9
    assert r[Q.EXPECTED_DATE] == pd.Timestamp(AS_OF) + pd.Timedelta(days=10)
    assert r[Q.PROBABILITY] == PROMISE_PROBABILITY
    assert r[Q.EXPECTED_CENTS] == 18_000


def test_promise_within_grace_is_expected_today_and_lapsed_one_is_ignored() -> None:
    inside = one(dpd=10, promise=-POLICY.promise_grace_days)
    assert inside[Q.EXPECTED_DATE] == pd.Timestamp(AS_OF)
    lapsed = one(dpd=10, promise=-POLICY.promise_grace_days - 1)
    assert lapsed[Q.EXPECTED_DATE] == pd.Timestamp(AS_OF) + pd.Timedelta(days=4)  # due + 14
    assert lapsed[Q.PROBABILITY] == 0.90


def test_partial_promise_blends_promised_part_and_remainder() -> None:
    r = one(dpd=100, open=20_000, promise=7, promise_cents=10_000)
    assert r[Q.EXPECTED_CENTS] == 10_000 * 0.9 + 10_000 * 0.45


def test_in_transit_amount_is_certain_in_three_days() -> None:
    r = one(dpd=130, open=10_000, transit=4_000)  # 120+: p 0.20 on the rest
    assert r[Q.EXPECTED_DATE] == pd.Timestamp(AS_OF) + pd.Timedelta(days=3)
    assert r[Q.EXPECTED_CENTS] == 4_000 + 1_200


def test_credit_note_expects_no_cash_and_is_not_at_risk() -> None:
    r = one(dpd=5, open=-2_500)
    assert r[Q.EXPECTED_CENTS] == 0 and r[Q.PROBABILITY] == 0.0 and not r[Q.AT_RISK]


def test_output_dtypes() -> None:
    out = forecast(make_queue([{"dpd": 3}, {"open": -5}]), POLICY, AS_OF)
    assert out[Q.EXPECTED_DATE].dtype == "datetime64[ns]"
    assert out[Q.EXPECTED_CENTS].dtype == "int64"
    assert out[Q.PROBABILITY].dtype == "float64"
    assert out[Q.AT_RISK].dtype == bool


@dataclass
class FixedModel:
    """A stand-in calibration: every invoice 0.5, paid in 30 days; records its calls."""

    basis: str = "test model"
    calls: int = 0

    def predict(self, queue: pd.DataFrame, as_of: date) -> pd.DataFrame:
        self.calls += 1
        when = pd.Timestamp(as_of) + pd.Timedelta(days=30)
        return pd.DataFrame({"expected_date": when, "probability": 0.5}, index=queue.index).astype(
            {"expected_date": "datetime64[ns]"}
        )


def test_calibration_replaces_ordinary_invoices_only() -> None:
    q = make_queue([{"dpd": 10}, {"dpd": 10, "promise": 5}, {"dpd": 10, "disputed": True}])
    model = FixedModel()
    out = forecast(q, POLICY, AS_OF, calibration=model)
    assert model.calls == 1
    assert out[Q.PROBABILITY].tolist() == [0.5, PROMISE_PROBABILITY, 0.0]
    assert out[Q.EXPECTED_DATE].iloc[0] == pd.Timestamp(AS_OF) + pd.Timedelta(days=30)
    assert out[Q.EXPECTED_DATE].iloc[1] == pd.Timestamp(AS_OF) + pd.Timedelta(days=5)


def test_week_boundaries() -> None:
    assert week_start(AS_OF) == pd.Timestamp("2026-11-23")
    dates = pd.Series(
        pd.to_datetime(
            [
                "2026-11-20",
                "2026-11-23",
                "2026-11-29",
                "2026-11-30",
                "2027-02-21",
                "2027-02-22",
                None,
            ]
        )
    )
    assert week_index(dates, AS_OF, 13).tolist() == [0, 0, 0, 1, 12, 13, 13]
    assert week_labels(AS_OF, 3) == ["Wk 1 23 Nov", "Wk 2 30 Nov", "Wk 3 7 Dec"]


rows_st = st.lists(
    st.fixed_dictionaries(
        {
            "open": st.integers(-(10**9), 10**10),
            "dpd": st.integers(-60, 400),
            "disputed": st.booleans(),
            "promise": st.none() | st.integers(-10, 120),
            "promise_cents": st.none() | st.integers(0, 10**10),
            "transit": st.none() | st.integers(0, 10**10),
        }
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(rows_st)
def test_expected_never_exceeds_open_and_dates_not_in_past(rows: list[dict[str, Any]]) -> None:
    q = make_queue(rows)
    out = forecast(q, POLICY, AS_OF)
    open_c = out[F.OPEN_CENTS].to_numpy()
    exp = out[Q.EXPECTED_CENTS].to_numpy()
    assert (np.abs(exp) <= np.abs(open_c)).all() and (exp >= 0).all()
    assert ((out[Q.PROBABILITY] >= 0) & (out[Q.PROBABILITY] <= 1)).all()
    dated = out[Q.EXPECTED_DATE].dropna()
    assert (dated >= pd.Timestamp(AS_OF)).all()
    assert out.equals(forecast(q, POLICY, AS_OF))  # deterministic


@dataclass
class WildModel:
    """A calibration returning out-of-range values: the forecast must still hold its bounds."""

    probs: list[float]
    days: list[int | None]
    basis: str = "wild"

    def predict(self, queue: pd.DataFrame, as_of: date) -> pd.DataFrame:
        when = [
            pd.Timestamp(as_of) + pd.Timedelta(days=d) if d is not None else pd.NaT
            for d in self.days
        ]
        return pd.DataFrame(
            {"expected_date": pd.Series(when, dtype="datetime64[ns]"), "probability": self.probs},
            index=queue.index,
        )


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10**9),
            st.floats(allow_nan=True, allow_infinity=True),
            st.none() | st.integers(-400, 400),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_calibration_output_is_clamped(rows: list[tuple[int, float, int | None]]) -> None:
    q = make_queue([{"open": o, "dpd": 30} for o, _, _ in rows])
    model = WildModel([p for _, p, _ in rows], [d for _, _, d in rows])
    out = forecast(q, POLICY, AS_OF, calibration=model)
    assert out[Q.PROBABILITY].between(0, 1).all()
    assert (out[Q.EXPECTED_CENTS] <= out[F.OPEN_CENTS]).all()
    assert (out[Q.EXPECTED_DATE] >= pd.Timestamp(AS_OF)).all()
    fallback = np.isnan([p for _, p, _ in rows])
    assert (out[Q.PROBABILITY][fallback] == 0.90).all()  # NaN falls back to the bucket default


def test_bucket_from_label_else_from_days() -> None:
    q = make_queue([{"dpd": 45}, {"dpd": 45}, {"dpd": 45}])
    q[Q.BUCKET] = pd.Series(["120+", "not a bucket", None], dtype="str")
    assert bucket_index(q, POLICY).tolist() == [5, 2, 2]
