"""The weekly cycle end to end on the sample book, through the real CLI entry point.

A collector's edits between runs are simulated by editing the written workbook with
openpyxl (a stand-in for a person in Excel, which keeps every part; openpyxl is used
here only because the demo book has nothing openpyxl cannot keep). The tool itself
never saves through openpyxl.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lo import sheet_names_via_libreoffice

from dunning_core.cli import main
from dunning_core.columns import MANAGED_HEADERS, OWNED_SHEETS, A, D, S
from dunning_core.sample_book import AGING_SHEET, HEADER_ROW, HEADERS, write_sample_book
from dunning_core.workbook.reader import read_book

AS_OF = "2026-11-23"


def _table(ws, first_header: str) -> tuple[list[str], list[list]]:  # type: ignore[no-untyped-def]
    """Header and rows of the table whose header row starts with ``first_header``."""
    rows = list(ws.iter_rows(values_only=True))
    for i, row in enumerate(rows):
        if row and row[0] == first_header:
            header = [str(h) if h is not None else "" for h in row]
            body = []
            for r in rows[i + 1 :]:
                if not r or r[0] is None:
                    break
                body.append(list(r))
            return header, body
    raise AssertionError(f"no table with header {first_header!r} on {ws.title}")


def _open_by_currency(path: Path) -> dict[str, Decimal]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cur, bal = HEADERS.index("Currency"), HEADERS.index("Open Balance")
    out: dict[str, Decimal] = defaultdict(Decimal)
    for row in wb[AGING_SHEET].iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if row[bal] is not None and row[bal] != 0:
            out[row[cur]] += Decimal(str(row[bal]))
    wb.close()
    return dict(out)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = write_sample_book(tmp_path_factory.mktemp("e2e"), fresh=True)
    assert main(["run", str(path), "--as-of", AS_OF]) == 0
    return path


def test_first_run_adds_managed_columns_and_every_sheet(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    assert [s for s in OWNED_SHEETS if s not in wb.sheetnames] == []
    ws = wb[AGING_SHEET]
    header = [c.value for c in ws[HEADER_ROW]]
    assert header[: len(HEADERS)] == list(HEADERS)
    assert header[len(HEADERS) : len(HEADERS) + len(MANAGED_HEADERS)] == list(MANAGED_HEADERS)
    assert wb[S.SNAPSHOT].sheet_state == "hidden"
    # the team's formula column survives as a formula
    assert str(ws.cell(HEADER_ROW + 1, len(HEADERS)).value).startswith("=IF(")


def test_expected_cash_reconciles_to_the_cent_per_currency(book: Path) -> None:
    open_by_cur = _open_by_currency(book)
    ws = openpyxl.load_workbook(book, data_only=True)[S.EXPECTED_CASH]
    header, rows = _table(ws, "Currency")
    i_open = header.index("Open balance")
    first_week = next(i for i, h in enumerate(header) if h.startswith("Wk 1 "))
    assert header[first_week + 13 : i_open] == ["Later", "At risk", "Credits"]
    seen = {}
    for r in rows:
        parts = [Decimal(str(v or 0)) for v in r[first_week:i_open]]
        assert sum(parts) == Decimal(str(r[i_open])), f"row {r[0]} does not add up"
        seen[r[0]] = Decimal(str(r[i_open]))
    assert seen == open_by_cur


def test_second_run_keeps_collector_edits_and_adds_no_duplicates(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    ws = wb[S.DRAFTS]
    header, rows = _table(ws, D.ID)
    assert len(rows) >= 10
    ids_before = [r[0] for r in rows]
    assert len(set(ids_before)) == len(ids_before)
    body_col, status_col = header.index(D.BODY) + 1, header.index(D.STATUS) + 1
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == D.ID) + 1
    ws.cell(start, body_col).value = "Edited by the collector: please call me."
    ws.cell(start + 1, status_col).value = "Approved"
    ws.cell(start + 2, status_col).value = "Sent"
    act_header, act_before = _table(wb[S.ACTIVITY], A.ID)
    wb.save(book)

    assert main(["run", str(book), "--as-of", AS_OF]) == 0
    wb = openpyxl.load_workbook(book)
    header, rows = _table(wb[S.DRAFTS], D.ID)
    by_id = {r[0]: r for r in rows}
    assert [r[0] for r in rows] == ids_before  # same drafts, same order, none added
    assert by_id[ids_before[0]][body_col - 1] == "Edited by the collector: please call me."
    assert by_id[ids_before[1]][status_col - 1] == "Approved"
    assert by_id[ids_before[2]][status_col - 1] == "Sent"
    _, act_after = _table(wb[S.ACTIVITY], A.ID)
    assert act_after[: len(act_before)] == act_before  # append-only

    assert main(["log-sent", str(book), "--as-of", AS_OF]) == 0
    _, act_logged = _table(openpyxl.load_workbook(book)[S.ACTIVITY], A.ID)
    type_col = act_header.index(A.TYPE)
    ref_col = act_header.index(A.REFERENCE)
    sent = [r for r in act_logged if r[type_col] == "sent"]
    assert [r[ref_col] for r in sent] == [ids_before[2]]
    assert main(["log-sent", str(book), "--as-of", AS_OF]) == 0  # idempotent
    _, again = _table(openpyxl.load_workbook(book)[S.ACTIVITY], A.ID)
    assert again == act_logged


def test_backup_of_previous_version_is_kept(book: Path) -> None:
    backups = list((book.parent / ".dunning-backups").glob("aging.*.xlsx"))
    assert backups, "each run keeps the previous version as a backup"


@pytest.mark.libreoffice
def test_libreoffice_opens_the_result_and_finds_every_sheet(book: Path, tmp_path: Path) -> None:
    names = sheet_names_via_libreoffice(book, tmp_path)
    assert AGING_SHEET in names
    assert [s for s in OWNED_SHEETS if s not in names] == []


def test_cli_runs_as_a_console_command(tmp_path: Path) -> None:
    path = write_sample_book(tmp_path, fresh=True)
    proc = subprocess.run(
        [sys.executable, "-m", "dunning_core.cli", "run", str(path), "--as-of", AS_OF, "--dry-run"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Dry run: nothing written." in proc.stdout
    assert "open items on sheet 'AR Aging'" in proc.stdout


def test_console_exit_keeps_everything_written(tmp_path: Path) -> None:
    """The console script ends with os._exit (no heap teardown): the book, its backup
    and every line of output must be complete by then."""
    path = write_sample_book(tmp_path, fresh=True)
    cmd = [sys.executable, "-m", "dunning_core.cli", "run", str(path), "--as-of", AS_OF]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith(f"Written: {path}")
    assert AGING_SHEET in read_book(path).sheets and S.EXPECTED_CASH in read_book(path).sheets
    bad = subprocess.run([*cmd[:4], str(tmp_path / "nope.xlsx")], capture_output=True, text=True)
    assert bad.returncode == 2 and "file not found" in bad.stderr
