"""The queue: days, buckets, stages, broken-promise advance, overrides, routing, actions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from invoice_frames import invoice_frame, promise_frame

from dunning_core.columns import F, P, Q
from dunning_core.policy import DEFAULT_POLICY
from dunning_core.queue import QUEUE_COLUMNS, build_queue, work_order

AS_OF = date(2026, 11, 22)


def due_in(days_past_due: int) -> str:
    return str((pd.Timestamp(AS_OF) - pd.Timedelta(days=days_past_due)).date())


def queue(
    rows: list[dict[str, Any]],
    promises: pd.DataFrame | None = None,
    last_contact: dict[str, date] | None = None,
) -> tuple[pd.DataFrame, list[Any]]:
    sheet = promise_frame() if promises is None else promises
    return build_queue(invoice_frame(rows), DEFAULT_POLICY, AS_OF, sheet, last_contact or {})


def test_adds_queue_columns_keeps_rows_order_and_index() -> None:
    frame = invoice_frame([{F.INVOICE_NO: "B"}, {F.INVOICE_NO: "A"}])
    frame.index = pd.Index([7, 3])
    before = frame.copy()
    out, problems = build_queue(frame, DEFAULT_POLICY, AS_OF, promise_frame(), {})
    assert list(out.columns) == list(frame.columns) + list(QUEUE_COLUMNS)
    assert out.index.tolist() == [7, 3]
    assert out[F.INVOICE_NO].tolist() == ["B", "A"]
    pd.testing.assert_frame_equal(frame, before)
    assert problems == []
    assert out[Q.ACTION_DUE].dtype == "datetime64[ns]"
    assert out[Q.DAYS_PAST_DUE].dtype == "Int64"


def test_empty_book() -> None:
    out, problems = queue([])
    assert out.empty and list(out.columns)[-len(QUEUE_COLUMNS) :] == list(QUEUE_COLUMNS)
    assert problems == []


def test_days_from_due_date_else_export_else_warning() -> None:
    out, problems = queue(
        [
            {F.DUE_DATE: "2026-11-02"},
            {F.DUE_DATE: None, F.DAYS_OVERDUE: 40},
            {F.DUE_DATE: None, F.ROW: 9},
        ]
    )
    assert out[Q.DAYS_PAST_DUE].tolist() == [20, 40, pd.NA]
    assert out[Q.STAGE].tolist() == ["firm", "firm", ""]
    assert out[Q.NEXT_ACTION][2] == "Check the due date: none given"
    assert [(p.cell, p.field, p.severity.value) for p in problems] == [
        ("9:9", F.DUE_DATE, "warning")
    ]


@pytest.mark.parametrize(
    ("days", "bucket", "stage", "name"),
    [
        (-6, "Current", "", "Not due"),
        (-5, "Current", "pre_due", "Pre-due reminder"),
        (0, "Current", "pre_due", "Pre-due reminder"),
        (1, "1-30", "friendly", "Friendly reminder"),
        (15, "1-30", "firm", "Firm reminder"),
        (31, "31-60", "firm", "Firm reminder"),
        (45, "31-60", "final", "Final notice"),
        (75, "61-90", "escalation", "Escalation"),
        (121, "120+", "escalation", "Escalation"),
    ],
)
def test_bucket_and_stage_edges(days: int, bucket: str, stage: str, name: str) -> None:
    out, _ = queue([{F.DUE_DATE: due_in(days)}])
    assert out[[Q.DAYS_PAST_DUE, Q.BUCKET, Q.STAGE, Q.STAGE_NAME]].iloc[0].tolist() == [
        days,
        bucket,
        stage,
        name,
    ]


def test_next_action_for_stages_and_not_due() -> None:
    out, _ = queue([{F.DUE_DATE: "2026-12-03"}, {F.DUE_DATE: due_in(20)}, {F.DUE_DATE: due_in(80)}])
    assert out[Q.NEXT_ACTION].tolist() == [
        "Not due: pre-due reminder from 2026-11-28",
        "Send firm reminder",
        "Escalate to owner",
    ]
    assert out[Q.ACTION_DUE].tolist() == [pd.Timestamp("2026-11-28")] + [pd.Timestamp(AS_OF)] * 2


def test_stage_override_by_key_or_name_else_warning() -> None:
    out, problems = queue(
        [
            {F.STAGE_OVERRIDE: "final"},
            {F.STAGE_OVERRIDE: " Escalation "},
            {F.STAGE_OVERRIDE: "later", F.ROW: 12},
        ]
    )
    assert out[Q.STAGE].tolist() == ["final", "escalation", "firm"]
    assert [(p.cell, p.value) for p in problems] == [("12:12", "later")]


def test_broken_promise_on_sheet_advances_stage_and_raises_priority() -> None:
    broken = promise_frame(
        [{P.ID: "PR", P.CUSTOMER_ID: "C1", P.INVOICES: "INV0001", P.PROMISE_DATE: "2026-11-03",
          P.STATUS: "broken"}]
    )  # fmt: skip
    rows = [{}, {F.DUE_DATE: "2026-12-20"}, {F.CUSTOMER_ID: "C2"}]
    out, _ = queue(rows, broken)
    plain, _ = queue(rows)
    assert plain[Q.STAGE].tolist() == ["firm", "", "firm"]
    assert out[Q.STAGE].tolist() == ["final", "", "firm"]  # not-due items stay not due
    assert out[Q.BROKEN_PROMISE_DATE].tolist()[:2] == [pd.Timestamp("2026-11-03")] * 2
    assert pd.isna(out[Q.BROKEN_PROMISE_DATE][2])
    assert out[Q.PRIORITY][0] > plain[Q.PRIORITY][0]
    assert "promise broken 2026-11-03" in out[Q.PRIORITY_REASON][0]


def test_broken_promise_from_aging_column_and_kept_sheet_promise() -> None:
    late = {F.PROMISE_DATE: "2026-11-10"}
    out, _ = queue([late])
    assert out[Q.STAGE].tolist() == ["final"]
    kept = promise_frame(
        [{P.CUSTOMER_ID: "C1", P.INVOICES: "INV0001", P.PROMISE_DATE: "2026-11-10",
          P.STATUS: "kept"}]
    )  # fmt: skip
    out, _ = queue([late], kept)
    assert out[Q.STAGE].tolist() == ["firm"]
    assert out[Q.BROKEN_PROMISE_DATE].isna().all()


def test_advance_stops_at_last_stage_and_override_wins() -> None:
    late = {F.PROMISE_DATE: "2026-09-01", F.DUE_DATE: due_in(100)}
    out, _ = queue([late, {**late, F.STAGE_OVERRIDE: "friendly"}])
    assert out[Q.STAGE].tolist() == ["escalation", "friendly"]


def test_open_sheet_promise_excludes_its_invoices() -> None:
    sheet = promise_frame(
        [{P.CUSTOMER_ID: "C1", P.INVOICES: "INV0002", P.PROMISE_DATE: "2026-12-05",
          P.AMOUNT: 1000.0, P.STATUS: "open"}]
    )  # fmt: skip
    out, _ = queue([{}, {}], sheet)
    assert out[Q.EXCLUSION_CODE].tolist() == ["", "PROMISE_OPEN"]
    assert out[F.PROMISE_DATE].tolist()[1] == pd.Timestamp("2026-12-05")
    assert out[Q.NEXT_ACTION][1] == "Check the payment promised by 2026-12-08"
    assert out[Q.ACTION_DUE][1] == pd.Timestamp("2026-12-08")


def test_routing_rule_owner_then_collector_then_default() -> None:
    out, _ = queue(
        [
            {F.DISPUTED: True, F.DISPUTE_REASON: "price"},
            {F.CUSTOMER_ID: "C2", F.DO_NOT_CONTACT: True},
            {F.CUSTOMER_ID: "C3", F.OWNER: ""},
        ]
    )
    assert out[Q.ROUTED_TO].tolist() == ["Disputes desk", "Alice", "Collections team"]
    assert out[Q.NEXT_ACTION].tolist() == [
        "Route to Disputes desk: Disputed: price",
        "Review: Do-not-contact flag set on the account",
        "Send firm reminder",
    ]


def test_excluded_actions_and_dates() -> None:
    out, _ = queue(
        [
            {F.HOLD_UNTIL: "2026-12-15"},
            {F.CUSTOMER_ID: "C2", F.EMAIL: ""},
            {F.CUSTOMER_ID: "C3", F.OPEN_CENTS: 100},
            {F.CUSTOMER_ID: "C4"},
        ],
        last_contact={"C4": date(2026, 11, 19)},
    )
    assert out[Q.EXCLUSION_CODE].tolist() == ["ON_HOLD", "NO_CONTACT", "BELOW_MIN", "CADENCE"]
    assert out[Q.NEXT_ACTION].tolist() == [
        "On hold: review on 2026-12-15",
        "Find a contact e-mail address",
        "No reminder: Below minimum amount $50",
        "Next touch from 2026-11-26",
    ]
    due = out[Q.ACTION_DUE].tolist()
    assert due[0] == pd.Timestamp("2026-12-15") and due[3] == pd.Timestamp("2026-11-26")
    assert due[1] == pd.Timestamp(AS_OF) and pd.isna(due[2])
    assert out[Q.EXCLUDED].all()  # excluded work stays in the queue, routed


def test_credit_items() -> None:
    out, _ = queue([{F.OPEN_CENTS: -5_000}, {F.OPEN_CENTS: 500_000}])
    assert out[Q.NEXT_ACTION][0] == "Apply the credit to open invoices"
    assert out[Q.PRIORITY][0] == 0


ROW = st.fixed_dictionaries(
    {
        F.CUSTOMER_ID: st.sampled_from(["A", "B", "C"]),
        F.OPEN_CENTS: st.integers(-10_000, 10**7),
        F.DUE_DATE: st.integers(-30, 200).map(due_in),
        F.DISPUTED: st.booleans(),
        F.EMAIL: st.sampled_from(["", "x@y.example"]),
        F.PROMISE_DATE: st.sampled_from([None, "2026-11-01", "2026-12-01"]),
    }
)


@settings(max_examples=15, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=10), st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_row_order(rows: list[dict[str, Any]], rnd: Any) -> None:
    frame = invoice_frame(rows)
    order = list(range(len(rows)))
    rnd.shuffle(order)
    a, _ = build_queue(frame, DEFAULT_POLICY, AS_OF, promise_frame(), {"A": date(2026, 11, 20)})
    b, _ = build_queue(
        frame.iloc[order], DEFAULT_POLICY, AS_OF, promise_frame(), {"A": date(2026, 11, 20)}
    )
    pd.testing.assert_frame_equal(a, b.loc[a.index])


def test_work_order_is_stable_and_puts_routed_work_last() -> None:
    rows = [
        {F.CUSTOMER_ID: "B", F.DUE_DATE: due_in(5)},
        {F.CUSTOMER_ID: "A", F.DUE_DATE: due_in(90), F.DISPUTED: True},
        {F.CUSTOMER_ID: "A", F.DUE_DATE: due_in(50)},
        {F.CUSTOMER_ID: "B", F.DUE_DATE: due_in(60)},
        {F.CUSTOMER_ID: "A", F.DUE_DATE: due_in(20)},
    ]
    out, _ = queue(rows)
    ordered = work_order(out)
    assert ordered[F.INVOICE_NO].tolist()[-1] == "INV0002"  # excluded: routed, listed last
    firsts = ordered[~ordered[Q.EXCLUDED]]
    assert firsts[Q.CUSTOMER_PRIORITY].is_monotonic_decreasing
    assert firsts[F.CUSTOMER_ID].tolist() in (["A", "A", "B", "B"], ["B", "B", "A", "A"])
    again = work_order(out.iloc[::-1])
    assert again[F.INVOICE_NO].tolist() == ordered[F.INVOICE_NO].tolist()
