"""Excel Table parts: new ones for the tool's blocks, and extending the team's table.

Each block on an owned sheet is a Table (filter buttons, banding, structured
references). When the team keeps its aging data in a Table, the managed columns
become part of that Table, so filters and sorting cover them too; the team's own
table columns (names, ids, formulas) are kept as they are.
"""

from __future__ import annotations

import re

from lxml import etree

from dunning_core.sheetaddr import column_letter
from dunning_core.workbook.xlsx_cells import split_ref
from dunning_core.workbook.xlsx_package import xml_bytes
from dunning_core.workbook.xml_escape import quoteattr

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_Q = f"{{{NS}}}"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"


def header_texts(columns: list[object]) -> list[str]:
    """Header strings a Table accepts: single-line, non-empty and unique.

    >>> header_texts(["a", "", "a", "b\\nc", None])
    ['a', 'Column2', 'a2', 'b c', 'Column5']
    """
    out: list[str] = []
    seen: set[str] = set()
    for i, col in enumerate(columns, start=1):
        text = re.sub(r"[\x00-\x1f]+", " ", "" if col is None else str(col)).strip()
        text = text or f"Column{i}"
        base, n = text, 2
        while text.lower() in seen:
            text, n = f"{base}{n}", n + 1
        seen.add(text.lower())
        out.append(text)
    return out


def split_range(ref: str) -> tuple[int, int, int, int]:
    """ "B3:D10" -> (2, 3, 4, 10) as (first col, first row, last col, last row)."""
    a, _, b = ref.partition(":")
    c1, r1 = split_ref(a)
    c2, r2 = split_ref(b or a)
    return c1, r1, c2, r2


def range_ref(c1: int, r1: int, c2: int, r2: int) -> str:
    return f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"


def table_xml(table_id: int, name: str, ref: str, headers: list[str]) -> bytes:
    """A new Table part with the default medium style and banded rows."""
    cols = "".join(
        f'<tableColumn id="{i}" name={quoteattr(h)}/>' for i, h in enumerate(headers, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<table xmlns="{NS}" id="{table_id}" name="{name}" displayName="{name}" ref="{ref}"'
        f' totalsRowShown="0"><autoFilter ref="{ref}"/>'
        f'<tableColumns count="{len(headers)}">{cols}</tableColumns>'
        '<tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0"'
        ' showRowStripes="1" showColumnStripes="0"/></table>'
    ).encode()


def table_identity(data: bytes) -> tuple[int, str]:
    """(id, name) of an existing Table part, for keeping ids and names unique."""
    root = etree.fromstring(data)
    return int(root.get("id", "0")), root.get("name", "")


def extend_table(
    data: bytes, header_row: int, start: int, headers: tuple[str, ...], old_end: int
) -> bytes | None:
    """The team's Table widened to hold the managed block at columns ``start``...

    Applies when the Table's header is ``header_row`` and it ends right before the
    block (first run) or exactly where the previous block ended (re-run). Returns
    None when it does not apply or when a managed header would duplicate one of the
    team's table column names (a Table needs unique names; the block then stays
    beside the Table instead of inside it).
    """
    root = etree.fromstring(data)
    if root.get("headerRowCount") == "0":
        return None
    c1, r1, c2, r2 = split_range(root.get("ref", "A1"))
    if r1 != header_row or c1 >= start or c2 not in {start - 1, old_end}:
        return None
    columns = root.find(_Q + "tableColumns")
    if columns is None:
        return None
    kept = list(columns)[: start - c1]
    names = {(c.get("name") or "").lower() for c in kept}
    if any(h.lower() in names for h in headers):
        return None
    for col in list(columns)[start - c1 :]:
        columns.remove(col)
    next_id = max([int(c.get("id", "0")) for c in kept] + [0]) + 1
    for i, h in enumerate(headers):
        etree.SubElement(columns, _Q + "tableColumn", id=str(next_id + i), name=h)
    columns.set("count", str(len(columns)))
    end = start + len(headers) - 1
    root.set("ref", range_ref(c1, r1, end, r2))
    auto = root.find(_Q + "autoFilter")
    if auto is not None:
        a1, ar1, _, ar2 = split_range(auto.get("ref", root.get("ref", "A1")))
        auto.set("ref", range_ref(a1, ar1, end, ar2))
    return xml_bytes(root)
