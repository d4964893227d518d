"""``dunning backtest HISTORY``: how accurate would the expected-cash forecast have been?

Parses arguments, reads the paid history, makes one library call
(:func:`dunning_core.backtest.run`) and prints the scores; every failure the user can
fix is a :class:`~dunning_core.records.UserError` that the main CLI prints as one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dunning_core.cli_dates import parse_date
from dunning_core.errors import UserError

if TYPE_CHECKING:  # pandas-backed: imported by the command, not by the parser
    from dunning_core.backtest import Backtest
    from dunning_core.records import RawSheet


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``backtest`` command to the main CLI's subparsers."""
    p = subparsers.add_parser(
        "backtest",
        help="replay the expected-cash forecast on paid history and score it",
        description="Replay weekly as-of dates on a paid history (CSV, or a workbook with a "
        "'Paid History' sheet): the book at each date is the invoices issued and not yet "
        "settled, the models learn only from invoices settled before it, and their weekly "
        "forecasts are scored against what was actually settled (WAPE and bias).",
    )
    p.add_argument("history", type=Path, help="paid history: .csv, or .xlsx/.xlsm/.xls/.ods")
    p.add_argument("--from", dest="start", type=parse_date, help="first as-of date YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=parse_date, help="last as-of date YYYY-MM-DD")
    p.add_argument(
        "--horizon", type=int, default=13, metavar="WEEKS", help="weeks ahead (default 13)"
    )
    p.add_argument("--json", action="store_true", help="print {model: {weeks: {wape, bias}}}")
    p.add_argument("--plot", type=Path, metavar="PNG", help="write a forecast-vs-actual plot")
    p.set_defaults(func=cmd_backtest)


def read_source(path: Path) -> RawSheet | Path:
    """A CSV path as is; a workbook's paid-history sheet (or its first sheet) as raw values."""
    if not path.is_file():
        raise UserError(f"{path}: file not found (expected a paid history CSV or workbook)")
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return path
    from dunning_core.history import HISTORY_SHEETS, normalise_header
    from dunning_core.workbook.reader import read_book

    book = read_book(path)
    sheets = [*book.aging, *book.owned.values()]
    return next((s for s in sheets if normalise_header(s.name) in HISTORY_SHEETS), sheets[0])


def cmd_backtest(args: argparse.Namespace) -> int:
    """Run the backtest and print the scores (text or JSON); write the plot if asked."""
    from dunning_core import backtest
    from dunning_core.history import read_history

    history, problems = read_history(read_source(args.history))
    if problems:
        print(
            f"warning: {len(problems)} problems in {args.history}; first: "
            f"{problems[0].sheet}!{problems[0].cell}: {problems[0].message}",
            file=sys.stderr,
        )
    result = backtest.run(history, args.start, args.end, args.horizon)
    if args.plot:
        try:
            backtest.plot(result, args.plot)
        except ImportError:
            raise UserError("--plot needs matplotlib: pip install matplotlib") from None
    scores = result.scores()
    if args.json:
        print(json.dumps(scores, indent=2))
        return 0
    print(f"Backtest of expected cash on {args.history.name} ({len(history):,} settled invoices)")
    for note in result.notes:
        print(note)
    print(format_table(scores, result.horizons()))
    print(_verdict(result))
    if args.plot:
        print(f"Plot written: {args.plot}")
    return 0


def format_table(scores: dict[str, dict[int, dict[str, float]]], horizons: tuple[int, ...]) -> str:
    """WAPE and bias side by side per model and horizon, as fixed-width text.

    >>> print(format_table({"naive": {1: {"wape": 0.2, "bias": -0.05}}}, (1,)))
    WAPE (lower is better) and bias (+ = forecast too high) over weeks 1..H:
    model                      1 week
                          WAPE   bias
    naive                20.0%  -5.0%
    """
    head = "".join(f"{f'{h} week' + ('s' if h > 1 else ''):>15}" for h in horizons)
    sub = "".join(f"{'WAPE':>8}{'bias':>7}" for _ in horizons)
    lines = [
        "WAPE (lower is better) and bias (+ = forecast too high) over weeks 1..H:",
        f"{'model':<18}{head}".rstrip(),
        f"{'':<18}{sub}",
    ]
    for model, by_h in scores.items():
        cells = "".join(f"{by_h[h]['wape']:>8.1%}{by_h[h]['bias']:>+7.1%}" for h in horizons)
        lines.append(f"{model:<18}{cells}")
    return "\n".join(lines)


def _verdict(result: Backtest) -> str:
    """One line comparing calibrated and naive at 4 weeks (or the longest horizon)."""
    h = min(4, result.weeks)
    s = result.scores()
    naive, cal = s["naive"][h]["wape"], s["calibrated"][h]["wape"]
    change = (1 - cal / naive) if naive else 0.0
    return (
        f"At {h} weeks the calibrated WAPE is {abs(change):.0%} "
        f"{'lower' if change >= 0 else 'higher'} than the naive due-date forecast; "
        f"its P10-P90 range held the actual {h}-week cash on {result.coverage(h):.0%} of dates."
    )
