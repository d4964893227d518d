"""The ribbon's Python side: one dispatcher for every Collections button.

The VBA module ``DunningRibbon`` runs ``d.on_button('<button id>')`` through xlwings'
``RunPython``, so a new button needs only an entry in :data:`HANDLERS` and a line in
``customUI14.xml``. Each handler reads the whole book first (:mod:`addin.xl_io`), runs
the same core pipeline as ``dunning run``, and only then writes: a failure before the
first write leaves the workbook untouched. Problems are shown by activating the Data
Check sheet with a short message box (``app.alert``, open-source xlwings).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from addin import xl_io
from dunning_core import layout
from dunning_core.columns import S
from dunning_core.records import CycleResult, Severity, UserError

TITLE = "Collections"
#: Button id -> pipeline action (dunning_core.pipeline.ACTIONS) for the cycle buttons.
CYCLE_ACTIONS = {
    "refresh_queue": "refresh",
    "draft_reminders": "drafts",
    "log_sent": "log_sent",
    "update_forecast": "forecast",
}
RunCycle = Callable[..., CycleResult]


def _caller() -> Any:
    import xlwings as xw  # only when Excel calls: tests pass a fake book instead

    return xw.Book.caller()


def _run_cycle() -> RunCycle:
    from dunning_core.pipeline import run_cycle

    return run_cycle


def _status(book: Any, text: str | bool) -> None:
    book.app.status_bar = text


def _finish(book: Any, result: CycleResult, written: bool) -> None:
    errors = sum(p.severity is Severity.ERROR for p in result.problems)
    warnings = sum(p.severity is Severity.WARNING for p in result.problems)
    target = layout.start_sheet(result) if written else S.DATA_CHECK
    if errors or warnings:
        target = S.DATA_CHECK
    names = [s.name for s in book.sheets]
    if target in names:
        book.sheets[target].activate()
    lines = list(result.summary[:4])
    if errors or warnings:
        lines.append(f"{errors} errors and {warnings} warnings: see the Data Check sheet.")
    book.app.alert("\n".join(lines) or "Done.", title=TITLE)


def cycle(
    book: Any,
    action: str,
    as_of: date,
    run_cycle: RunCycle,
    only: tuple[str, ...] = (),
    then: Callable[[CycleResult], CycleResult] | None = None,
) -> CycleResult:
    """Read everything, run the core, then write every result (or only the sheets named).

    ``then`` adjusts the result before anything is written (export links the .eml files).
    """
    _status(book, f"{TITLE}: reading the workbook ...")
    # No sheet is forced: ingest chooses the aging sheet exactly as `dunning run` does,
    # so the ribbon and the command line give the same result on the same book.
    snapshot = xl_io.read_snapshot(book)
    _status(book, f"{TITLE}: computing ({action}) ...")
    result = run_cycle(snapshot, as_of, sheet=None, action=action)
    if then is not None:
        result = then(result)
    specs = [s for s in layout.owned_sheets(result) if not only or s.name in only]
    grids = [xl_io.spec_grids(spec) for spec in specs]
    plan = None
    if not only:
        aging = xl_io.aging_raw(snapshot, result.report.sheet)
        plan = xl_io.plan_managed(result, layout.managed_values(result.queue), aging)
    _status(book, f"{TITLE}: writing ...")  # everything is computed: only writes follow
    book.app.screen_updating = False
    try:
        for spec, spec_grids in zip(specs, grids, strict=True):
            xl_io.write_spec(book, spec, spec_grids)
        if plan is not None:
            xl_io.write_managed(book, plan)
    finally:
        book.app.screen_updating = True
    return result


def _cycle_button(action: str) -> Callable[[Any, date, RunCycle], None]:
    def handler(book: Any, as_of: date, run_cycle: RunCycle) -> None:
        _finish(book, cycle(book, action, as_of, run_cycle), written=True)

    return handler


def check_data(book: Any, as_of: date, run_cycle: RunCycle) -> None:
    """Read and explain only: writes nothing but the Data Check sheet."""
    result = cycle(book, "check", as_of, run_cycle, only=(S.DATA_CHECK,))
    _finish(book, result, written=False)


def settings(book: Any, as_of: date, run_cycle: RunCycle) -> None:
    """Open Settings, writing the default policy tables first when the sheet is missing."""
    if S.SETTINGS not in [s.name for s in book.sheets]:
        cycle(book, "check", as_of, run_cycle, only=(S.SETTINGS,))
    book.sheets[S.SETTINGS].activate()


def export_drafts(book: Any, as_of: date, run_cycle: RunCycle) -> None:
    """Write Approved drafts as .eml files beside the book, linked from their Drafts rows.

    The same as ``dunning export-drafts``: the queue is refreshed (drafts untouched), the
    files are written, and only the Drafts sheet is rewritten with the links.
    """
    from dunning_core.eml import blocked_customers, export_and_link

    if S.DRAFTS not in [s.name for s in book.sheets]:
        raise UserError(f"{book.name}: no {S.DRAFTS} sheet; press Draft reminders first.")
    full = Path(str(book.fullname))
    folder = full.with_name(full.stem + "-drafts")
    files: list[Path] = []
    stopped: list[str] = []

    def link(result: CycleResult) -> CycleResult:
        blocked = blocked_customers(result.queue)
        drafts, written, held = export_and_link(result.drafts, folder, full.parent, blocked)
        files.extend(written)
        stopped.extend(held)
        return replace(result, drafts=drafts)

    cycle(book, "refresh", as_of, run_cycle, only=(S.DRAFTS,), then=link)
    held_back = (
        f" Not exported (customer now do-not-contact or legal): {', '.join(stopped)}."
        if stopped
        else ""
    )
    book.app.alert(
        f"{len(files)} approved drafts written to {folder} and linked from the Drafts "
        f"sheet (nothing was sent).{held_back}",
        title=TITLE,
    )


HANDLERS: dict[str, Callable[[Any, date, RunCycle], None]] = {
    **{button: _cycle_button(action) for button, action in CYCLE_ACTIONS.items()},
    "check_data": check_data,
    "settings": settings,
    "export_drafts": export_drafts,
}


def on_button(
    control_id: str,
    book: Any = None,
    *,
    as_of: date | None = None,
    run_cycle: RunCycle | None = None,
) -> None:
    """Run the handler of ribbon button ``control_id`` on ``book`` (default: the caller).

    ``as_of`` defaults to today; ``run_cycle`` to the core pipeline (tests pass a fake).
    A :class:`UserError` becomes a message box; the workbook is left as it was.
    """
    handler = HANDLERS.get(control_id)
    book = book if book is not None else _caller()
    if handler is None:
        book.app.alert(f"Unknown button {control_id!r}.", title=TITLE)
        return
    try:
        handler(book, as_of or date.today(), run_cycle or _run_cycle())
    except UserError as exc:
        book.app.alert(str(exc), title=TITLE)
    finally:
        _status(book, False)
