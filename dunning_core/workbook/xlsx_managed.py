"""The managed block on the team's aging sheet, edited by streaming the sheet XML.

The aging sheet can hold 1,048,576 rows, so no cell objects are built: the sheet XML
is handled as text. The old block (found by its header texts on the header row) is
cut out with one regular expression over the data rows, and each data row gets its
new cells appended (rows are sorted by column, and the block sits at the right edge,
so appending is right; a row with team cells further right is merged cell by cell).
Everything else in the part (team cells, formulas, styles, merges, validations, the
x14 extensions) is carried through as the same text.

The streaming assumes what Excel, LibreOffice and openpyxl all write: the default
(unprefixed) SpreadsheetML namespace and ``r`` as the first attribute of ``<c>``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO

import numpy as np
from lxml import etree

from dunning_core.layout import ManagedBlock
from dunning_core.workbook.xlsx_cells import cell_tails, col_index, col_letter, text_cell

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)
_CELL_COL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)\d+"')
_T = re.compile(r"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
_V = re.compile(r"<v>(.*?)</v>", re.S)
_CF = re.compile(r"<conditionalFormatting\b[^>]*>.*?</conditionalFormatting>", re.S)
_CHUNK = 50_000
_SQREF = re.compile(r'\bsqref="([^"]*)"')
_AFTER_CF = (
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)


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
        cells[col_index(m.group(1))] = (t.group(1) if t else "n", tag)
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


def _set_spans(row_open: str, end: int) -> str:
    at = row_open.find(' spans="')
    if at < 0:
        return row_open
    close = row_open.find('"', at + 8)
    lo, _, hi = row_open[at + 8 : close].partition(":")
    if not hi.isdigit() or int(hi) >= end:
        return row_open
    return f"{row_open[: at + 8]}{lo}:{end}{row_open[close:]}"


def _last_col(body: str) -> int:
    """Column of the row's last cell (0 when the row has no cells)."""
    at = body.rfind('<c r="')
    if at < 0:
        found = _CELL_COL.findall(body)
        return col_index(found[-1]) if found else 0
    ref = body[at + 6 : body.find('"', at + 6)]
    return col_index(ref.rstrip("0123456789"))


def _iter_rows(body: str, lo: int, hi: int) -> Iterator[tuple[int, int, int]]:
    """(start, end, row number) of each ``<row>`` element between ``lo`` and ``hi``,
    by plain string search (several times faster than a regular expression)."""
    pos = lo
    find = body.find
    while True:
        s = find("<row", pos, hi)
        if s < 0:
            return
        gt = find(">", s)
        e = gt + 1 if body[gt - 1] == "/" else find("</row>", gt) + 6
        head = body[s:gt]
        i = head.find(' r="') + 4
        if i < 4:
            raise ValueError("a row without its r attribute")
        yield s, e, int(head[i : head.find('"', i)])
        pos = e


def _fast_cut(body: str, s: int, e: int, r: int, old: tuple[int, int], start: int, end: int) -> int:
    """Where the new cells go when they can simply replace the row's tail, else -1.

    That holds when nothing of the team's lies right of the block and the row needs
    no other change: on a re-run, the old block sits where the new one goes (cut at
    its first cell); on a first run, the row ends left of the block and has no
    ``spans`` hint to widen (cut before ``</row>``). Only positions are computed, no
    row is copied: this is the per-row hot path of a million-row sheet.
    """
    if body[e - 2 : e] == "/>":
        return -1
    last = _last_col_in(body, s, e)
    if old[0]:
        if old != (start, end) or last > end:
            return -1
        for c in range(old[0], old[1] + 1):
            at = body.find(f'<c r="{col_letter(c)}{r}"', s, e)
            if at >= 0:
                return at
        return -1
    if last >= start or body.find(" spans=", s, body.find(">", s, e)) >= 0:
        return -1
    return e - 6


def _last_col_in(body: str, s: int, e: int) -> int:
    at = body.rfind('<c r="', s, e)
    if at < 0:
        return _last_col(body[s:e])
    ref = body[at + 6 : body.find('"', at + 6, e)]
    return col_index(ref.rstrip("0123456789"))


def _merge_row(row: str, new_cells: str, start: int, end: int) -> str:
    """Put ``new_cells`` (columns start..end) into ``row`` keeping column order."""
    if row.endswith("/>"):
        return _set_spans(row[:-2] + ">", end) + new_cells + "</row>"
    head_end = row.find(">") + 1
    head, body = _set_spans(row[:head_end], end), row[head_end:-6]
    if _last_col(body) < start:
        return head + body + new_cells + "</row>"
    left, right = [], []
    for m in _CELL.finditer(body):
        col = col_index(m.group(1))
        if col < start:
            left.append(m.group(0))
        elif col > end:
            right.append(m.group(0))
    return head + "".join(left) + new_cells + "".join(right) + "</row>"


