"""The managed block on the team's aging sheet, edited by streaming the sheet XML.

The aging sheet can hold 1,048,576 rows, so no cell objects are built: the sheet XML
is handled as text. The old block (found by its header texts on the header row) is
cut out of every row and each data row gets its new cells at the block's columns
(:mod:`xlsx_rows`); the dimension, widths and conditional formats follow
(:mod:`xlsx_sheetmeta`). Everything else in the part (team cells, formulas, styles,
merges, validations, the x14 extensions) is carried through as the same text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO

import numpy as np
from lxml import etree

from dunning_core.layout import ManagedBlock
from dunning_core.sheetaddr import column_index, column_letter
from dunning_core.workbook.xlsx_cells import cell_tails, text_cell
from dunning_core.workbook.xlsx_rows import clear_start, find_row, merge_rows
from dunning_core.workbook.xlsx_sheetmeta import edit_cols, edit_dimension, edit_suffix

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)
_T = re.compile(r"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
_V = re.compile(r"<v>(.*?)</v>", re.S)
_CHUNK = 50_000


@dataclass(frozen=True)
class BlockStyles:
    """cellXfs indices for the managed block, and the dxf of greyed (excluded) rows."""

    header: int
    by_format: dict[str, int]
    grey_dxf: int


@dataclass(frozen=True)
class ManagedEdit:
    """The edited sheet as text pieces (joined only when written), where the block
    went (first column) and where the previous block ended (0 if there was none)."""

    chunks: list[str]
    start: int
    old_end: int

    @property
    def xml(self) -> bytes:
        return "".join(self.chunks).encode("utf-8")


def shared_strings(data: bytes | None, wanted: set[int]) -> dict[int, str]:
    """Texts of the shared strings ``wanted`` (parsing stops after the largest index)."""
    out: dict[int, str] = {}
    if not data or not wanted:
        return out
    last = max(wanted)
    for i, (_, si) in enumerate(etree.iterparse(BytesIO(data), tag=f"{{{NS}}}si")):
        if i in wanted:
            out[i] = "".join(
                t.text or ""
                for t in si.iter(f"{{{NS}}}t")
                if etree.QName(t.getparent()).localname != "rPh"
            )
        si.clear()
        if i >= last:
            break
    return out


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def header_cells(row_xml: str, sst: Callable[[set[int]], dict[int, str]]) -> dict[int, str]:
    """Column -> text of the header row's cells (shared, inline and formula strings)."""
    cells: dict[int, tuple[str, str]] = {}
    for m in _CELL.finditer(row_xml):
        tag = m.group(0)
        t = re.search(r'\bt="(\w+)"', tag[: tag.find(">") + 1])
        cells[column_index(m.group(1))] = (t.group(1) if t else "n", tag)
    wanted = set()
    for kind, tag in cells.values():
        v = _V.search(tag)
        if kind == "s" and v and v.group(1).strip().isdigit():
            wanted.add(int(v.group(1)))
    table = sst(wanted)
    out = {}
    for col, (kind, tag) in cells.items():
        if kind == "inlineStr":
            out[col] = _unescape("".join(t or "" for t in _T.findall(tag)))
        elif kind in ("s", "str"):
            v = _V.search(tag)
            raw = v.group(1).strip() if v else ""
            out[col] = table.get(int(raw), "") if kind == "s" and raw.isdigit() else _unescape(raw)
    return out


def find_block(headers: dict[int, str], managed: tuple[str, ...]) -> tuple[int, int]:
    """(first, last) column of the previous run's block, or (0, 0).

    The block is the longest run of adjacent header cells spelling the managed
    headers in order from the first one (two or more), so a team column that merely
    shares a name ("Owner") is never mistaken for it.

    >>> heads = {1: "Owner", 5: "Days past due", 6: "Bucket", 7: "x"}
    >>> find_block(heads, ("Days past due", "Bucket"))
    (5, 6)
    """
    best = (0, 0)
    for col, text in headers.items():
        if text.strip() != managed[0]:
            continue
        n = 1
        while n < len(managed) and headers.get(col + n, "").strip() == managed[n]:
            n += 1
        if n >= 2 and n > best[1] - best[0] + 1:
            best = (col, col + n - 1)
    return best


def unprefix_main(text: str) -> str:
    """The sheet with SpreadsheetML as the default namespace instead of a prefix.

    Some generators (the .NET Open XML SDK among them) write ``<x:worksheet>``,
    ``<x:row>``, ``<x:c>``. Renaming those elements to the default namespace is the
    same XML to every reader, and lets the streaming edit look for plain tags.
    """
    m = re.search(r"<(?:(\w+):)?worksheet\b[^>]*>", text)
    if not m or not m.group(1):
        return text
    prefix, root = m.group(1), m.group(0)
    if not re.search(rf'xmlns:{prefix}="{re.escape(NS)}"', root):
        return text
    if re.search(r'\sxmlns="', root):
        raise ValueError("worksheet with both a default and a prefixed SpreadsheetML namespace")
    text = re.sub(rf"<(/?){prefix}:", r"<\1", text)
    return text.replace("<worksheet", f'<worksheet xmlns="{NS}"', 1)


