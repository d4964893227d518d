"""The managed block on the team's aging sheet, edited by streaming the sheet XML.

The aging sheet can hold 1,048,576 rows, so no cell objects are built and the part
is not even decoded: its bytes are indexed once (where each row starts and ends,
its number, its last column; :mod:`xlsx_rowplan`), the old block (found by its header
texts on the header row) is cut out and each data row gets its new cells at the
block's columns, by position. The new rows are made a chunk at a time while the zip
writer deflates them, so the part is held once, as the original bytes; the
dimension, widths and conditional formats follow (:mod:`xlsx_sheetmeta`); the header
texts and the previous block are read first (:mod:`xlsx_blockfind`).
Everything else in the part (team cells, formulas, styles, merges, validations, the
x14 extensions) is carried through as the same bytes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from dunning_core.layout import ManagedBlock
from dunning_core.sheetaddr import column_letter
from dunning_core.workbook.xlsx_blockfind import (
    check_utf8,
    find_block,
    header_cells,
    plain_tags,
)
from dunning_core.workbook.xlsx_cells import style_attr, text_cell
from dunning_core.workbook.xlsx_coded import Coded, cell_coded, cell_tails, text_bound
from dunning_core.workbook.xlsx_join import Slot, join_rows
from dunning_core.workbook.xlsx_rowplan import (
    MergePlan,
    clear_start_fast,
    index_rows,
    last_columns,
    plan_merge,
)
from dunning_core.workbook.xlsx_rows import clear_start, find_row, merge_rows
from dunning_core.workbook.xlsx_sheetmeta import edit_cols, edit_dimension, edit_suffix

_CHUNK = 8192


@dataclass(frozen=True)
class BlockStyles:
    """cellXfs indices for the managed block, and the dxf of greyed (excluded) rows."""

    header: int
    by_format: dict[str, int]
    grey_dxf: int


@dataclass
class ManagedEdit:
    """The edited sheet: ``head`` (through ``<sheetData>``), the rows as byte chunks
    from ``rows()`` (made when called, so a million-row sheet is never held twice),
    ``tail``; where the block went (first column) and where the previous block ended
    (0 if there was none). ``size`` estimates the length of the whole part."""

    head: str
    rows: Callable[[], Iterator[bytes]]
    tail: str
    start: int
    old_end: int
    size: int

    def pieces(self) -> Iterator[bytes]:
        yield self.head.encode("utf-8")
        yield from self.rows()
        yield self.tail.encode("utf-8")

    @property
    def xml(self) -> bytes:
        return b"".join(self.pieces())


def edit_sheet(
    data: bytes | str,
    header_row: int,
    last_column: int,
    block: ManagedBlock,
    styles: BlockStyles,
    sst: Callable[[set[int]], dict[int, str]],
    widths: list[float],
) -> ManagedEdit:
    """The aging sheet XML with the managed block written, the old one removed.

    The rows are located once (:func:`xlsx_rows.index_rows`) and the sheet is cut at
    positions: each row's team cells are copied as a slice of the original bytes and
    the block's cells laid out column-wise, a chunk of rows at a time, when
    ``rows()`` is called. Nothing is decoded but the rows that need a cell-level edit.
    """
    body = data.encode("utf-8") if isinstance(data, str) else data
    body = plain_tags(body)
    check_utf8(body)
    m_open = re.search(rb"<sheetData\s*/>|<sheetData\b[^>]*>", body)
    if not m_open:
        raise ValueError("worksheet without sheetData")
    if m_open.group(0).endswith(b"/>"):
        prefix = body[: m_open.start()].decode("utf-8") + "<sheetData>"
        suffix = "</sheetData>" + body[m_open.end() :].decode("utf-8")
        body, lo, hi = b"", 0, 0
    else:
        lo, hi = m_open.end(), body.rindex(b"</sheetData>")
        prefix, suffix = body[:lo].decode("utf-8"), body[hi:].decode("utf-8")
    idx = index_rows(body, lo, hi)
    if len(idx.nums) > 1 and not bool((idx.nums[1:] > idx.nums[:-1]).all()):
        return _edit_text(body.decode("utf-8"), header_row, last_column, block, styles, sst, widths)
    h = int(np.searchsorted(idx.nums, header_row))
    header_xml = ""
    if h < len(idx.nums) and idx.nums[h] == header_row:
        header_xml = body[idx.starts[h] : idx.ends[h]].decode("utf-8")
    headers = header_cells(header_xml, sst) if header_xml else {}
    old = find_block(headers, block.headers)
    last = last_columns(body, idx)
    start = old[0] or max([last_column, *headers.keys()]) + 1
    if not old[0]:
        start = clear_start_fast(body, idx, last, header_row, start, len(block.headers))
    end = start + len(block.headers) - 1
    header = "".join(
        text_cell(f"{column_letter(start + i)}{header_row}", h, styles.header)
        for i, h in enumerate(block.headers)
    )
    order = _row_order(block, header_row)
    rows = np.asarray(block.rows, dtype=np.int64)
    targets = np.concatenate([[header_row], rows[order]]).astype(np.int64)
    plan = plan_merge(body, lo, hi, idx, last, targets, start, end, old, header_row)
    kinds = _kinds(block)
    coded = [cell_coded(v, k, latin=True) for v, k in zip(block.values, kinds, strict=True)]
    cells = _cell_slots(block, coded, start, styles)

    def produce() -> Iterator[bytes]:
        pre, post = _pre_post(plan, 0, 1)
        end = post if isinstance(post, str) else post[0]
        yield pre[0].encode("latin-1") + header.encode() + end.encode("latin-1")
        for a in range(1, len(targets), _CHUNK):
            b = min(len(targets), a + _CHUNK)
            pre, post = _pre_post(plan, a, b)
            nums = list(map(str, targets[a:b].tolist()))
            yield join_rows(b - a, [pre, *cells(order[a - 1 : b - 1], nums), post]).encode(
                "latin-1"
            )
        yield plan.tail()

    first, last_row = header_row + 1, int(targets.max())  # the header row if no data
    prefix = edit_dimension(prefix, end, max(last_row, header_row))
    prefix = edit_cols(prefix, start, end, old, widths)
    suffix = edit_suffix(suffix, start, end, old, first, last_row, block, styles.grey_dxf)
    # text columns are coded as their own values; the others were converted
    as_text = [c if k == "text" else None for c, k in zip(coded, kinds, strict=True)]
    bound = text_bound(block.values, as_text)
    size = len(body) + len(targets) * 60 * (len(block.headers) + 2) + bound
    return ManagedEdit(prefix, produce, suffix, start, old[1], size)


def _pre_post(plan: MergePlan, a: int, b: int) -> tuple[list[str], list[str] | str]:
    """The bytes before and after the cells of targets ``a..b-1``, as latin-1 text
    (after: one text for all when every row ends as ``</row>``, the common case).

    Latin-1 maps each byte to one character, so the UTF-8 bytes pass through
    unchanged and the chunk is joined as one-byte text: ``str.join`` is ten times
    as fast as ``bytes.join`` over a million small pieces.
    """
    starts, stops = plan.pre_from[a:b], plan.pre_to[a:b]
    lo = int(starts[0])
    hi = max(lo, int(stops.max()))
    region = plan.body[lo:hi].decode("latin-1")
    # rows edited one by one (stop -1) take an empty slice here: slicing to -1 would
    # copy nearly the whole chunk for each of them (quadratic memory on a re-run)
    ends = np.where(stops < 0, starts, stops)
    pre = [region[x:y] for x, y in zip((starts - lo).tolist(), (ends - lo).tolist(), strict=True)]
    edited = np.flatnonzero(stops < 0).tolist()
    if not edited:
        return pre, "</row>"
    post = ["</row>"] * (b - a)
    for k in edited:
        before, after = plan.segment(a + k)
        pre[k], post[k] = before.decode("latin-1"), after.decode("latin-1")
    return pre, post


def _row_order(block: ManagedBlock, header_row: int) -> np.ndarray:
    """Indices of the block's values in ascending sheet row order, below the header,
    one per row (the first wins)."""
    rows = np.asarray(block.rows, dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    order = order[rows[order] > header_row]
    if len(order):
        keep = np.ones(len(order), dtype=bool)
        keep[1:] = rows[order][1:] != rows[order][:-1]
        order = order[keep]
    return order


def _kinds(block: ManagedBlock) -> list[str]:
    """How each block column is written: "date", "text" or "number"."""
    fmts = [block.formats.get(h, "text") for h in block.headers]
    return ["date" if f == "date" else "text" if f in ("text", "wrap") else "number" for f in fmts]


def _cell_slots(
    block: ManagedBlock, coded: list[Coded], start: int, styles: BlockStyles
) -> Callable[[np.ndarray, list[str]], list[Slot]]:
    """For a chunk (value indices, row numbers): the :func:`join_rows` slots of the
    block's cells, from the columns ``coded`` (:func:`cell_coded` with ``latin``:
    each distinct tail UTF-8 encoded once, as latin-1 text)."""
    heads = []
    for i, h in enumerate(block.headers):
        xf = styles.by_format.get(block.formats.get(h, "text"), 0)
        heads.append((f'<c r="{column_letter(start + i)}', f'"{style_attr(xf)}'))

    def slots(idx: np.ndarray, nums: list[str]) -> list[Slot]:
        out: list[Slot] = []
        for col, (head, style) in zip(coded, heads, strict=True):
            out += [head, nums, style, *col.slots(idx)]
        return out

    return slots


def _edit_text(
    text: str,
    header_row: int,
    last_column: int,
    block: ManagedBlock,
    styles: BlockStyles,
    sst: Callable[[set[int]], dict[int, str]],
    widths: list[float],
) -> ManagedEdit:
    """The row-by-row edit on the decoded text, for sheets whose rows are out of order
    (Excel never writes them so; the positional plan needs ascending rows)."""
    m_open = re.search(r"<sheetData\s*/>|<sheetData\b[^>]*>", text)
    assert m_open is not None
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

    def produce() -> Iterator[bytes]:
        for i in range(0, len(body), 4096):
            yield "".join(body[i : i + 4096]).encode("utf-8")

    return ManagedEdit(prefix, produce, suffix, start, old[1], len(text))


def _row_chunks(
    block: ManagedBlock, start: int, styles: BlockStyles, header_row: int
) -> Iterator[tuple[list[int], list[str]]]:
    """(rows, row cell strings) in ascending row order, a chunk at a time."""
    order = _row_order(block, header_row)
    rows = np.asarray(block.rows, dtype=np.int64)
    kinds = _kinds(block)
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
        f'<c r="{letter}{{r}}"{style_attr(int(xf))}{{{name}}}'
        for letter, xf, name in zip(letters, xfs, names, strict=True)
    )
    source = f"lambda rws, tails: [f'{cells}' for r, {', '.join(names)} in zip(rws, *tails)]"
    return eval(source)  # source built above from letters and ints only
