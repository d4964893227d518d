"""Plain-language lines about a run, for the terminal and the Excel message box."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from dunning_core.checksheet import counts
from dunning_core.columns import D, F, Q
from dunning_core.money import format_amount
from dunning_core.records import IngestReport, Problem, Severity


def summarise(
    queue: pd.DataFrame,
    drafts: pd.DataFrame,
    problems: Sequence[Problem],
    report: IngestReport,
    as_of: date,
) -> tuple[str, ...]:
    """A few lines a collector can read at a glance: what was read, queued, drafted."""
    totals = queue.groupby(F.CURRENCY, sort=True)[F.OPEN_CENTS].sum()
    money = ", ".join(format_amount(int(v), str(k)) for k, v in totals.items()) or "nothing"
    due = queue[Q.STAGE].astype(str) != ""
    excluded = queue[Q.EXCLUDED].astype(bool)
    status = drafts[D.STATUS].astype(str) if D.STATUS in drafts else pd.Series(dtype=str)
    n = counts(problems)
    lines = [
        f"As of {as_of.isoformat()}: {len(queue)} open items on sheet '{report.sheet}' "
        f"(header row {report.header_row}), open balance {money}.",
        f"Queue: {int((due & ~excluded).sum())} to chase, {int(excluded.sum())} excluded "
        f"and routed to an owner, {int((~due & ~excluded).sum())} not due yet.",
        f"Drafts: {int((status == 'Draft').sum())} to review, "
        f"{int((status == 'Approved').sum())} approved, {int((status == 'Sent').sum())} sent.",
    ]
    if n[Severity.ERROR] or n[Severity.WARNING]:
        lines.append(
            f"Data Check: {n[Severity.ERROR]} errors and {n[Severity.WARNING]} warnings "
            "with their cells."
        )
    return tuple(lines)