def _edit_cols(prefix: str, start: int, end: int, old: tuple[int, int], widths: list[float]) -> str:
    ours = "".join(
        f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>'
        for c, w in zip(range(start, end + 1), widths, strict=True)
    )
    m = re.search(r"<cols>(.*?)</cols>|<cols/>", prefix, re.S)
    if not m:
        at = prefix.find("<sheetData")
        return prefix[:at] + f"<cols>{ours}</cols>" + prefix[at:]
    kept: list[tuple[int, str]] = []
    for col in re.findall(r"<col\b[^>]*/>", m.group(1) or ""):
        lo = int(re.search(r'\bmin="(\d+)"', col).group(1))  # type: ignore[union-attr]
        hi = int(re.search(r'\bmax="(\d+)"', col).group(1))  # type: ignore[union-attr]
        if old[0] and old[0] <= lo and hi <= old[1]:
            continue  # the previous block's own widths
        for a, b in ((lo, min(hi, start - 1)), (max(lo, end + 1), hi)):
            if a <= b:
                piece = re.sub(r'\bmin="\d+"', f'min="{a}"', col)
                kept.append((a, re.sub(r'\bmax="\d+"', f'max="{b}"', piece)))
    kept.append((start, ours))
    kept.sort(key=lambda x: x[0])
    return (
        prefix[: m.start()] + "<cols>" + "".join(x for _, x in kept) + "</cols>" + prefix[m.end() :]
    )


def _edit_dimension(prefix: str, end_col: int, end_row: int) -> str:
    m = re.search(r'<dimension\s+ref="([^"]*)"\s*/>', prefix)
    if not m:
        return prefix
    first, _, last = m.group(1).partition(":")
    last = last or first
    lm = re.fullmatch(r"([A-Z]+)(\d+)", last)
    if not lm:
        return prefix
    c2, r2 = max(col_index(lm.group(1)), end_col), max(int(lm.group(2)), end_row)
    ref = f"{first}:{col_letter(c2)}{r2}"
    return prefix[: m.start()] + f'<dimension ref="{ref}"/>' + prefix[m.end() :]


def _within(sqref: str, lo: int, hi: int) -> bool:
    for rng in sqref.split():
        for ref in rng.split(":"):
            m = re.fullmatch(r"\$?([A-Z]+)\$?\d*", ref)
            if not m or not lo <= col_index(m.group(1)) <= hi:
                return False
    return True


def _edit_suffix(
    suffix: str,
    start: int,
    end: int,
    old: tuple[int, int],
    first: int,
    last: int,
    block: ManagedBlock,
    styles: BlockStyles,
) -> str:
    def keep(m: re.Match[str]) -> str:
        sq = _SQREF.search(m.group(0))
        if sq and ((old[0] and _within(sq.group(1), *old)) or _within(sq.group(1), start, end)):
            return ""
        return m.group(0)

    suffix = _CF.sub(keep, suffix)
    prio = max([int(p) for p in re.findall(r'\bpriority="(\d+)"', suffix)] + [0])
    cfs = []
    letter = {h: col_letter(start + i) for i, h in enumerate(block.headers)}
    if last >= first:
        if "Priority" in letter:
            p = letter["Priority"]
            cfs.append(
                f'<conditionalFormatting sqref="{p}{first}:{p}{last}"><cfRule type="colorScale"'
                f' priority="{prio + 1}"><colorScale><cfvo type="min"/><cfvo type="percentile"'
                ' val="50"/><cfvo type="max"/><color rgb="FF63BE7B"/><color rgb="FFFFEB84"/>'
                '<color rgb="FFF8696B"/></colorScale></cfRule></conditionalFormatting>'
            )
        if "Excluded" in letter:
            x = letter["Excluded"]
            cfs.append(
                f'<conditionalFormatting sqref="{col_letter(start)}{first}:'
                f'{col_letter(end)}{last}">'
                f'<cfRule type="expression" dxfId="{styles.grey_dxf}" priority="{prio + 2}">'
                f'<formula>${x}{first}="Yes"</formula></cfRule></conditionalFormatting>'
            )
    at = suffix.rfind("</worksheet>") if "</worksheet>" in suffix else len(suffix)
    for name in _AFTER_CF:
        m = re.search(rf"<{name}[\s>/]", suffix)
        if m and m.start() < at:
            at = m.start()
    return suffix[:at] + "".join(cfs) + suffix[at:]


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
    header_xml = _find_row(text, lo, hi, header_row)
    headers = header_cells(header_xml, sst) if header_xml else {}
    old = find_block(headers, block.headers)
    start = old[0] or max([last_column, *headers.keys()]) + 1
    if not old[0]:
        start = _clear_start(text, lo, hi, header_row, start, len(block.headers))
    end = start + len(block.headers) - 1
    header = "".join(
        text_cell(f"{col_letter(start + i)}{header_row}", h, styles.header)
        for i, h in enumerate(block.headers)
    )
    data = _row_chunks(block, start, styles, header_row)
    chunks = itertools.chain([([header_row], [header])], data)
    body = _merge_rows(text, lo, hi, chunks, start, end, old, header_row)
    data_rows = [r for r in block.rows if r > header_row]
    first, last = header_row + 1, max(data_rows, default=header_row)
    prefix = _edit_dimension(prefix, end, max(last, header_row))
    prefix = _edit_cols(prefix, start, end, old, widths)
    suffix = _edit_suffix(suffix, start, end, old, first, last, block, styles)
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
    build = _row_builder([col_letter(start + i) for i in range(len(xfs))], xfs)
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


