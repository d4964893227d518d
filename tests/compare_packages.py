"""Compare two workbook packages part by part and cell by cell.

The lossless corpus (tests/test_lossless.py) proves "nothing the team owns changed"
by comparing the book before a run with the book after it:

* **parts**: every part of the original package the tool does not own must be in
  the output with the same bytes (zipfile, no parsing, so nothing is normalised away);
* **sheet furniture**: on the aging sheet, which the tool does edit, every element
  outside the cell grid (merged cells, validations, conditional formats, panes,
  x14 extensions, legacy drawing links...) must still be there, canonically equal;
* **cells**: every team cell keeps its value, formula, number format, font and fill
  (openpyxl is used here only to *read* both files; it never saves anything).

Each function returns ``(count compared, list of differences)`` so the tests can
report the figures the issue asks for and fail listing every difference at once.
"""

from __future__ import annotations

import posixpath
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

#: Bookkeeping parts the writer is allowed to rewrite (DESIGN.md, the workbook contract).
BOOKKEEPING = frozenset(
    {
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/calcChain.xml",
    }
)


@dataclass
class Comparison:
    """The figures of one before/after comparison."""

    parts: int = 0
    cells: int = 0
    elements: int = 0
    differences: list[str] = field(default_factory=list)

    def add(self, other: Comparison) -> None:
        self.parts += other.parts
        self.cells += other.cells
        self.elements += other.elements
        self.differences += other.differences


def read_parts(path: Path) -> dict[str, bytes]:
    """Every part of the package, by name."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if not n.endswith("/")}


def sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> worksheet part name, from workbook.xml and its rels."""
    book = etree.fromstring(parts["xl/workbook.xml"])
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    target = {}
    for rel in rels:
        t = rel.get("Target", "")
        target[rel.get("Id")] = t.lstrip("/") if t.startswith("/") else posixpath.join("xl", t)
    out = {}
    for s in book.iter(f"{{{NS}}}sheet"):
        out[s.get("name", "")] = posixpath.normpath(target[s.get(f"{{{R_NS}}}id")])
    return out


def related(parts: dict[str, bytes], part: str) -> list[str]:
    """Internal targets of ``part``'s relationships (resolved part names)."""
    folder, name = posixpath.split(part)
    data = parts.get(posixpath.join(folder, "_rels", name + ".rels"))
    if data is None:
        return []
    out = []
    for rel in etree.fromstring(data):
        if rel.get("TargetMode") == "External":
            continue
        t = rel.get("Target", "")
        out.append(
            t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join(folder, t))
        )
    return out


def owned_parts(parts: dict[str, bytes], aging: str, owned_sheets: tuple[str, ...]) -> set[str]:
    """Parts of the *original* package the tool may rewrite or replace."""
    by_name = {k.lower(): v for k, v in sheet_parts(parts).items()}
    allowed = set(BOOKKEEPING)
    aging_part = by_name[aging.lower()]
    allowed |= {aging_part, _rels_of(aging_part)}
    allowed |= {t for t in related(parts, aging_part) if t.startswith("xl/tables/")}
    for name in owned_sheets:
        part = by_name.get(name.lower())
        if part is None:
            continue
        stack = [part]
        while stack:  # the owned sheet, its tables, drawings, charts and their rels
            p = stack.pop()
            if p in allowed:
                continue
            allowed |= {p, _rels_of(p)}
            stack += related(parts, p)
    return allowed


def _rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def compare_parts(before: Path, after: Path, allowed: set[str]) -> Comparison:
    """Every part of ``before`` outside ``allowed`` must be in ``after`` byte for byte."""
    a, b = read_parts(before), read_parts(after)
    out = Comparison()
    for name, data in sorted(a.items()):
        if name in allowed:
            continue
        out.parts += 1
        if name not in b:
            out.differences.append(f"part {name}: missing after the run")
        elif b[name] != data:
            out.differences.append(f"part {name}: bytes differ ({len(data)} -> {len(b[name])})")
    return out


def compare_entries(before: bytes, after: bytes, part: str) -> Comparison:
    """Every entry of a rels or content-types part of ``before`` is still in ``after``.

    For the parts the tool rewrites (workbook rels, the aging sheet's rels, content
    types) it may add entries, never drop or change the team's: hyperlinks, comments,
    tables, pivot caches, external links, the VBA project and so on.
    """
    out = Comparison()
    key = _rel_key(part) if part.endswith(".rels") else _canon
    new = {key(e) for e in etree.fromstring(after)}
    for entry in etree.fromstring(before):
        out.elements += 1
        if key(entry) not in new:
            text = etree.tostring(entry)[:200].decode()
            out.differences.append(f"{part}: entry lost or changed: {text}")
    return out


