"""File mode: read a saved workbook, run the cycle, write it back.

This is the whole of what ``dunning run`` does, kept apart from argument parsing so
that the CLI stays a thin translation layer (STYLE.md, point 5) and tests can call
the same function without a subprocess.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import date
from pathlib import Path

from dunning_core.pipeline import run_cycle
from dunning_core.records import BookSnapshot, CycleResult
from dunning_core.workbook.early_aging import EarlyAging
from dunning_core.workbook.reader import read_book
from dunning_core.workbook.sheets_parse import Prefetch
from dunning_core.workbook.writer import PACKAGE_SUFFIXES, results_path, write_book


def run_file(
    path: Path,
    as_of: date,
    *,
    sheet: str | None = None,
    action: str = "run",
    dry_run: bool = False,
    prefetch: Prefetch | None = None,
) -> tuple[CycleResult, Path | None]:
    """Run ``action`` on the workbook at ``path``; return the result and the file written.

    For a csv/xls/ods source the tool's sheets are kept in ``<stem>.dunning.xlsx``
    and read back from there on the next run. Nothing is written for ``dry_run`` or
    the ``check`` action; everything is computed
    before anything is written, and the writer replaces the file atomically with a
    backup of the previous version, so a failure never leaves a half-written book.
    ``prefetch`` is a parse of ``path`` the caller started early (the CLI does).
    """
    writes = not dry_run and action != "check"
    with _early(path, writes) as early:
        hook = early.start if early else None
        # the snapshot is not bound to a name: run_cycle lets its raw grids go
        # (over a gigabyte at a million rows) before the wide stages
        result = run_cycle(
            _snapshot(path, sheet, prefetch), as_of, sheet=sheet, action=action, on_queue=hook
        )
        if not writes:
            return result, None
        return result, write_book(path, result, early=early)


def export_file(
    path: Path,
    as_of: date,
    *,
    folder: Path | None = None,
    sheet: str | None = None,
    prefetch: Prefetch | None = None,
) -> tuple[list[Path], list[str], Path]:
    """Write Approved drafts as .eml files and link each from its Drafts row.

    Returns (files written, ids of Approved drafts held back because the customer is
    now flagged do-not-contact or legal, the book written).

    The queue is refreshed (drafts untouched), the files written into ``folder``
    (default ``<book>-drafts/`` beside the book), and the book saved with each
    exported draft's *Draft file* link. Nothing is ever sent.
    """
    with _early(path, True) as early:
        hook = early.start if early else None
        result = run_cycle(
            _snapshot(path, sheet, prefetch), as_of, sheet=sheet, action="refresh", on_queue=hook
        )
        target = folder or path.with_name(path.stem + "-drafts")
        from dunning_core.eml import blocked_customers, export_and_link  # email package: 20 ms

        drafts, files, stopped = export_and_link(
            result.drafts, target, path.parent, blocked_customers(result.queue)
        )
        return files, stopped, write_book(path, replace(result, drafts=drafts), early=early)


def _early(path: Path, writes: bool) -> AbstractContextManager[EarlyAging | None]:
    """The aging part's early start (:mod:`.workbook.early_aging`) for a run that
    writes back into a .xlsx/.xlsm; nothing for any other run."""
    if writes and path.suffix.lower() in PACKAGE_SUFFIXES:
        return EarlyAging(path)
    return nullcontext()


def _snapshot(path: Path, sheet: str | None, prefetch: Prefetch | None) -> BookSnapshot:
    """Everything the cycle reads, including the tool's sheets of a csv/xls/ods source."""
    snapshot = read_book(path, sheet, prefetch)
    if path.suffix.lower() not in PACKAGE_SUFFIXES and results_path(path).exists():
        # A csv/xls/ods export cannot hold the tool's sheets: they live in the results
        # book written last time. Read them from there, so this week's export keeps
        # last week's drafts, statuses, Activity and Promises.
        kept = read_book(results_path(path)).owned
        snapshot = replace(snapshot, owned={**kept, **snapshot.owned})
    return snapshot
