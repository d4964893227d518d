"""Drafts: one per customer and stage, and a collector's work survives every re-run."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from invoice_frames import invoice_frame

from dunning_core.activity import append_activity, empty_activity
from dunning_core.columns import DRAFT_COLUMNS, A, D, F, Q
from dunning_core.draft_context import packets
from dunning_core.drafts import drafts_from_sheet, generated_hash, log_sent, update_drafts
from dunning_core.policy import DEFAULT_POLICY
from dunning_core.records import RawSheet, Severity, UserError
from dunning_core.render import load_templates, templates_from_sheet

AS_OF = date(2026, 11, 20)
TEMPLATES = load_templates()
Q_DEFAULTS: dict[str, Any] = {
    Q.STAGE: "friendly",
    Q.EXCLUDED: False,
    Q.EXCLUSION_CODE: "",
    Q.EXCLUSION_REASON: "",
    Q.ROUTED_TO: "Alice",
    Q.PRIORITY: 50,
    Q.CUSTOMER_PRIORITY: 50,
    Q.NEXT_ACTION: "",
    Q.DAYS_PAST_DUE: 19,
    Q.BUCKET: "1-30",
}


def make_queue(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A queue frame as the queue stage hands it over: F columns plus Q columns."""
    q_keys = set(Q_DEFAULTS) | {Q.STAGE_NAME, Q.ACTION_DUE}
    frame = invoice_frame([{k: v for k, v in r.items() if k not in q_keys} for r in rows])
    for key, default in Q_DEFAULTS.items():
        frame[key] = [r.get(key, default) for r in rows]
    names = {s.key: s.name for s in DEFAULT_POLICY.stages}
    frame[Q.STAGE_NAME] = [names.get(s, "") for s in frame[Q.STAGE]]
    frame[Q.ACTION_DUE] = pd.NaT
    frame[Q.EXCLUDED] = frame[Q.EXCLUDED].astype(bool)
    return frame


def run(queue: pd.DataFrame, drafts: pd.DataFrame | None = None, as_of: date = AS_OF, **kw: Any):
    drafts = pd.DataFrame(columns=list(DRAFT_COLUMNS)) if drafts is None else drafts
    activity = kw.pop("activity", empty_activity())
    templates = kw.pop("templates", TEMPLATES)
    return update_drafts(
        queue, drafts, templates, DEFAULT_POLICY, as_of, activity, sheet="Aging", **kw
    )


def two_customers() -> pd.DataFrame:
    return make_queue(
        [
            {F.INVOICE_NO: "A-1", F.OPEN_CENTS: 100_000, F.ROW: 5},
            {F.INVOICE_NO: "A-2", F.OPEN_CENTS: 25_050, F.ROW: 7, Q.STAGE: "firm"},
            {F.INVOICE_NO: "A-3", F.ROW: 9, Q.EXCLUDED: True, Q.EXCLUSION_REASON: "Disputed: x"},
            {F.CUSTOMER_ID: "C2", F.CUSTOMER_NAME: "Beta GmbH", F.INVOICE_NO: "B-1", F.ROW: 6},
        ]
    )


def test_one_draft_per_customer_at_the_most_advanced_stage() -> None:
    drafts, activity, problems = run(two_customers())
    assert problems == []
    assert list(drafts[D.CUSTOMER_ID]) == ["C1", "C2"]
    acme = drafts.iloc[0]
    assert acme[D.ID] == "DR-20261120-C1-firm"
    assert acme[D.STAGE] == "firm" and acme[D.STATUS] == "Draft"
    assert acme[D.INVOICES] == "A-1, A-2"  # the excluded A-3 is not in it
    assert acme[D.AMOUNT] == pytest.approx(1250.50) and acme[D.CURRENCY] == "USD"
    assert acme[D.SOURCE] == "Aging!A5, Aging!A7"
    assert acme[D.TO] == "ap@acme.example" and acme[D.OWNER] == "Alice"
    assert "A-1" in acme[D.BODY] and "A-3" not in acme[D.BODY]
    assert "$1,250.50" in acme[D.SUBJECT]
    assert acme[D.GENERATED_HASH] == generated_hash(
        acme[D.SUBJECT], acme[D.BODY], acme[D.TO], acme[D.CC]
    )
    assert list(activity[A.TYPE]) == ["drafted", "drafted"]
    assert list(activity[A.REFERENCE]) == list(drafts[D.ID])


