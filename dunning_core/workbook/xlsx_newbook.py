"""A fresh .xlsx package holding the aging values of a csv, xls or ods source.

Those sources cannot carry the tool's sheets (or cannot be rewritten losslessly),
and the original must never be touched, so the results go into a new workbook
beside it. Its aging sheet repeats the source's values cell for cell at the same
rows, so the row numbers in the queue (and the problems' cell addresses) still hold.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from dunning_core.records import UserError
from dunning_core.workbook.xlsx_cells import col_letter, number_cell, value_cell

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def safe_sheet_name(name: str) -> str:
    """A name Excel accepts for a sheet (no ``[]:*?/\\``, 1-31 characters).

    >>> safe_sheet_name("AR: 2026/11"), safe_sheet_name("")
    ('AR_ 2026_11', 'Aging')
    """
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:31]
    return cleaned or "Aging"


def read_csv_rows(path: Path) -> list[list[Any]]:
    """The csv's rows as text (plain decimal numbers as numbers), delimiter sniffed."""
    raw = path.read_bytes()
    for enc in _ENCODINGS:
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    sample = text[:65536]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for row in csv.reader(io.StringIO(text), dialect):
        rows.append([float(v) if _NUMBER.fullmatch(v.strip()) else v for v in row])
    return rows


def read_other_rows(path: Path, sheet: str) -> list[list[Any]]:
    """Values of ``sheet`` (or the first sheet) of an xls/ods file, via calamine."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        name = sheet if sheet in wb.sheet_names else wb.sheet_names[0]
        return [list(r) for r in wb.get_sheet_by_name(name).to_python(skip_empty_area=False)]
    except Exception as exc:  # calamine raises its own error types per format
        raise UserError(f"{path}: cannot read the workbook ({exc}).") from None


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
            _cell(f"{col_letter(c)}{r}", v)
            for c, v in enumerate(row, start=1)
            if v is not None and v != ""
        )
        if cells:
            out.append(f'<row r="{r}">{cells}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out).encode("utf-8")


def new_book(src: Path, sheet: str) -> bytes:
    """The bytes of a minimal .xlsx whose only sheet, ``sheet``, holds ``src``'s values."""
    if src.suffix.lower() in (".csv", ".txt", ".tsv"):
        rows = read_csv_rows(src)
    else:
        rows = read_other_rows(src, sheet)
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
