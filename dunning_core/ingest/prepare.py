"""Table-level helpers: the data block as a frame, a profiling sample, the currency hint.

Kept apart from :mod:`dunning_core.ingest` so the orchestration reads top to
bottom; each helper looks at the whole located table once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from dunning_core.ingest import locate, rows, values
from dunning_core.ingest.grid import Grid
from dunning_core.sheetaddr import cell_address

_ISO = r"\b(EUR|USD|GBP|CHF|CAD|AUD|NZD|JPY|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|INR|ZAR|SGD|HKD|CNY)\b"
SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD", "¥": "JPY", "R$": "BRL", "US$": "USD"}


@dataclass(frozen=True)
class Source:
    """The located data block and how its positions map back to sheet cells."""

    sheet: str
    block: pd.DataFrame  # object cells, columns 0..ncols-1, index = block position
    headers: tuple[str, ...]
    srow: pd.Series  # 1-based sheet row of each block position
    col0: int  # 1-based sheet column of block column 0

    def cell(self, pos: int, col: int = 0) -> str:
        """A1 address of block position ``pos``, block column ``col``."""
        return cell_address(int(self.srow[pos]), self.col0 + col)


def source(table: locate.Table) -> Source:
    """The data rows under the header as an object frame with columns 0..ncols-1."""
    n = table.ncols
    rows = table.raw.rows
    if isinstance(rows, Grid):
        arr = rows.array[table.data_start :, :n]
        block = pd.DataFrame(arr, dtype=object)
    else:
        data = list(rows[table.data_start :])
        if any(len(r) != n for r in data):
            data = [(list(r) + [None] * n)[:n] for r in data]
        block = pd.DataFrame(data, dtype=object) if data else pd.DataFrame(dtype=object)
    if block.shape[1] != n:  # padding adds NaN: make it None like every other blank
        block = block.reindex(columns=range(n))
        block = block.where(block.notna(), None)
    filled = block.notna().any(axis=1)  # trailing blank rows are not part of the table
    last = int(filled[filled].index.max()) + 1 if filled.any() else 0
    block = block.iloc[:last]
    srow = pd.Series(table.header_row + 1 + block.index.to_numpy(), index=block.index)
    return Source(table.raw.name, block, table.headers, srow, table.raw.first_col)


def sample(block: pd.DataFrame, headers: tuple[str, ...]) -> pd.DataFrame:
    """The first rows that look like data, for profiling column content.

    Rows with too few cells (titles), a total label or header texts in their own
    columns (repeated headers) would make a date column look like text.
    """
    head = block.iloc[:3000]
    filled = head.notna().sum(axis=1)
    first = values.strings(head[0]) if head.shape[1] else pd.Series("", index=head.index)
    same = pd.Series(0, index=head.index)
    for c, h in enumerate(headers):
        if h:
            same += values.strings(head[c]).str.lower().eq(h.strip().lower()).astype(int)
    looks = filled.ge(min(3, max(2, block.shape[1] // 2))) & ~first.str.match(rows.TOTAL_RE)
    looks &= same.lt(2)
    return head[looks] if looks.any() else head


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