def _rel_key(rels_part: str) -> Any:
    """A relationship's identity with its target resolved ("/xl/a.xml" == "a.xml")."""
    folder = posixpath.dirname(posixpath.dirname(rels_part))

    def key(rel: etree._Element) -> tuple[str, ...]:
        t = rel.get("Target", "")
        if rel.get("TargetMode") != "External":
            t = (
                t.lstrip("/")
                if t.startswith("/")
                else posixpath.normpath(posixpath.join(folder, t))
            )
        return (rel.get("Id", ""), rel.get("Type", ""), t, rel.get("TargetMode", ""))

    return key


# -- sheet furniture: everything on the edited sheet that is not a cell -------------------

_VOLATILE_ATTRS = {"tabSelected"}  # the writer may move the selected tab


def _canon(el: etree._Element) -> bytes:
    el = etree.fromstring(etree.tostring(el))
    for e in el.iter():
        for a in _VOLATILE_ATTRS & set(e.attrib):
            del e.attrib[a]
    return etree.tostring(el, method="c14n")


def _elements(parent: etree._Element) -> list[etree._Element]:
    """Child elements only (no comments or processing instructions)."""
    return [c for c in parent if isinstance(c.tag, str)]


def compare_furniture(before: bytes, after: bytes, sheet: str) -> Comparison:
    """Each non-cell element of the ``before`` sheet XML is still in ``after``.

    ``sheetData`` and ``dimension`` are the tool's to change (it adds the managed
    block); ``cols`` entries of the team's columns must stay; ``extLst`` is compared
    per ``ext`` so the tool may add its own extensions beside the team's.
    """
    out = Comparison()
    old, new = etree.fromstring(before), etree.fromstring(after)
    new_children = [_canon(c) for c in _elements(new)]
    new_flat = {_canon(e) for c in _elements(new) for e in _elements(c)}
    for child in _elements(old):
        tag = etree.QName(child).localname
        if tag in ("sheetData", "dimension"):
            continue
        if tag in ("cols", "extLst", "conditionalFormatting", "dataValidations", "mergeCells"):
            for sub in _elements(child):
                out.elements += 1
                if _canon(sub) not in new_flat:
                    text = etree.tostring(sub)[:160].decode()
                    out.differences.append(f"{sheet}: <{tag}> item lost or changed: {text}")
            continue
        out.elements += 1
        if _canon(child) not in new_children:
            text = etree.tostring(child)[:160].decode()
            out.differences.append(f"{sheet}: <{tag}> lost or changed: {text}")
    return out


# -- cells ---------------------------------------------------------------------------------


def _style(cell: Any) -> tuple[Any, ...]:
    f, fill = cell.font, cell.fill
    color = f.color.rgb if f is not None and f.color is not None else None
    fg = fill.fgColor.rgb if fill is not None and fill.fgColor is not None else None
    return (
        cell.number_format,
        (f.name, f.sz, f.b, f.i, f.u, color) if f is not None else None,
        (fill.fill_type, fg) if fill is not None else None,
    )


def load_quietly(path: Path) -> Any:
    """openpyxl workbook (read only in spirit: never saved); its warnings about
    extensions it does not understand are expected and silenced."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path, keep_vba=False, keep_links=True, rich_text=False)


def compare_cells(before: Path, after: Path, sheets: dict[str, int | None]) -> Comparison:
    """Cells of ``sheets`` (name -> last team column, None for all) keep value and style."""
    a, b = load_quietly(before), load_quietly(after)
    out = Comparison()
    for name, last_col in sheets.items():
        if name not in b.sheetnames:
            out.differences.append(f"sheet {name!r} missing after the run")
            continue
        wa, wb = a[name], b[name]
        for row in wa.iter_rows():
            for cell in row:
                if last_col is not None and cell.column > last_col:
                    continue
                if cell.value is None and not cell.has_style:
                    continue
                out.cells += 1
                other = wb.cell(cell.row, cell.column)
                if _value(cell.value) != _value(other.value):
                    out.differences.append(
                        f"{name}!{cell.coordinate}: value {cell.value!r} -> {other.value!r}"
                    )
                elif _style(cell) != _style(other):
                    out.differences.append(
                        f"{name}!{cell.coordinate}: style {_style(cell)} -> {_style(other)}"
                    )
    return out


def _value(v: Any) -> Any:
    """Formula objects (array formulas) compare by their text."""
    text = getattr(v, "text", None)
    return text if isinstance(text, str) else v


_CELL = re.compile(rb"<c [^>]*>")


def count_cells(sheet_xml: bytes) -> int:
    """Number of ``<c>`` elements in a sheet part (for the reported figures)."""
    return len(_CELL.findall(sheet_xml))
