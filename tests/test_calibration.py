"""Calibration: customer behaviour, shrinkage, disputes, defaults, and no look-ahead."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunning_core.backtest import book_at
from dunning_core.calibration import (
    MIN_HISTORY,
    bucket_labels,
    calibrate,
    policy_defaults,
)
from dunning_core.columns import F, Q
from dunning_core.history import SETTLED_DATE, read_history
from dunning_core.policy import DEFAULT_POLICY

IBM = Path(__file__).resolve().parents[2] / "shared" / "data" / "ibm_late_payment_history.csv"
AS_OF = date(2025, 6, 2)


def paid(customer: str, late: int, n: int, segment: str = "S", disputed: bool = False) -> list:
    """``n`` invoices of ``customer``, each settled ``late`` days after its due date."""
    out = []
    for i in range(n):
        due = pd.Timestamp(2025, 1, 1) + pd.Timedelta(days=3 * i)
        out.append(
            {
                F.CUSTOMER_ID: customer,
                F.INVOICE_DATE: due - pd.Timedelta(days=30),
                F.DUE_DATE: due,
                F.ORIGINAL_CENTS: 10_000,
                SETTLED_DATE: due + pd.Timedelta(days=late),
                F.DISPUTED: disputed,
                F.SEGMENT: segment,
            }
        )
    return out


def queue(rows: list[tuple[str, str, bool]], due: date = date(2025, 6, 20)) -> pd.DataFrame:
    """Open invoices (customer, segment, disputed), all due on ``due``; odd index on purpose."""
    return pd.DataFrame(
        {
            F.CUSTOMER_ID: [r[0] for r in rows],
            F.SEGMENT: [r[1] for r in rows],
            F.DISPUTED: [r[2] for r in rows],
            F.DUE_DATE: pd.Timestamp(due),
            F.OPEN_CENTS: 50_000,
        },
        index=range(100, 100 + len(rows)),
    )


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return pd.DataFrame(
        paid("LATE", 10, 20)
        + paid("EARLY", -5, 20)
        + paid("ONCE", 40, 1)
        + paid("D", 0, 12)
        + paid("D", 21, 12, disputed=True)
    )


def test_customers_keep_their_own_pattern(history: pd.DataFrame) -> None:
    model = calibrate(history, AS_OF, DEFAULT_POLICY)
    q = queue([("LATE", "S", False), ("EARLY", "S", False)])
    pred = model.predict(q, AS_OF)
    assert list(pred.index) == list(q.index)
    assert list(pred["expected_date"]) == [pd.Timestamp(2025, 6, 30), pd.Timestamp(2025, 6, 15)]
    assert (pred["probability"] == 1.0).all()
    assert "Calibrated on 65 invoices settled before 2025-06-02" in model.basis


def test_little_history_is_shrunk_towards_the_book(history: pd.DataFrame) -> None:
    model = calibrate(history, AS_OF, DEFAULT_POLICY)
    pred = model.predict(queue([("ONCE", "S", False), ("NEW", "S", False)]), AS_OF)
    once, new = (pred["expected_date"] - pd.Timestamp(2025, 6, 20)).dt.days
    assert 0 <= once < 40  # one invoice 40 days late does not make the forecast 40 days late
    assert -5 <= new <= 10  # an unknown customer gets the segment's (the book's) median


def test_disputes_shift_the_forecast(history: pd.DataFrame) -> None:
    model = calibrate(history, AS_OF, DEFAULT_POLICY)
    assert model.dispute_shift == 21
    pred = model.predict(queue([("D", "S", False), ("D", "S", True)]), AS_OF)
    gap = (pred["expected_date"].iloc[1] - pred["expected_date"].iloc[0]).days
    assert gap == 21


def test_overdue_invoice_is_forecast_after_the_as_of_date(history: pd.DataFrame) -> None:
    model = calibrate(history, AS_OF, DEFAULT_POLICY)
    q = queue([("LATE", "S", False), ("EARLY", "S", False)], due=date(2025, 5, 1))
    pred = model.predict(q, AS_OF)
    # later than anything in either customer's history: the policy rule for its bucket
    expected = policy_defaults(q, AS_OF, DEFAULT_POLICY)
    pd.testing.assert_frame_equal(pred, expected)
    assert (pred["expected_date"] > pd.Timestamp(AS_OF)).all()


def test_too_little_history_falls_back_to_policy_defaults(history: pd.DataFrame) -> None:
    model = calibrate(history.iloc[: MIN_HISTORY - 1], AS_OF, DEFAULT_POLICY)
    assert not model.calibrated
    assert model.basis.startswith("Policy defaults by aging bucket: only 19 invoices")
    assert model.settings_blocks() == ()
    q = queue([("LATE", "S", False)])
    pd.testing.assert_frame_equal(
        model.predict(q, AS_OF), policy_defaults(q, AS_OF, DEFAULT_POLICY)
    )


def test_policy_defaults_follow_the_bucket_rule() -> None:
    q = queue([("A", "S", False)] * 3)
    q[F.DUE_DATE] = pd.to_datetime(["2025-06-10", "2025-05-10", "2025-01-01"])
    out = policy_defaults(q, AS_OF, DEFAULT_POLICY)
    # Current: due + 3; 1-30 (23 days): due + 14 is past, so as-of + 14; 120+: as-of + 60
    assert list(out["expected_date"]) == list(
        pd.to_datetime(["2025-06-13", "2025-06-16", "2025-08-01"])
    )
    assert list(out["probability"]) == [0.95, 0.90, 0.20]


def test_bucket_labels_cover_every_day_count() -> None:
    days = pd.Series([-400, 0, 1, 30, 31, 90, 120, 121, 5000])
    labels = bucket_labels(days, DEFAULT_POLICY)
    assert list(labels) == [
        "Current",
        "Current",
        "1-30",
        "1-30",
        "31-60",
        "61-90",
        "91-120",
        "120+",
        "120+",
    ]


def test_weekly_shares_match_the_probability(history: pd.DataFrame) -> None:
    model = calibrate(history, AS_OF, DEFAULT_POLICY)
    q = queue([("LATE", "S", False), ("EARLY", "S", True), ("NEW", "X", False)])
    shares = model.weekly(q, AS_OF, 13)
    assert shares.shape == (3, 13)
    assert (shares >= 0).all()
    np.testing.assert_allclose(shares.sum(axis=1), model.predict(q, AS_OF)["probability"])
    # LATE pays due + 10 = 30 June: 28 days after the as-of date, in week 4
    assert shares[0].argmax() == 3


def test_settings_blocks_are_readable_tables(history: pd.DataFrame) -> None:
    blocks = calibrate(history, AS_OF, DEFAULT_POLICY).settings_blocks()
    assert [b.title for b in blocks] == [
        "Payment behaviour by customer",
        "Collection probability by bucket",
        "Dispute effect",
    ]
    customers, buckets, disputes = (b.frame for b in blocks)
    assert list(customers["Customer id"]) == ["D", "EARLY", "LATE", "ONCE"]
    assert list(customers["Invoices settled"]) == [24, 20, 20, 1]
    assert customers.set_index("Customer id").loc["LATE", "Median days late (own)"] == 10
    assert customers["Weight of own history"].between(0, 1).all()
    assert list(buckets["Bucket"]) == [b.label for b in DEFAULT_POLICY.buckets]
    assert buckets["Within 13 weeks"].iloc[0] == 1.0
    assert list(disputes["Shift applied (days)"]) == [0, 21]
    for b in blocks:
        assert set(b.formats) <= set(b.frame.columns)
        assert b.note.startswith("From 65 invoices settled before 2025-06-02.")


def test_plugs_into_the_forecast_module(history: pd.DataFrame) -> None:
    forecast_mod = pytest.importorskip("dunning_core.forecast")
    model = calibrate(history, AS_OF, DEFAULT_POLICY)
    q = queue([("LATE", "S", False)])
    q[Q.DAYS_PAST_DUE] = -18
    q[Q.BUCKET] = "Current"
    out = forecast_mod.forecast(q, DEFAULT_POLICY, AS_OF, calibration=model)
    assert out[Q.EXPECTED_DATE].iloc[0] == pd.Timestamp(2025, 6, 30)
    assert out[Q.EXPECTED_CENTS].iloc[0] == 50_000


@pytest.fixture(scope="module")
def ibm() -> pd.DataFrame:
    if not IBM.is_file():
        pytest.skip("shared IBM sample not available")
    return read_history(IBM)[0]


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    day=st.integers(120, 600),
    seed=st.integers(0, 2**32 - 1),
)
def test_forecast_at_d_ignores_everything_settled_after_d(
    ibm: pd.DataFrame, day: int, seed: int
) -> None:
    """No look-ahead: rewrite the history after D (dates, amounts, disputes, customers,
    extra invoices) and the model calibrated at D predicts exactly the same."""
    d = date(2012, 1, 1) + timedelta(days=day)
    rng = np.random.default_rng(seed)
    q = book_at(ibm, d)
    before = calibrate(ibm, d, DEFAULT_POLICY)
    altered = ibm.copy()
    after = altered[SETTLED_DATE] >= pd.Timestamp(d)
    k = int(after.sum())
    altered.loc[after, SETTLED_DATE] += pd.to_timedelta(rng.integers(0, 60, k), unit="D")
    altered.loc[after, F.ORIGINAL_CENTS] = rng.integers(1, 10**7, k)
    altered.loc[after, F.DISPUTED] = rng.random(k) < 0.5
    altered.loc[after, F.CUSTOMER_ID] = rng.choice(ibm[F.CUSTOMER_ID].unique(), k)
    extra = altered[after].assign(**{SETTLED_DATE: pd.Timestamp(d) + pd.Timedelta(days=1)})
    altered = pd.concat([altered, extra], ignore_index=True)
    model = calibrate(altered, d, DEFAULT_POLICY)
    pd.testing.assert_frame_equal(model.predict(q, d), before.predict(q, d))
    np.testing.assert_array_equal(model.weekly(q, d, 13), before.weekly(q, d, 13))
    assert model.basis == before.basis
    for new, old in zip(model.settings_blocks(), before.settings_blocks(), strict=True):
        pd.testing.assert_frame_equal(new.frame, old.frame)


def test_weekly_range_brackets_the_expected_cash(history: pd.DataFrame) -> None:
    model = calibrate(history, AS_OF, DEFAULT_POLICY)
    q = queue([("LATE", "S", False), ("NEW", "X", False), ("D", "S", True)])
    weekly = model.weekly_range(q, AS_OF, 13)
    assert list(weekly.index) == list(range(1, 14))
    expected = np.rint(q[F.OPEN_CENTS].to_numpy() @ model.weekly(q, AS_OF, 13)).astype("int64")
    np.testing.assert_array_equal(weekly["expected_cents"], expected)
    assert (weekly["p10_cents"] <= weekly["expected_cents"]).all()
    assert (weekly["expected_cents"] <= weekly["p90_cents"]).all()
    assert weekly["expected_cents"].sum() <= q[F.OPEN_CENTS].sum()
    assert (weekly["p90_cents"] > weekly["p10_cents"]).any()  # uncertain weeks have a range
