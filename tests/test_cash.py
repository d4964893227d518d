"""Expected Cash blocks: every row reconciles to its open balance, to the cent."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.cash import (
    AT_RISK,
    CREDITS,
    LATER,
    NOT_DUE,
    OPEN,
    OTHER_CUSTOMERS,
    expected_cash_blocks,
)
from dunning_core.columns import F, Q
from dunning_core.forecast import forecast, week_labels
from dunning_core.money import cents_series
from dunning_core.policy import DEFAULT_POLICY
from dunning_core.records import Block
from dunning_core.snapshot import empty_snapshot, snapshot_frame

AS_OF = date(2026, 11, 25)
POLICY = replace(DEFAULT_POLICY, top_customers=3)
STAGES = ("", "Not due", "Friendly reminder", "Final notice", "Escalation")


def make_queue(rows: list[dict[str, Any]], as_of: date = AS_OF) -> pd.DataFrame:
    """A forecast-ready queue frame; ``dpd`` is days past due, ``promise`` days from as-of."""
    today = pd.Timestamp(as_of)
    mins = [b.min_days for b in POLICY.buckets]

    def get(key: str, default: Any) -> list[Any]:
        return [r.get(key, default) for r in rows]

    dpd = np.array(get("dpd", 10), dtype="int64")
    promise = [
        today + pd.Timedelta(days=p) if p is not None else pd.NaT for p in get("promise", None)
    ]
    return pd.DataFrame(
        {
            F.CUSTOMER_ID: pd.Series(get("cust", "C1"), dtype="str"),
            F.CUSTOMER_NAME: pd.Series(get("name", ""), dtype="str"),
            F.INVOICE_NO: pd.Series(
                [r.get("inv", f"I{i}") for i, r in enumerate(rows)], dtype="str"
            ),
            F.CURRENCY: pd.Series(get("cur", "USD"), dtype="str"),
            F.OWNER: pd.Series(get("owner", ""), dtype="str"),
            F.INVOICE_DATE: pd.Series(today - pd.to_timedelta(dpd + 30, unit="D")),
            F.DUE_DATE: pd.Series(today - pd.to_timedelta(dpd, unit="D")),
            F.OPEN_CENTS: np.array(get("open", 10_000), dtype="int64"),
            F.ORIGINAL_CENTS: pd.array(get("open", 10_000), dtype="Int64"),
            F.DISPUTED: np.array(get("disputed", False), dtype=bool),
            F.PROMISE_DATE: pd.Series(promise, dtype="datetime64[ns]"),
            Q.DAYS_PAST_DUE: dpd,
            Q.BUCKET: pd.Series(
                [
                    POLICY.buckets[int(np.searchsorted(mins, d, side="right")) - 1].label
                    for d in dpd
                ],
                dtype="str",
            ),
            Q.STAGE: pd.Series(get("stage", ""), dtype="str"),
            Q.STAGE_NAME: pd.Series(get("stage", ""), dtype="str"),
            Q.EXCLUSION_CODE: pd.Series(get("code", ""), dtype="str"),
        }
    )


def blocks_for(queue: pd.DataFrame, previous: pd.DataFrame | None = None) -> tuple[Block, ...]:
    prev = empty_snapshot() if previous is None else previous
    return expected_cash_blocks(
        forecast(queue, POLICY, AS_OF),
        prev,
        pd.DataFrame(),
        pd.DataFrame(),
        POLICY,
        AS_OF,
        "policy defaults",
    )


def money_blocks(blocks: tuple[Block, ...]) -> list[Block]:
    return [b for b in blocks if OPEN in b.frame.columns]


def cents(frame: pd.DataFrame, col: str) -> np.ndarray:
    return cents_series(frame[col]).to_numpy(dtype="int64")


def cents_matrix(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Display floats back to exact cents (they are rounded to the cent by contract)."""
    units = frame[cols].to_numpy(dtype="float64")
    assert (np.round(units, 2) == units).all()
    return np.round(units * 100.0).astype("int64")


