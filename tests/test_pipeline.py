"""The pipeline's own glue: problem locations, paid-history calibration."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from dunning_core.pipeline import locate, run_cycle
from dunning_core.records import BookSnapshot, FieldMatch, IngestReport, Problem, RawSheet, Severity


def _report() -> IngestReport:
    return IngestReport(
        sheet="AR Aging",
        sheet_reason="",
        header_row=4,
        header_rows=1,
        first_data_row=5,
        last_data_row=9,
        matches={"due_date": FieldMatch("due_date", "Due Date", 5, "")},
        bucket_columns=(),
        unmapped=(),
        derived=(),
        rows_read=5,
        rows_skipped=0,
        open_total_cents={},
        file_total_cents={},
        currency_default="USD",
    )


def test_row_problem_gets_sheet_and_field_column() -> None:
    p = Problem("", "9:9", "due_date", "x", "no due date", Severity.WARNING)
    (q,) = locate([p], _report())
    assert (q.sheet, q.cell) == ("AR Aging", "E9")


def test_unmapped_field_keeps_whole_row_and_sheeted_problem_is_untouched() -> None:
    a = Problem("", "9:9", "stage_override", "x", "m")
    b = Problem("Settings", "B3", "f", "v", "m")
    assert [(p.sheet, p.cell) for p in locate([a, b], _report())] == [
        ("AR Aging", "9:9"),
        ("Settings", "B3"),
    ]


def _ibm_book(shared: Path, as_of: date) -> BookSnapshot:
    """An aging sheet of the IBM invoices open at ``as_of`` and a Paid History sheet."""
    text = (shared / "data" / "ibm_late_payment_history.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    head, data = rows[0], rows[1:]
    col = {h: i for i, h in enumerate(head)}

    def day(text: str) -> date:
        return datetime.strptime(text, "%m/%d/%Y").date()

    settled = [r for r in data if day(r[col["SettledDate"]]) < as_of]
    open_rows = [
        [
            r[col["customerID"]],
            r[col["invoiceNumber"]],
            r[col["InvoiceDate"]],
            r[col["DueDate"]],
            float(r[col["InvoiceAmount"]]),
            r[col["Disputed"]],
        ]
        for r in data
        if day(r[col["InvoiceDate"]]) <= as_of <= day(r[col["SettledDate"]])
    ]
    aging = [["Customer", "Invoice", "Invoice Date", "Due Date", "Amount", "Disputed"], *open_rows]
    return BookSnapshot(
        "ibm.xlsx",
        ("Aging", "Paid History"),
        (RawSheet("Aging", aging), RawSheet("Paid History", [head, *settled])),
    )


def test_paid_history_sheet_calibrates_expected_cash(shared_dir: Path) -> None:
    as_of = date(2013, 6, 3)
    result = run_cycle(_ibm_book(shared_dir, as_of), as_of)
    assert result.report.sheet == "Aging"  # the history sheet is not taken for the book
    key, weekly = result.expected_cash[0], result.expected_cash[1]
    assert "Calibrated on" in key.note and "settled before 2013-06-03" in key.note
    assert "Payment behaviour by customer" in [b.title for b in result.settings]
    assert set(result.queue["forecast_rule"]) <= {"calibrated", "at risk", "bucket"}
    assert (result.queue["forecast_rule"] == "calibrated").sum() > 50
    # spread over several weeks, and still reconciling to the cent
    row = weekly.frame.iloc[0]
    weeks = [c for c in weekly.frame.columns if c.startswith("Wk ")]
    assert sum(1 for c in weeks if row[c] > 0) >= 4
    parts = sum(Decimal(str(row[c])) for c in weekly.frame.columns[2:-1])  # after Scope
    assert parts == Decimal(str(row["Open balance"]))
    total = Decimal(int(result.queue["open_cents"].sum())) / 100
    assert Decimal(str(row["Open balance"])) == total


def test_without_history_the_basis_says_policy_defaults() -> None:
    aging = [
        ["Customer", "Invoice", "Due Date", "Open Balance", "Email"],
        ["C1", "I1", "2026-10-01", 100.0, "a@b.example"],
    ]
    book = BookSnapshot("b.xlsx", ("Aging",), (RawSheet("Aging", aging),))
    result = run_cycle(book, date(2026, 11, 23))
    assert "no Paid History sheet" in result.expected_cash[0].note
    assert list(result.queue["forecast_rule"]) == ["bucket"]
