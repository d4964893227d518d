"""The Data Check sheet: every problem with its cell, then how the book was read.

Problems are collected through the whole run rather than raised at the first bad
row, so a collector sees all of them at once, errors first, each with the cell to
look at and what was expected there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from dunning_core.columns import PROBLEM_COLUMNS, K
from dunning_core.explain import check_blocks
from dunning_core.records import Block, IngestReport, Problem, Severity

_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_MAX_VALUE = 200  # a huge text cell is shown, not pasted whole


def problem_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """Problems as rows, errors first, otherwise in the order found."""
    ranked = sorted(enumerate(problems), key=lambda ip: (_ORDER[ip[1].severity], ip[0]))
    return pd.DataFrame(
        [
            (
                p.severity.value,
                p.sheet,
                p.cell,
                p.field,
                p.value if len(p.value) <= _MAX_VALUE else p.value[:_MAX_VALUE] + "…",
                p.message,
            )
            for _, p in ranked
        ],
        columns=list(PROBLEM_COLUMNS),
        dtype=object,
    )


def counts(problems: Sequence[Problem]) -> dict[Severity, int]:
    """Number of problems per severity (every severity present, zero included)."""
    out = dict.fromkeys(Severity, 0)
    for p in problems:
        out[p.severity] += 1
    return out


def data_check_blocks(
    problems: Sequence[Problem], report: IngestReport, as_of: date
) -> tuple[Block, ...]:
    """Blocks for the Data Check sheet: problems, then the reading explanation."""
    n = counts(problems)
    note = (
        f"As of {as_of.isoformat()}: {n[Severity.ERROR]} errors, {n[Severity.WARNING]} "
        f"warnings, {n[Severity.INFO]} notes. Errors were left out of the queue: fix the "
        "cell named and run again."
    )
    frame = problem_frame(problems)
    return (Block("Problems", frame, {K.MESSAGE: "wrap"}, note), *check_blocks(report))