def open_by_currency(queue: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in queue.groupby(F.CURRENCY)[F.OPEN_CENTS].sum().items()}


def check_reconciles(queue: pd.DataFrame, blocks: tuple[Block, ...]) -> None:
    weeks = week_labels(AS_OF, POLICY.horizon_weeks)
    parts = [*weeks, LATER, AT_RISK, CREDITS]
    expected_totals = open_by_currency(queue)
    found = money_blocks(blocks)
    assert len(found) == 5  # weekly, bucket, stage, collector, top customers
    for block in found:
        f = block.frame
        assert list(f.columns[:1]) == ["Currency"]
        assert (cents_matrix(f, parts).sum(axis=1) == cents(f, OPEN)).all(), block.title
        totals = pd.Series(cents(f, OPEN)).groupby(f["Currency"].to_numpy()).sum()
        assert {str(k): int(v) for k, v in totals.items()} == expected_totals, block.title
        assert (cents(f, CREDITS) <= 0).all()


books = st.lists(
    st.fixed_dictionaries(
        {
            "open": st.integers(-500_000, 50_000_000),
            "dpd": st.integers(-60, 300),
            "cur": st.sampled_from(["USD", "EUR", "JPY"]),
            "cust": st.sampled_from([f"C{i}" for i in range(7)]),
            "owner": st.sampled_from(["", "ann", "bob"]),
            "stage": st.sampled_from(STAGES),
            "disputed": st.booleans(),
            "promise": st.none() | st.integers(-5, 150),
        }
    ),
    min_size=0,
    max_size=40,
)


@settings(max_examples=20, deadline=None)
@given(books)
def test_every_row_of_every_block_reconciles_to_the_cent(rows: list[dict[str, Any]]) -> None:
    queue = make_queue(rows)
    check_reconciles(queue, blocks_for(queue))


def test_weekly_block_layout_and_chart() -> None:
    queue = make_queue([{"dpd": 20, "open": 10_000}, {"dpd": 5, "open": -300, "cur": "EUR"}])
    weekly = money_blocks(blocks_for(queue))[0]
    assert weekly.title == "Weekly expected cash"
    assert weekly.chart == tuple(week_labels(AS_OF, 13))
    assert list(weekly.frame.columns) == [
        "Currency",
        "Scope",
        *weekly.chart,
        LATER,
        AT_RISK,
        CREDITS,
        OPEN,
    ]
    assert set(weekly.frame["Scope"]) == {"All invoices"}
    usd = weekly.frame.set_index("Currency").loc["USD"]
    # due 5 Nov + 14 days is past: as-of + 14 = 9 Dec, week 3 (starts 7 Dec)
    assert usd["Wk 3 7 Dec"] == 90.0 and usd[AT_RISK] == 10.0
    assert weekly.frame.set_index("Currency").loc["EUR", CREDITS] == -3.0
    assert weekly.formats[OPEN] == "money"


def test_disputed_balance_is_all_at_risk() -> None:
    queue = make_queue([{"open": 123_456, "disputed": True, "promise": 3}])
    weekly = money_blocks(blocks_for(queue))[0].frame
    assert weekly.loc[0, AT_RISK] == 1234.56
    assert weekly.loc[0, week_labels(AS_OF, 13)].sum() == 0


def test_top_customers_and_other_row() -> None:
    rows = [{"cust": f"C{i}", "name": f"Name {i}", "open": 1_000 * (i + 1)} for i in range(5)]
    block = money_blocks(blocks_for(make_queue(rows)))[-1]
    assert block.frame["Customer"].tolist() == [
        "Name 4 (C4)",
        "Name 3 (C3)",
        "Name 2 (C2)",
        OTHER_CUSTOMERS,
    ]
    assert block.frame[OPEN].iloc[-1] == 30.0  # C0 + C1


