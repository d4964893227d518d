"""Ribbon and command line agree: same managed columns and tool sheets on the same book.

The ribbon side runs on the in-memory FAKE of xlwings (not Excel), loaded with the
template's values; the file side is ``dunning run``'s own code on a copy of the
template, read back with the file-mode reader. Only value types differ by design
(a saved file gives dates where Excel gives datetimes), so values are normalised.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fake_xlwings import FakeBook
from openpyxl.utils.cell import range_boundaries

from addin.dunning_addin import on_button
from dunning_core.columns import S
from dunning_core.filemode import run_file
from dunning_core.workbook.reader import read_book

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "workbook_template.xlsm"
AS_OF = date(2026, 11, 20)


def _norm(rows: Any) -> list[list[Any]]:
    def cell(v: Any) -> Any:
        if isinstance(v, datetime):
            return v.date()
        if v == "":
            return None
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return v

    out = [[cell(v) for v in row] for row in rows]
    width = max((len(r) for r in out), default=0)
    return [r + [None] * (width - len(r)) for r in out]


@pytest.mark.parametrize(
    ("button", "action"), [("refresh_queue", "refresh"), ("draft_reminders", "drafts")]
)
def test_ribbon_and_file_mode_write_the_same_values(
    tmp_path: Path, button: str, action: str
) -> None:
    copy = tmp_path / "book.xlsm"
    shutil.copy(TEMPLATE, copy)
    run_file(copy, AS_OF, action=action)
    saved = read_book(copy)

    wb = openpyxl.load_workbook(TEMPLATE)
    grids = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    book = FakeBook.from_grids(grids, str(tmp_path / "live.xlsm"))
    for ws in wb.worksheets:
        for name, ref in ws.tables.items():
            (c1, r1, c2, r2) = range_boundaries(ref)
            sheet = book.sheets[ws.title]
            sheet.tables.add(sheet.range((r1, c1), (r2, c2)), name=name)
    on_button(button, book, as_of=AS_OF)

    (c1, r1, c2, r2) = range_boundaries(
        openpyxl.load_workbook(copy)["Aging"].tables["tblAging"].ref
    )
    assert book.sheets["Aging"].tables[0].ref == ((r1, c1), (r2, c2))  # widened alike

    assert _norm(book.sheets["Aging"].grid()) == _norm(saved.aging[0].rows)
    for name in (S.SETTINGS, S.DRAFTS, S.ACTIVITY, S.PROMISES, S.EXPECTED_CASH, S.DATA_CHECK):
        assert _norm(book.sheets[name].grid()) == _norm(saved.owned[name].rows), name