def test_several_currencies_amount_is_the_largest_and_body_lists_all() -> None:
    queue = make_queue(
        [
            {F.OPEN_CENTS: 10_000, F.CURRENCY: "USD"},
            {F.OPEN_CENTS: 90_000, F.CURRENCY: "EUR"},
        ]
    )
    drafts, _, _ = run(queue)
    row = drafts.iloc[0]
    assert (row[D.CURRENCY], row[D.AMOUNT]) == ("EUR", 900.0)
    assert "EUR: €900" in row[D.BODY] and "USD: $100" in row[D.BODY]


def test_rerun_adds_no_duplicate_and_changes_nothing() -> None:
    queue = two_customers()
    first, act1, _ = run(queue)
    log = append_activity(empty_activity(), act1)
    second, act2, problems = run(queue, first, activity=log)
    assert problems == []
    pd.testing.assert_frame_equal(first, second)
    assert len(append_activity(log, act2)) == len(log)


def test_untouched_draft_is_regenerated_with_new_figures_under_the_same_id() -> None:
    first, _, _ = run(two_customers())
    queue = two_customers()
    queue.loc[0, F.OPEN_CENTS] = 50_000
    later = AS_OF + timedelta(days=3)
    second, new_activity, _ = run(queue, first, as_of=later)
    assert list(second[D.ID]) == list(first[D.ID])
    assert second.iloc[0][D.AMOUNT] == pytest.approx(750.50)
    assert "$750.50" in second.iloc[0][D.BODY]
    assert second.iloc[0][D.UPDATED] == pd.Timestamp(later)
    assert second.iloc[1][D.UPDATED] == pd.Timestamp(AS_OF)  # nothing changed for C2
    assert new_activity.empty


def test_edited_draft_survives_a_rerun() -> None:
    first, _, _ = run(two_customers())
    first.loc[0, D.BODY] = "Hello, my own words."
    first.loc[0, D.REVIEWER_NOTE] = "called them"
    queue = two_customers()
    queue.loc[0, F.OPEN_CENTS] = 50_000
    second, _, _ = run(queue, first, as_of=AS_OF + timedelta(days=3))
    assert len(second) == 2
    pd.testing.assert_series_equal(second.iloc[0], first.iloc[0])


def test_corrected_address_survives_a_rerun() -> None:
    first, _, _ = run(two_customers())
    first.loc[0, D.TO] = "payables@new-address.example"
    queue = two_customers()
    queue.loc[0, F.OPEN_CENTS] = 50_000  # new figures would regenerate an unedited draft
    second, _, _ = run(queue, first, as_of=AS_OF + timedelta(days=3))
    assert second.loc[0, D.TO] == "payables@new-address.example"
    pd.testing.assert_series_equal(second.iloc[0], first.iloc[0])


def test_approved_draft_survives_even_when_unedited() -> None:
    first, _, _ = run(two_customers())
    first.loc[1, D.STATUS] = "Approved"
    queue = two_customers()
    queue.loc[3, F.OPEN_CENTS] = 1_000_000
    second, _, _ = run(queue, first, as_of=AS_OF + timedelta(days=2))
    pd.testing.assert_series_equal(second.iloc[1], first.iloc[1])
    assert len(second) == 2


