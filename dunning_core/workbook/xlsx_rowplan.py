"""The positional edit of a worksheet's rows: the sheet as bytes, rows located once.

A million-row aging sheet passes through here once per run: every row is located
in one pass and checked with numpy (:func:`index_rows`), the common rows (team
cells, then the block to the end) are cut by position (:func:`plan_merge`), and
only the others go through the string functions of :mod:`xlsx_rows` row by row
(:meth:`MergePlan.segment`), which give the same bytes as its row-by-row
:func:`xlsx_rows.merge_rows`. Rows must be in ascending order.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from dunning_core.sheetaddr import column_index, column_letter
from dunning_core.workbook.xlsx_rows import CELL_COL, last_col, merge_row, strip_row


@dataclass(frozen=True)
class RowIndex:
    """Start, end (exclusive) and number of every ``<row>`` in ``sheetData``, in order."""

    starts: np.ndarray
    ends: np.ndarray
    nums: np.ndarray


#: "<row" as a plain literal: twice as fast to find as ``<row\b`` (checked after).
_ROW_OPEN = re.compile(rb"<row")
#: ASCII word characters: a regex's ``\b`` after "<row".
_WORD = np.zeros(256, dtype=bool)
_WORD[[*b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"]] = True


def index_rows(body: bytes, lo: int, hi: int) -> RowIndex:
    """Every row of ``body[lo:hi]``: found with one regex pass and checked with numpy
    when the rows are the plain ``<row r="N" ...>...</row>`` Excel writes back to back;
    otherwise row by row (self-closing rows, whitespace between rows)."""
    found = _ROW_OPEN.finditer(body, lo, hi)
    starts = np.fromiter(map(re.Match.start, found), dtype=np.int64)
    arr = np.frombuffer(body, dtype=np.uint8)
    after = starts + 4
    inside = after < hi
    starts = starts[~inside | ~_WORD[arr[np.where(inside, after, 0)]]]  # "<row" + \b
    n = len(starts)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return RowIndex(empty, empty, empty)
    ends = np.append(starts[1:], hi)
    ok = _all_at(arr, ends - 6, b"</row>") and _all_at(arr, starts + 4, b' r="')
    nums = _numbers(arr, starts + 8, 8) if ok else None
    if nums is None or not ok:
        rows = list(_iter_rows_b(body, lo, hi))
        return RowIndex(
            np.array([r[0] for r in rows], dtype=np.int64),
            np.array([r[1] for r in rows], dtype=np.int64),
            np.array([r[2] for r in rows], dtype=np.int64),
        )
    return RowIndex(starts, ends, nums)


def _all_at(arr: np.ndarray, at: np.ndarray, token: bytes) -> bool:
    """Whether ``token`` is written at every position ``at``."""
    if len(at) and (int(at.min()) < 0 or int(at.max()) + len(token) > len(arr)):
        return False
    return all(bool((arr[at + i] == byte).all()) for i, byte in enumerate(token))


def _numbers(arr: np.ndarray, at: np.ndarray, width: int) -> np.ndarray | None:
    """The decimal numbers written at ``at`` and closed by a quote, or None when any is not."""
    nums = _numbers_loose(arr, at, width)
    return None if (nums < 0).any() else nums


def _numbers_loose(arr: np.ndarray, at: np.ndarray, width: int = 8) -> np.ndarray:
    """The decimal numbers written at ``at`` and closed by a quote (at most ``width - 1``
    digits), -1 where there is none."""
    value = np.zeros(len(at), dtype=np.int64)
    going = np.ones(len(at), dtype=bool)  # still reading digits
    valid = np.zeros(len(at), dtype=bool)
    top = len(arr) - 1
    for i in range(width):
        byte = arr[np.minimum(at + i, top)]
        digit = (byte - 48).astype(np.uint8) < 10
        valid |= going & (byte == 34) & (i > 0)
        going &= digit
        if not going.any():  # every number read: the rest changes nothing
            break
        value = np.where(going, value * 10 + (byte.astype(np.int64) - 48), value)
    return np.where(valid, value, -1)


def _iter_rows_b(body: bytes, lo: int, hi: int) -> Iterator[tuple[int, int, int]]:
    """``xlsx_rows.iter_rows`` over bytes."""
    pos = lo
    find = body.find
    while True:
        s = find(b"<row", pos, hi)
        if s < 0:
            return
        gt = find(b">", s)
        e = gt + 1 if body[gt - 1 : gt] == b"/" else find(b"</row>", gt) + 6
        head = body[s:gt]
        i = head.find(b' r="') + 4
        if i < 4:
            raise ValueError("a row without its r attribute")
        yield s, e, int(head[i : head.find(b'"', i)])
        pos = e


def last_columns(body: bytes, idx: RowIndex) -> np.ndarray:
    """Column of each row's last cell (0 for a row without cells), as ``last_col``."""
    pos = _each_row(body.rfind, b'<c r="', idx.starts, idx.ends)
    out = np.zeros(len(pos), dtype=np.int64)
    found = np.flatnonzero(pos >= 0)
    arr = np.frombuffer(body, dtype=np.uint8)
    cols, clean = _ref_columns(arr, pos[found] + 6)
    out[found[clean]] = cols[clean]
    for i in np.concatenate([np.flatnonzero(pos < 0), found[~clean]]).tolist():
        out[i] = last_col(body[idx.starts[i] : idx.ends[i]].decode("utf-8"))
    return out


