"""Row-level streaming over a worksheet's ``sheetData``: find, strip and merge cells.

These are the string functions, row by row: :func:`merge_rows` edits a sheet whose
rows are out of order, and the positional path (:mod:`xlsx_rowplan`, for every
other sheet) uses :func:`strip_row` and :func:`merge_row` for the few rows it
cannot cut by position, so both give the same bytes. Both assume what Excel,
LibreOffice and openpyxl write: cells sorted by column, each ``<c>`` starting with
its ``r`` attribute, rows with an ``r`` attribute (prefixed SpreadsheetML is
normalised before, by ``xlsx_blockfind.unprefix_main``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from dunning_core.sheetaddr import column_index, column_letter

_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)
CELL_COL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)\d+"')


def _set_spans(row_open: str, end: int) -> str:
    at = row_open.find(' spans="')
    if at < 0:
        return row_open
    close = row_open.find('"', at + 8)
    lo, _, hi = row_open[at + 8 : close].partition(":")
    if not hi.isdigit() or int(hi) >= end:
        return row_open
    return f"{row_open[: at + 8]}{lo}:{end}{row_open[close:]}"


def last_col(body: str) -> int:
    """Column of the row's last cell (0 when the row has no cells)."""
    at = body.rfind('<c r="')
    if at < 0:
        found = CELL_COL.findall(body)
        return column_index(found[-1]) if found else 0
    ref = body[at + 6 : body.find('"', at + 6)]
    return column_index(ref.rstrip("0123456789"))


def iter_rows(body: str, lo: int, hi: int) -> Iterator[tuple[int, int, int]]:
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
            at = body.find(f'<c r="{column_letter(c)}{r}"', s, e)
            if at >= 0:
                return at
        return -1
    if last >= start or body.find(" spans=", s, body.find(">", s, e)) >= 0:
        return -1
    return e - 6


def _last_col_in(body: str, s: int, e: int) -> int:
    at = body.rfind('<c r="', s, e)
    if at < 0:
        return last_col(body[s:e])
    ref = body[at + 6 : body.find('"', at + 6, e)]
    return column_index(ref.rstrip("0123456789"))


def merge_row(row: str, new_cells: str, start: int, end: int) -> str:
    """Put ``new_cells`` (columns start..end) into ``row`` keeping column order."""
    if row.endswith("/>"):
        return _set_spans(row[:-2] + ">", end) + new_cells + "</row>"
    head_end = row.find(">") + 1
    head, body = _set_spans(row[:head_end], end), row[head_end:-6]
    if last_col(body) < start:
        return head + body + new_cells + "</row>"
    left, right = [], []
    for m in _CELL.finditer(body):
        col = column_index(m.group(1))
        if col < start:
            left.append(m.group(0))
        elif col > end:
            right.append(m.group(0))
    return head + "".join(left) + new_cells + "".join(right) + "</row>"


def strip_row(row: str, r: int, old: tuple[int, int]) -> str:
    """``row`` without its cells in the previous block's columns ``old``."""
    first = -1
    for c in range(old[0], old[1] + 1):
        first = row.find(f'<c r="{column_letter(c)}{r}"')
        if first >= 0:
            break
    if first < 0:
        return row
    if last_col(row[first:]) <= old[1]:
        return row[:first] + "</row>"
    letters = "|".join(column_letter(c) for c in range(old[0], old[1] + 1))
    pattern = rf'<c r="(?:{letters}){r}"[^>]*?(?:/>|>[^<]*(?:<(?!/c>)[^<]*)*</c>)'
    return re.sub(pattern, "", row)


def find_row(text: str, lo: int, hi: int, n: int) -> str:
    """The XML of row ``n`` ("" when the sheet has no such row)."""
    for a, b, r in iter_rows(text, lo, hi):
        if r >= n:
            return text[a:b] if r == n else ""
    return ""


def merge_rows(
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
    it = iter_rows(body, lo, hi)
    cur = next(it, None)

    def strip(s: int, e: int, r: int) -> None:
        nonlocal pos
        if old[0] and r >= header_row:
            row = body[s:e]
            new = strip_row(row, r, old)
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
                        row = strip_row(row, r, old)
                    out.append(body[pos : cur[0]])
                    out.append(merge_row(row, c, start, end))
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


def clear_start(text: str, lo: int, hi: int, header_row: int, start: int, width: int) -> int:
    """First column for a new block: ``start``, unless a team cell sits in the columns
    the block would take on some row, in which case the block goes right of all cells."""
    end = start + width - 1
    rightmost = 0
    clash = False
    for a, b, r in iter_rows(text, lo, hi):
        if r < header_row:
            continue
        last = last_col(text[a:b])
        rightmost = max(rightmost, last)
        if last >= start and not clash:
            cols = (column_index(c) for c in CELL_COL.findall(text, a, b))
            clash = any(start <= c <= end for c in cols)
    return rightmost + 1 if clash else start