def test_sent_and_skipped_are_never_changed_and_cadence_is_respected() -> None:
    first, _, _ = run(two_customers())
    first.loc[0, D.STATUS] = "Sent"
    first.loc[1, D.STATUS] = "Skipped"
    soon, _, _ = run(two_customers(), first, as_of=AS_OF + timedelta(days=6))
    pd.testing.assert_frame_equal(soon, first)  # within the 7-day cadence: nothing new
    later, act, _ = run(two_customers(), first, as_of=AS_OF + timedelta(days=7))
    assert list(later[D.ID][2:]) == ["DR-20261127-C1-firm", "DR-20261127-C2-friendly"]
    pd.testing.assert_frame_equal(later.iloc[:2], first)
    assert len(act) == 2


def test_no_longer_eligible_untouched_is_skipped_edited_is_kept_and_reported() -> None:
    first, _, _ = run(two_customers())
    first.loc[1, D.BODY] = "Edited by Bob"
    queue = two_customers()
    queue[Q.EXCLUDED] = True
    queue[Q.EXCLUSION_REASON] = "Disputed: wrong price"
    second, _, problems = run(queue, first, as_of=AS_OF + timedelta(days=1))
    assert second.iloc[0][D.STATUS] == "Skipped"
    assert second.iloc[0][D.REVIEWER_NOTE] == "No longer eligible: Disputed: wrong price"
    pd.testing.assert_series_equal(second.iloc[1], first.iloc[1])
    assert [(p.field, p.value, p.severity) for p in problems] == [
        (D.ID, first.iloc[1][D.ID], Severity.WARNING)
    ]
    assert "No longer eligible" in problems[0].message


def test_stage_advance_skips_the_old_untouched_draft_and_makes_a_new_one() -> None:
    first, _, _ = run(two_customers())
    queue = two_customers()
    queue.loc[3, Q.STAGE] = "final"
    second, act, _ = run(queue, first, as_of=AS_OF + timedelta(days=1))
    assert second.iloc[1][D.STATUS] == "Skipped"
    assert second.iloc[1][D.REVIEWER_NOTE] == "Superseded by the final notice draft"
    assert second.iloc[2][D.ID] == "DR-20261121-C2-final"
    assert "FINAL NOTICE" in second.iloc[2][D.SUBJECT]
    assert list(act[A.REFERENCE]) == ["DR-20261121-C2-final"]


def test_language_picks_the_template_and_falls_back_to_english() -> None:
    queue = make_queue(
        [
            {F.LANGUAGE: "de-DE"},
            {F.CUSTOMER_ID: "C2", F.LANGUAGE: "FR"},
            {F.CUSTOMER_ID: "C3", F.LANGUAGE: "es"},
        ]
    )
    drafts, _, problems = run(queue)
    assert problems == []
    assert list(drafts[D.LANGUAGE]) == ["de", "fr", "es"]
    assert drafts.iloc[0][D.SUBJECT].startswith("Zahlungserinnerung")
    assert drafts.iloc[1][D.SUBJECT].startswith("Rappel de paiement")
    assert drafts.iloc[2][D.SUBJECT].startswith("Friendly reminder")


def test_templates_sheet_override_is_used_and_a_failing_one_falls_back() -> None:
    raw = RawSheet(
        "Templates", [["Name", "Subject", "Body"], ["friendly", "Pay {{ total }}", "{{ x }}"]]
    )
    overrides, problems = templates_from_sheet(raw)
    assert overrides == {} and problems[0].cell == "C2"  # unknown variable caught up front
    raw = RawSheet(
        "Templates",
        [
            ["Name", "Subject", "Body"],
            ["friendly", "Pay {{ total }}", "{{ invoices[1].number }} for {{ customer.name }}"],
        ],
    )
    templates = load_templates(templates_from_sheet(raw)[0])
    two = make_queue([{F.INVOICE_NO: "X1"}, {F.INVOICE_NO: "X2"}])
    drafts, _, problems = run(two, templates=templates)
    assert problems == []
    assert (drafts.iloc[0][D.SUBJECT], drafts.iloc[0][D.BODY]) == (
        "Pay $2,000",
        "X2 for Acme Ltd\n",
    )
    one = make_queue([{F.INVOICE_NO: "X1"}])  # invoices[1] fails for one invoice only
    drafts, _, problems = run(one, templates=templates)
    assert drafts.iloc[0][D.SUBJECT].startswith("Friendly reminder")  # file template used
    assert [(p.sheet, p.cell, p.value) for p in problems] == [("Templates", "C2", "friendly")]


