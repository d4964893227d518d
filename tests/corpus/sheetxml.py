"""A small sheet-XML rewriter: a person's edits in Excel, without saving through openpyxl.

openpyxl drops parts it does not understand when it saves, so the tests never use it
to edit a book the tool will read again. This module edits cells of one worksheet
part directly (lxml) and copies every other part of the package byte for byte:

* :func:`set_cells` types values into cells (text as inline strings, numbers,
  dates as serial numbers keeping the cell's existing style, formulas for text that
  starts with ``=`` only when asked);
* :func:`replace_rows` pastes a fresh export over the team's columns below the
  header (what a team does each week), leaving any cells right of those columns.

Values are read back with :func:`read_sheet` (python-calamine).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from dunning_core.sheetaddr import column_index, column_letter

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
Q = f"{{{NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
EPOCH = date(1899, 12, 30)


def _split(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert m, ref
    return int(m.group(2)), column_index(m.group(1))


def sheet_part(z: zipfile.ZipFile, sheet: str) -> str:
    """The worksheet part of ``sheet`` (case-blind name match)."""
    book = etree.fromstring(z.read("xl/workbook.xml"))
    rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    for s in book.iter(f"{Q}sheet"):
        if s.get("name", "").lower() == sheet.lower():
            rid = s.get(f"{{{R_NS}}}id")
            for rel in rels:
                if rel.get("Id") == rid:
                    t = rel.get("Target", "")
                    return t.lstrip("/") if t.startswith("/") else posixpath.normpath("xl/" + t)
    raise KeyError(sheet)


def _rewrite(path: Path, part: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    tmp = path.with_name(path.name + ".edit")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info, raw in items:
            out.writestr(info, data if info.filename == part else raw)
    tmp.replace(path)


def _row(sheet_data: etree._Element, r: int) -> etree._Element:
    for row in sheet_data:
        n = int(row.get("r", "0"))
        if n == r:
            return row
        if n > r:
            new = etree.Element(f"{Q}row", r=str(r))
            row.addprevious(new)
            return new
    return etree.SubElement(sheet_data, f"{Q}row", r=str(r))


def _cell(row: etree._Element, r: int, c: int) -> etree._Element:
    for cell in row:
        _, n = _split(cell.get("r", ""))
        if n == c:
            return cell
        if n > c:
            new = etree.Element(f"{Q}c", r=f"{column_letter(c)}{r}")
            cell.addprevious(new)
            return new
    return etree.SubElement(row, f"{Q}c", r=f"{column_letter(c)}{r}")


def _put(cell: etree._Element, value: Any, style: str | None, formula: bool) -> None:
    for child in list(cell):
        cell.remove(child)
    if "t" in cell.attrib:
        del cell.attrib["t"]
    if style is not None:
        cell.set("s", style)
    if value is None or value == "":
        return
    if isinstance(value, bool):
        cell.set("t", "b")
        etree.SubElement(cell, f"{Q}v").text = "1" if value else "0"
    elif isinstance(value, datetime | date):
        d = value.date() if isinstance(value, datetime) else value
        etree.SubElement(cell, f"{Q}v").text = str((d - EPOCH).days)
    elif isinstance(value, int | float):
        etree.SubElement(cell, f"{Q}v").text = (
            repr(float(value)) if isinstance(value, float) else str(value)
        )
    elif formula and isinstance(value, str) and value.startswith("="):
        etree.SubElement(cell, f"{Q}f").text = value[1:]
    else:
        cell.set("t", "inlineStr")
        t = etree.SubElement(etree.SubElement(cell, f"{Q}is"), f"{Q}t")
        t.text = str(value)
        t.set(XML_SPACE, "preserve")


def _fix_dimension(root: etree._Element, data: etree._Element) -> None:
    dim = root.find(f"{Q}dimension")
    if dim is None or len(data) == 0:
        return
    last_row = int(data[-1].get("r", "1"))
    last_col = max((_split(c.get("r", "A1"))[1] for row in data for c in row), default=1)
    dim.set("ref", f"A1:{column_letter(last_col)}{last_row}")


def set_cells(
    path: Path, sheet: str, values: Mapping[tuple[int, int], Any], *, formulas: bool = False
) -> None:
    """Type ``values`` ({(row, col): value}, 1-based) into ``sheet`` of the book at ``path``."""
    with zipfile.ZipFile(path) as z:
        part = sheet_part(z, sheet)
        root = etree.fromstring(z.read(part))
    data = root.find(f"{Q}sheetData")
    assert data is not None
    for (r, c), v in sorted(values.items()):
        _put(_cell(_row(data, r), r, c), v, None, formulas)
    _fix_dimension(root, data)
    _rewrite(
        path, part, etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    )


def replace_rows(
    path: Path, sheet: str, header_row: int, n_cols: int, rows: Sequence[Sequence[Any]]
) -> None:
    """Paste ``rows`` (a fresh export) below ``header_row`` over columns 1..``n_cols``.

    Each column keeps the style of its first data cell (dates stay dates); cells
    right of ``n_cols`` are left alone; rows left empty are removed. Text starting
    with ``=`` is written as a formula (the team's own formula column).
    """
    with zipfile.ZipFile(path) as z:
        part = sheet_part(z, sheet)
        root = etree.fromstring(z.read(part))
    data = root.find(f"{Q}sheetData")
    assert data is not None
    styles: dict[int, str] = {}
    for row in data:
        r = int(row.get("r", "0"))
        if r <= header_row:
            continue
        for cell in list(row):
            _, c = _split(cell.get("r", ""))
            if c <= n_cols:
                if c not in styles and cell.get("s"):
                    styles[c] = cell.get("s", "0")
                row.remove(cell)
    for i, values in enumerate(rows):
        r = header_row + 1 + i
        row = _row(data, r)
        for c, v in enumerate(values[:n_cols], start=1):
            if v is None or v == "":
                if c in styles:
                    _put(_cell(row, r, c), None, styles[c], False)
                continue
            _put(_cell(row, r, c), v, styles.get(c), True)
    for row in list(data):
        if int(row.get("r", "0")) > header_row and len(row) == 0:
            data.remove(row)
        elif "spans" in row.attrib:
            del row.attrib["spans"]
    _fix_dimension(root, data)
    _rewrite(
        path, part, etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    )


def read_sheet(path: Path, sheet: str) -> list[list[Any]]:
    """Every row of ``sheet`` as python values (calamine), from row 1."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    name = next(n for n in wb.sheet_names if n.lower() == sheet.lower())
    return [list(r) for r in wb.get_sheet_by_name(name).to_python(skip_empty_area=False)]


def table(rows: list[list[Any]], first_header: str) -> tuple[int, list[str], list[list[Any]]]:
    """(1-based header row, headers, body rows) of the block whose header starts the row."""
    for i, row in enumerate(rows):
        if row and row[0] == first_header:
            heads = [str(h) for h in row]
            body = []
            for r in rows[i + 1 :]:
                if not r or r[0] in ("", None):
                    break
                body.append(r)
            return i + 1, heads, body
    raise KeyError(first_header)
