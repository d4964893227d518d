"""The ``dunning`` command: parse arguments, make one library call, translate errors.

Every user-facing failure is a :class:`~dunning_core.errors.UserError` printed as
one line on stderr with exit code 2; an unexpected failure prints a short message
(the traceback only with ``--debug``) and exits 1. The book is never half-written
in either case, because the writer replaces it atomically at the very end.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from dunning_core.cli_dates import parse_date
from dunning_core.errors import UserError

if TYPE_CHECKING:
    from dunning_core.workbook.sheets_parse import Prefetch

EXIT_OK, EXIT_BUG, EXIT_USER, EXIT_PROBLEMS = 0, 1, 2, 3


def _book(p: argparse.ArgumentParser) -> None:
    p.add_argument("book", type=Path, help="the aging workbook (.xlsx, .xlsm, .xls, .csv)")
    p.add_argument("--sheet", help="the aging sheet's name (default: found automatically)")
    p.add_argument(
        "--as-of", type=parse_date, default=None, help="as-of date YYYY-MM-DD (default: today)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed so tests can check every command has help)."""
    parser = argparse.ArgumentParser(
        prog="dunning",
        description="Weekly collections cycle on an Excel aging workbook: an explained queue, "
        "reminder drafts and expected cash, written back into the same workbook. "
        "Nothing is ever sent.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="run the weekly cycle and write results into the book")
    _book(p)
    p.add_argument("--dry-run", action="store_true", help="compute and report, write nothing")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check", help="show how the book is read and its problems; writes nothing")
    _book(p)
    p.add_argument("--json", action="store_true", help="print one JSON object for scripts")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("log-sent", help="log drafts marked Sent into Activity, then refresh")
    _book(p)
    p.set_defaults(func=cmd_log_sent)

    p = sub.add_parser(
        "export-drafts",
        help="write Approved drafts as .eml files, linked from their Drafts rows (never sends)",
    )
    _book(p)
    p.add_argument("--to", type=Path, default=None, help="folder (default: <book>-drafts/)")
    p.set_defaults(func=cmd_export_drafts)

    p = sub.add_parser("demo", help="write the sample aging workbook and run the cycle on it")
    p.add_argument(
        "dir",
        nargs="?",
        type=Path,
        default=Path("dunning-demo"),
        help="folder for the sample (default: ./dunning-demo)",
    )
    p.add_argument(
        "--as-of",
        type=parse_date,
        default=None,
        help="as-of date (default: the sample's own date, 2026-11-23)",
    )
    p.set_defaults(func=cmd_demo)

    from dunning_core.cli_backtest import register

    register(sub)
    return parser


def _print_summary(lines: Sequence[str]) -> None:
    for line in lines:
        print(line)


def _prefetch(args: argparse.Namespace) -> Prefetch | None:
    """Start parsing the book on a thread; the caller's imports of the core overlap it."""
    from dunning_core.workbook.sheets_parse import Prefetch

    return Prefetch.start(args.book)


def _batch_heap(args: argparse.Namespace) -> None:
    """For the console command, once the core is imported: collect garbage rarely.

    A run allocates millions of small containers (the book's rows, the queue's
    texts), and the collector's default thresholds then run three full collections
    over everything alive, pandas' own modules included: 0.2-0.3 s of CPU at 100k
    rows and 3 s at a million, and they free nothing (measured). Freezing what the
    imports left (it lives until exit) and raising the young generation's threshold
    keeps the collector for real cycles; peak memory is unchanged (measured at 100k
    and 1M rows). Not done when tests call :func:`main`, so their process keeps
    Python's defaults.
    """
    if getattr(args, "batch", False):
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)


def cmd_run(args: argparse.Namespace) -> int:
    prefetch = _prefetch(args)
    from dunning_core.filemode import run_file

    _batch_heap(args)

    result, written = run_file(
        args.book,
        args.as_of or date.today(),
        sheet=args.sheet,
        dry_run=args.dry_run,
        prefetch=prefetch,
    )
    _print_summary(result.summary)
    print(f"Written: {written}" if written else "Dry run: nothing written.")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    prefetch = _prefetch(args)
    from dunning_core.explain import explain_json, explain_text
    from dunning_core.filemode import run_file
    from dunning_core.records import Severity

    _batch_heap(args)

    result, _ = run_file(
        args.book, args.as_of or date.today(), sheet=args.sheet, action="check", prefetch=prefetch
    )
    if args.json:
        print(json.dumps(explain_json(result.report, result.problems), indent=2, default=str))
    else:
        print(explain_text(result.report, result.problems))
    has_errors = any(p.severity is Severity.ERROR for p in result.problems)
    return EXIT_PROBLEMS if has_errors else EXIT_OK


def cmd_log_sent(args: argparse.Namespace) -> int:
    prefetch = _prefetch(args)
    from dunning_core.filemode import run_file

    _batch_heap(args)

    result, written = run_file(
        args.book,
        args.as_of or date.today(),
        sheet=args.sheet,
        action="log_sent",
        prefetch=prefetch,
    )
    _print_summary(result.summary)
    print(f"Written: {written}")
    return EXIT_OK


def cmd_export_drafts(args: argparse.Namespace) -> int:
    prefetch = _prefetch(args)
    from dunning_core.filemode import export_file

    _batch_heap(args)

    files, stopped, written = export_file(
        args.book, args.as_of or date.today(), folder=args.to, sheet=args.sheet, prefetch=prefetch
    )
    folder = args.to or args.book.with_name(args.book.stem + "-drafts")
    print(f"{len(files)} approved drafts written to {folder} (nothing was sent).")
    if stopped:
        print(
            f"Not exported: {', '.join(stopped)} (customer now flagged do-not-contact or "
            "legal; see the queue).",
            file=sys.stderr,
        )
    print(f"Linked from the Drafts sheet of {written}.")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from dunning_core.filemode import run_file
    from dunning_core.sample_book import SAMPLE_AS_OF, write_sample_book

    path = write_sample_book(args.dir)
    result, written = run_file(path, args.as_of or SAMPLE_AS_OF)
    print(f"Sample aging workbook: {path}")
    _print_summary(result.summary)
    print(f"Written: {written}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, batch: bool = False) -> int:
    """Run one command; ``batch`` (the console script) lets it tune the process for a
    single run (see :func:`_batch_heap`)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.batch = batch
    try:
        return int(args.func(args))
    except UserError as e:
        print(f"dunning: error: {e}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("dunning: interrupted; the workbook was not changed.", file=sys.stderr)
        return 130
    except Exception as e:
        if args.debug:
            traceback.print_exc()
        print(
            f"dunning: internal error ({type(e).__name__}: {e}). The workbook was not changed. "
            "Run again with --debug for details and report it.",
            file=sys.stderr,
        )
        return EXIT_BUG


def console() -> NoReturn:
    """The ``dunning`` console script: :func:`main`, then exit without tearing down the heap.

    After a run at Excel scale the process holds hundreds of MB of small Python
    objects (the queue's texts, the grids), and a normal interpreter exit frees
    them one by one: 0.17 s of a 3.4 s run at 100k rows, for memory the OS takes
    back at once anyway. Everything the command writes is closed and replaced
    before :func:`main` returns, so only the standard streams are left to flush;
    mypy's command line exits the same way. Tests call :func:`main`.
    """
    code = main(batch=True)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            code = code or EXIT_BUG
    os._exit(code)


if __name__ == "__main__":
    console()