def _ref_columns(arr: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column numbers of the cell references at ``at`` ("AB12" + quote), and which of
    them are clean (1-3 capitals, 1-7 digits, a quote); the others are left to Python."""
    col = np.zeros(len(at), dtype=np.int64)
    nlet = np.zeros(len(at), dtype=np.int64)
    going = np.ones(len(at), dtype=bool)
    top = len(arr) - 1
    for i in range(4):
        byte = arr[np.minimum(at + i, top)]
        going &= (byte - 65).astype(np.uint8) < 26
        col = np.where(going, col * 26 + (byte.astype(np.int64) - 64), col)
        nlet += going
    rows = _numbers_loose(arr, at + nlet)
    clean = (nlet >= 1) & (nlet <= 3) & (rows >= 0)
    return col, clean


def fast_cuts(
    body: bytes,
    idx: RowIndex,
    rows: np.ndarray,
    last: np.ndarray,
    old: tuple[int, int],
    start: int,
    end: int,
) -> np.ndarray:
    """``xlsx_rows._fast_cut`` for the sheet rows ``rows`` (indices into ``idx``), -1 where
    the row needs the full merge. Vectorised for the two common cases."""
    s, e, r = idx.starts[rows], idx.ends[rows], idx.nums[rows]
    arr = np.frombuffer(body, dtype=np.uint8)
    closed = (arr[e - 1] == ord(">")) & (arr[e - 2] != ord("/"))
    if not old[0]:
        cut = np.where(closed & (last[rows] < start), e - 6, -1)
        if not _plain_heads(arr, s, r) and body.find(b" spans=") >= 0:
            # a hint in a row's head makes it a full merge
            heads = _each_row(body.find, b">", s, e)
            cut[_each_row(body.find, b" spans=", s, heads) >= 0] = -1
        return np.asarray(cut, dtype=np.int64)
    if old != (start, end):
        return np.full(len(rows), -1, dtype=np.int64)
    needle = f'<c r="{column_letter(old[0])}'.encode()
    at = _each_row(body.find, needle, s, e)
    cut = np.full(len(rows), -1, dtype=np.int64)
    ok = closed & (last[rows] <= end)
    hit = np.flatnonzero(ok & (at >= 0))
    nums = _numbers_loose(arr, at[hit] + len(needle))
    good = hit[nums == r[hit]]
    cut[good] = at[good]
    for i in np.flatnonzero(ok & (cut < 0)).tolist():  # the first old cell missing: look on
        cut[i] = _fast_cut_b(body, int(s[i]), int(e[i]), int(r[i]), old, start, end, last[rows[i]])
    return cut


def _plain_heads(arr: np.ndarray, starts: np.ndarray, nums: np.ndarray) -> bool:
    """Whether every row opens as ``<row r="N">``, with no other attribute (so none
    has a ``spans`` hint; cheaper than searching the whole sheet for one)."""
    if not _all_at(arr, starts, b'<row r="'):
        return False
    written = _numbers(arr, starts + 8, 8)
    if written is None or not bool((written == nums).all()):
        return False
    digits = np.ones(len(nums), dtype=np.int64)
    for power in range(1, 8):
        digits += nums >= 10**power
    at = starts + 8 + digits + 1  # after the number's closing quote
    return _all_at(arr, at, b">")


def _each_row(
    search: Callable[[bytes, int, int], int], needle: bytes, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """``search(needle, start, end)`` for each row, 64k rows at a time (a million
    Python ints at once would cost more memory than the result)."""
    out = np.empty(len(starts), dtype=np.int64)
    for a in range(0, len(starts), 1 << 16):
        s, e = starts[a : a + (1 << 16)].tolist(), ends[a : a + (1 << 16)].tolist()
        out[a : a + len(s)] = np.fromiter(
            map(search, itertools.repeat(needle), s, e), dtype=np.int64, count=len(s)
        )
    return out


def _fast_cut_b(
    body: bytes, s: int, e: int, r: int, old: tuple[int, int], start: int, end: int, last: int
) -> int:
    """``xlsx_rows._fast_cut`` on bytes, with the row's last column given."""
    if body[e - 2 : e] == b"/>":
        return -1
    if old[0]:
        if old != (start, end) or last > end:
            return -1
        for c in range(old[0], old[1] + 1):
            at = body.find(f'<c r="{column_letter(c)}{r}"'.encode(), s, e)
            if at >= 0:
                return at
        return -1
    if last >= start or body.find(b" spans=", s, body.find(b">", s, e)) >= 0:
        return -1
    return e - 6


@dataclass(frozen=True)
class MergePlan:
    """Where each target row's new cells go, as positions in the sheet bytes.

    Targets are the block's rows in ascending order, the header row first. Target
    ``k`` is written as ``pre + cells + post``: for a plain row ``pre`` is
    ``body[pre_from[k]:pre_to[k]]`` (the rows before it, unchanged, and the row up to
    the cut) and ``post`` is ``</row>``; the others (``pre_to[k] < 0``: a row to
    create or to merge cell by cell, or rows before it to strip) come from
    :meth:`segment`, with the string functions above, so their bytes are the same.
    """

    body: bytes
    idx: RowIndex
    targets: np.ndarray
    matched: np.ndarray
    at: np.ndarray
    gap_from: np.ndarray
    pre_from: np.ndarray
    pre_to: np.ndarray
    cut: np.ndarray
    strip: np.ndarray
    old: tuple[int, int]
    start: int
    end: int
    hi: int
    tail_from: int
    tail_pos: int

    def segment(self, k: int) -> tuple[bytes, bytes]:
        """``(pre, post)`` of target ``k``, computed row by row."""
        out, pos = self._stripped(int(self.gap_from[k]), int(self.at[k]), int(self.pre_from[k]))
        body, idx, r = self.body, self.idx, int(self.targets[k])
        i = int(self.at[k])
        if not self.matched[k]:
            edge = int(idx.starts[i]) if i < len(idx.starts) else self.hi
            out += [body[pos:edge], f'<row r="{r}">'.encode()]
            return b"".join(out), b"</row>"
        s, e = int(idx.starts[i]), int(idx.ends[i])
        if self.cut[k] >= 0:
            out.append(body[pos : int(self.cut[k])])
            return b"".join(out), b"</row>"
        row = body[s:e].decode("utf-8")
        if self.old[0]:
            row = strip_row(row, r, self.old)
        before, after = merge_row(row, "\x00", self.start, self.end).split("\x00")
        out += [body[pos:s], before.encode()]
        return b"".join(out), after.encode()

    def tail(self) -> bytes:
        """Everything after the last target: the remaining rows (stripped) and the rest."""
        out, pos = self._stripped(self.tail_from, len(self.idx.starts), self.tail_pos)
        out.append(self.body[pos : self.hi])
        return b"".join(out)

    def _stripped(self, a: int, b: int, pos: int) -> tuple[list[bytes], int]:
        """Sheet rows ``a..b-1`` from ``pos`` on, with the old block's cells stripped."""
        out: list[bytes] = []
        for t in np.flatnonzero(self.strip[a:b]).tolist():
            s, e = int(self.idx.starts[a + t]), int(self.idx.ends[a + t])
            row = self.body[s:e].decode("utf-8")
            new = strip_row(row, int(self.idx.nums[a + t]), self.old)
            if new is not row:
                out += [self.body[pos:s], new.encode()]
                pos = e
        return out, pos


def plan_merge(
    body: bytes,
    lo: int,
    hi: int,
    idx: RowIndex,
    last: np.ndarray,
    targets: np.ndarray,
    start: int,
    end: int,
    old: tuple[int, int],
    header_row: int,
) -> MergePlan:
    """The plan of :func:`merge_rows` for sheet rows in ascending order (``idx.nums``
    strictly increasing), computed for all rows at once."""
    nums, n = idx.nums, len(idx.nums)
    at = np.searchsorted(nums, targets)
    matched = at < n
    matched[matched] = nums[at[matched]] == targets[matched]
    is_target = np.zeros(n, dtype=bool)
    is_target[at[matched]] = True
    strip = (~is_target) & (nums >= header_row) if old[0] else np.zeros(n, dtype=bool)
    after = np.where(matched, at + 1, at)  # first sheet row after each target
    gap_from = np.concatenate([[0], after[:-1]]).astype(np.int64)
    edge = np.where(at < n, idx.starts[np.minimum(at, max(n - 1, 0))] if n else hi, hi)
    consumed = np.where(matched, idx.ends[np.minimum(at, max(n - 1, 0))] if n else 0, edge)
    pre_from = np.concatenate([[lo], consumed[:-1]]).astype(np.int64)
    cut = np.full(len(targets), -1, dtype=np.int64)
    hit = np.flatnonzero(matched)
    cut[hit] = fast_cuts(body, idx, at[hit], last, old, start, end)
    stripped = np.concatenate([[0], np.cumsum(strip)])
    clean = stripped[at] - stripped[gap_from] == 0
    pre_to = np.where(matched & (cut >= 0) & clean, cut, -1)
    return MergePlan(
        body,
        idx,
        targets,
        matched,
        at,
        gap_from,
        pre_from,
        pre_to,
        cut,
        strip,
        old,
        start,
        end,
        hi,
        int(after[-1]),
        int(consumed[-1]),
    )


def clear_start_fast(
    body: bytes, idx: RowIndex, last: np.ndarray, header_row: int, start: int, width: int
) -> int:
    """:func:`xlsx_rows.clear_start` from the rows' last columns (only rows reaching ``start``
    are looked into)."""
    end = start + width - 1
    rows = idx.nums >= header_row
    if not rows.any():
        return start
    rightmost = int(last[rows].max())
    for i in np.flatnonzero(rows & (last >= start)).tolist():
        text = body[idx.starts[i] : idx.ends[i]].decode("utf-8")
        if any(start <= column_index(c) <= end for c in CELL_COL.findall(text)):
            return rightmost + 1
    return start
