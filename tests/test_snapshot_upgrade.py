"""A book whose Snapshot the previous release wrote still carries last week's typed values.

The previous release (15 columns, money in currency units) stored the note, promise date
and hold a collector typed; after the upgrade a fresh export with those cells empty must
get them back, not "nothing is carried over" for a week. And a Snapshot row whose run
date was cleared is left out with a warning, the rest of its run still carried.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from dunning_core.cli import main
from dunning_core.columns import S

HEADERS = ("Customer No", "Customer Name", "Invoice #", "Invoice Date", "Due Date")
HEADERS += ("Currency", "Open Balance", "Notes", "Promise Date", "Hold Until")
WEEK1, WEEK2 = dt.date(2026, 11, 23), dt.date(2026, 11, 30)
#: Snapshot rows as the previous release (commit 33aa160) wrote them: title, note, header.
OLD_SNAPSHOT: list[list[object]] = [
    ["Snapshot"],
    [f"Run state as of {WEEK1}; do not edit."],
    [
        *("as_of", "invoice_no", "customer_id", "currency", "open", "bucket", "stage"),
        *("disputed", "promise_date", "expected_in_horizon", "at_risk", "notes"),
        *("promise_amount", "hold_until", "dispute_reason"),
    ],
    [
        *(WEEK1, "INV-1", "C1", "EUR", 100.0, "31-60", "firm", False, dt.date(2026, 12, 4)),
        *(100.0, False, "called, pays Friday", None, None, None),
    ],
    [
        *(WEEK1, "INV-2", "C2", "EUR", 200.0, "31-60", "firm", False, None, 0.0, False),
        *(None, None, dt.date(2026, 12, 31), None),
    ],
]


def fresh_export(path: Path) -> None:
    """An aging export with the collector columns empty."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "AR Aging"
    ws.append(HEADERS)
    for cust, name, inv, amount in (("C1", "Acme", "INV-1", 100.0), ("C2", "Beta", "INV-2", 200.0)):
        ws.append([cust, name, inv, dt.date(2026, 9, 1), dt.date(2026, 10, 1), "EUR", amount])
    wb.save(path)


def run(path: Path, as_of: dt.date) -> list[tuple[str, str]]:
    """Run the cycle on ``path``; the Data Check's (severity, message) rows."""
    assert main(["run", str(path), "--as-of", as_of.isoformat()]) == 0
    wb = openpyxl.load_workbook(path)
    return [(str(r[0]), str(r[5])) for r in wb[S.DATA_CHECK].iter_rows(values_only=True)]


def with_snapshot(path: Path, rows: list[list[object]]) -> None:
    """Replace the hidden Snapshot sheet's cells with ``rows``."""
    wb = openpyxl.load_workbook(path)
    ws = wb[S.SNAPSHOT]
    ws.delete_rows(1, ws.max_row)
    for row in rows:
        ws.append(row)
    wb.save(path)


def carried(checks: list[tuple[str, str]]) -> set[str]:
    """What was carried over ("note", "hold", ...), from the Data Check's messages."""
    prefix = "Carried over the "
    return {m.split(" of ")[0].removeprefix(prefix) for _, m in checks if m.startswith(prefix)}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "aging.xlsx"
    fresh_export(path)
    run(path, WEEK1)
    return path


def test_a_snapshot_of_the_previous_release_carries_notes_promises_and_holds(book: Path) -> None:
    with_snapshot(book, OLD_SNAPSHOT)
    checks = run(book, WEEK2)
    assert not [m for _, m in checks if "earlier version" in m or "Snapshot" in m]
    assert carried(checks) == {"note", "promise date", "hold"}


def test_a_cleared_run_date_drops_only_that_row_with_a_warning(book: Path) -> None:
    rows = [list(r) for r in OLD_SNAPSHOT]
    rows[3][0] = None  # INV-1's run date (its note and promise date go with it)
    with_snapshot(book, rows)
    checks = run(book, WEEK2)
    assert [s for s, m in checks if "run date (as_of)" in m] == ["warning"]
    assert carried(checks) == {"hold"}
