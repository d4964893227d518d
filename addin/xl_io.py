"""Whole-range reads and writes between a live xlwings book and the core's records.

Why its own module: the ribbon handlers stay a few lines each, and this is the only
code that touches xlwings objects. Every sheet is read with ONE range transfer
(``used_range``) and every block is written with ONE range transfer (a 2D list), so
the number of round trips to Excel depends on the number of sheets and blocks, never
on the number of rows (issue 5 point 4). Only open-source xlwings calls are used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dunning_core.columns import MANAGED_HEADERS, OWNED_SHEETS, S
from dunning_core.layout import ManagedBlock, SheetSpec, placements, table_name
from dunning_core.records import BookSnapshot, CycleResult, RawSheet
from dunning_core.workbook.xlsx_managed import find_block
from dunning_core.workbook.xlsx_styles import FORMAT_CODES

_NOT_AGING = (*OWNED_SHEETS, S.TEMPLATES)
Grid = list[list[Any]]


def read_sheet(sheet: Any) -> RawSheet:
    """One sheet's values as a RawSheet: a single whole-range read of its used range."""
    used = sheet.used_range
    rows = used.options(ndim=2).value or [[None]]
    return RawSheet(sheet.name, rows, first_row=used.row, first_col=used.column)


def read_snapshot(book: Any, sheet: str | None = None) -> BookSnapshot:
    """Every sheet of ``book`` read up front: aging candidates and the tool's own sheets.

    The aging candidates are the sheets the tool does not own, in workbook order (or
    only ``sheet`` when named), matching what file mode's reader offers to ingest.
    """
    raws = [read_sheet(s) for s in book.sheets]
    names = tuple(r.name for r in raws)
    owned = {r.name: r for r in raws if r.name in _NOT_AGING}
    aging = [r for r in raws if r.name not in _NOT_AGING]
    if sheet is not None:
        aging = [r for r in aging if r.name == sheet]
    return BookSnapshot(source=str(book.name), sheets=names, aging=tuple(aging), owned=owned)


#: A value written through ``Range.value`` that starts with one of these is parsed by
#: Excel as a formula (or a DDE call): text from the book must never be.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> Any:
    """Text from the book as Excel text: a leading apostrophe stops formula parsing.

    Excel shows the apostrophe nowhere (it is the "text" prefix), so ``=cmd|'/C calc'!A0``
    typed as a customer name stays that text instead of becoming a live formula.

    >>> as_text("=1+1"), as_text("-- note"), as_text("ok"), as_text(-5)
    ("'=1+1", "'-- note", 'ok', -5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def column_cells(series: pd.Series) -> list[Any]:
    """Python values Excel accepts: None for missing, datetime for dates, int/float/str."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = pd.to_datetime(series, errors="coerce")
        return [None if pd.isna(v) else v.to_pydatetime() for v in stamps]
    out = series.astype(object).where(series.notna(), None).tolist()
    return [as_text(v.item() if hasattr(v, "item") else v) for v in out]


def frame_grid(frame: pd.DataFrame) -> Grid:
    """The frame's rows as a 2D list, header row first."""
    cols = [column_cells(frame[c]) for c in frame.columns]
    body = [list(row) for row in zip(*cols, strict=True)] if cols else []
    return [[as_text(str(c)) for c in frame.columns], *body]


def block_grid(title: str, note: str, frame: pd.DataFrame, width: int) -> Grid:
    """Title, optional note, header and values as one rectangular 2D list."""
    grid = [[as_text(title)], *([[as_text(note)]] if note else []), *frame_grid(frame)]
    if len(frame) == 0:
        grid.append([None])  # an Excel Table needs one data row (layout.placements)
    return [row + [None] * (width - len(row)) for row in grid]


def spec_grids(spec: SheetSpec) -> list[Grid]:
    """Every block's grid, computed before anything is written (see :func:`write_spec`)."""
    return [block_grid(b.title, b.note, b.frame, max(1, len(b.frame.columns))) for b in spec.blocks]


