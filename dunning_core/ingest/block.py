"""The table's data rows as one 2-D object array, read column by column.

A million-row sheet costs seconds to copy into a DataFrame and to scan row by
row; the block keeps a view of the sheet's grid (no copy) and hands out one
cached :class:`Column` per sheet column, so each column is hashed once however
many stages look at it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dunning_core.ingest.column import Column


class Block:
    """Rows x columns of raw cells; ``block[c]`` is column ``c`` as a :class:`Column`.

    >>> b = Block(np.array([["a", None], [1.0, "x"]], dtype=object))
    >>> len(b), b.shape, b[1].filled.tolist(), b.row(1)
    (2, (2, 2), [False, True], [1.0, 'x'])
    """

    def __init__(self, arr: np.ndarray) -> None:
        self.arr = arr  # 2-D object array; never written to
        self.index = pd.RangeIndex(arr.shape[0])
        self._cols: dict[int, Column] = {}

    def __getitem__(self, c: int) -> Column:
        col = self._cols.get(c)
        if col is None:
            col = self._cols[c] = Column(self.arr[:, c], self.index)
        return col

    def __len__(self) -> int:
        return int(self.arr.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.arr.shape[0]), int(self.arr.shape[1])

    def row(self, pos: int) -> list[Any]:
        """The cells of row ``pos``."""
        return list(self.arr[pos])

    def rows(self, positions: np.ndarray) -> Block:
        """A block of the given rows (a copy, for small selections)."""
        return Block(self.arr[positions])

    def filled_count(self, positions: np.ndarray | None = None) -> np.ndarray:
        """Per row (of ``positions``, default all), how many cells hold a value."""
        out = np.zeros(len(self) if positions is None else len(positions), dtype=np.int64)
        if positions is None:
            for c in range(self.shape[1]):
                out += self[c].filled
        elif out.size and self.shape[1]:
            out += np.asarray(pd.notna(self.arr[positions])).sum(axis=1)
        return out


def last_filled(arr: np.ndarray) -> int:
    """One past the last row of ``arr`` holding any value (0 when none does).

    Scans backwards in growing chunks: trailing blank rows are few or none.

    >>> last_filled(np.array([[1, None], [None, None]], dtype=object))
    1
    """
    end, step = arr.shape[0], 256
    while end > 0:
        lo = max(0, end - step)
        hit = np.flatnonzero(np.asarray(pd.notna(arr[lo:end])).any(axis=1))
        if len(hit):
            return lo + int(hit[-1]) + 1
        end, step = lo, step * 2
    return 0
