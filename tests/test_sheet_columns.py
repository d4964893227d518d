"""Whole-column cell parsing for the Snapshot sheet: clean columns fast, odd cells tolerated."""

from __future__ import annotations

import doctest
from datetime import datetime

import numpy as np
import pandas as pd

from dunning_core import sheet_columns as sc
from dunning_core.ingest.grid import Grid


def test_doctests() -> None:
    assert doctest.testmod(sc).failed == 0


def test_block_slices_a_grid_and_pads_plain_rows() -> None:
    grid = Grid.from_rows([["h1", "h2"], ["a", ""], ["b", 2.0]])
    arr = sc.block(grid, 1, 3)
    assert arr.shape == (2, 3) and arr[0].tolist() == ["a", None, None]
    ragged = sc.block([["h"], ["a", 1.0, "x"], ["b"]], 1, 2)
    assert ragged.tolist() == [["a", 1.0, "x"], ["b", None, None]]


def test_numbers_flag_text_that_is_not_a_number() -> None:
    values, bad = sc.numbers(np.array([1.0, None, True, "  ", "n/a"], dtype=object))
    assert np.isnan(values[1]) and values[2] == 1.0
    assert bad.tolist() == [False, False, False, False, True]


def test_dates_mix_serials_datetimes_and_text() -> None:
    cells = np.array([46351.75, datetime(2026, 11, 27, 15, 0), " 2026-11-28 ", 1e12, None])
    values, bad = sc.dates(cells)
    days = [str(v)[:10] for v in values]
    assert days == ["2026-11-25", "2026-11-27", "2026-11-28", "NaT", "NaT"]
    assert bad.tolist() == [False, False, False, True, False]


def test_texts_keep_ids_as_text() -> None:
    out = sc.texts(np.array(["007", 1001.0, None, 2.5], dtype=object))
    assert out.tolist() == ["007", "1001", "", "2.5"] and isinstance(out.dtype, pd.StringDtype)


def test_fast_path_and_cell_path_agree_on_booleans_and_numeric_text() -> None:
    """TRUE or "12" typed into a date column is not a date, whether or not the column
    also holds text (the one C-level cast once read TRUE as 1899-12-31, unflagged)."""
    for column in ((46351.0, True, None), (46351.0, True, "x")):
        _, bad = sc.dates(np.array(column, dtype=object))
        assert bad.tolist()[:2] == [False, True]
    _, bad = sc.dates(np.array(["12", None], dtype=object))
    assert bad.tolist() == [True, False]
    assert sc.flags(np.array(["2", 1.0], dtype=object)).tolist() == [False, True]
