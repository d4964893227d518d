"""The aging sheet's part, made by a forked child while the cycle finishes.

The aging sheet is the largest part a run writes (at 100k rows, 107 MB of XML
and half a second to edit and deflate), and it depends only on the queue. The
queue is final once the forecast is done (``run_cycle``'s ``on_queue`` hook), so
from there a forked child (:class:`.xlsx_deflate.Child`) opens the book on its
own, edits the part and deflates it into a temporary file beside the book, while
this process makes the drafts, the promises and Expected Cash. The writer then
copies the part into the new package as it is.

Nothing in the output depends on this. The writer takes the child's part only
when it was made from the same file (device, inode, size, modification time),
the same part, the same block styles and the same tab selection (the child
guesses the selection from the problems found so far; a later error moves the
user to Data Check). Otherwise, or when the child failed, or when no fork is
allowed, the writer makes the part itself with the same functions
(:mod:`.aging_part`). The book is written only by the writer's atomic replace
after the cycle: a run that fails later stops the child, and its temporary file
goes when this object is closed.
"""

from __future__ import annotations

import functools
import logging
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pandas as pd

from dunning_core.layout import start_sheet_for
from dunning_core.records import IngestReport, Problem
from dunning_core.workbook.aging_part import (
    aging_edit,
    aging_entry,
    block_styles,
    book_styles,
    part_key,
)
from dunning_core.workbook.xlsx_deflate import Child, Deflated, deflate_to, may_fork
from dunning_core.workbook.xlsx_package import Package
from dunning_core.workbook.xlsx_workbook import Workbook

_log = logging.getLogger(__name__)

#: Below this many rows the part takes a few hundredths of a second: no fork.
EARLY_MIN_ROWS = 20_000

#: Above this many, the child's own memory (the old part, the edit's plan, the
#: queue pages it touches) would sit beside the cycle's peak instead of after it.
EARLY_MAX_ROWS = 400_000


@dataclass(frozen=True)
class ReadyPart:
    """The aging part as the child deflated it into ``file``, and where its block went."""

    part: Deflated
    file: IO[bytes]
    start: int
    old_end: int


class EarlyAging:
    """One run's early start of the aging part: the ``on_queue`` hook, then
    :meth:`take` by the writer; closing it stops a child still running and deletes
    its file. Use it as a context manager around the cycle and the write."""

    def __init__(self, src: Path) -> None:
        self.src = Path(src)
        self._files = ExitStack()
        self._child: Child | None = None

    def __enter__(self) -> EarlyAging:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(
        self, queue: pd.DataFrame, report: IngestReport, problems: tuple[Problem, ...]
    ) -> None:
        """Fork the child when the book is large enough and a fork is allowed."""
        if self._child is not None or not EARLY_MIN_ROWS <= len(queue) <= EARLY_MAX_ROWS:
            return
        if not may_fork():
            return
        work = functools.partial(_make_part, self.src, queue, report, problems)
        try:
            self._child = Child.start(work, self._files, tmp_dir=str(self.src.parent))
        except OSError as exc:  # e.g. a folder that cannot take the file: the writer says so
            _log.info("the aging part is made at write time (%s)", exc)

    @property
    def running(self) -> bool:
        """Whether a child is making the part (and :meth:`take` has not been called)."""
        return self._child is not None

    def take(self, key: str) -> ReadyPart | None:
        """The child's part when it was made from what ``key`` says, else None."""
        child, self._child = self._child, None
        if child is None:
            return None
        got: dict[str, Any] | None = child.wait()
        if got is None:
            return None
        if got["key"] != key:
            _log.info("the aging part is made again: the book or its styles changed")
            return None
        return ReadyPart(Deflated(**got["part"]), child.file, got["start"], got["old_end"])

    def close(self) -> None:
        """Stop a child nobody took (a failed run) and delete the temporary file."""
        child, self._child = self._child, None
        if child is not None:
            child.stop()
        self._files.close()


def _make_part(
    src: Path,
    queue: pd.DataFrame,
    report: IngestReport,
    problems: tuple[Problem, ...],
    file: IO[bytes],
) -> dict[str, Any]:
    """The child's work: the aging part into ``file``, with the key it was made for."""
    pkg = Package(src)
    try:
        book = Workbook(pkg, str(src))
        _, styles, _ = book_styles(pkg, book)
        entry = aging_entry(book, pkg, report.sheet, str(src))
        bstyles = block_styles(styles)
        selected = start_sheet_for(problems, report.sheet).lower() == entry.name.lower()
        edit = aging_edit(pkg, book, entry.part, queue, report, bstyles, selected, str(src))
        part = deflate_to(file, entry.part, edit.pieces())
        return {
            "key": part_key(pkg, entry.part, bstyles, selected),
            "part": asdict(part),
            "start": edit.start,
            "old_end": edit.old_end,
        }
    finally:
        pkg.close()
