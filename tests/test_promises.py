"""Promise capture from the aging sheet, resolution (kept / broken / open), idempotence."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from invoice_frames import invoice_frame, promise_frame

from dunning_core.columns import ACTIVITY_COLUMNS, PROMISE_COLUMNS, A, F, P, S
from dunning_core.policy import DEFAULT_POLICY
from dunning_core.promises import invoice_list, update_promises

AS_OF = date(2026, 11, 22)
NO_PREVIOUS = pd.DataFrame()


def update(
    invoices: pd.DataFrame,
    promises: pd.DataFrame | None = None,
    previous: pd.DataFrame = NO_PREVIOUS,
    as_of: date = AS_OF,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Any]]:
    sheet = promise_frame() if promises is None else promises
    return update_promises(invoices, sheet, previous, DEFAULT_POLICY, as_of)


def test_capture_one_promise_per_customer_and_date() -> None:
    inv = invoice_frame(
        [
            {F.PROMISE_DATE: "2026-12-01", F.INVOICE_NO: "B2"},
            {F.PROMISE_DATE: "2026-12-01", F.INVOICE_NO: "A1", F.PROMISE_CENTS: 40_000},
            {F.PROMISE_DATE: "2026-12-08", F.INVOICE_NO: "C3"},
            {F.INVOICE_NO: "D4"},
        ]
    )
    promises, activity, problems = update(inv)
    assert problems == []
    assert list(promises.columns) == list(PROMISE_COLUMNS)
    assert promises[P.ID].tolist() == ["PR-C1-20261201", "PR-C1-20261208"]
    assert promises[P.INVOICES].tolist() == ["A1, B2", "C3"]
    assert promises[P.AMOUNT].tolist() == [1400.0, 1000.0]  # promised 400 + open 1,000
    assert promises[P.STATUS].tolist() == ["open", "open"]
    assert promises[P.CAPTURED].tolist() == [pd.Timestamp(AS_OF)] * 2
    assert promises[P.SOURCE][0] == "aging rows 3, 2"
    assert list(activity.columns) == list(ACTIVITY_COLUMNS)
    assert activity[A.TYPE].tolist() == ["promise captured"] * 2
    assert activity[A.REFERENCE].tolist() == promises[P.ID].tolist()
    assert activity[A.ID].tolist() == ["", ""]
    assert activity[A.DETAIL][0] == "Promise to pay $1,400 by 2026-12-01"
    assert activity[A.OWNER][0] == "Alice"
    assert activity[A.DATE][0] == pd.Timestamp(AS_OF) == activity[A.RUN][0]


def test_capture_splits_currencies_with_distinct_ids() -> None:
    inv = invoice_frame(
        [{F.PROMISE_DATE: "2026-12-01"}, {F.PROMISE_DATE: "2026-12-01", F.CURRENCY: "EUR"}]
    )
    promises, _, _ = update(inv)
    assert sorted(promises[P.ID]) == ["PR-C1-20261201-EUR", "PR-C1-20261201-USD"]


def test_idempotent_when_run_twice() -> None:
    inv = invoice_frame(
        [
            {F.PROMISE_DATE: "2026-12-01"},
            {F.PROMISE_DATE: "2026-11-01", F.CUSTOMER_ID: "C2"},  # broken at capture
        ]
    )
    first, act1, _ = update(inv)
    second, act2, problems = update(inv, first)
    pd.testing.assert_frame_equal(first, second)
    assert len(act1) == 3
    assert act2.empty
    assert list(act2.columns) == list(ACTIVITY_COLUMNS)
    assert problems == []


def test_not_captured_again_when_sheet_covers_it() -> None:
    sheet = promise_frame(
        [
            {
                P.ID: "MINE",
                P.CUSTOMER_ID: "C1",
                P.INVOICES: "INV0001;INV0002",
                P.PROMISE_DATE: "2026-12-01",
                P.STATUS: "Open",
                P.AMOUNT: 5.0,
            }
        ]
    )
    inv = invoice_frame([{F.PROMISE_DATE: "2026-12-01"}])
    promises, activity, _ = update(inv, sheet)
    assert promises[P.ID].tolist() == ["MINE"]
    assert promises[P.STATUS].tolist() == ["open"]
    assert promises[P.AMOUNT].tolist() == [5.0]  # collector's row kept as is
    assert activity.empty


def test_kept_when_invoices_gone_from_the_book() -> None:
    first, _, _ = update(invoice_frame([{F.PROMISE_DATE: "2026-12-01"}, {}]))
    later = invoice_frame([{F.INVOICE_NO: "INV0002"}])
    previous = pd.DataFrame({"customer_id": ["C1"], "invoice_no": ["INV0001"], "open": [1000.0]})
    promises, activity, problems = update(later, first, previous, as_of=date(2026, 11, 29))
    assert promises[P.STATUS].tolist() == ["kept"]
    assert promises[P.RESOLVED].tolist() == [pd.Timestamp(2026, 11, 29)]
    assert activity[A.TYPE].tolist() == ["promise kept"]
    assert problems == []


def test_kept_when_reduced_by_the_promised_amount_since_last_run() -> None:
    sheet = promise_frame(
        [{P.CUSTOMER_ID: "C1", P.INVOICES: "INV0001", P.PROMISE_DATE: "2026-11-20",
          P.AMOUNT: 300.0, P.STATUS: "open"}]
    )  # fmt: skip
    previous = pd.DataFrame({"customer_id": ["C1"], "invoice_no": ["INV0001"], "open": [1000.0]})
    paid = invoice_frame([{F.OPEN_CENTS: 70_000}])
    short = invoice_frame([{F.OPEN_CENTS: 70_001}])
    assert update(paid, sheet, previous)[0][P.STATUS].tolist() == ["kept"]
    assert update(short, sheet, previous)[0][P.STATUS].tolist() == ["open"]  # in grace
    late = date(2026, 11, 24)
    assert update(short, sheet, previous, as_of=late)[0][P.STATUS].tolist() == ["broken"]


def test_broken_only_after_grace_days() -> None:
    inv = invoice_frame([{F.PROMISE_DATE: "2026-11-19"}])  # grace 3 -> deadline 11-22
    on_deadline, act, _ = update(inv)
    assert on_deadline[P.STATUS].tolist() == ["open"]
    after, act, _ = update(inv, on_deadline, as_of=date(2026, 11, 23))
    assert after[P.STATUS].tolist() == ["broken"]
    assert after[P.RESOLVED].tolist() == [pd.Timestamp(2026, 11, 23)]
    assert act[A.TYPE].tolist() == ["promise broken"]
    assert act[A.DETAIL][0] == "Broken: promised $1,000 by 2026-11-19: $1,000 still open"


def test_never_reopens_kept_or_broken() -> None:
    sheet = promise_frame(
        [
            {P.ID: "K", P.CUSTOMER_ID: "C1", P.INVOICES: "INV0001", P.PROMISE_DATE: "2026-12-01",
             P.STATUS: "kept", P.RESOLVED: "2026-11-01"},
            {P.ID: "B", P.CUSTOMER_ID: "C1", P.INVOICES: "INV0002", P.PROMISE_DATE: "2026-11-01",
             P.STATUS: "broken", P.RESOLVED: "2026-11-05"},
        ]
    )  # fmt: skip
    inv = invoice_frame([{F.INVOICE_NO: "INV0001"}])  # kept one open again; broken one paid
    promises, activity, _ = update(inv, sheet)
    assert promises[P.STATUS].tolist() == ["kept", "broken"]
    assert promises[P.RESOLVED].tolist() == [pd.Timestamp(2026, 11, 1), pd.Timestamp(2026, 11, 5)]
    assert activity.empty


def test_customer_wide_promise_and_blank_id_filled() -> None:
    sheet = promise_frame([{P.CUSTOMER_ID: "C2", P.PROMISE_DATE: "2026-12-01", P.AMOUNT: 100.0}])
    inv = invoice_frame([{F.CUSTOMER_ID: "C2"}, {F.CUSTOMER_ID: "C2"}])
    promises, _, problems = update(inv, sheet)
    assert promises[P.ID].tolist() == ["PR-C2-20261201"]
    assert promises[P.STATUS].tolist() == ["open"]
    gone, _, _ = update(invoice_frame([]), promises)
    assert gone[P.STATUS].tolist() == ["kept"]
    assert problems == []


def test_customer_wide_promise_counts_only_its_own_currency() -> None:
    """A customer with dollar and euro invoices promises $300 over the whole account:
    euros paid since the last run do not keep it, dollars do."""
    sheet = promise_frame(
        [{P.CUSTOMER_ID: "C1", P.PROMISE_DATE: "2026-11-20", P.AMOUNT: 300.0,
          P.CURRENCY: "usd", P.STATUS: "open"}]
    )  # fmt: skip
    previous = pd.DataFrame(
        {
            "customer_id": ["C1", "C1"],
            "invoice_no": ["INV0001", "INV0002"],
            "currency": ["USD", "EUR"],
            "open": [1000.0, 1000.0],
        }
    )
    euros_paid = invoice_frame(
        [{F.OPEN_CENTS: 100_000, F.CURRENCY: "USD"}, {F.OPEN_CENTS: 50_000, F.CURRENCY: "EUR"}]
    )
    dollars_paid = invoice_frame(
        [{F.OPEN_CENTS: 70_000, F.CURRENCY: "USD"}, {F.OPEN_CENTS: 100_000, F.CURRENCY: "EUR"}]
    )
    assert update(euros_paid, sheet, previous)[0][P.STATUS].tolist() == ["open"]
    assert update(dollars_paid, sheet, previous)[0][P.STATUS].tolist() == ["kept"]
    blank = sheet.assign(**{P.CURRENCY: ""})  # no currency named: the whole account counts
    assert update(euros_paid, blank, previous)[0][P.STATUS].tolist() == ["kept"]


def test_bad_rows_are_problems_and_left_alone() -> None:
    sheet = promise_frame(
        [
            {P.ID: "X", P.CUSTOMER_ID: "C1", P.PROMISE_DATE: "2026-11-01", P.STATUS: "maybe"},
            {P.ID: "Y", P.CUSTOMER_ID: "", P.PROMISE_DATE: "2026-11-01", P.STATUS: "open"},
        ]
    )
    promises, activity, problems = update(invoice_frame([{}]), sheet)
    assert promises[P.STATUS].tolist() == ["maybe", "open"]
    assert activity.empty
    found = sorted((p.sheet, p.field, p.message[:11]) for p in problems)
    assert found == [
        (S.PROMISES, P.CUSTOMER_ID, "Promise Y: "),
        (S.PROMISES, P.STATUS, "Promise X: "),
    ]


def test_unknown_invoice_on_a_sheet_promise_is_a_problem() -> None:
    sheet = promise_frame(
        [{P.ID: "Z", P.CUSTOMER_ID: "C1", P.INVOICES: "TYPO", P.PROMISE_DATE: "2026-12-01"}]
    )
    previous = pd.DataFrame({"customer_id": ["C1"], "invoice_no": ["INV0001"], "open": [1000.0]})
    promises, _, problems = update(invoice_frame([{}]), sheet, previous)
    assert promises[P.STATUS].tolist() == ["kept"]
    assert [(p.field, p.value) for p in problems] == [(P.INVOICES, "TYPO")]
    assert update(invoice_frame([{}]), sheet)[2] == []  # no snapshot yet: cannot tell


def test_missing_columns_and_empty_inputs() -> None:
    promises, activity, problems = update(invoice_frame([]), pd.DataFrame())
    assert list(promises.columns) == list(PROMISE_COLUMNS)
    assert promises.empty and activity.empty and problems == []


def test_invoice_list_parsing() -> None:
    assert invoice_list("") == []
    assert invoice_list("A-1 ;B 2\nC3") == ["A-1", "B 2", "C3"]


def test_only_the_promised_customers_rows_are_grouped() -> None:
    from dunning_core.promise_match import factorized
    from dunning_core.promise_match import relevant as _relevant

    frame = pd.DataFrame({"c": [1.0, 2.0, 1.0, None], "i": [10.0, 20.0, 30.5, 40.0]})
    cust, inv, rows = _relevant(factorized(frame["c"]), frame["i"], {"1"}, {"1"}, set())
    assert rows.tolist() == [0, 2] and inv.tolist() == ["10.0", "30.5"]  # whole column read
    assert cust.tolist() == ["1", "1"]
    cust, inv, rows = _relevant(factorized(frame["c"]), frame["i"], {"1"}, set(), {"30.5"})
    assert rows.tolist() == [2] and inv.tolist() == ["30.5"]  # only the listed invoice
    text = pd.DataFrame(
        {
            "c": pd.Series(["A", " B", "A", "B"], dtype="str"),
            "i": pd.Series([" x", "y ", "z", None], dtype="str"),
        }
    )
    cust, inv, rows = _relevant(factorized(text["c"]), text["i"], {"B", "Z"}, set(), {"y", "x"})
    assert rows.tolist() == [1] and cust.tolist() == ["B"] and inv.tolist() == ["y"]
    cust, inv, rows = _relevant(factorized(text["c"]), text["i"], {"A", "B"}, {"B"}, {"x"})
    assert rows.tolist() == [0, 1, 3] and cust.tolist() == ["A", "B", "B"]
    assert inv.tolist() == ["x", "y", ""]  # a wide customer's rows all count, blank included