def test_breakdowns_follow_policy_order() -> None:
    rows = [{"dpd": 200, "stage": "Escalation"}, {"dpd": -10}, {"dpd": 40, "stage": "Final notice"}]
    blocks = {b.title: b for b in blocks_for(make_queue(rows))}
    assert blocks["Expected cash by bucket"].frame["Bucket"].tolist() == [
        "Current",
        "31-60",
        "120+",
    ]
    stages = blocks["Expected cash by stage"].frame["Stage"].tolist()
    assert stages == [NOT_DUE, "Final notice", "Escalation"]
    assert blocks["Expected cash by collector"].frame["Collector"].tolist() == [
        POLICY.default_owner
    ]


def test_key_figures_first_with_as_of_and_basis() -> None:
    first = blocks_for(make_queue([{}]))[0]
    assert first.title == "Key figures"
    assert "25 Nov 2026" in first.note and "policy defaults" in first.note
    assert list(first.frame.columns) == ["Measure", "USD", "Whole book", "Note"]
    assert first.formats["USD"] == "number"


def test_change_block_empty_without_previous_and_filled_with_one() -> None:
    queue = make_queue([{"inv": "A"}, {"inv": "B", "dpd": 40}])
    change = blocks_for(queue)[-1]
    assert change.title == "Change since previous run"
    assert change.frame.empty and "No previous run" in change.note

    earlier = date(2026, 11, 18)
    prev = snapshot_frame(forecast(make_queue([{"inv": "A"}], earlier), POLICY, earlier), earlier)
    change = blocks_for(queue, prev)[-1]
    f = change.frame.set_index("Reason")
    reasons = f.drop(index="Total change")
    assert (cents(reasons, "Change").sum()) == cents(f.loc[["Total change"]], "Change")[0]
    assert f.loc["New invoices", "Invoices"] == 1
    assert "18 Nov 2026" in change.note


def test_blocks_are_deterministic() -> None:
    rows = [{"cust": f"C{i % 4}", "open": 777 * i, "dpd": 11 * i - 30} for i in range(30)]
    one, two = blocks_for(make_queue(rows)), blocks_for(make_queue(rows))
    assert all(a.frame.equals(b.frame) and a.note == b.note for a, b in zip(one, two, strict=True))


def test_queue_without_forecast_is_forecast_with_defaults() -> None:
    queue = make_queue([{"open": 5_000}])
    blocks = expected_cash_blocks(
        queue, empty_snapshot(), pd.DataFrame(), pd.DataFrame(), POLICY, AS_OF, "defaults"
    )
    check_reconciles(queue, blocks)


def test_a_snapshot_frame_given_by_the_caller_gives_the_same_blocks() -> None:
    rows = [{"cust": f"C{i % 3}", "open": 1_000 + i, "dpd": 9 * i - 20} for i in range(12)]
    queue = forecast(make_queue(rows), POLICY, AS_OF)
    earlier = date(2026, 11, 18)
    prev = snapshot_frame(forecast(make_queue(rows[:8], earlier), POLICY, earlier), earlier)
    args = (queue, prev, pd.DataFrame(), pd.DataFrame(), POLICY, AS_OF, "defaults")
    given = expected_cash_blocks(*args, current=snapshot_frame(queue, AS_OF, POLICY.horizon_weeks))
    for a, b in zip(expected_cash_blocks(*args), given, strict=True):
        pd.testing.assert_frame_equal(a.frame, b.frame)
        assert a.note == b.note


def test_labels_as_codes_sort_like_a_factorisation() -> None:
    from dunning_core.cash import _sorted_codes

    names = np.array(["b", "a", "c", "unused"], dtype=object)
    codes = np.array([0, 2, 1, 0, 2])
    key_code, keys = _sorted_codes((codes, names))
    want_code, want_keys = pd.factorize(names[codes], sort=True)
    assert key_code.tolist() == want_code.tolist() and keys.tolist() == list(want_keys)
    twice = np.array(["x", "x", "a"], dtype=object)  # a repeated name is one group
    key_code, keys = _sorted_codes((np.array([0, 1, 2]), twice))
    assert keys.tolist() == ["a", "x"] and key_code.tolist() == [1, 1, 0]
