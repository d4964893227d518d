"""Priority score: range, the documented formula, monotonicity, reasons, determinism."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from invoice_frames import invoice_frame

from dunning_core.columns import F, Q
from dunning_core.money import format_amount
from dunning_core.policy import DEFAULT_POLICY, PriorityWeights
from dunning_core.priority import customer_overdue, factors, score

AS_OF = date(2026, 11, 22)


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Invoices with the queue columns priority reads (days, stage, broken date)."""
    out = invoice_frame(rows)
    out[Q.DAYS_PAST_DUE] = pd.array([r.get("days", 10) for r in rows], dtype="Int64")
    out[Q.STAGE] = pd.Series([r.get("stage", "friendly") for r in rows], dtype="str")
    out[Q.BROKEN_PROMISE_DATE] = pd.to_datetime(pd.Series([r.get("broken") for r in rows]))
    return out


def test_formula_on_a_known_row() -> None:
    # the largest item in its currency, 120+ days, last stage, broken promise,
    # the largest customer: every factor is 1, so the score is 100
    out = score(
        frame([{"days": 130, "stage": "escalation", "broken": "2026-11-03"}]), DEFAULT_POLICY, AS_OF
    )
    assert out[Q.PRIORITY].tolist() == [100]
    only_balance = replace(
        DEFAULT_POLICY, weights=PriorityWeights(1.0, 0.0, 0.0, 0.0, 0.0, days_cap=120)
    )
    rows = frame([{F.OPEN_CENTS: 100_000}, {F.OPEN_CENTS: 1_000}])
    got = score(rows, only_balance, AS_OF)[Q.PRIORITY].tolist()
    assert got == [100, round(100 * np.log1p(10) / np.log1p(1000))]


def test_scores_in_range_and_ints() -> None:
    rows = frame(
        [
            {F.OPEN_CENTS: 5, "days": -3, "stage": ""},
            {F.OPEN_CENTS: 10**11, "days": 400, "stage": "escalation", "broken": "2026-01-01"},
            {F.OPEN_CENTS: -50_000},
        ]
    )
    out = score(rows, DEFAULT_POLICY, AS_OF)
    assert out[Q.PRIORITY].dtype == np.int64
    assert out[Q.PRIORITY].between(0, 100).all()
    assert out[Q.PRIORITY].iloc[2] == 0
    assert out[Q.PRIORITY_REASON].iloc[2] == "credit or settled item: nothing to collect"


def test_reason_names_top_factors_with_amounts() -> None:
    rows = frame(
        [
            {F.OPEN_CENTS: 4_821_000, "days": 75, "stage": "final", "broken": "2026-11-03"},
            {F.OPEN_CENTS: 7_219_000, "days": 1, "stage": "friendly"},
        ]
    )
    out = score(rows, DEFAULT_POLICY, AS_OF)
    assert out[Q.PRIORITY_REASON].iloc[0] == (
        "$48,210, 75 days past due; promise broken 2026-11-03; customer owes $120,400 overdue"
    )
    not_due = score(frame([{"days": -4, "stage": ""}]), DEFAULT_POLICY, AS_OF)
    assert not_due[Q.PRIORITY_REASON].iloc[0] == "$1,000 not yet due"


def test_broken_promise_raises_priority() -> None:
    rows = frame([{}, {F.CUSTOMER_ID: "C2", "broken": "2026-11-03"}])
    p = score(rows, DEFAULT_POLICY, AS_OF)[Q.PRIORITY].tolist()
    assert p[1] > p[0]


def test_customer_priority_is_customers_max() -> None:
    rows = frame([{"days": 100, "stage": "escalation"}, {"days": 2}, {F.CUSTOMER_ID: "C2"}])
    out = score(rows, DEFAULT_POLICY, AS_OF)
    assert out[Q.CUSTOMER_PRIORITY].tolist() == [out[Q.PRIORITY][0]] * 2 + [out[Q.PRIORITY][2]]


def test_currencies_scale_separately() -> None:
    rows = frame([{F.OPEN_CENTS: 10**9}, {F.OPEN_CENTS: 1_000, F.CURRENCY: "JPY"}])
    assert factors(rows, DEFAULT_POLICY)["balance"].tolist() == [1.0, 1.0]