def sheet_of(frame: pd.DataFrame, title_rows: int = 1) -> RawSheet:
    """The Drafts frame laid out as the writer writes it (under a title row)."""
    rows: list[list[Any]] = [["Drafts"]] * title_rows + [list(frame.columns)]
    for rec in frame.itertuples(index=False):
        rows.append([None if pd.isna(v) else v for v in rec])
    return RawSheet("Drafts", rows)


def test_drafts_sheet_round_trip_and_unknown_status_names_its_cell() -> None:
    drafts, _, _ = run(two_customers())
    back, problems = drafts_from_sheet(sheet_of(drafts))
    assert problems == []
    pd.testing.assert_frame_equal(back, drafts)
    drafts.loc[1, D.STATUS] = "Snet"
    drafts.loc[0, D.STATUS] = " approved "
    back, problems = drafts_from_sheet(sheet_of(drafts))
    assert list(back[D.STATUS]) == ["Approved", "Snet"]
    col = "ABCDEFGHIJKLMNOPQRS"[DRAFT_COLUMNS.index(D.STATUS)]
    assert [(p.sheet, p.cell, p.value) for p in problems] == [("Drafts", f"{col}4", "Snet")]
    again, _, _ = run(two_customers(), back, as_of=AS_OF + timedelta(days=1))
    assert len(again) == 2  # the unknown status blocks a duplicate


def test_drafts_sheet_missing_is_empty_and_lost_header_stops_the_run() -> None:
    frame, problems = drafts_from_sheet(None)
    assert frame.empty and list(frame.columns) == list(DRAFT_COLUMNS) and problems == []
    with pytest.raises(UserError, match="Drafts"):
        drafts_from_sheet(RawSheet("Drafts", [["my notes"], ["x", "y"]]))


def test_log_sent_is_idempotent() -> None:
    drafts, act, _ = run(two_customers())
    log = append_activity(empty_activity(), act)
    drafts.loc[0, D.STATUS] = "Sent"
    later = AS_OF + timedelta(days=2)
    drafts, new, count = log_sent(drafts, log, later)
    assert count == 1 and drafts.iloc[0][D.UPDATED] == pd.Timestamp(later)
    row = new.iloc[0]
    assert (row[A.TYPE], row[A.REFERENCE], row[A.CUSTOMER_ID]) == (
        "sent",
        drafts.iloc[0][D.ID],
        "C1",
    )
    assert (row[A.INVOICES], row[A.AMOUNT]) == ("A-1, A-2", pytest.approx(1250.5))
    log = append_activity(log, new)
    again, new2, count2 = log_sent(drafts, log, later)
    assert count2 == 0 and new2.empty
    pd.testing.assert_frame_equal(again, drafts)
    assert len(append_activity(log, new2)) == len(log)


def test_many_customers_render_quickly() -> None:
    n = 20_000
    queue = make_queue([{F.CUSTOMER_ID: f"C{i % 4000:05d}"} for i in range(n)])
    policy = replace(DEFAULT_POLICY)
    start = time.perf_counter()
    drafts, _, _ = update_drafts(queue, pd.DataFrame(), TEMPLATES, policy, AS_OF, empty_activity())
    assert len(drafts) == 4000 and set(drafts[D.INVOICES].str.count(",")) == {4}
    assert time.perf_counter() - start < 10


