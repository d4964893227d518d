"""The weekly cycle as one short function over pure stages.

``run_cycle`` is the only place that knows the order of the stages (STYLE.md,
point 2). Each stage takes frames and the frozen policy and returns frames plus
problems; this function threads them through and collects every problem. Both
surfaces (the ``dunning`` command on a file, the Excel ribbon on a live book)
call it with a :class:`BookSnapshot` they read up front, and write back exactly
the :class:`CycleResult` it returns: computing everything before the first write
is what keeps a failed run from leaving a half-written workbook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Final

import pandas as pd

from dunning_core import activity as act
from dunning_core import drafts as dr
from dunning_core.calibration import CalibratedModel, calibrate
from dunning_core.carryover import carried_sheet, carry_over
from dunning_core.cash import expected_cash_blocks
from dunning_core.checksheet import data_check_blocks
from dunning_core.columns import PROMISE_COLUMNS, PROMISE_FORMATS, F, Q, S
from dunning_core.forecast import forecast
from dunning_core.history import is_history_sheet, read_history
from dunning_core.ingest import ingest
from dunning_core.owned_table import read_owned_table
from dunning_core.policy import Policy
from dunning_core.promises import update_promises
from dunning_core.queue import build_queue
from dunning_core.records import (
    BookSnapshot,
    CycleResult,
    IngestReport,
    Problem,
    RawSheet,
    Severity,
)
from dunning_core.render import load_templates, templates_from_sheet
from dunning_core.routing import routing_activity
from dunning_core.settings import settings_blocks
from dunning_core.settings_read import policy_from_sheet
from dunning_core.sheetaddr import cell_address
from dunning_core.snapshot import (
    generations_to_store,
    later_runs,
    latest_generation,
    previous_generation,
    snapshot_frame,
    snapshot_from_sheet,
)
from dunning_core.summary import summarise

#: ``run_cycle``'s ``on_queue``: (queue, ingest report, problems so far) -> None.
QueueHook = Callable[[pd.DataFrame, IngestReport, tuple[Problem, ...]], None]

#: What each surface action does beyond refreshing the queue and the forecast.
ACTIONS: Final = ("run", "refresh", "drafts", "log_sent", "forecast", "check")


def run_cycle(
    book: BookSnapshot,
    as_of: date,
    sheet: str | None = None,
    action: str = "run",
    on_queue: QueueHook | None = None,
) -> CycleResult:
    """Run one weekly cycle on a snapshot and return everything to write.

    Args:
        book: every input range, read up front by an adapter.
        as_of: the explicit as-of date (recorded in every output).
        sheet: the aging sheet's name when the user chose one.
        action: ``run`` (queue, drafts, forecast: the CLI's ``dunning run``),
            ``refresh`` / ``forecast`` (queue and forecast; drafts untouched),
            ``drafts`` (same as ``run``), ``log_sent`` (log drafts marked Sent, then
            refresh), ``check`` (read and explain only: nothing is meant to be written).
        on_queue: called once with the queue, the ingest report and the problems so
            far as soon as the queue's columns are final (after the forecast, before
            the drafts). The file writer starts the aging sheet's part there, beside
            the rest of the cycle; the hook must not change what it is given.

    Raises:
        UserError: when the book cannot be read as an aging book at all.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
    problems: list[Problem] = []
    owned = book.owned

    policy, found = policy_from_sheet(owned.get(S.SETTINGS))
    problems += found
    history_sheets = [s for s in book.aging if is_history_sheet(s.name) and s.name != sheet]
    if history_sheets:  # paid history calibrates the forecast; it is not the aging book
        names = {h.name for h in history_sheets}  # by name: never compare whole grids
        book = replace(book, aging=tuple(s for s in book.aging if s.name not in names))
    ingested, found = ingest(book, policy, as_of, sheet)
    problems += found
    invoices, report = ingested.invoices, ingested.report

    drafts, found = dr.drafts_from_sheet(owned.get(S.DRAFTS))
    problems += found
    activity, found = act.activity_from_sheet(owned.get(S.ACTIVITY))
    problems += found
    promises, found = read_owned_table(owned.get(S.PROMISES), PROMISE_COLUMNS, PROMISE_FORMATS)
    problems += found
    stored, found = snapshot_from_sheet(owned.get(S.SNAPSHOT))
    problems += found
    previous = previous_generation(stored, as_of)
    later = later_runs(stored, as_of)
    if later:
        problems.append(
            Problem(
                S.SNAPSHOT,
                "",
                "as_of",
                as_of.isoformat(),
                f"This run is dated before the last run ({later[-1]:%Y-%m-%d}): "
                "promises, carry-over and the change since the previous run use the "
                "runs stored before this date, and the later run's state is replaced.",
                Severity.WARNING,
            )
        )
    aging_raw = carried_sheet(book.aging, report.sheet)
    last_seen = latest_generation(stored, as_of)
    invoices, carried_note, found = carry_over(
        invoices, last_seen, aging_raw, report, as_of, baseline=previous
    )
    problems += found
    # The raw grids are not read again: let them go before the wide stages (at a
    # million rows they are over a gigabyte of cell objects; in file mode nothing
    # else holds them, so they are freed here).
    del aging_raw, ingested, book
    overrides: dict[str, tuple[str, str]] = {}
    if S.TEMPLATES in owned:
        overrides, found = templates_from_sheet(owned[S.TEMPLATES])
        problems += found
    templates = load_templates(overrides)

    if action == "log_sent":
        drafts, new_rows, _ = dr.log_sent(drafts, activity, as_of)
        activity = act.append_activity(activity, new_rows)

    promises, new_rows, found = update_promises(invoices, promises, previous, policy, as_of)
    problems += found
    logged = [new_rows]  # this run's own Activity rows, appended once below

    # The queue and the drafts read only the "sent" rows of the Activity log, which are
    # all logged above (log_sent); the rows this run makes are appended after them in
    # the order they are made, so one append does what one append per stage did.
    queue, found = build_queue(
        invoices, policy, as_of, promises, act.last_contact_by_customer(activity)
    )
    problems += locate(found, report)
    queue[Q.CARRIED_NOTE] = carried_note.array  # by position; text already
    logged.append(routing_activity(queue, report.sheet, as_of))
    model, found = _calibration(history_sheets, policy, as_of)
    problems += found
    queue = forecast(queue, policy, as_of, model)
    if on_queue is not None:  # the aging sheet's block is final from here on
        on_queue(queue, report, tuple(problems))

    if action in ("run", "drafts"):
        inv = report.matches.get(F.INVOICE_NO)
        drafts, new_rows, found = dr.update_drafts(
            queue,
            drafts,
            templates,
            policy,
            as_of,
            activity,
            sheet=report.sheet,
            invoice_column=inv.column if inv else 1,
        )
        problems += found
        logged.append(new_rows)
    made = [rows for rows in logged if len(rows)]
    activity = act.append_activity(activity, pd.concat(made, ignore_index=True) if made else None)

    basis = (
        "Bucket probabilities and lateness from Settings (no Paid History sheet to "
        "calibrate from); open promises at their promise date; disputed and legal items "
        "at risk."
    )
    if model is not None:
        basis = (
            f"{model.basis.rstrip('.')}; open promises at their promise date; on this sheet "
            "disputed and legal items are counted at risk."
        )
    current = snapshot_frame(queue, as_of, policy.horizon_weeks)  # shown and stored
    cash = expected_cash_blocks(
        queue, previous, promises, activity, policy, as_of, basis, model, current=current
    )
    settings = settings_blocks(policy) + (model.settings_blocks() if model is not None else ())
    return CycleResult(
        as_of=as_of,
        queue=queue,
        drafts=drafts,
        activity=activity,
        promises=promises,
        expected_cash=cash,
        snapshot=generations_to_store(previous, current),
        settings=settings,
        data_check=data_check_blocks(problems, report, as_of),
        problems=tuple(problems),
        report=report,
        summary=summarise(queue, drafts, problems, report, as_of),
    )