def write_spec(book: Any, spec: SheetSpec, grids: Sequence[Grid]) -> None:
    """Write one owned sheet: one range write per block, formats per column, tables."""
    names = [s.name for s in book.sheets]
    sheet = book.sheets[spec.name] if spec.name in names else _add_sheet(book, spec.name)
    sheet.clear_contents()
    table_names = {t.name: t for t in sheet.tables}
    for block, place, grid in zip(spec.blocks, placements(spec), grids, strict=True):
        width = max(1, len(block.frame.columns))
        sheet.range((place.title_row, 1)).value = grid
        for i, column in enumerate(block.frame.columns, start=1):
            fmt = block.formats.get(str(column), "")
            if fmt in FORMAT_CODES:
                rng = sheet.range((place.header_row + 1, i), (place.last_row, i))
                rng.number_format = FORMAT_CODES[fmt]
            elif fmt == "link":
                _links(sheet, place.header_row + 1, i, block.frame[column])
        table_range = sheet.range((place.header_row, 1), (place.last_row, width))
        name = table_name(block.title)
        if name in table_names:
            table_names[name].resize(table_range)
        else:
            sheet.tables.add(source=table_range, name=name)
    _validations_and_panes(sheet, spec)
    _charts(sheet, spec)
    if spec.hidden:
        sheet.visible = False


def _links(sheet: Any, first_row: int, col: int, paths: pd.Series) -> None:
    """Clickable links for the non-empty paths of a "link" column (exported drafts).

    One call per linked cell: only Approved drafts that were exported have a path, so
    the count follows the drafts a collector approved, never the number of invoices.
    """
    for offset, path in enumerate(paths.astype(object).where(paths.notna(), "")):
        if str(path).strip():
            sheet.range((first_row + offset, col)).add_hyperlink(str(path), "Open draft")


def _validations_and_panes(sheet: Any, spec: SheetSpec) -> None:
    """Dropdowns on the first block's data rows and the frozen header, per the spec.

    One call per column, never per row. Both use xlwings APIs added in 0.37.5; an
    engine that lacks them (NotImplementedError) still gets every value written.
    """
    if not spec.blocks:
        return
    block, place = spec.blocks[0], placements(spec)[0]
    columns = [str(c) for c in block.frame.columns]
    try:
        for header, allowed in spec.validations.items():
            if header in columns:
                col = columns.index(header) + 1
                rng = sheet.range((place.header_row + 1, col), (place.last_row, col))
                rng.data_validation.set_list(list(allowed))
        if spec.freeze:
            sheet.freeze_panes.freeze_at(f"1:{place.header_row}")
    except NotImplementedError:
        pass


def _charts(sheet: Any, spec: SheetSpec) -> None:
    """A column chart beside each block that asks for one (series = rows), replaced each run."""
    wanted = [(b, p) for b, p in zip(spec.blocks, placements(spec), strict=True) if b.chart]
    if not wanted:
        return
    try:
        for chart in list(sheet.charts):
            chart.delete()
        for block, place in wanted:
            columns = [str(c) for c in block.frame.columns]
            last = max(columns.index(c) for c in block.chart if c in columns) + 1
            source = sheet.range((place.header_row, 1), (place.last_row, last))
            anchor = sheet.range((place.title_row, len(columns) + 2))
            sheet.charts.add(
                chart_type="column_clustered",
                source=source,
                plot_by="rows",
                name=table_name(block.title).replace("tbl", "cht", 1),
                anchor=anchor,
            )
    except (NotImplementedError, ValueError):
        pass


def _add_sheet(book: Any, name: str) -> Any:
    sheets = list(book.sheets)
    return book.sheets.add(name, after=sheets[-1])


def managed_grid(
    block: ManagedBlock, header_row: int, last_row: int
) -> tuple[Grid, dict[str, str]]:
    """The managed block as ONE grid from the header row down to ``last_row``.

    Rows that hold no invoice (titles, totals, blanks) get empty cells, as file mode
    drops the previous run's cells there too.
    """
    cols = [column_cells(v) for v in block.values]
    by_row = {r: i for i, r in enumerate(block.rows)}
    grid: Grid = [list(block.headers)]
    empty = [None] * len(block.headers)
    for r in range(header_row + 1, last_row + 1):
        i = by_row.get(r)
        grid.append(empty[:] if i is None else [c[i] for c in cols])
    return grid, dict(block.formats)


