"""A read-only 2-D grid of cell values backed by one numpy object array.

Readers hand ingest a sheet's cells as ``RawSheet.rows``, a sequence of rows. For a
million-row sheet a list of lists costs seconds to build, clean and turn into a
frame; a :class:`Grid` keeps the cells in one array (built once, blanks already
None) and still behaves as a sequence of rows (each row a list) for code that
looks at a few rows, while ingest takes the array directly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any, overload

import numpy as np

from dunning_core.codes import empty_str

#: cells per chunk when looking for any value (the first chunk nearly always has one)
_CHUNK = 4096


class Grid(Sequence[list[Any]]):
    """Rows of cells; ``grid[i]`` is row ``i`` as a list, ``grid.array`` the whole block.

    >>> g = Grid.from_rows([["a", ""], [1, None]])
    >>> len(g), g[0], g[1:], g.array.shape
    (2, ['a', None], [[1, None]], (2, 2))
    """

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]]) -> Grid:
        """Build from rectangular or ragged rows; "" cells become None."""
        n = len(rows)
        widths = set(map(len, rows))
        width = max(widths, default=0)
        if len(widths) <= 1:  # rectangular: no row is shorter
            # one pass in C; ``arr[:, :] = rows`` checks every cell for being a sequence
            cells = chain.from_iterable(rows)
            arr = np.fromiter(cells, dtype=object, count=n * width).reshape(n, width)
        else:
            arr = np.full((len(rows), width), None, dtype=object)
            for i, r in enumerate(rows):
                arr[i, : len(r)] = list(r)
        arr[empty_str(arr)] = None
        return cls(arr)

    def __len__(self) -> int:
        return int(self.array.shape[0])

    @overload
    def __getitem__(self, i: int) -> list[Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[list[Any]]: ...
    def __getitem__(self, i: int | slice) -> list[Any] | list[list[Any]]:
        if isinstance(i, slice):
            return [list(r) for r in self.array[i]]
        return list(self.array[i])

    def __iter__(self) -> Iterator[list[Any]]:
        for r in self.array:
            yield list(r)

    def has_values(self) -> bool:
        """True when any cell holds a value.

        Looks chunk by chunk in growing steps: a sheet with data nearly always has a
        value in its first cells, so the million cells after them are never compared.
        """
        flat = self.array.reshape(-1)
        start, step = 0, _CHUNK
        while start < len(flat):
            if (flat[start : start + step] != None).any():  # noqa: E711
                return True
            start, step = start + step, step * 4
        return False