def edit_sheet(
    text: str,
    header_row: int,
    last_column: int,
    block: ManagedBlock,
    styles: BlockStyles,
    sst: Callable[[set[int]], dict[int, str]],
    widths: list[float],
) -> ManagedEdit:
    """The aging sheet XML (decoded) with the managed block written, the old one removed.

    The data rows are never copied as one piece: the result is a list of slices and
    new rows, so a million-row sheet is held about twice, not five times.
    """
    text = unprefix_main(text)
    m_open = re.search(r"<sheetData\s*/>|<sheetData\b[^>]*>", text)
    if not m_open:
        raise ValueError("worksheet without sheetData")
    if m_open.group(0).endswith("/>"):
        prefix, suffix = (
            text[: m_open.start()] + "<sheetData>",
            "</sheetData>" + text[m_open.end() :],
        )
        lo = hi = 0
        text = ""
    else:
        lo, hi = m_open.end(), text.rindex("</sheetData>")
        prefix, suffix = text[:lo], text[hi:]
    header_xml = find_row(text, lo, hi, header_row)
    headers = header_cells(header_xml, sst) if header_xml else {}
    old = find_block(headers, block.headers)
    start = old[0] or max([last_column, *headers.keys()]) + 1
    if not old[0]:
        start = clear_start(text, lo, hi, header_row, start, len(block.headers))
    end = start + len(block.headers) - 1
    header = "".join(
        text_cell(f"{column_letter(start + i)}{header_row}", h, styles.header)
        for i, h in enumerate(block.headers)
    )
    data = _row_chunks(block, start, styles, header_row)
    chunks = itertools.chain([([header_row], [header])], data)
    body = merge_rows(text, lo, hi, chunks, start, end, old, header_row)
    data_rows = [r for r in block.rows if r > header_row]
    first, last = header_row + 1, max(data_rows, default=header_row)
    prefix = edit_dimension(prefix, end, max(last, header_row))
    prefix = edit_cols(prefix, start, end, old, widths)
    suffix = edit_suffix(suffix, start, end, old, first, last, block, styles.grey_dxf)
    return ManagedEdit([prefix, *body, suffix], start, old[1])


def _row_chunks(
    block: ManagedBlock, start: int, styles: BlockStyles, header_row: int
) -> Iterator[tuple[list[int], list[str]]]:
    """(rows, row cell strings) in ascending row order, a chunk at a time.

    Chunking bounds memory: a million rows of twelve cells would otherwise be twelve
    million live Python strings at once.
    """
    rows = np.asarray(block.rows, dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    order = order[rows[order] > header_row]
    if len(order):  # one value per sheet row: the first wins
        keep = np.ones(len(order), dtype=bool)
        keep[1:] = rows[order][1:] != rows[order][:-1]
        order = order[keep]
    kinds = []
    for h in block.headers:
        fmt = block.formats.get(h, "text")
        kinds.append("date" if fmt == "date" else "text" if fmt in ("text", "wrap") else "number")
    xfs = [styles.by_format.get(block.formats.get(h, "text"), 0) for h in block.headers]
    build = _row_builder([column_letter(start + i) for i in range(len(xfs))], xfs)
    for a in range(0, len(order), _CHUNK):
        idx = order[a : a + _CHUNK]
        rws = rows[idx].tolist()
        tails = [cell_tails(v.iloc[idx], k) for v, k in zip(block.values, kinds, strict=True)]
        yield rws, build(rws, tails)


def _row_builder(
    letters: list[str], xfs: list[int]
) -> Callable[[list[int], list[list[str]]], list[str]]:
    """A compiled comprehension that renders each row's block cells with one f-string.

    Twice as fast as ``str.format`` per row. The generated source holds only column
    letters (A-Z) and integer style ids made here, never a value from the book.
    """
    assert all(letter.isalpha() and letter.isupper() for letter in letters)
    names = [f"t{i}" for i in range(len(letters))]
    cells = "".join(
        f'<c r="{letter}{{r}}"{_style(int(xf))}{{{name}}}'
        for letter, xf, name in zip(letters, xfs, names, strict=True)
    )
    source = f"lambda rws, tails: [f'{cells}' for r, {', '.join(names)} in zip(rws, *tails)]"
    return eval(source)  # source built above from letters and ints only


def _style(xf: int) -> str:
    return f' s="{xf}"' if xf else ""
