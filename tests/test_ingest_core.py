"""ingest on small hand-built snapshots: each rule of locating, mapping and deriving."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import MappingProxyType
from typing import Any

import pandas as pd
import pytest

from dunning_core.columns import (
    ALL_FIELDS,
    AMOUNT_FIELDS,
    DATE_FIELDS,
    FLAG_FIELDS,
    MANAGED_HEADERS,
    TEXT_FIELDS,
    F,
)
from dunning_core.ingest import ingest
from dunning_core.ingest.vocabulary import bucket_range, candidates
from dunning_core.policy import DEFAULT_POLICY
from dunning_core.records import BookSnapshot, RawSheet, Severity, UserError

AS_OF = dt.date(2025, 1, 31)
D = dt.date


def _book(rows: list[list[Any]], name: str = "Aging", **kw: Any) -> BookSnapshot:
    return BookSnapshot("team.xlsx", (name,), (RawSheet(name, rows, **kw),))


def _run(rows: list[list[Any]], policy: Any = DEFAULT_POLICY, **kw: Any) -> Any:
    return ingest(_book(rows, **kw), policy, AS_OF)


def test_frame_has_every_field_with_its_dtype() -> None:
    ing, _ = _run([["Invoice", "Customer", "Due Date", "Balance"], ["1", "A", D(2025, 1, 1), 5.0]])
    inv = ing.invoices
    assert list(inv.columns) == [F.ROW, *ALL_FIELDS]
    for f in TEXT_FIELDS:
        assert str(inv[f].dtype) == "str", f
    for f in DATE_FIELDS:
        assert str(inv[f].dtype) == "datetime64[ns]", f
    for f in FLAG_FIELDS:
        assert str(inv[f].dtype) == "bool", f
    for f in AMOUNT_FIELDS:
        assert str(inv[f].dtype) == ("int64" if f == F.OPEN_CENTS else "Int64"), f
    assert str(inv[F.DAYS_OVERDUE].dtype) == "Int64"
    assert inv[F.ROW].tolist() == [2]
    assert inv[F.CUSTOMER_ID].tolist() == ["A"]  # id falls back to the name


def test_no_header_names_file_sheet_and_what_it_found() -> None:
    with pytest.raises(UserError) as err:
        _run([["Hello"], ["just", "some", "words"], [1, 2, 3]])
    msg = str(err.value)
    assert "team.xlsx" in msg and "'Aging'" in msg and "header row" in msg and "'words'" in msg


def test_no_open_balance_lists_headers() -> None:
    with pytest.raises(UserError) as err:
        _run([["Customer", "Invoice", "Due Date"], ["A", "1", D(2025, 1, 1)]])
    msg = str(err.value)
    assert "open-balance" in msg and "'Customer', 'Invoice', 'Due Date'" in msg and "row 1" in msg


def test_unknown_sheet_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no sheet named 'X'"):
        ingest(_book([["Invoice", "Balance"]]), DEFAULT_POLICY, AS_OF, sheet="X")


def test_pinned_mapping_wins() -> None:
    policy = dataclasses.replace(
        DEFAULT_POLICY, header_overrides=MappingProxyType({F.OPEN_CENTS: "Amt B"})
    )
    rows = [["Invoice", "Due Date", "Balance", "Amt B"], ["1", D(2025, 1, 1), 10.0, 7.0]]
    ing, _ = _run(rows, policy)
    assert ing.invoices[F.OPEN_CENTS].tolist() == [700]
    assert "Settings" in ing.report.matches[F.OPEN_CENTS].evidence


def test_managed_block_is_ignored_and_not_counted() -> None:
    hdr = ["Invoice", "Owner", "Due Date", "Balance", *MANAGED_HEADERS]
    row = ["1", "Sam", D(2025, 1, 1), 10.0, 30, "1-30", "Friendly", 50, "x", False, "", "Kim"]
    ing, _ = _run([hdr, row], first_col=2)
    rep = ing.report
    assert rep.last_column == 5  # B..E
    assert ing.invoices[F.OWNER].tolist() == ["Sam"]  # the team's Owner, not the managed one
    assert not set(MANAGED_HEADERS) & set(rep.unmapped)
    assert {m.header for m in rep.matches.values()} <= set(hdr[:4])


def test_skipped_rows_carry_their_cell_and_reason() -> None:
    rows = [
        ["Invoice", "Customer", "Due Date", "Balance"],
        ["Region North"],
        ["1", "A", D(2025, 1, 1), 10.0],
        [None, None, None, None],
        ["Invoice", "Customer", "Due Date", "Balance"],
        ["2", "B", D(2025, 1, 2), 0.0],
        ["3", "C", D(2025, 1, 3), "n/a?"],
        ["Total", None, None, 10.0],
    ]
    ing, problems = _run(rows, first_row=3, first_col=2)
    got = {(p.cell, p.message, p.severity) for p in problems if p.cell}
    assert ("B4", "row skipped: section title", Severity.INFO) in got
    assert ("B6", "row skipped: blank separator row", Severity.INFO) in got
    assert ("B7", "row skipped: repeated header row", Severity.INFO) in got
    assert ("B8", "row skipped: zero open balance", Severity.INFO) in got
    msg = "no readable open balance (empty, text or an Excel error); row left out"
    assert ("E9", msg, Severity.ERROR) in got
    assert ("B10", "row skipped: grand total row", Severity.INFO) in got
    assert ing.invoices[F.INVOICE_NO].tolist() == ["1"]
    assert ing.report.file_total_cents == {"USD": 1000}
    assert ing.report.rows_read == 1 and ing.report.rows_skipped == 6


def test_summary_buckets_become_items_due_in_their_bucket() -> None:
    rows = [
        ["A/R Aging Summary in EUR"],
        [None, "Current", "1 - 30", "31 - 60", "> 90", "Total"],
        ["Acme", 100.0, None, 50.0, 25.0, 175.0],
        ["TOTAL", 100.0, None, 50.0, 25.0, 175.0],
    ]
    ing, problems = _run(rows)
    inv = ing.invoices
    assert inv[F.OPEN_CENTS].tolist() == [10000, 5000, 2500]
    days = (pd.Timestamp(AS_OF) - inv[F.DUE_DATE]).dt.days.tolist()
    assert days == [0, 31, 91]
    assert inv[F.BUCKET_LABEL].tolist() == ["Current", "31 - 60", "> 90"]
    assert inv[F.CURRENCY].unique().tolist() == ["EUR"]  # from the title
    assert ing.report.rows_read == 1
    assert ing.report.file_total_cents == {"EUR": 17500}
    assert any("bucket" in d for d in ing.report.derived)
    assert any(p.message.startswith("derived: open items from bucket") for p in problems)


def test_due_date_from_days_overdue_then_from_terms() -> None:
    rows = [
        ["Invoice", "Invoice Date", "Terms", "Days Overdue", "Due Date", "Amount Due"],
        ["1", D(2025, 1, 1), "Net 30", 10, None, 5.0],
        ["2", D(2025, 1, 1), "Net 14", None, None, 5.0],
        ["3", D(2025, 1, 1), "Net 14", None, D(2025, 1, 20), 5.0],
    ]
    ing, _ = _run(rows)
    assert ing.invoices[F.DUE_DATE].dt.strftime("%F").tolist() == [
        "2025-01-21",
        "2025-01-15",
        "2025-01-20",
    ]
    derived = " ".join(ing.report.derived)
    assert "as-of date - 'Days Overdue'" in derived and "payment terms" in derived


def test_duplicates_warned_not_summed_and_credit_notes_negative() -> None:
    rows = [
        ["Type", "Invoice No", "Due Date", "Open Balance"],
        ["Invoice", "7", D(2025, 1, 1), 10.0],
        ["Invoice", "7", D(2025, 1, 1), 10.0],
        ["Credit Note", "CN1", D(2025, 1, 1), 4.0],
    ]
    ing, problems = _run(rows)
    assert ing.invoices[F.OPEN_CENTS].tolist() == [1000, 1000, -400]
    dups = [p for p in problems if "duplicate" in p.message]
    assert [(p.cell, p.severity) for p in dups] == [("B3", Severity.WARNING)]


def test_two_row_header_is_joined() -> None:
    rows = [
        ["Invoice", "Invoice", "Due", "Open"],
        ["No.", "Date", "Date", "Balance"],
        ["A-1", D(2025, 1, 1), D(2025, 1, 31), 12.0],
    ]
    ing, _ = _run(rows)
    rep = ing.report
    assert (rep.header_row, rep.header_rows) == (2, 2)
    assert rep.matches[F.INVOICE_DATE].header == "Invoice Date"
    assert rep.matches[F.DUE_DATE].header == "Due Date"
    assert ing.invoices[F.INVOICE_NO].tolist() == ["A-1"]


def test_sheet_choice_prefers_the_aging_table() -> None:
    notes = RawSheet("Notes", [["Customer", "Name"], ["a", "b"]])
    aging = RawSheet("Open", [["Customer", "Invoice", "Due Date", "Balance"], ["A", "1", 45000, 1]])
    ing, _ = ingest(
        BookSnapshot("b.xlsx", ("Notes", "Open"), (notes, aging)), DEFAULT_POLICY, AS_OF
    )
    assert ing.report.sheet == "Open"
    assert "'Notes'" in ing.report.sheet_reason
    forced, _ = ingest(
        BookSnapshot("b.xlsx", ("Notes", "Open"), (notes, aging)), DEFAULT_POLICY, AS_OF, "Open"
    )
    assert "requested" in forced.report.sheet_reason


def test_unreadable_dates_are_warnings_with_cells() -> None:
    rows = [["Invoice", "Due Date", "Balance"], ["1", "someday", 3.0], ["2", "2025-01-05", 3.0]]
    ing, problems = _run(rows)
    warn = [p for p in problems if p.severity == Severity.WARNING and p.field == F.DUE_DATE]
    assert warn[0].cell == "B2" and warn[0].value == "someday"
    assert ing.invoices[F.DUE_DATE].isna().tolist() == [True, False]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Open Balance", F.OPEN_CENTS),
        ("OUTSTANDING AMOUNT", F.OPEN_CENTS),
        ("Saldo pendiente", F.OPEN_CENTS),
        ("Fällig am", F.DUE_DATE),
        ("Échéance", F.DUE_DATE),
        ("Cust. No.", F.CUSTOMER_ID),
        ("e-mail", F.EMAIL),
        ("Collector", F.OWNER),
        ("Promise to pay date", F.PROMISE_DATE),
        ("Unapplied cash", F.IN_TRANSIT_CENTS),
        ("Do not contact", F.DO_NOT_CONTACT),
    ],
)
def test_vocabulary(header: str, field: str) -> None:
    assert candidates(header)[0][0] == field


@pytest.mark.parametrize(
    ("header", "prev", "want"),
    [
        ("Current", None, (-30, 0)),
        ("1-30", 0, (1, 30)),
        ("121-Above", 120, (121, None)),
        ("Age ≤ 60 d.", 30, (31, 60)),
        ("< 1 Month", 0, (1, 30)),
        ("Older", 120, (121, None)),
        ("Period 2", 30, (31, 60)),
        ("Mais de 90", 60, (91, None)),
        ("bis 30 Tage", 0, (1, 30)),
        ("31 a 60 días", 30, (31, 60)),
        ("Invoice", None, None),
        ("Total", None, None),
    ],
)
def test_bucket_headers(header: str, prev: int | None, want: Any) -> None:
    assert bucket_range(header, prev) == want


def test_currency_from_amount_symbols_when_no_currency_column() -> None:
    rows = [
        ["Invoice", "Due Date", "Balance"],
        ["1", "2025-01-05", "€1.234,50"],
        ["2", "2025-01-06", "£10,00"],
    ]
    ing, _ = _run(rows)
    assert ing.invoices[F.CURRENCY].tolist() == ["EUR", "GBP"]
    assert ing.report.open_total_cents == {"EUR": 123450, "GBP": 1000}


def test_due_date_from_bucket_columns_in_a_detail_layout() -> None:
    rows = [
        ["Invoice", "Invoice Date", "Current", "1-30", "31-60", "Total"],
        ["1", D(2024, 12, 1), None, None, 40.0, 40.0],
        ["2", D(2025, 1, 20), 10.0, None, None, 10.0],
    ]
    ing, _ = _run(rows)
    days = (pd.Timestamp(AS_OF) - ing.invoices[F.DUE_DATE]).dt.days.tolist()
    assert days == [31, 0]
    assert ing.invoices[F.OPEN_CENTS].tolist() == [4000, 1000]
    assert any("aging-bucket column" in d for d in ing.report.derived)


def test_ambiguous_slashed_dates_follow_the_currency() -> None:
    rows = [["Invoice", "Due Date", "Balance", "Currency"], ["1", "01/02/2025", 5.0, "EUR"]]
    ing, _ = _run(rows)
    assert ing.invoices[F.DUE_DATE].dt.strftime("%F").tolist() == ["2025-02-01"]
    assert any("D/M/Y assumed" in d for d in ing.report.derived)
    rows[1][3] = "USD"
    ing, _ = _run(rows)
    assert ing.invoices[F.DUE_DATE].dt.strftime("%F").tolist() == ["2025-01-02"]


def test_excel_table_header_is_found_below_the_scanned_rows() -> None:
    notes = [[f"note {i}"] for i in range(40)]
    rows = [*notes, ["Ref", "Expires", "Balance"], ["A-1", D(2025, 1, 1), 9.0]]
    ing, _ = _run(rows, tables={"tblOpen": "A41:C42"}, first_row=1)
    assert ing.report.header_row == 41
    assert ing.invoices[F.OPEN_CENTS].tolist() == [900]


def test_a_full_row_without_balance_is_an_error_not_a_title() -> None:
    rows = [
        ["Customer", "Invoice", "Due Date", "Terms", "Balance"],
        ["Acme", None, D(2025, 1, 1), "Net 30", None],
        ["Acme", "2", D(2025, 1, 1), "Net 30", 5.0],
    ]
    _, problems = _run(rows)
    errors = [(p.cell, p.severity) for p in problems if p.severity == Severity.ERROR]
    assert errors == [("E2", Severity.ERROR)]
