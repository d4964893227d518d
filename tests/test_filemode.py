"""File mode on a CSV export: the tool's sheets live in <stem>.dunning.xlsx and persist."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from dunning_core.columns import D, S
from dunning_core.filemode import run_file

CSV = (
    "Customer;Invoice;Due Date;Open Balance;Currency;Email\n"
    "C1;I-1;2026-10-01;1200,00;EUR;ap@c1.example\n"
    "C2;I-2;2026-09-15;800,50;EUR;ap@c2.example\n"
)


def _drafts(book: Path) -> list[list[object]]:
    wb = openpyxl.load_workbook(book)
    rows = [list(r) for r in wb[S.DRAFTS].iter_rows(values_only=True)]
    wb.close()
    head = next(i for i, r in enumerate(rows) if r and r[0] == D.ID)
    return [rows[head], *[r for r in rows[head + 1 :] if r and r[0]]]


def _set_status(book: Path, index: int, status: str) -> dict[str, object]:
    """A collector sets draft ``index`` (0-based) to ``status`` and saves; returns that row."""
    wb = openpyxl.load_workbook(book)
    ws = wb[S.DRAFTS]
    head_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == D.ID)
    heads = [c.value for c in ws[head_row]]
    ws.cell(head_row + 1 + index, heads.index(D.STATUS) + 1).value = status
    row = {str(h): c.value for h, c in zip(heads, ws[head_row + 1 + index], strict=False)}
    wb.save(book)
    return row


def test_csv_rerun_keeps_statuses_and_the_csv_is_untouched(tmp_path: Path) -> None:
    src = tmp_path / "export.csv"
    src.write_text(CSV, encoding="utf-8")
    before = src.read_bytes()
    _, written = run_file(src, date(2026, 11, 23))
    assert written == tmp_path / "export.dunning.xlsx"
    head, *rows = _drafts(written)
    assert len(rows) == 2
    status = head.index(D.STATUS) + 1
    _set_status(written, 0, "Sent")

    run_file(src, date(2026, 11, 24))  # next day's run on the same export
    head, *again = _drafts(written)
    assert [r[0] for r in again] == [r[0] for r in rows]  # no duplicate, none lost
    assert again[0][status - 1] == "Sent"
    assert src.read_bytes() == before


def test_export_drafts_writes_eml_files_linked_from_their_rows(tmp_path: Path) -> None:
    from dunning_core.cli import main
    from dunning_core.sample_book import write_sample_book

    book = write_sample_book(tmp_path, fresh=True)
    assert main(["run", str(book), "--as-of", "2026-11-23"]) == 0
    approved_id = _set_status(book, 1, "Approved")[D.ID]

    assert main(["export-drafts", str(book), "--as-of", "2026-11-23"]) == 0
    eml = tmp_path / "aging-drafts" / f"{approved_id}.eml"
    assert eml.exists() and b"X-Unsent: 1" in eml.read_bytes()
    head, *rows = _drafts(book)
    links = {r[0]: r[head.index(D.FILE)] for r in rows}
    assert links[approved_id] == f'=HYPERLINK("aging-drafts/{approved_id}.eml","Open draft")'
    assert [v for k, v in links.items() if k != approved_id] == [None] * (len(rows) - 1)


def test_export_holds_back_a_draft_whose_customer_became_do_not_contact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dunning_core.cli import main
    from dunning_core.sample_book import AGING_SHEET, HEADER_ROW, HEADERS, write_sample_book

    book = write_sample_book(tmp_path, fresh=True)
    assert main(["run", str(book), "--as-of", "2026-11-23"]) == 0
    approved = _set_status(book, 0, "Approved")
    draft_id, customer = approved[D.ID], approved[D.CUSTOMER_ID]
    wb = openpyxl.load_workbook(book)
    aging = wb[AGING_SHEET]  # the collector hears "stop" and flags one of its invoices
    row = next(
        r for r in range(HEADER_ROW + 1, aging.max_row + 1) if aging.cell(r, 1).value == customer
    )
    aging.cell(row, HEADERS.index("Do Not Contact") + 1).value = "Yes"
    wb.save(book)

    assert main(["export-drafts", str(book), "--as-of", "2026-11-23"]) == 0
    assert not (tmp_path / "aging-drafts" / f"{draft_id}.eml").exists()
    assert f"Not exported: {draft_id}" in capsys.readouterr().err


def test_a_run_lets_the_books_raw_grids_go_before_the_wide_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run_cycle drops the raw aging grid once carry-over has read it (at a million
    rows, over a gigabyte); that works only if the caller does not hold the book too.
    Checked where the queue is final, in the early writer's hook."""
    import gc
    import weakref

    from dunning_core import filemode
    from dunning_core.sample_book import SAMPLE_AS_OF, write_sample_book
    from dunning_core.workbook.early_aging import EarlyAging

    book = write_sample_book(tmp_path)
    real_snapshot = filemode._snapshot
    refs: list[weakref.ref[object]] = []

    def snapshot(*args: object) -> object:
        got = real_snapshot(*args)  # type: ignore[arg-type]
        refs.extend(weakref.ref(sheet) for sheet in got.aging)
        return got

    alive: list[bool] = []

    def start(self: EarlyAging, *args: object) -> None:
        gc.collect()
        alive.extend(ref() is not None for ref in refs)

    monkeypatch.setattr(filemode, "_snapshot", snapshot)
    monkeypatch.setattr(EarlyAging, "start", start)
    run_file(book, SAMPLE_AS_OF)
    assert alive and not any(alive)