def managed_start(aging: RawSheet, header_row: int, last_column: int) -> tuple[int, int]:
    """(first column of the block, last column of the previous block or 0).

    Same rule as file mode: replace the previous block in place when its headers are
    found in the header row, else start right of the team's last column.
    """
    headers: dict[int, str] = {}
    i = header_row - aging.first_row
    if 0 <= i < len(aging.rows):
        for j, v in enumerate(aging.rows[i]):
            if isinstance(v, str) and v.strip():
                headers[aging.first_col + j] = v
    old = find_block(headers, MANAGED_HEADERS)
    if old[0]:
        return old[0], old[1]
    return max([last_column, *headers.keys()]) + 1, 0


@dataclass(frozen=True)
class ManagedPlan:
    """Where and what to write on the aging sheet, decided before the first write."""

    sheet: str
    header_row: int
    start: int
    old_end: int  # last column of the previous run's block, 0 on a first run
    clear_to_row: int
    last_row: int
    grid: Grid
    headers: tuple[str, ...]
    formats: dict[str, str]
    aging: RawSheet


def plan_managed(result: CycleResult, block: ManagedBlock, aging: RawSheet) -> ManagedPlan:
    """The managed block's position (same rule as file mode) and its one grid."""
    report = result.report
    start, old_end = managed_start(aging, report.header_row, report.last_column)
    last_row = max([report.header_row, *block.rows])
    used_last = aging.first_row + len(aging.rows) - 1
    grid, formats = managed_grid(block, report.header_row, last_row)
    return ManagedPlan(
        report.sheet, report.header_row, start, old_end, max(used_last, last_row), last_row,
        grid, tuple(block.headers), formats, aging,
    )  # fmt: skip


def write_managed(book: Any, plan: ManagedPlan) -> None:
    """Write the managed columns on the aging sheet as one 2D range write."""
    sheet = book.sheets[plan.sheet]
    if plan.old_end:  # clear the previous block below the new one (one call, no transfer)
        first, last = (plan.header_row, plan.start), (plan.clear_to_row, plan.old_end)
        sheet.range(first, last).clear_contents()
    sheet.range((plan.header_row, plan.start)).value = plan.grid
    for k, header in enumerate(plan.headers):
        fmt = plan.formats.get(header, "")
        if fmt in FORMAT_CODES and plan.last_row > plan.header_row:
            col = plan.start + k
            rng = sheet.range((plan.header_row + 1, col), (plan.last_row, col))
            rng.number_format = FORMAT_CODES[fmt]
    _widen_team_table(sheet, plan.aging, plan.header_row, plan.start, plan.old_end, plan.headers)


def _widen_team_table(
    sheet: Any, aging: RawSheet, header_row: int, start: int, old_end: int, headers: Sequence[str]
) -> None:
    """Take the managed block into the team's Excel Table, as file mode does.

    Only a Table whose header is the header row and which ends right before the block
    (first run) or where the previous block ended (re-run) is widened, and only when
    no managed header repeats one of its own column names (a Table needs unique ones).
    """
    end = start + len(headers) - 1
    row = aging.rows[header_row - aging.first_row] if header_row >= aging.first_row else []
    for table in sheet.tables:
        rng = table.range
        first, last = rng.column, rng.last_cell.column
        if rng.row != header_row or first >= start or last not in {start - 1, old_end}:
            continue
        own = {
            str(v).strip().lower()
            for j, v in enumerate(row)
            if v is not None and first <= aging.first_col + j < start
        }
        if any(h.lower() in own for h in headers):
            continue
        table.resize(sheet.range((header_row, first), (rng.last_cell.row, end)))


def aging_raw(snapshot: BookSnapshot, name: str) -> RawSheet:
    """The RawSheet read for the chosen aging sheet (ingest names it in the report)."""
    for raw in snapshot.aging:
        if raw.name == name:
            return raw
    return RawSheet(name, [[None]])


__all__: Sequence[str] = (
    "block_grid",
    "column_cells",
    "frame_grid",
    "managed_grid",
    "managed_start",
    "plan_managed",
    "read_sheet",
    "read_snapshot",
    "spec_grids",
    "write_managed",
    "write_spec",
)
