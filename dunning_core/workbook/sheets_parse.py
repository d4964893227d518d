"""Parse a workbook's worksheets with calamine, optionally on a worker thread.

calamine (Rust) parses a sheet's XML without holding Python's GIL, and that parse
is most of the read: 0.5 of 0.65 s for a 100k-row aging sheet. The ``dunning``
command spends about as long importing pandas and the core, which needs the GIL
but no book. :class:`Prefetch` therefore starts the parse on a thread before the
command imports the core, so the two overlap on a two-core machine and the read
costs little more than the import it hides behind.

The module imports nothing heavy (no pandas, no numpy) for that reason; the
reader turns the parsed rows into grids once the imports are done.
"""

from __future__ import annotations

import ctypes
import pathlib
import queue
import sys
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import python_calamine as pc

from dunning_core.errors import UserError
from dunning_core.sheetaddr import cell_address

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


@dataclass(frozen=True)
class ParsedSheet:
    """One worksheet's values as calamine gives them (rows of Python values)."""

    name: str
    rows: list[list[Any]]
    first_row: int
    first_col: int
    merged: tuple[str, ...] = ()
    tables: dict[str, str] = field(default_factory=dict)


def parse_sheets(path: pathlib.Path) -> Generator[ParsedSheet, None, None]:
    """Yield the worksheets of the spreadsheet at ``path``, one at a time.

    One at a time so that a caller converting each sheet before asking for the
    next holds one sheet's Python rows at most (the aging sheet and the hidden
    Snapshot can each hold a million rows). Raises UserError for an unreadable,
    corrupt or password-protected file and for a sheet that cannot be read.
    """
    try:
        tables_ok = path.suffix.lower() in (".xlsx", ".xlsm")  # Excel Tables exist only there
        book = pc.CalamineWorkbook.from_path(str(path), load_tables=tables_ok)
    except pc.PasswordError as exc:
        raise UserError(
            f"{path}: the workbook is password protected; save an unprotected copy and retry."
        ) from exc
    except (pc.CalamineError, pc.ZipError, pc.XmlError, OSError, ValueError) as exc:
        raise UserError(
            f"{path}: not a readable spreadsheet ({exc}); expected an .xlsx, .xlsm, .xls or "
            f".ods workbook, or a CSV export."
        ) from exc
    except Exception as exc:  # calamine raises some format errors as plain Exception
        raise UserError(f"{path}: not a readable spreadsheet ({exc}).") from exc
    try:
        tables = _tables(book)
        for meta in book.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            try:
                sh = book.get_sheet_by_name(meta.name)
                rows: list[list[Any]] = sh.to_python(skip_empty_area=True)
                start: tuple[int, int] = sh.start or (0, 0)
                merged = tuple(
                    f"{cell_address(a[0] + 1, a[1] + 1)}:{cell_address(b[0] + 1, b[1] + 1)}"
                    for a, b in (sh.merged_cell_ranges or ())
                )
            except Exception as exc:
                raise UserError(f"{path}: sheet {meta.name!r} could not be read ({exc}).") from exc
            yield ParsedSheet(
                meta.name, rows, start[0] + 1, start[1] + 1, merged, tables.get(meta.name, {})
            )
            del rows
    finally:
        book.close()


def _tables(book: pc.CalamineWorkbook) -> dict[str, dict[str, str]]:
    """Sheet -> {table name: A1 range}: a hint for finding the aging table, never required."""
    tables: dict[str, dict[str, str]] = {}
    try:
        for name in book.table_names or ():
            t = book.get_table_by_name(name)
            if t.start is None or t.end is None:
                continue
            (r0, c0), (r1, c1) = t.start, t.end
            tables.setdefault(t.sheet, {})[name] = (
                f"{cell_address(r0, c0 + 1)}:{cell_address(r1 + 1, c1 + 1)}"
            )
    except Exception:  # tables are a hint only (not supported for every format)
        return {}
    return tables


class Prefetch:
    """:func:`parse_sheets` of one book on a worker thread, the first sheet from the start.

    The thread parses a sheet only when :meth:`sheets` has handed over the one
    before, so memory is what a plain read would hold; calamine's objects stay on
    that one thread. An error on the thread is raised by :meth:`sheets` in the
    caller, exactly as a plain read raises it. The thread is a daemon, so a command
    that fails before reading does not wait for a parse nobody will use.
    """

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path
        self._want = threading.Semaphore(1)  # the first sheet is wanted at once
        self._out: queue.SimpleQueue[ParsedSheet | BaseException | None] = queue.SimpleQueue()
        self._closed = False
        threading.Thread(target=self._run, name="dunning-read", daemon=True).start()

    @classmethod
    def start(cls, path: pathlib.Path) -> Prefetch | None:
        """A running prefetch of ``path``, or None when it is not a spreadsheet file
        (CSV exports, missing files and folders take the reader's own path)."""
        path = pathlib.Path(path)
        if path.suffix.lower() not in SPREADSHEET_SUFFIXES or not path.is_file():
            return None
        return cls(path)

    def _run(self) -> None:
        sheets = parse_sheets(self.path)
        try:
            while True:
                self._want.acquire()
                item = None if self._closed else next(sheets, None)
                self._out.put(item)
                if item is None:
                    return
        except BaseException as exc:  # handed to the caller's thread, raised there
            self._out.put(exc)
        finally:
            sheets.close()  # closes the book
            release_freed_memory()

    def sheets(self) -> Iterator[ParsedSheet]:
        """The parsed sheets in book order; call once."""
        try:
            while (item := self._out.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
                del item
                self._want.release()
        finally:
            self.close()

    def close(self) -> None:
        """Stop after the sheet in hand (a reader that failed half way)."""
        if not self._closed:
            self._closed = True
            self._want.release()


def release_freed_memory() -> bool:
    """Hand the memory this thread freed back to the OS (glibc only; True if done).

    glibc gives each thread its own malloc arena and keeps what is freed there for
    that thread's later use. calamine builds a sheet's cells in this thread's arena,
    so after the parse about 250 MB (at a million rows) stayed resident that the main
    thread could not reuse: the run's peak grew by as much. ``malloc_trim`` returns
    the free pages of every arena. Other C libraries have no per-thread arenas to
    keep, or no ``malloc_trim``; then this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return False
    trim(0)
    return True