def _strip_row(row: str, r: int, old: tuple[int, int]) -> str:
    """``row`` without its cells in the previous block's columns ``old``."""
    first = -1
    for c in range(old[0], old[1] + 1):
        first = row.find(f'<c r="{col_letter(c)}{r}"')
        if first >= 0:
            break
    if first < 0:
        return row
    if _last_col(row[first:]) <= old[1]:
        return row[:first] + "</row>"
    letters = "|".join(col_letter(c) for c in range(old[0], old[1] + 1))
    pattern = rf'<c r="(?:{letters}){r}"[^>]*?(?:/>|>[^<]*(?:<(?!/c>)[^<]*)*</c>)'
    return re.sub(pattern, "", row)


def _clear_start(text: str, lo: int, hi: int, header_row: int, start: int, width: int) -> int:
    """First column for a new block: ``start``, unless a team cell sits in the columns
    the block would take on some row, in which case the block goes right of all cells."""
    end = start + width - 1
    rightmost = 0
    clash = False
    for a, b, r in _iter_rows(text, lo, hi):
        if r < header_row:
            continue
        last = _last_col(text[a:b])
        rightmost = max(rightmost, last)
        if last >= start and not clash:
            cols = (col_index(c) for c in _CELL_COL.findall(text, a, b))
            clash = any(start <= c <= end for c in cols)
    return rightmost + 1 if clash else start


def _find_row(text: str, lo: int, hi: int, n: int) -> str:
    """The XML of row ``n`` ("" when the sheet has no such row)."""
    for a, b, r in _iter_rows(text, lo, hi):
        if r >= n:
            return text[a:b] if r == n else ""
    return ""


def _merge_rows(
    body: str,
    lo: int,
    hi: int,
    chunks: Iterable[tuple[list[int], list[str]]],
    start: int,
    end: int,
    old: tuple[int, int],
    header_row: int,
) -> list[str]:
    """Strip the old block from every row from the header down, and merge the new
    block's cells into their rows (creating rows that do not exist)."""
    out: list[str] = []
    pos = lo
    it = _iter_rows(body, lo, hi)
    cur = next(it, None)

    def strip(s: int, e: int, r: int) -> None:
        nonlocal pos
        if old[0] and r >= header_row:
            row = body[s:e]
            new = _strip_row(row, r, old)
            if new is not row:
                out.append(body[pos:s])
                out.append(new)
                pos = e

    for rows, cells in chunks:
        for r, c in zip(rows, cells, strict=True):
            while cur is not None and cur[2] < r:
                strip(*cur)
                cur = next(it, None)
            if cur is not None and cur[2] == r:
                cut = _fast_cut(body, cur[0], cur[1], r, old, start, end)
                if cut >= 0:  # the common case: team cells, then the block, to the end
                    out.append(body[pos:cut])
                    out.append(c)
                    out.append("</row>")
                else:
                    row = body[cur[0] : cur[1]]
                    if old[0]:
                        row = _strip_row(row, r, old)
                    out.append(body[pos : cur[0]])
                    out.append(_merge_row(row, c, start, end))
                pos = cur[1]
                cur = next(it, None)
            else:
                at = cur[0] if cur is not None else hi
                out.append(body[pos:at])
                out.append(f'<row r="{r}">{c}</row>')
                pos = at
    while cur is not None:
        strip(*cur)
        cur = next(it, None)
    out.append(body[pos:hi])
    return out
