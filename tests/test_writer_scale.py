"""Scale: the managed block on a 1,048,576-row sheet is written in seconds (issue 5)."""

from __future__ import annotations

import io
import sys
import time
import zipfile
from pathlib import Path

import pytest

from dunning_core.workbook.writer import write_book
from dunning_core.workbook.xlsx_newbook import new_book

sys.path.insert(0, str(Path(__file__).parent))
from test_writer_support import make_result

EXCEL_ROWS = 1_048_576


def big_book(path: Path, n: int) -> Path:
    """A three-column book of ``n`` data rows, written as raw sheet XML (fast)."""
    tiny = path.with_suffix(".csv")
    tiny.write_text("Customer,Invoice,Amount\nA,1,2\n")
    base = zipfile.ZipFile(io.BytesIO(new_book(tiny, "Aging")))
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
        '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Customer</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Amount</t></is></c></row>'
    )
    rows = (
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>C{r % 997}</t></is></c>'
        f'<c r="B{r}"><v>{r * 1.25}</v></c></row>'
        for r in range(2, n + 1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name in base.namelist():
            if name != "xl/worksheets/sheet1.xml":
                z.writestr(name, base.read(name))
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(head.encode())
            batch: list[str] = []
            for row in rows:
                batch.append(row)
                if len(batch) == 50_000:
                    f.write("".join(batch).encode())
                    batch = []
            f.write(("".join(batch) + "</sheetData></worksheet>").encode())
    return path


@pytest.mark.slow
def test_full_excel_sheet_written_twice_in_seconds(tmp_path: Path) -> None:
    book = big_book(tmp_path / "big.xlsx", EXCEL_ROWS)
    result = make_result(list(range(2, EXCEL_ROWS + 1)), header_row=1, last_column=2)
    timings = []
    for _ in range(2):
        t = time.perf_counter()
        write_book(book, result)
        timings.append(time.perf_counter() - t)
    assert max(timings) < 60, timings  # typically 10-20 s on a loaded 2-core machine
    with zipfile.ZipFile(book) as z, z.open("xl/worksheets/sheet1.xml") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(size - 4000)
        tail = f.read().decode()
    assert f'<c r="C{EXCEL_ROWS}" s="' in tail  # the last row has its block
    assert tail.count(f'<c r="C{EXCEL_ROWS}"') == 1  # once, not twice


def test_rerun_with_rows_that_left_the_block_stays_small(tmp_path: Path) -> None:
    """A re-run where every fifth row left the block (paid) is edited row by row there;
    those rows once took a copy of their whole chunk each (2.5 GB for 5,000 rows)."""
    import tracemalloc

    n = 6_000
    book = big_book(tmp_path / "gaps.xlsx", n)
    write_book(book, make_result(list(range(2, n + 1)), header_row=1, last_column=2))
    kept = [r for r in range(2, n + 1) if r % 5]
    tracemalloc.start()
    try:
        write_book(book, make_result(kept, header_row=1, last_column=2))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"re-run write peaked at {peak / 2**20:.0f} MB"
    with zipfile.ZipFile(book) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    assert sheet.count(b"<row ") == n  # every row still there, once
