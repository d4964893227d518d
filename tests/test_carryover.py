"""Collector-typed values survive a fresh export, and never override what a person typed."""

from __future__ import annotations

from datetime import date

import pandas as pd
from invoice_frames import invoice_frame

from dunning_core.carryover import carry_over
from dunning_core.columns import F
from dunning_core.records import FieldMatch, IngestReport, RawSheet, Severity
from dunning_core.snapshot import empty_snapshot

AS_OF = date(2026, 11, 30)


def _report() -> IngestReport:
    matches = {
        F.NOTES: FieldMatch(F.NOTES, "Notes", 3, ""),
        F.DISPUTED: FieldMatch(F.DISPUTED, "Dispute", 4, ""),
    }
    return IngestReport("Aging", "", 1, 1, 2, 4, matches, (), (), (), 3, 0, {}, {}, "USD")


def _previous(**cols: list) -> pd.DataFrame:
    base = {
        "as_of": [pd.Timestamp("2026-11-23")] * 3,
        "invoice_no": ["I1", "I2", "I9"],
        "customer_id": ["C1"] * 3,
        "currency": ["USD"] * 3,
        "open": [100.0] * 3,
        "expected_in_horizon": [0.0] * 3,
        "disputed": [False] * 3,
    }
    frame = empty_snapshot().reindex(range(3))
    for k, v in {**base, **cols}.items():
        frame[k] = v
    return frame


def _book(rows: list[list]) -> RawSheet:
    return RawSheet("Aging", [["Invoice", "Open", "Notes", "Dispute"], *rows])


def test_empty_cells_get_last_weeks_values_typed_ones_win() -> None:
    inv = invoice_frame([{F.INVOICE_NO: n, F.ROW: r} for n, r in (("I1", 2), ("I2", 3), ("I3", 4))])
    prev = _previous(
        notes=["called Tue", "old note", ""],
        disputed=[True, True, False],
        dispute_reason=["short shipment", "", ""],
    )
    raw = _book([["I1", 100, None, None], ["I2", 100, "new note", "No"], ["I3", 5, None, None]])
    given = inv.copy()
    out, note, problems = carry_over(inv, prev, raw, _report(), AS_OF)
    pd.testing.assert_frame_equal(inv, given)  # the caller's frame is left as it was
    assert out[F.NOTES].tolist()[:2] == ["called Tue", ""]  # I2's typed note stays its own
    assert out[F.DISPUTED].tolist()[:2] == [True, False]  # "No" typed in the cell wins
    assert out[F.DISPUTE_REASON].iloc[0] == "short shipment"
    assert note.tolist() == ["called Tue", "", ""]
    assert {p.field for p in problems} >= {F.NOTES, F.DISPUTED}
    assert all(p.severity is Severity.INFO and p.sheet == "Aging" for p in problems)


def test_expired_hold_is_not_carried_and_vanished_note_is_reported() -> None:
    inv = invoice_frame([{F.INVOICE_NO: "I1", F.ROW: 2}, {F.INVOICE_NO: "I2", F.ROW: 3}])
    prev = _previous(
        hold_until=[pd.Timestamp("2026-11-29"), pd.Timestamp("2026-12-05"), pd.NaT],
        notes=["", "", "customer moved"],
    )
    out, _, problems = carry_over(inv, prev, _book([["I1"], ["I2"]]), _report(), AS_OF)
    assert out[F.HOLD_UNTIL].isna().iloc[0]  # expired the day before
    assert out[F.HOLD_UNTIL].iloc[1] == pd.Timestamp("2026-12-05")
    gone = [p for p in problems if "no longer in the book" in p.message]
    assert len(gone) == 1 and "I9" in gone[0].message and gone[0].value == "note 'customer moved'"


def test_duplicate_invoice_numbers_are_not_guessed() -> None:
    inv = invoice_frame([{F.INVOICE_NO: "I1", F.ROW: 2}, {F.INVOICE_NO: "I1", F.ROW: 3}])
    prev = _previous(notes=["a", "b", "c"])
    out, note, _ = carry_over(inv, prev, _book([["I1"], ["I1"]]), _report(), AS_OF)
    assert out[F.NOTES].tolist() == ["", ""] and note.tolist() == ["", ""]


def test_no_previous_run_changes_nothing() -> None:
    inv = invoice_frame([{F.INVOICE_NO: "I1"}, {F.INVOICE_NO: "I2"}])
    out, note, problems = carry_over(inv, empty_snapshot(), None, _report(), AS_OF)
    assert out.equals(inv) and problems == [] and set(note) == {""}


def test_same_number_for_another_customer_is_another_invoice() -> None:
    inv = invoice_frame([{F.INVOICE_NO: "I1", F.CUSTOMER_ID: "C2", F.ROW: 2}])
    prev = _previous(notes=["hold the line", "", ""])  # I1 belonged to C1
    out, note, problems = carry_over(inv, prev, _book([["I1"]]), _report(), AS_OF)
    assert out[F.NOTES].tolist() == [""] and note.tolist() == [""]
    assert not [p for p in problems if p.field == F.NOTES and "Carried" in p.message]
