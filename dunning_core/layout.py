"""What the tool writes where: the cycle result laid out as sheets, without any I/O.

The writers (file mode here, Excel mode in ``addin``) must show the same sheets in the
same shape, so the decisions "which blocks on which sheet, in which order, with which
formats, at which rows" are made once, here, as plain data. A writer only turns a
:class:`SheetSpec` into cells; it never decides layout itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dunning_core.columns import (
    ACTIVITY_COLUMNS,
    ACTIVITY_FORMATS,
    DRAFT_COLUMNS,
    DRAFT_FORMATS,
    DRAFT_STATUSES,
    MANAGED_COLUMNS,
    MANAGED_FORMATS,
    PROBLEM_COLUMNS,
    PROMISE_COLUMNS,
    PROMISE_FORMATS,
    D,
    F,
    M,
    S,
)
from dunning_core.records import Block, CycleResult, Problem, Severity

#: Rows left empty between two blocks stacked on one sheet.
BLOCK_GAP = 2


@dataclass(frozen=True)
class SheetSpec:
    """One sheet the tool owns, as a writer should produce it.

    Attributes:
        name: sheet name (one of ``columns.S``).
        blocks: titled tables, top to bottom; each becomes one Excel Table.
        hidden: the sheet is hidden (Snapshot: machine state, not for reading).
        validations: column header -> allowed values (a list dropdown on the data rows).
        freeze: freeze the first block's header row (only for single-table sheets,
            where the header row is the one to keep in view).
        tab_color: ARGB hex for the sheet tab, or "".
        narrow_columns: headers shown narrow (machine columns such as a hash).
    """

    name: str
    blocks: tuple[Block, ...]
    hidden: bool = False
    validations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    freeze: bool = False
    tab_color: str = ""
    narrow_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Placement:
    """Rows (1-based) a block occupies; ``note_row`` is 0 when the block has no note.

    A table always has at least one data row (Excel requires it), so
    ``last_row >= header_row + 1`` even for an empty frame.
    """

    title_row: int
    note_row: int
    header_row: int
    last_row: int


@dataclass(frozen=True)
class ManagedBlock:
    """The managed columns of the aging sheet, display-ready and row-aligned.

    Attributes:
        headers: ``columns.MANAGED_HEADERS`` in order (the recognition key).
        formats: header -> display format (``records.FORMATS``).
        rows: 1-based sheet row per invoice (``F.ROW``), in queue order.
        values: one Series per header, positionally aligned with ``rows``; strings for
            text, ints/floats for numbers, datetime64 for dates, missing = NA.
    """

    headers: tuple[str, ...]
    formats: Mapping[str, str]
    rows: tuple[int, ...]
    values: tuple[pd.Series, ...]


def placements(spec: SheetSpec) -> tuple[Placement, ...]:
    """Rows of each block: title, optional note, header, data, then a gap.

    >>> b = Block("A", pd.DataFrame({"x": [1, 2]}), note="n")
    >>> placements(SheetSpec("S", (b, Block("B", pd.DataFrame({"y": []})))))
    (Placement(title_row=1, note_row=2, header_row=3, last_row=5), \
Placement(title_row=8, note_row=0, header_row=9, last_row=10))
    """
    out = []
    row = 1
    for block in spec.blocks:
        title = row
        note = row + 1 if block.note else 0
        header = (note or title) + 1
        last = header + max(1, len(block.frame))
        out.append(Placement(title, note, header, last))
        row = last + 1 + BLOCK_GAP
    return tuple(out)


def table_name(title: str) -> str:
    """An Excel Table name from a block title ("Weekly expected cash" -> "tblWeeklyExpectedCash").

    A name that reads like a cell address ("tbl1" is cell TBL1) gets an underscore,
    which Excel requires.

    >>> table_name("By bucket (open balance)"), table_name(""), table_name("1")
    ('tblByBucketOpenBalance', 'tblBlock', 'tbl_1')
    """
    words = re.findall(r"[A-Za-z0-9]+", title)
    name = "tbl" + ("".join(w[:1].upper() + w[1:] for w in words)[:200] or "Block")
    if re.fullmatch(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*", name):
        name = "tbl_" + name[3:]
    return name


def _fixed(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The frame with exactly ``columns`` in order (missing ones empty)."""
    return frame.reindex(columns=list(columns))