stage_keys = st.sampled_from(["", "pre_due", "friendly", "firm", "final", "escalation"])
invoice = st.tuples(st.integers(0, 4), stage_keys, st.booleans(), st.integers(1, 10**7))
edit = st.tuples(st.sampled_from(["Draft", "Approved", "Sent", "Skipped"]), st.booleans())


@settings(max_examples=15, deadline=None)
@given(
    week1=st.lists(invoice, min_size=1, max_size=8),
    week2=st.lists(invoice, max_size=8),
    edits=st.lists(edit, min_size=5, max_size=5),
    days=st.integers(0, 20),
)
def test_collector_work_survives_and_nothing_duplicates(
    week1: list[Any], week2: list[Any], edits: list[tuple[str, bool]], days: int
) -> None:
    def queue(items: list[Any]) -> pd.DataFrame:
        return make_queue(
            [
                {F.CUSTOMER_ID: f"C{c}", Q.STAGE: s, Q.EXCLUDED: x, F.OPEN_CENTS: cents}
                for c, s, x, cents in items
            ]
        )

    first, _, _ = run(queue(week1))
    for i, (status, edited) in zip(range(len(first)), edits, strict=False):
        first.loc[i, D.STATUS] = status
        if edited:
            first.loc[i, D.BODY] = "my words"
    second, activity, _ = run(queue(week2), first, as_of=AS_OF + timedelta(days=days))
    assert second[D.ID].is_unique
    assert list(second[D.ID][: len(first)]) == list(first[D.ID])
    open_ = second[second[D.STATUS].isin(["Draft", "Approved"])]
    assert not open_.duplicated([D.CUSTOMER_ID, D.STAGE]).any()
    for i, before in first.iterrows():
        after = second.loc[i]
        touched = before[D.STATUS] != "Draft" or before[D.BODY] == "my words"
        if touched:
            pd.testing.assert_series_equal(after, before)
    assert set(activity[A.REFERENCE]) == set(second[D.ID][len(first) :])


def test_packet_takes_lines_in_source_order_and_the_first_filled_contact_fields() -> None:
    blank = {F.CUSTOMER_ID: " ", F.CUSTOMER_NAME: " Zeta AG "}  # no id: keyed by name
    queue = make_queue(
        [
            {**blank, F.INVOICE_NO: "Z-9", F.ROW: 30, F.EMAIL: "", F.CURRENCY: "EUR"},
            {F.CUSTOMER_ID: "C1", F.INVOICE_NO: " A-2 ", F.ROW: 20, Q.CUSTOMER_PRIORITY: 70},
            {**blank, F.INVOICE_NO: "Z-1", F.ROW: 10, F.EMAIL: "  ", F.LANGUAGE: ""},
            {**blank, F.INVOICE_NO: "Z-5", F.ROW: 15, F.EMAIL: "z@zeta.example", F.LANGUAGE: "de"},
            {F.CUSTOMER_ID: "C1", F.INVOICE_NO: "A-1", F.ROW: 5, F.DUE_DATE: None},
        ]
    )
    got = {
        p.customer_id: p
        for p in packets(queue, DEFAULT_POLICY, AS_OF, {}, {}, sheet="Aging", invoice_column=2)
    }
    assert list(got) == ["C1", "Zeta AG"]
    acme, zeta = got["C1"], got["Zeta AG"]
    assert acme.invoices == ("A-1", "A-2") and acme.priority == 70.0
    assert acme.source == "Aging!B5, Aging!B20"
    assert [line["due_date"] for line in acme.context["invoices"]] == ["", "2026-11-01"]
    assert zeta.invoices == ("Z-1", "Z-5", "Z-9") and zeta.customer == "Zeta AG"
    assert zeta.to == "z@zeta.example" and zeta.language == "de"
    assert zeta.context["total"] == "€1,000 + $2,000" and (zeta.currency, zeta.amount_cents) == (
        "USD",
        200_000,
    )
    line = zeta.context["invoices"][2]
    assert line == {
        "number": "Z-9", "invoice_date": "", "due_date": "2026-11-01", "days_overdue": 19,
        "amount": "€1,000", "amount_value": 1000.0, "currency": "EUR",
    }  # fmt: skip


