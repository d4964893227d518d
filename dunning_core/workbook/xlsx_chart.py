"""A column chart written by hand: a ``c:chartSpace`` part and the drawing anchoring it.

Controllers want the weekly expected cash as a picture (DESIGN.md, Expected Cash).
The chart references the block's cells and also carries cached values, so viewers
that do not recalculate (LibreOffice headless, previews) still draw it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dunning_core.sheetaddr import column_letter
from dunning_core.workbook.xlsx_cells import escape_text
from dunning_core.workbook.xml_escape import escape, quoteattr

CHART_CT = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
DRAWING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"


@dataclass(frozen=True)
class ChartSpec:
    """A column chart of one block: series are rows, categories are columns.

    Attributes:
        title: chart title.
        sheet: sheet holding the data (for the cell references).
        header_row: row of the category labels; series rows follow it.
        name_col: column of the series names.
        cat_cols: columns of the categories (1-based, in order).
        categories / names / values: the cached texts and numbers.
        anchor: (first col, first row, last col, last row), 0-based, of the drawing.
    """

    title: str
    sheet: str
    header_row: int
    name_col: int
    cat_cols: tuple[int, ...]
    categories: tuple[str, ...]
    names: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]
    anchor: tuple[int, int, int, int]


def _abs(sheet: str, col: int, row: int) -> str:
    quoted = "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!${column_letter(col)}${row}"


def _str_cache(texts: tuple[str, ...]) -> str:
    pts = "".join(
        f'<c:pt idx="{i}"><c:v>{escape_text(t)}</c:v></c:pt>' for i, t in enumerate(texts)
    )
    return f'<c:strCache><c:ptCount val="{len(texts)}"/>{pts}</c:strCache>'


def _ref(spec: ChartSpec, row: int) -> str:
    cols = spec.cat_cols
    contiguous = list(cols) == list(range(cols[0], cols[0] + len(cols)))
    if contiguous:
        return f"{_abs(spec.sheet, cols[0], row)}:{_abs(spec.sheet, cols[-1], row).split('!')[1]}"
    return "(" + ",".join(_abs(spec.sheet, c, row) for c in cols) + ")"


def chart_xml(spec: ChartSpec) -> bytes:
    """The chart part for ``spec`` (clustered columns, legend at the bottom)."""
    series = []
    for i, (name, vals) in enumerate(zip(spec.names, spec.values, strict=True)):
        row = spec.header_row + 1 + i
        pts = "".join(
            f'<c:pt idx="{j}"><c:v>{v!r}</c:v></c:pt>'
            for j, v in enumerate(vals)
            if math.isfinite(v)
        )
        series.append(
            f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>'
            f"<c:tx><c:strRef><c:f>{escape(_abs(spec.sheet, spec.name_col, row))}</c:f>"
            f"{_str_cache((name,))}</c:strRef></c:tx>"
            '<c:invertIfNegative val="0"/>'
            f"<c:cat><c:strRef><c:f>{escape(_ref(spec, spec.header_row))}</c:f>"
            f"{_str_cache(spec.categories)}</c:strRef></c:cat>"
            f"<c:val><c:numRef><c:f>{escape(_ref(spec, row))}</c:f><c:numCache>"
            f'<c:formatCode>General</c:formatCode><c:ptCount val="{len(vals)}"/>{pts}'
            "</c:numCache></c:numRef></c:val></c:ser>"
        )
    title = escape_text(spec.title)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{_R}">'
        '<c:roundedCorners val="0"/><c:chart>'
        f"<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{title}</a:t></a:r></a:p>"
        '</c:rich></c:tx><c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>'
        '<c:plotArea><c:layout/><c:barChart><c:barDir val="col"/>'
        '<c:grouping val="clustered"/><c:varyColors val="0"/>'
        + "".join(series)
        + '<c:gapWidth val="150"/><c:axId val="500100"/><c:axId val="500200"/></c:barChart>'
        '<c:catAx><c:axId val="500100"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="0"/>'
        '<c:tickLblPos val="low"/><c:crossAx val="500200"/><c:crosses val="autoZero"/>'
        '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/></c:catAx>'
        '<c:valAx><c:axId val="500200"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>'
        '<c:numFmt formatCode="#,##0" sourceLinked="0"/><c:tickLblPos val="nextTo"/>'
        '<c:crossAx val="500100"/><c:crosses val="autoZero"/><c:crossBetween val="between"/>'
        "</c:valAx></c:plotArea>"
        '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>'
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>'
    ).encode()


def drawing_xml(anchors: list[tuple[str, tuple[int, int, int, int], str]]) -> bytes:
    """A drawing part holding one graphic frame per (relationship id, anchor, name)."""
    frames = []
    for n, (rid, (c1, r1, c2, r2), name) in enumerate(anchors, start=2):
        frames.append(
            "<xdr:twoCellAnchor>"
            f"<xdr:from><xdr:col>{c1}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r1}</xdr:row>"
            "<xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f"<xdr:to><xdr:col>{c2}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r2}</xdr:row>"
            "<xdr:rowOff>0</xdr:rowOff></xdr:to>"
            '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
            f"<xdr:cNvPr id={quoteattr(str(n))} name={quoteattr(name)}/><xdr:cNvGraphicFramePr/>"
            '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/>'
            f'</xdr:xfrm><a:graphic><a:graphicData uri="{_C}">'
            f'<c:chart xmlns:c="{_C}" xmlns:r="{_R}" r:id="{rid}"/>'
            "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<xdr:wsDr xmlns:xdr="{_XDR}" xmlns:a="{_A}">' + "".join(frames) + "</xdr:wsDr>"
    ).encode()
