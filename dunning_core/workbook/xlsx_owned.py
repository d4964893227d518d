"""A sheet the tool owns, from its :class:`~dunning_core.layout.SheetSpec` to sheet XML.

Owned sheets are written whole from scratch on every run: same input, same bytes.
Most are small, but the hidden Snapshot has a row per invoice (two generations of
100k+), so data rows are built column by column, as the managed block is, and
handed to the zip writer a chunk of rows at a time (:class:`OwnedSheet`). Each
block becomes a title, a note and an Excel Table; formats, widths, the frozen
header, list validations and the chart anchors come from the spec, so file mode and
Excel mode look alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from dunning_core.layout import SheetSpec, placements, table_name
from dunning_core.sheetaddr import column_letter
from dunning_core.workbook.xlsx_cells import escape_text, style_attr, text_cell
from dunning_core.workbook.xlsx_chart import ChartSpec
from dunning_core.workbook.xlsx_coded import (
    Coded,
    link_tails,
    text_bound,
    value_coded,
    value_codes,
)
from dunning_core.workbook.xlsx_join import Slot, join_rows, pick
from dunning_core.workbook.xlsx_styles import Styles
from dunning_core.workbook.xlsx_tables import header_texts, range_ref, table_xml

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WIDTH_SAMPLE = 300
_CHART_ROWS = 18
#: Data rows rendered and handed to the zip writer at a time (bounds memory at 1M rows).
_CHUNK_ROWS = 8192
#: Wrapped cells (draft bodies) show this many lines; the rest is one click away.
_MAX_LINES = 8


@dataclass
class OwnedSheet:
    """What one owned sheet needs written: its XML, its tables and its charts.

    The XML comes from ``produce()`` in pieces (the data rows a chunk at a time, so a
    million-row Snapshot is never held whole); ``size`` estimates its length. The
    sheet XML refers to tables as ``rId1``..``rIdN`` and to the drawing as
    ``rId{N+1}``; the writer creates the parts and relationships with those ids.
    """

    produce: Callable[[], Iterator[bytes]] = lambda: iter(())
    size: int = 0
    tables: list[tuple[int, str, bytes]] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)

    @property
    def xml(self) -> bytes:
        """The whole sheet XML (joined: for small sheets and tests)."""
        return b"".join(self.produce())


def _fmt(frame: pd.DataFrame, col: object, formats: dict[str, str]) -> str:
    if str(col) in formats:
        return formats[str(col)]
    return "number" if pd.api.types.is_numeric_dtype(frame[col].dtype) else "text"


def _lines(value: object, width: float) -> int:
    """Lines a wrapped text needs at ``width`` characters (Excel does not size rows
    itself when a file is opened, and LibreOffice does not either).

    >>> _lines("ab\\ncd efgh", 6), _lines(None, 10)
    (3, 1)
    """
    if not isinstance(value, str):
        return 1
    per = max(1, int(width) - 2)
    return sum(max(1, -(-len(line) // per)) for line in value.split("\n"))


def _shown_lines(value: object, width: float) -> int:
    """:func:`_lines` up to the :data:`_MAX_LINES` a row shows (a long draft body has
    that many line feeds: its lines are not measured).

    >>> _shown_lines("a\\n" * 20, 10), _shown_lines("ab\\ncd efgh", 6)
    (8, 3)
    """
    if isinstance(value, str) and value.count("\n") >= _MAX_LINES - 1:
        return _MAX_LINES
    return min(_lines(value, width), _MAX_LINES)


def _width(header: str, values: pd.Series, fmt: str) -> float:
    if fmt == "link":
        return 12.0  # the cell shows "Open draft", not the path
    if fmt == "wrap":
        return 60.0
    if fmt == "date":
        return max(11.0, len(header) + 2.0)
    head = values.head(_WIDTH_SAMPLE)
    if isinstance(head.dtype, pd.StringDtype):  # the texts themselves (most columns)
        lengths = [len(s) for s in head.tolist() if isinstance(s, str)]
    elif isinstance(head.dtype, np.dtype) and head.dtype.kind in "biuf":  # str() as astype
        arr = head.to_numpy()
        if arr.dtype.kind == "f":
            arr = arr[~np.isnan(arr)]
        lengths = [len(str(x)) for x in arr.tolist()]
    else:
        lengths = [len(s) for s in head.dropna().astype(str)]
    longest = max([len(header), *lengths])
    return float(min(60, max(8, longest + 2)))


def build_sheet(
    spec: SheetSpec,
    styles: Styles,
    allocate: Callable[[str], tuple[int, str]],
    selected: bool,
) -> OwnedSheet:
    """Sheet XML, table parts and chart specs for ``spec``.

    ``allocate(name)`` returns a workbook-unique (table id, table name).
    """
    title_xf = styles.xf(bold=True, size=13)
    note_xf = styles.xf(italic=True, color="FF595959")
    header_xf = styles.xf(bold=True)
    rows: list[str | Callable[[], Iterator[str]]] = []
    widths: dict[int, float] = {}
    out = OwnedSheet()
    size = 2000
    max_col = 1
    last_row = 1
    validations: list[tuple[str, tuple[str, ...]]] = []
    hidden_cols: set[int] = set()
    for block, place in zip(spec.blocks, placements(spec), strict=True):
        frame = block.frame
        formats = dict(block.formats)
        headers = header_texts(list(frame.columns))
        ncol = max(1, len(headers))
        max_col = max(max_col, ncol)
        last_row = place.last_row
        title_cell = text_cell(f"A{place.title_row}", block.title, title_xf)
        rows.append(f'<row r="{place.title_row}">{title_cell}</row>')
        if place.note_row:
            note_cell = text_cell(f"A{place.note_row}", block.note, note_xf)
            rows.append(f'<row r="{place.note_row}">{note_cell}</row>')
        letters = [column_letter(i) for i in range(1, ncol + 1)]
        hr = place.header_row
        rows.append(
            f'<row r="{hr}">'
            + "".join(text_cell(f"{letters[i]}{hr}", h, header_xf) for i, h in enumerate(headers))
            + "</row>"
        )
        fmts = [_fmt(frame, c, formats) for c in frame.columns]
        xfs = [styles.xf(fmt=f, wrap=f == "wrap") if f != "text" else 0 for f in fmts]
        for i, (col, f) in enumerate(zip(frame.columns, fmts, strict=True), start=1):
            widths[i] = max(widths.get(i, 0.0), _width(headers[i - 1], frame[col], f))
            if headers[i - 1] in spec.narrow_columns:
                hidden_cols.add(i)
            if headers[i - 1] in spec.validations:
                sqref = f"{letters[i - 1]}{hr + 1}:{letters[i - 1]}{place.last_row + 500}"
                validations.append((sqref, spec.validations[headers[i - 1]]))
        wrap_widths = {i: widths[i + 1] for i, f in enumerate(fmts) if f == "wrap"}
        coded = [None if f == "link" else value_coded(frame.iloc[:, i]) for i, f in enumerate(fmts)]
        rows.append(_data_rows(frame, coded, hr + 1, letters, xfs, fmts, wrap_widths))
        columns = (frame.iloc[:, i] for i in range(len(frame.columns)))
        size += len(frame) * (40 * ncol + 30) + text_bound(columns, coded)
        table_id, name = allocate(table_name(block.title))
        ref = range_ref(1, hr, ncol, place.last_row)
        out.tables.append((table_id, name, table_xml(table_id, name, ref, headers)))
        if block.chart and len(frame) and len(frame.columns) > 1:
            cat = [list(frame.columns).index(c) + 1 for c in block.chart if c in frame.columns]
            if cat:
                vals = tuple(
                    tuple(
                        float(x)
                        for x in pd.to_numeric(
                            frame.iloc[j, [c - 1 for c in cat]], errors="coerce"
                        ).fillna(0.0)
                    )
                    for j in range(len(frame))
                )
                out.charts.append(
                    ChartSpec(
                        title=block.title,
                        sheet=spec.name,
                        header_row=hr,
                        name_col=1,
                        cat_cols=tuple(cat),
                        categories=tuple(headers[c - 1] for c in cat),
                        names=tuple(str(x) for x in frame.iloc[:, 0]),
                        values=vals,
                        anchor=(0, 0, 0, 0),
                    )
                )
    chart_col = max_col + 1
    out.charts = [
        replace(
            c, anchor=(chart_col, c.header_row - 2, chart_col + 10, c.header_row - 2 + _CHART_ROWS)
        )
        for c in out.charts
    ]
    head, tail = _assemble(
        spec,
        widths,
        hidden_cols,
        validations,
        max_col,
        last_row,
        len(out.tables),
        bool(out.charts),
        selected,
    )

    def produce() -> Iterator[bytes]:
        small: list[str] = [head]
        for item in rows:
            if isinstance(item, str):
                small.append(item)
                continue
            yield "".join(small).encode()
            small = []
            for chunk in item():
                yield chunk.encode()
        small.append(tail)
        yield "".join(small).encode()

    out.produce, out.size = produce, size
    return out


def _data_rows(
    frame: pd.DataFrame,
    coded: list[Coded | None],
    first: int,
    letters: list[str],
    xfs: list[int],
    fmts: list[str],
    wrap_widths: dict[int, float],
) -> Callable[[], Iterator[str]]:
    """The ``<row>`` elements of a block's data, built column by column, a chunk of
    rows at a time when the returned function is called.

    The Snapshot sheet has a row per invoice: each column's cells come from
    ``coded`` (:func:`value_coded`, per distinct value; None for link and object
    columns) and :func:`join_rows` lays the rows out. The bytes are those of
    ``value_cell`` per value: a missing value or empty text gives no cell, so a
    column with gaps brings whole cells.
    """

    def chunks() -> Iterator[str]:
        for a in range(0, len(frame), _CHUNK_ROWS):
            part = frame.iloc[a : a + _CHUNK_ROWS]
            yield _rows(part, coded, a, first + a, letters, xfs, fmts, wrap_widths)

    return chunks


def _rows(
    frame: pd.DataFrame,
    coded: list[Coded | None],
    offset: int,
    first: int,
    letters: list[str],
    xfs: list[int],
    fmts: list[str],
    wrap_widths: dict[int, float],
) -> str:
    """The rows of ``frame`` (rows ``offset..`` of the block, sheet rows ``first..``)."""
    n = len(frame)
    rws = list(map(str, range(first, first + n)))
    slots: list[Slot] = ['<row r="', rws, '"']
    if wrap_widths:
        heights = [""] * n
        per_col = [[_shown_lines(v, w) for v in frame.iloc[:, i]] for i, w in wrap_widths.items()]
        for j, lines in enumerate(map(max, zip(*per_col, strict=True))):
            if lines > 1:
                heights[j] = f' ht="{min(lines, _MAX_LINES) * 15}" customHeight="1"'
        slots.append(heights)
    slots.append(">")
    for i in range(len(frame.columns)):
        col_coded, head = coded[i], f'<c r="{letters[i]}'
        split = col_coded.texts(slice(offset, offset + n)) if col_coded is not None else None
        if split is not None:  # a column of distinct values: head, text, tail
            assert col_coded is not None and col_coded.split is not None
            texts, has_cell = split
            ends = (col_coded.split.head, col_coded.split.tail)
            if has_cell.all():
                slots += [head, rws, f'"{style_attr(xfs[i])}{ends[0]}', texts, ends[1]]
            elif has_cell.any():
                idx = np.flatnonzero(has_cell)
                tails = [f"{ends[0]}{t}{ends[1]}" for t in pick(idx, texts)]
                slots.append(_sparse_cells(idx, tails, n, first, head, xfs[i]))
            continue
        if col_coded is not None:
            codes, table = col_coded.chunk(slice(offset, offset + n))
        elif fmts[i] == "link":
            codes, table = np.arange(n), [*link_tails(frame.iloc[:, i]), ""]
        else:
            codes, table = value_codes(frame.iloc[:, i])
        has_cell = np.array([t != "" for t in table], dtype=bool)[codes]
        if has_cell.all():
            slots += [head, rws, f'"{style_attr(xfs[i])}', (codes, table)]
        elif has_cell.any():  # a column without a value in these rows adds nothing
            idx = np.flatnonzero(has_cell)
            slots.append(_sparse_cells(idx, pick(codes[idx], table), n, first, head, xfs[i]))
    slots.append("</row>")
    return join_rows(n, slots)


def _sparse_cells(
    idx: np.ndarray, tails: list[str], n: int, first: int, head: str, xf: int
) -> list[str]:
    """Whole cells of a column with gaps ("" where there is no cell): the rows ``idx``
    of ``n`` take their ``tails``, formatted only where there is a cell (Snapshot's
    promise and hold columns are mostly empty)."""
    style = style_attr(xf)
    out = np.full(n, "", dtype=object)
    rows = (idx + first).tolist()
    out[idx] = [f'{head}{r}"{style}{t}' for r, t in zip(rows, tails, strict=True)]
    return out.tolist()


def _assemble(
    spec: SheetSpec,
    widths: dict[int, float],
    hidden: set[int],
    validations: list[tuple[str, tuple[str, ...]]],
    max_col: int,
    last_row: int,
    ntables: int,
    drawing: bool,
    selected: bool,
) -> tuple[str, str]:
    """The sheet XML before its rows (through ``<sheetData>``) and after them."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{NS}" xmlns:r="{NS_R}">',
    ]
    if spec.tab_color:
        parts.append(f'<sheetPr><tabColor rgb="{spec.tab_color}"/></sheetPr>')
    parts.append(f'<dimension ref="A1:{column_letter(max_col)}{last_row}"/>')
    sel = ' tabSelected="1"' if selected else ""
    view = f'<sheetView workbookViewId="0"{sel}>'
    if spec.freeze and spec.blocks:
        split = placements(spec)[0].header_row
        top = f"A{split + 1}"
        view += (
            f'<pane ySplit="{split}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
        )
    parts.append(f"<sheetViews>{view}</sheetView></sheetViews>")
    parts.append('<sheetFormatPr defaultRowHeight="15"/>')
    if widths:
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"'
            + (' hidden="1"' if i in hidden else "")
            + "/>"
            for i, w in sorted(widths.items())
        )
        parts.append(f"<cols>{cols}</cols>")
    parts.append("<sheetData>")
    head = "".join(parts)
    parts = ["</sheetData>"]
    if validations:
        dv = "".join(
            '<dataValidation type="list" allowBlank="1" showErrorMessage="1"'
            f' sqref="{sqref}"><formula1>{_list_formula(values)}</formula1></dataValidation>'
            for sqref, values in validations
        )
        parts.append(f'<dataValidations count="{len(validations)}">{dv}</dataValidations>')
    parts.append(
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    if drawing:
        parts.append(f'<drawing r:id="rId{ntables + 1}"/>')
    if ntables:
        tp = "".join(f'<tablePart r:id="rId{i}"/>' for i in range(1, ntables + 1))
        parts.append(f'<tableParts count="{ntables}">{tp}</tableParts>')
    parts.append("</worksheet>")
    return head, "".join(parts)


def _list_formula(values: tuple[str, ...]) -> str:
    """A list validation's inline formula ("Draft,Approved,..."), XML-escaped.

    >>> _list_formula(("Draft", "Sent"))
    '"Draft,Sent"'
    """
    return escape_text('"' + ",".join(v.replace('"', "") for v in values) + '"')
