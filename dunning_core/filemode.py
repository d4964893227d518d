"""File mode: read a saved workbook, run the cycle, write it back.

This is the whole of what ``dunning run`` does, kept apart from argument parsing so
that the CLI stays a thin translation layer (STYLE.md, point 5) and tests can call
the same function without a subprocess.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from dunning_core.pipeline import run_cycle
from dunning_core.records import CycleResult
from dunning_core.workbook.reader import read_book
from dunning_core.workbook.writer import PACKAGE_SUFFIXES, results_path, write_book


def run_file(
    path: Path,
    as_of: date,
    *,
    sheet: str | None = None,
    action: str = "run",
    dry_run: bool = False,
) -> tuple[CycleResult, Path | None]:
    """Run ``action`` on the workbook at ``path``; return the result and the file written.

    For a csv/xls/ods source the tool's sheets are kept in ``<stem>.dunning.xlsx``
    and read back from there on the next run. Nothing is written for ``dry_run`` or
    the ``check`` action; everything is computed
    before anything is written, and the writer replaces the file atomically with a
    backup of the previous version, so a failure never leaves a half-written book.
    """
    snapshot = read_book(path, sheet)
    if path.suffix.lower() not in PACKAGE_SUFFIXES and results_path(path).exists():
        # A csv/xls/ods export cannot hold the tool's sheets: they live in the results
        # book written last time. Read them from there, so this week's export keeps
        # last week's drafts, statuses, Activity and Promises.
        kept = read_book(results_path(path)).owned
        snapshot = replace(snapshot, owned={**kept, **snapshot.owned})
    result = run_cycle(snapshot, as_of, sheet=sheet, action=action)
    if dry_run or action == "check":
        return result, None
    return result, write_book(path, result)
