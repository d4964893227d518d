"""Frozen domain records passed between the adapters and the pure core.

The core never sees a workbook library: the adapters (file mode in
``dunning_core.workbook``, Excel mode in ``addin``) turn whatever they read into a
:class:`BookSnapshot` of plain values, and write back whatever is in a
:class:`CycleResult`. Keeping these records immutable is what lets both surfaces
call the same functions and lets tests build inputs without any I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from dunning_core.errors import UserError as UserError  # re-exported: the core raises it

Cell = Any  # None | str | int | float | bool | datetime | date | time, as a reader gives it


class Severity(enum.StrEnum):
    """How much a problem matters.

    ``ERROR`` means the row or setting could not be used (it is left out, and said so);
    ``WARNING`` means it was used with an assumption the reader should check;
    ``INFO`` records what the tool derived or skipped, for the explanation.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Problem:
    """One thing found wrong or derived, located to a cell.

    Attributes:
        sheet: sheet name the value came from ("" when not from a sheet).
        cell: A1 address ("" when the problem is about a whole sheet or file).
        field: canonical field or setting name the value was meant for.
        value: the offending value as text (truncated for display by writers).
        message: one sentence saying what was expected and what was done.
        severity: see :class:`Severity`.
    """

    sheet: str
    cell: str
    field: str
    value: str
    message: str
    severity: Severity = Severity.WARNING


@dataclass(frozen=True)
class RawSheet:
    """The values of one sheet as a rectangular grid, exactly as read.

    Attributes:
        name: sheet name.
        rows: list of rows, each a list of cell values; ``rows[0][0]`` is the cell at
            (``first_row``, ``first_col``). Rows may be ragged; missing cells are None.
        first_row: 1-based sheet row of ``rows[0]``.
        first_col: 1-based sheet column of each row's first value.
        merged: merged ranges as A1 strings (used to read titles and multi-row headers).
        tables: Excel Table names and A1 refs on this sheet, e.g. ``{"tblAging": "A3:L400"}``.
    """

    name: str
    rows: Sequence[Sequence[Cell]]
    first_row: int = 1
    first_col: int = 1
    merged: tuple[str, ...] = ()
    tables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BookSnapshot:
    """Everything the cycle reads from a workbook, read up front in one pass.

    Attributes:
        source: file path or Excel book name (used in messages only).
        sheets: every sheet's name in workbook order (for sheet choice and messages).
        aging: candidate aging sheets' raw values (the chosen sheet first when a name
            was requested); ingest picks among them.
        owned: raw values of the tool's own sheets that exist (Settings, Drafts,
            Activity, Promises, Snapshot) and of the team's optional Templates sheet,
            keyed by sheet name.
    """

    source: str
    sheets: tuple[str, ...]
    aging: tuple[RawSheet, ...]
    owned: Mapping[str, RawSheet] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldMatch:
    """How one canonical field was found in the source (for ``dunning check``)."""

    field: str
    header: str  # source header text (joined over header rows)
    column: int  # 1-based sheet column
    evidence: str  # e.g. "synonym 'Open Balance'; 98% of values are amounts"


@dataclass(frozen=True)
class IngestReport:
    """What ingest did, so that it can be explained and checked.

    Attributes:
        sheet: sheet chosen as the aging book.
        sheet_reason: why that sheet was chosen.
        header_row: 1-based row of the (last) header row.
        header_rows: number of header rows joined (2+ for multi-row headers).
        first_data_row / last_data_row: 1-based rows of the data block.
        matches: canonical field -> how it was found.
        bucket_columns: header texts of aging-bucket amount columns, when the layout
            gives balances by bucket instead of one open balance.
        unmapped: source headers not used.
        derived: plain sentences about derived fields ("due date = as-of - Age").
        rows_read: data rows turned into invoices.
        rows_skipped: rows left out (titles, totals, blanks, repeated headers), counted.
        open_total_cents: sum of open balance read, per currency.
        file_total_cents: the file's own total row, per currency, when it has one.
        currency_default: currency assumed for rows without one (from header/title/policy).
    """

    sheet: str
    sheet_reason: str
    header_row: int
    header_rows: int
    first_data_row: int
    last_data_row: int
    matches: Mapping[str, FieldMatch]
    bucket_columns: tuple[str, ...]
    unmapped: tuple[str, ...]
    derived: tuple[str, ...]
    rows_read: int
    rows_skipped: int
    open_total_cents: Mapping[str, int]
    file_total_cents: Mapping[str, int]
    currency_default: str
    last_column: int = 0  # 1-based last column of the team's table (managed block goes after)


@dataclass(frozen=True)
class Ingested:
    """Result of ingest: the invoice frame (canonical ``F`` columns) and its report."""

    invoices: pd.DataFrame
    report: IngestReport


@dataclass(frozen=True)
class CycleResult:
    """Everything one weekly cycle produces; adapters write exactly this.

    Attributes:
        as_of: the as-of date the run used (recorded in every output).
        queue: invoice frame with ``F`` and ``Q`` columns, in source order (``F.ROW``).
        drafts: the full Drafts table to write (``DRAFT_COLUMNS``; ``Amount`` in float
            currency units rounded to the cent), existing rows kept and new ones appended.
        activity: the full Activity table (existing rows first, new rows appended).
        promises: the full Promises table.
        expected_cash: the Expected Cash sheet as titled blocks, top to bottom (KPIs,
            weekly totals per currency with a chart, by bucket, stage, collector, top
            customers, change since the previous run).
        snapshot: per-invoice state to store for the next run's "what changed".
        settings: the Settings sheet as titled blocks (the policy as editable tables).
        data_check: the Data Check sheet as titled blocks (problems with cell
            addresses, the header mapping, skipped rows, control totals).
        problems: all problems found, in order.
        report: the ingest report.
        summary: short plain-language lines for the CLI and message boxes.
    """

    as_of: date
    queue: pd.DataFrame
    drafts: pd.DataFrame
    activity: pd.DataFrame
    promises: pd.DataFrame
    expected_cash: tuple[Block, ...]
    snapshot: pd.DataFrame
    settings: tuple[Block, ...]
    data_check: tuple[Block, ...]
    problems: tuple[Problem, ...]
    report: IngestReport
    summary: tuple[str, ...] = ()


#: Display formats a writer understands for a column of a :class:`Block`.
FORMATS = ("text", "wrap", "int", "money", "date", "percent", "number", "link")


@dataclass(frozen=True)
class Block:
    """One titled table on a sheet the tool writes (Expected Cash, Settings, ...).

    The frame is display-ready: money as float currency units already rounded to
    the cent (computed from integer cents, so sums agree with the source to the
    cent), dates as ``datetime64``, shares as floats 0..1.

    Attributes:
        title: shown above the table (and used, slugified, as the Excel Table name).
        frame: the rows.
        formats: column -> one of :data:`FORMATS`; unlisted columns are "text" for
            strings and "number" for numbers; "link" shows a relative file path as a
            clickable hyperlink.
        note: one plain sentence under the title (basis, as-of date, what to edit).
        chart: when set, a column chart of this block is drawn: the first column
            gives the series names (one per row), the listed columns the categories.
    """

    title: str
    frame: pd.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
    chart: tuple[str, ...] = ()
