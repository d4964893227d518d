"""A fresh .xlsx package holding the aging values of a csv, xls or ods source.

Those sources cannot carry the tool's sheets (or cannot be rewritten losslessly),
and the original must never be touched, so the results go into a new workbook
beside it. Its aging sheet repeats the source's values cell for cell at the same
rows, so the row numbers in the queue (and the problems' cell addresses) still hold.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dunning_core.sheetaddr import column_letter
from dunning_core.workbook.xlsx_cells import number_cell, value_cell
from dunning_core.workbook.xml_escape import quoteattr

_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def safe_sheet_name(name: str) -> str:
    """A name Excel accepts for a sheet (no ``[]:*?/\\``, 1-31 characters).

    >>> safe_sheet_name("AR: 2026/11"), safe_sheet_name("")
    ('AR_ 2026_11', 'Aging')
    """
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:31]
    return cleaned or "Aging"


def source_rows(src: Path, sheet: str) -> list[list[Any]]:
    """``sheet``'s values from ``src``, at their sheet positions (row 1 first, column A first).

    Read through the same reader as the run itself (encodings, BOM, UTF-16 text exports,
    delimiters, xls, ods), so the new book holds exactly the values the queue was built
    from; a plain decimal text (as CSV gives every value) is written as a number.
    """
    from dunning_core.workbook.reader import read_book

    book = read_book(src, None)
    sheets = (*book.aging, *book.owned.values())
    raw = next((s for s in sheets if s.name == sheet), sheets[0])
    pad = [None] * (raw.first_col - 1)
    rows: list[list[Any]] = [[] for _ in range(raw.first_row - 1)]
    for r in raw.rows:
        rows.append(
            pad
            + [
                float(v) if isinstance(v, str) and _NUMBER.fullmatch(v.strip()) else v
                for v in list(r)
            ]
        )
    return rows


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, datetime | date):
        return value_cell(ref, value, 1)
    if isinstance(value, time):
        return number_cell(ref, (value.hour * 3600 + value.minute * 60 + value.second) / 86400)
    if isinstance(value, timedelta):
        return number_cell(ref, value.total_seconds() / 86400)
    if isinstance(value, float) and value.is_integer():
        return number_cell(ref, int(value))
    return value_cell(ref, value)


def sheet_xml(rows: list[list[Any]]) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetData>'
    ]
    for r, row in enumerate(rows, start=1):
        cells = "".join(
            _cell(f"{column_letter(c)}{r}", v)
            for c, v in enumerate(row, start=1)
            if v is not None and v != ""
        )
        if cells:
            out.append(f'<row r="{r}">{cells}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out).encode("utf-8")


def new_book(src: Path, sheet: str) -> bytes:
    """The bytes of a minimal .xlsx whose only sheet, ``sheet``, holds ``src``'s values."""
    rows = source_rows(src, sheet)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    oxml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels"'
            ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{oxml}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml"'
            f' ContentType="{oxml}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{oxml}.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><bookViews><workbookView/></bookViews>'
            f'<sheets><sheet name={quoteattr(sheet)} sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{main}">'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/>'
            "</font></fonts>"
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            "</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        ),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            decl = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), (decl + text).encode())
        zf.writestr(
            zipfile.ZipInfo("xl/worksheets/sheet1.xml", (1980, 1, 1, 0, 0, 0)), sheet_xml(rows)
        )
    return buf.getvalue()
