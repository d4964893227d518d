"""Workbook-level bookkeeping: the sheet list, the active tab and part ownership.

Sheets the tool adds go at the end of the sheet list, so the positions that the
team's defined names and print areas refer to (``localSheetId``) never move; a
sheet the tool already owns keeps its name, position, sheetId and part name.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from dunning_core.records import UserError
from dunning_core.workbook.xlsx_package import REL_BASE, Package, Rel, rels_name, xml_bytes

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#: The default namespace map; lxml-stubs type nsmap keys as str, lxml takes None.
_DEFAULT_NS: dict[Any, str] = {None: NS}
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_REL = REL_BASE + "worksheet"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_Q = f"{{{NS}}}"


@dataclass(frozen=True)
class SheetEntry:
    """One ``<sheet>`` of workbook.xml with its part name."""

    name: str
    sheet_id: int
    rid: str
    part: str
    hidden: bool


class Workbook:
    """workbook.xml and its relationships, edited as a small tree."""

    def __init__(self, pkg: Package, source: str) -> None:
        self.pkg = pkg
        root_rels = pkg.rels("")
        main = [r for r in root_rels if r.kind == "officeDocument" and not r.external]
        if not main or not pkg.has(main[0].target):
            raise UserError(f"{source}: not an Excel workbook (no workbook part in the package).")
        self.part = main[0].target
        self.root = etree.fromstring(pkg.get(self.part) or b"")
        self.rels = pkg.rels(self.part)

    def sheets(self) -> list[SheetEntry]:
        by_id = {r.id: r.target for r in self.rels}
        out = []
        el = self.root.find(_Q + "sheets")
        for s in el if el is not None else []:
            rid = s.get(f"{{{NS_R}}}id", "")
            out.append(
                SheetEntry(
                    s.get("name", ""),
                    int(s.get("sheetId", "0")),
                    rid,
                    by_id.get(rid, ""),
                    s.get("state") in ("hidden", "veryHidden"),
                )
            )
        return out

    def defined_names(self) -> set[str]:
        """Lower-cased defined names (Excel Table names must not collide with them)."""
        names = self.root.find(_Q + "definedNames")
        return {(n.get("name") or "").lower() for n in (names if names is not None else [])}

    def add_sheet(self, name: str, part: str) -> SheetEntry:
        """Append a sheet (new sheetId and relationship id) pointing at ``part``."""
        sheets = self.root.find(_Q + "sheets")
        assert sheets is not None
        sheet_id = max([s.sheet_id for s in self.sheets()] + [0]) + 1
        rid = new_rel_id(self.rels)
        self.rels.append(Rel(rid, SHEET_REL, part))
        etree.SubElement(
            sheets, _Q + "sheet", name=name, sheetId=str(sheet_id), attrib={f"{{{NS_R}}}id": rid}
        )
        return SheetEntry(name, sheet_id, rid, part, False)

    def set_hidden(self, name: str, hidden: bool) -> None:
        sheets = self.root.find(_Q + "sheets")
        for s in sheets if sheets is not None else []:
            if s.get("name") == name:
                if hidden:
                    s.set("state", "hidden")
                elif s.get("state") == "hidden":
                    del s.attrib["state"]

    def set_active(self, index: int) -> None:
        views = self.root.find(_Q + "bookViews")
        if views is None:
            views = etree.Element(_Q + "bookViews", nsmap=_DEFAULT_NS)
            anchor = self.root.find(_Q + "sheets")
            assert anchor is not None
            anchor.addprevious(views)
        view = views.find(_Q + "workbookView")
        if view is None:
            view = etree.SubElement(views, _Q + "workbookView")
        view.set("activeTab", str(index))
        if int(view.get("firstSheet", "0")) > index:
            view.set("firstSheet", str(index))

    def drop_rel(self, target: str) -> None:
        self.rels = [r for r in self.rels if r.target != target or r.external]

    def save(self) -> None:
        self.pkg.set(self.part, xml_bytes(self.root))
        self.pkg.set_rels(self.part, self.rels)


def new_rel_id(rels: list[Rel]) -> str:
    """The next free ``rIdN``."""
    used = {r.id for r in rels}
    n = len(rels) + 1
    while f"rId{n}" in used:
        n += 1
    return f"rId{n}"


def free_part(pkg: Package, pattern: str, taken: set[str]) -> str:
    """The lowest-numbered free part name for a pattern like "xl/tables/table{}.xml"."""
    n = 1
    while pkg.has(pattern.format(n)) or pattern.format(n) in taken:
        n += 1
    name = pattern.format(n)
    taken.add(name)
    return name


def exclusive_parts(pkg: Package, roots: set[str]) -> set[str]:
    """Parts reachable from ``roots`` and from nothing else (their rels parts included).

    Used to remove an owned sheet's tables, drawings and charts before rewriting it,
    without touching any part another sheet still uses.
    """
    graph: dict[str, list[str]] = {}
    for name in pkg.names():
        if name.endswith(".rels") and "/_rels/" in "/" + name:
            folder, base = posixpath.split(name)
            source = posixpath.join(posixpath.dirname(folder), base[:-5]) if base != ".rels" else ""
            graph[source] = [r.target for r in pkg.rels(source) if not r.external]

    def reach(starts: list[str], blocked: set[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(starts)
        while stack:
            part = stack.pop()
            if part in seen or part in blocked:
                continue
            seen.add(part)
            stack.extend(graph.get(part, []))
        return seen

    others = reach([""], roots)
    mine = reach(sorted(roots), set())
    out = {p for p in mine - others if pkg.has(p)}
    out |= {rels_name(p) for p in out if pkg.has(rels_name(p))}
    return out


_SHEETVIEW = re.compile(rb"<sheetView\b[^>]*>")


def set_tab_selected(xml: bytes, selected: bool) -> bytes:
    """The sheet XML with its first sheetView's tabSelected set or cleared (minimal edit)."""
    m = _SHEETVIEW.search(xml)
    if not m:
        return xml
    tag = m.group(0)
    has = re.search(rb'\stabSelected="(1|true)"', tag)
    if selected and not has:
        new = re.sub(rb'\stabSelected="[^"]*"', b"", tag)
        new = new[:10] + b' tabSelected="1"' + new[10:]
    elif not selected and has:
        new = tag[: has.start()] + tag[has.end() :]
    else:
        return xml
    return xml[: m.start()] + new + xml[m.end() :]


def set_tab_selected_text(xml: str, selected: bool) -> str:
    """:func:`set_tab_selected` for a decoded part (the head of the aging sheet)."""
    head = xml[: xml.find("</sheetViews>") + 1 or len(xml)]
    new = set_tab_selected(head.encode("utf-8"), selected).decode("utf-8")
    return new + xml[len(head) :]