def _drafts(result: CycleResult) -> SheetSpec:
    frame = _fixed(result.drafts, DRAFT_COLUMNS)
    # float currency units (records.CycleResult): written as numbers, never as text
    frame[D.AMOUNT] = pd.to_numeric(frame[D.AMOUNT], errors="coerce").astype("float64")
    note = (
        f"As of {result.as_of:%Y-%m-%d}. Edit Subject, Body, Status and Reviewer note: "
        "the next run keeps your edits and never adds a duplicate."
    )
    block = Block("Drafts", frame, DRAFT_FORMATS, note)
    return SheetSpec(
        S.DRAFTS,
        (block,),
        validations={D.STATUS: DRAFT_STATUSES},
        freeze=True,
        narrow_columns=(D.GENERATED_HASH,),
    )


def _log(
    name: str, frame: pd.DataFrame, cols: tuple[str, ...], fmts: Mapping[str, str], note: str
) -> SheetSpec:
    return SheetSpec(name, (Block(name, _fixed(frame, cols), fmts, note),), freeze=True)


def _data_check(result: CycleResult) -> SheetSpec:
    blocks = result.data_check
    if not blocks:
        rows = [
            (p.severity.value, p.sheet, p.cell, p.field, p.value, p.message)
            for p in result.problems
        ]
        frame = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS), dtype=object)
        blocks = (Block("Problems", frame, note=f"Problems found as of {result.as_of:%Y-%m-%d}."),)
    errors = any(p.severity is Severity.ERROR for p in result.problems)
    return SheetSpec(S.DATA_CHECK, blocks, tab_color="FFC00000" if errors else "")


def owned_sheets(result: CycleResult) -> tuple[SheetSpec, ...]:
    """Every sheet the tool owns, in workbook order (new sheets are appended so)."""
    as_of = f"{result.as_of:%Y-%m-%d}"
    return (
        SheetSpec(S.SETTINGS, result.settings, tab_color="FF7F7F7F"),
        _drafts(result),
        _log(
            S.ACTIVITY,
            result.activity,
            ACTIVITY_COLUMNS,
            ACTIVITY_FORMATS,
            f"Append-only log of completed work, as of {as_of}.",
        ),
        _log(
            S.PROMISES,
            result.promises,
            PROMISE_COLUMNS,
            PROMISE_FORMATS,
            f"Promises to pay (open / kept / broken), as of {as_of}.",
        ),
        SheetSpec(S.EXPECTED_CASH, result.expected_cash, tab_color="FF2E75B6"),
        _data_check(result),
        SheetSpec(
            S.SNAPSHOT,
            (Block("Snapshot", result.snapshot, note=f"Run state as of {as_of}; do not edit."),),
            hidden=True,
        ),
    )


def managed_values(queue: pd.DataFrame) -> ManagedBlock:
    """The managed block's values per aging-sheet row, from the queue (the cycle
    result's, or the queue as the cycle hands it to the early writer: the same)."""
    n = len(queue)
    rows = tuple(queue[F.ROW].astype("int64").tolist()) if F.ROW in queue else ()
    values = []
    for header, qcol in MANAGED_COLUMNS:
        if qcol not in queue:
            values.append(pd.Series([pd.NA] * n, dtype=object))
            continue
        col = queue[qcol].reset_index(drop=True)
        if header == M.EXCLUDED and col.dtype == bool:  # the queue's flag: no per-row Python
            col = pd.Series(np.where(col.to_numpy(), "Yes", ""), dtype=object)
        elif header == M.EXCLUDED:
            col = col.map(lambda v: "Yes" if v is True or v == 1 else "")
        elif MANAGED_FORMATS.get(header) == "date":
            col = pd.to_datetime(col, errors="coerce")
        values.append(col)
    formats = {h: MANAGED_FORMATS.get(h, "text") for h, _ in MANAGED_COLUMNS}
    return ManagedBlock(tuple(h for h, _ in MANAGED_COLUMNS), formats, rows, tuple(values))


def start_sheet(result: CycleResult) -> str:
    """The sheet the user needs next: Data Check when any error, else the queue."""
    return start_sheet_for(result.problems, result.report.sheet)


def start_sheet_for(problems: Iterable[Problem], aging_sheet: str) -> str:
    """:func:`start_sheet` from the problems found so far (the early writer guesses
    the aging sheet's tab selection with it; the writer checks the guess)."""
    if any(p.severity is Severity.ERROR for p in problems):
        return S.DATA_CHECK
    return aging_sheet


__all__ = [
    "BLOCK_GAP",
    "ManagedBlock",
    "Placement",
    "SheetSpec",
    "managed_values",
    "owned_sheets",
    "placements",
    "start_sheet",
    "start_sheet_for",
    "table_name",
]
