"""The early parse the CLI starts on a thread: same sheets, same errors, nothing left running.

These run calamine on real files; the thread is real. What they cannot show is the
overlap itself (a timing); ``python -m benchmarks.run`` measures that.
"""

from __future__ import annotations

import pathlib
import platform
import sys
import threading
import time

import openpyxl
import pytest

from dunning_core.errors import UserError
from dunning_core.workbook.reader import read_book
from dunning_core.workbook.sheets_parse import Prefetch, parse_sheets
from tests.test_reader import _book


def _reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "dunning-read"]


def _wait_gone(timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while _reader_threads() and time.monotonic() < end:
        time.sleep(0.01)
    return not _reader_threads()


def test_prefetch_gives_what_a_plain_parse_gives(tmp_path: pathlib.Path) -> None:
    path = _book(tmp_path / "book.xlsx")
    plain = list(parse_sheets(path))
    fetched = list(Prefetch(path).sheets())
    assert [s.name for s in fetched] == ["Aging", "Settings", "Templates", "Other"]
    assert fetched == plain
    assert fetched[0].merged == ("C3:F3",) and fetched[0].tables == {"tblAging": "C5:E6"}
    assert _wait_gone()


def test_read_book_with_prefetch_equals_without(tmp_path: pathlib.Path) -> None:
    path = _book(tmp_path / "book.xlsx")
    before = path.read_bytes()
    a = read_book(path)
    b = read_book(path, prefetch=Prefetch(path))
    assert a.sheets == b.sheets and set(a.owned) == set(b.owned)
    for x, y in zip(a.aging, b.aging, strict=True):
        assert (x.name, x.first_row, x.first_col, x.merged, x.tables) == (
            y.name,
            y.first_row,
            y.first_col,
            y.merged,
            y.tables,
        )
        assert [list(r) for r in x.rows] == [list(r) for r in y.rows]
    assert path.read_bytes() == before


def test_prefetch_of_another_file_is_refused(tmp_path: pathlib.Path) -> None:
    one, two = _book(tmp_path / "one.xlsx"), _book(tmp_path / "two.xlsx")
    pending = Prefetch(one)
    with pytest.raises(ValueError, match=r"one\.xlsx"):
        read_book(two, prefetch=pending)
    pending.close()
    assert _wait_gone()


@pytest.mark.parametrize(
    ("data", "expect"),
    [(b"PK\x03\x04 this is not a zip", "not a readable spreadsheet"), (b"hello", "not a readable")],
)
def test_errors_on_the_thread_are_raised_in_the_caller(
    tmp_path: pathlib.Path, data: bytes, expect: str
) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(data)
    pending = Prefetch.start(path)
    assert pending is not None
    with pytest.raises(UserError, match=expect) as err:
        read_book(path, prefetch=pending)
    assert "broken.xlsx" in str(err.value)
    with pytest.raises(UserError) as plain:
        read_book(path)
    assert str(plain.value) == str(err.value)
    assert _wait_gone()


def test_start_declines_what_is_not_a_spreadsheet_file(tmp_path: pathlib.Path) -> None:
    (tmp_path / "export.csv").write_text("a,b\n1,2\n")
    assert Prefetch.start(tmp_path / "export.csv") is None
    assert Prefetch.start(tmp_path / "missing.xlsx") is None
    (tmp_path / "folder.xlsx").mkdir()
    assert Prefetch.start(tmp_path / "folder.xlsx") is None


def test_a_reader_that_stops_half_way_ends_the_thread(tmp_path: pathlib.Path) -> None:
    wb = openpyxl.Workbook()
    for i in range(3):
        wb.create_sheet(f"S{i}")["A1"] = i
    wb.save(tmp_path / "many.xlsx")
    sheets = Prefetch(tmp_path / "many.xlsx").sheets()
    assert next(sheets).name == "Sheet"
    sheets.close()  # the caller failed while converting the first sheet
    assert _wait_gone()


def test_the_thread_parses_ahead_by_one_sheet_only(tmp_path: pathlib.Path) -> None:
    """Memory: the next sheet is parsed only after the caller let go of the last one."""
    wb = openpyxl.Workbook()
    wb.create_sheet("Second")["A1"] = 2
    wb.save(tmp_path / "two.xlsx")
    pending = Prefetch(tmp_path / "two.xlsx")
    sheets = pending.sheets()
    first = next(sheets)
    time.sleep(0.2)  # ample time for a thread that did not wait to parse "Second"
    assert first.name == "Sheet" and pending._out.empty()
    assert [s.name for s in sheets] == ["Second"]
    assert _wait_gone()


def test_the_thread_returns_its_freed_memory(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parse's arena is trimmed when the thread ends (250 MB at a million rows)."""
    from dunning_core.workbook import sheets_parse

    calls: list[str] = []
    real = sheets_parse.release_freed_memory
    monkeypatch.setattr(
        sheets_parse,
        "release_freed_memory",
        lambda: calls.append(threading.current_thread().name) or real(),
    )
    path = _book(tmp_path / "book.xlsx")
    assert len(list(Prefetch(path).sheets())) == 4
    assert _wait_gone()
    assert calls == ["dunning-read"]
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert real() is True  # malloc_trim was found and called