def _calibration(
    sheets: list[RawSheet], policy: Policy, as_of: date
) -> tuple[CalibratedModel | None, list[Problem]]:
    """Calibrate the forecast on the book's Paid History sheet, when it has one.

    Only invoices settled before the as-of date are used (no look-ahead); with too
    little history the model falls back to the policy and says so in its basis.
    """
    if not sheets:
        return None, []
    history, found = read_history(sheets[0], policy)
    if history.empty:
        return None, list(found)
    return calibrate(history, as_of, policy), list(found)


def locate(problems: list[Problem], report: IngestReport) -> list[Problem]:
    """Give row-level problems from the core their sheet and real cell.

    Core stages know an invoice's source row (``F.ROW``) but not the layout it came
    from; the ingest report does, so a problem addressed as a whole row ("9:9") for
    a field is pointed at that field's source column ("E9") on the aging sheet.
    """
    out = []
    for p in problems:
        if p.sheet:
            out.append(p)
            continue
        cell = p.cell
        row = cell.split(":")[0] if ":" in cell else ""
        match = report.matches.get(p.field)
        if row.isdigit() and match is not None:
            cell = cell_address(int(row), match.column)
        out.append(replace(p, sheet=report.sheet, cell=cell))
    return out


def open_total_cents(queue: pd.DataFrame) -> dict[str, int]:
    """Open balance per currency, in cents: the figure every output must reconcile to."""
    grouped = queue.groupby(F.CURRENCY, sort=True)[F.OPEN_CENTS].sum()
    return {str(k): int(v) for k, v in grouped.items()}