ROW = st.fixed_dictionaries(
    {
        F.OPEN_CENTS: st.integers(-(10**6), 10**9),
        "days": st.integers(-30, 400),
        F.CUSTOMER_ID: st.sampled_from(["A", "B", "C"]),
        F.CURRENCY: st.sampled_from(["USD", "EUR"]),
        "stage": st.sampled_from(["", "friendly", "final"]),
        "broken": st.sampled_from([None, "2026-11-01"]),
    }
)


def _raised(rows: list[dict[str, Any]], i: int, column: str, more: int) -> tuple[int, int]:
    """Priority of row ``i`` before and after adding ``more`` to its ``column``."""
    base = frame(rows)
    changed = base.copy()
    changed.loc[changed.index[i], column] += more
    before = score(base, DEFAULT_POLICY, AS_OF)[Q.PRIORITY].iloc[i]
    return before, score(changed, DEFAULT_POLICY, AS_OF)[Q.PRIORITY].iloc[i]


@settings(max_examples=30, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=8), st.integers(0, 7), st.integers(1, 10**8))
def test_more_balance_never_lowers_priority(rows: list[dict[str, Any]], i: int, more: int) -> None:
    before, after = _raised(rows, i % len(rows), F.OPEN_CENTS, more)
    assert after >= before


@settings(max_examples=30, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=8), st.integers(0, 7), st.integers(1, 200))
def test_more_days_never_lowers_priority(rows: list[dict[str, Any]], i: int, more: int) -> None:
    before, after = _raised(rows, i % len(rows), Q.DAYS_PAST_DUE, more)
    assert after >= before


@settings(max_examples=20, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=10), st.randoms(use_true_random=False))
def test_row_order_does_not_change_any_score(rows: list[dict[str, Any]], rnd: Any) -> None:
    base = frame(rows)
    base[F.INVOICE_NO] = [f"I{k}" for k in range(len(rows))]
    order = list(range(len(rows)))
    rnd.shuffle(order)
    cols = [F.INVOICE_NO, Q.PRIORITY, Q.CUSTOMER_PRIORITY, Q.PRIORITY_REASON]
    a = score(base, DEFAULT_POLICY, AS_OF)[cols].sort_values(F.INVOICE_NO)
    b = score(base.iloc[order], DEFAULT_POLICY, AS_OF)[cols].sort_values(F.INVOICE_NO)
    pd.testing.assert_frame_equal(a, b)


def reference_reason(row: pd.Series, parts: np.ndarray) -> str:
    """The reason spelled out for one row, as the module docstring defines it."""
    if row[F.OPEN_CENTS] <= 0:
        return "credit or settled item: nothing to collect"
    days = row[Q.DAYS_PAST_DUE]
    amount = format_amount(int(row[F.OPEN_CENTS]), row[F.CURRENCY])
    late = not pd.isna(days) and days > 0
    names = {s.key: s.name for s in DEFAULT_POLICY.stages}
    broken = row[Q.BROKEN_PROMISE_DATE]
    texts = [
        f"{amount}, {days} days past due" if late else f"{amount} not yet due",
        f"stage: {names.get(row[Q.STAGE], '')}",
        "promise broken " + ("" if pd.isna(broken) else f"{broken:%Y-%m-%d}"),
        f"customer owes {format_amount(int(row['owed']), row[F.CURRENCY])} overdue",
    ]
    order = np.argsort(-np.round(parts, 12), kind="stable")[:3]
    return "; ".join(texts[k] for k in order if parts[k] > 0)


@settings(max_examples=30, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=12))
def test_reason_equals_the_row_by_row_definition(rows: list[dict[str, Any]]) -> None:
    base = frame(rows)
    out = score(base, DEFAULT_POLICY, AS_OF)
    f = factors(base, DEFAULT_POLICY)
    weights = DEFAULT_POLICY.weights
    w = np.array([getattr(weights, k) for k in f.columns])  # they sum to 1 already
    contrib = f.to_numpy() * w
    merged = np.column_stack([contrib[:, 0] + contrib[:, 1], contrib[:, 2:]])
    base["owed"] = customer_overdue(base)
    for i in range(len(base)):
        want = reference_reason(base.iloc[i], merged[i])
        assert out[Q.PRIORITY_REASON].iloc[i] == want