def test_source_names_the_invoice_cells_on_a_quoted_sheet() -> None:
    queue = make_queue([{F.ROW: 12}, {F.ROW: 15}])
    drafts, _, _ = update_drafts(
        queue, pd.DataFrame(), TEMPLATES, DEFAULT_POLICY, AS_OF, empty_activity(),
        sheet="Aging 2026", invoice_column=3,
    )  # fmt: skip
    assert drafts.iloc[0][D.SOURCE] == "'Aging 2026'!C12, 'Aging 2026'!C15"


def test_empty_queue_skips_untouched_open_drafts() -> None:
    first, _, _ = run(two_customers())
    second, activity, problems = run(make_queue([]), first)
    assert list(second[D.STATUS]) == ["Skipped", "Skipped"]
    assert set(second[D.REVIEWER_NOTE]) == {"No longer eligible: no open invoices"}
    assert activity.empty and problems == []


def test_credits_are_never_dunned_and_escalated_invoices_are_left_out() -> None:
    queue = make_queue(
        [
            {F.INVOICE_NO: "CN-1", F.OPEN_CENTS: -45_000, Q.STAGE: "final"},
            {F.CUSTOMER_ID: "C2", F.INVOICE_NO: "B-1", Q.STAGE: "escalation"},
            {F.CUSTOMER_ID: "C2", F.INVOICE_NO: "B-2", Q.STAGE: "friendly"},
            {F.CUSTOMER_ID: "C3", F.INVOICE_NO: "D-1", Q.STAGE: "escalation"},
        ]
    )
    drafts, _, _ = run(queue)
    assert list(drafts[D.ID]) == ["DR-20261120-C2-friendly"]
    assert drafts.iloc[0][D.INVOICES] == "B-2"
    earlier = run(make_queue([{F.CUSTOMER_ID: "C3", F.INVOICE_NO: "D-1"}]))[0]
    later, _, _ = run(queue, earlier, as_of=AS_OF + timedelta(days=1))
    assert later.iloc[0][D.STATUS] == "Skipped"
    assert later.iloc[0][D.REVIEWER_NOTE] == (
        "No longer eligible: Escalation stage: with the owner, no reminder"
    )


def test_prior_outreach_lists_only_sent_reminders() -> None:
    log = append_activity(
        empty_activity(),
        pd.DataFrame(
            {
                A.TYPE: ["sent", "escalated", "sent"],
                A.CUSTOMER_ID: ["C1"] * 3,
                A.DATE: pd.to_datetime(["2026-10-01", "2026-11-19", "2026-11-06"]),
                A.REFERENCE: ["D1", "E1", "D2"],
            }
        ),
    )
    queue = make_queue([{Q.STAGE: "final"}])
    drafts, _, _ = run(queue, activity=log)
    assert "We contacted you on 2026-11-06, 2026-10-01 without" in drafts.iloc[0][D.BODY]


def test_a_huge_customer_fits_excel_cells_and_the_letter_says_what_is_left_out() -> None:
    queue = make_queue([{F.INVOICE_NO: f"INVOICE-{i:06d}", F.ROW: i + 2} for i in range(3000)])
    drafts, _, _ = run(queue)
    row = drafts.iloc[0]
    assert "... and 2800 more invoices (included in the total)" in row[D.BODY]
    assert "$3,000,000" in row[D.SUBJECT]
    for col in (D.BODY, D.INVOICES, D.SOURCE):
        assert len(row[col]) <= 32_767
    assert row[D.INVOICES].endswith("Excel cell limit]")
    again, _, _ = run(queue, drafts)
    pd.testing.assert_frame_equal(again, drafts)  # the cut text is what the hash covers
