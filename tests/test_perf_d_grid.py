"""Grid: blanks found by address give the same cells as comparing every cell."""

from __future__ import annotations

import datetime as dt

import numpy as np

from dunning_core.codes import empty_str
from dunning_core.ingest.grid import Grid

ROWS = [
    ["", 0.0, False, None, "x"],
    ["".join([]), "a"[:0], b"".decode(), 0, dt.date(2026, 1, 2)],
    [" ", "", 1.5, True, ""],
]


def test_from_rows_turns_only_empty_strings_into_none() -> None:
    g = Grid.from_rows(ROWS)
    expected = [[None if v == "" and isinstance(v, str) else v for v in r] for r in ROWS]
    assert g.array.tolist() == expected
    # falsy values that are not "" stay what they were
    assert g.array[0, 1] == 0.0 and g.array[0, 2] is False and g.array[1, 3] == 0


def test_blank_by_address_matches_blank_by_value() -> None:
    arr = np.array([["", 0.0, "a", None], [False, "", dt.date(2026, 1, 1), " "]], dtype=object)
    assert empty_str(arr).tolist() == (arr == "").tolist()
    strided = arr[:, ::2]  # not contiguous: compared by value
    assert not strided.flags.c_contiguous
    assert empty_str(strided).tolist() == (strided == "").tolist()


def test_ragged_rows_are_padded_with_none() -> None:
    g = Grid.from_rows([["a", ""], ["b"], []])
    assert g.array.tolist() == [["a", None], ["b", None], [None, None]]


def test_has_values_looks_past_the_first_chunks() -> None:
    arr = np.full((3000, 100), None, dtype=object)
    assert not Grid(arr).has_values()
    arr[2999, 99] = 0.0  # the very last cell, in the last (largest) chunk
    assert Grid(arr).has_values()
    assert not Grid(np.empty((0, 0), dtype=object)).has_values()
    assert Grid.from_rows([["", ""], [""]]).has_values() is False
