"""Table-level helpers: the data block, a profiling sample, the currency hint.

Kept apart from :mod:`dunning_core.ingest` so the orchestration reads top to
bottom; each helper looks at the whole located table once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dunning_core.ingest import locate, rows
from dunning_core.ingest.block import Block, last_filled
from dunning_core.ingest.grid import Grid
from dunning_core.sheetaddr import cell_address

_ISO = r"\b(EUR|USD|GBP|CHF|CAD|AUD|NZD|JPY|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|INR|ZAR|SGD|HKD|CNY)\b"
SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD", "¥": "JPY", "R$": "BRL", "US$": "USD"}


@dataclass(frozen=True)
class Source:
    """The located data block and how its positions map back to sheet cells."""

    sheet: str
    block: Block  # raw cells, columns 0..ncols-1, rows = block positions
    headers: tuple[str, ...]
    srow: pd.Series  # 1-based sheet row of each block position
    col0: int  # 1-based sheet column of block column 0

    def cell(self, pos: int, col: int = 0) -> str:
        """A1 address of block position ``pos``, block column ``col``."""
        return cell_address(int(self.srow.to_numpy()[pos]), self.col0 + col)


def source(table: locate.Table) -> Source:
    """The data rows under the header, ``ncols`` wide, trailing blank rows cut off.

    A :class:`Grid` sheet's block is a view of its array (no copy).
    """
    n = table.ncols
    rows = table.raw.rows
    if isinstance(rows, Grid) and rows.array.shape[1] >= n:
        arr = rows.array[table.data_start :, :n]
    else:
        data = list(rows[table.data_start :])
        arr = np.full((len(data), n), None, dtype=object)
        for i, r in enumerate(data):
            cells = list(r)[:n]
            arr[i, : len(cells)] = cells
    arr = arr[: last_filled(arr)]
    srow = pd.Series(table.header_row + 1 + np.arange(len(arr)))
    return Source(table.raw.name, Block(arr), table.headers, srow, table.raw.first_col)


def sample(block: Block, headers: tuple[str, ...]) -> Block:
    """The first rows that look like data, for profiling column content.

    Rows with too few cells (titles), a total label or header texts in their own
    columns (repeated headers) would make a date column look like text.
    """
    head = Block(block.arr[:3000])
    filled = head.filled_count()
    looks = filled >= min(3, max(2, block.shape[1] // 2))
    if head.shape[1]:
        first = head[0]
        looks &= ~first.spread(_truth(map(rows.TOTAL_RE.match, first.stripped)))
    same = np.zeros(len(head), dtype=np.int64)
    for c, h in enumerate(headers):
        if h:
            col, want = head[c], h.strip().lower()
            same += col.spread(_truth(t.lower() == want for t in col.stripped))
    looks &= same < 2
    if looks.all() or not looks.any():
        return head  # its columns are hashed already: profiling reuses them
    return head.rows(looks)


def _truth(values: Iterable[object]) -> np.ndarray:
    return np.array([bool(v) for v in values], dtype=bool)


def currency_hint(table: locate.Table, headers: list[str]) -> str | None:
    """An ISO currency stated in amount headers or the title rows ("(EUR)", "in USD").

    >>> from dunning_core.records import RawSheet
    >>> t = locate.locate(RawSheet("S", [["Aging in €"], ["Invoice", "Balance"], ["1", 2]]))
    >>> currency_hint(t, ["Balance"])
    'EUR'
    """
    texts = [str(v) for row in table.raw.rows[: table.header_index] for v in row if v is not None]
    for t in [*headers, *texts]:
        m = re.search(_ISO, t.upper())
        if m:
            return m.group(1)
        m2 = re.search(r"\((€|£|\$|¥)\)|\bin (€|£|\$)", t)
        if m2:
            return SYMBOLS[m2.group(1) or m2.group(2)]
    return None
