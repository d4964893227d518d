"""Column-wise ingest: parsing per distinct value gives what parsing per cell gives."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.ingest import rows, values
from dunning_core.ingest.block import Block, last_filled
from dunning_core.ingest.column import Column
from dunning_core.ingest.grid import Grid

AMOUNT_TEXTS = ["1.234,50", "1,234.50", "12,5", "(3.00)", "7-", "-", "n/a", "x", " 10 ", "€ 2,00"]
DATE_TEXTS = ["31/01/2024", "02/03/2024", "2024-01-05", "05.06.2024", "Jan 5, 2024", "0", "x", ""]
MIXED: list[Any] = [None, True, False, 1, 1.0, 0, 0.0, 2.5, "1", " a ", "", dt.date(2024, 1, 2)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([*AMOUNT_TEXTS, None]), min_size=1, max_size=40))
def test_text_amounts_per_distinct_value_weigh_the_convention_by_cells(cells: list[Any]) -> None:
    s = pd.Series(cells, dtype=object)
    got = values.amounts(s)
    if values.infer(s) != "string":
        return
    want = values._amounts_of(s, "string", None)  # the per-cell path
    assert got.values.tolist() == want.values.tolist()
    assert got.bad.tolist() == want.bad.tolist()
    assert got.note == want.note


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([*DATE_TEXTS, None, 45292, 45292.5, 20240105]), max_size=30),
    st.sampled_from([None, True, False]),
)
def test_dates_per_distinct_value_match_per_cell(cells: list[Any], first: bool | None) -> None:
    s = pd.Series(cells, dtype=object)
    got = values.dates(s, first)
    want = values._dates_of(s, values.infer(s), first)
    assert got.values.astype("datetime64[ns]").tolist() == want.values.tolist()
    assert got.bad.tolist() == want.bad.tolist()
    assert got.note == want.note


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(MIXED), max_size=20))
def test_kind_is_never_taken_from_merged_values(cells: list[Any]) -> None:
    """pd.factorize merges True, 1 and 1.0: the kind must still see the bool."""
    col = Column.of(pd.Series(cells, dtype=object))
    _ = col.codes
    assert col.kind == pd.api.types.infer_dtype(np.array(cells, dtype=object), skipna=True)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["A1", " A1", "A1 ", "B2", "", "  ", None, 7.0, 7]), max_size=20))
def test_text_key_is_equal_exactly_where_the_text_is(cells: list[Any]) -> None:
    col = Column.of(pd.Series(cells, dtype=object))
    key = col.text_key[col.codes]
    txt = values.text(col).tolist()
    for i in range(len(cells)):
        assert (key[i] < 0) == (txt[i] == "")
        for j in range(len(cells)):
            if txt[i] and txt[j]:
                assert (key[i] == key[j]) == (txt[i] == txt[j])


def test_text_key_when_nothing_needs_stripping() -> None:
    col = Column.of(pd.Series(["INV-1", "INV-2", None, "INV-1"], dtype=object))
    assert values.text(col).tolist() == ["INV-1", "INV-2", "", "INV-1"]
    assert col.memo["strip_kept_all"] is True
    assert col.text_key[col.codes].tolist() == [0, 1, -1, 0]


def test_block_counts_cells_and_finds_the_last_filled_row() -> None:
    arr = np.array([["a", None], [None, None], [1.0, "x"], [None, None]], dtype=object)
    b = Block(arr)
    assert b.filled_count().tolist() == [1, 0, 2, 0]
    assert b.filled_count(np.array([2, 3])).tolist() == [2, 0]
    assert last_filled(arr) == 3
    assert last_filled(np.full((1000, 3), None, dtype=object)) == 0
    big = np.full((5000, 2), None, dtype=object)
    big[17, 1] = 0.0
    assert last_filled(big) == 18


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["", "a", 1.0, None]), max_size=4), max_size=6))
def test_grid_from_rows_pads_and_blanks(rows_in: list[list[Any]]) -> None:
    g = Grid.from_rows(rows_in)
    width = max((len(r) for r in rows_in), default=0)
    want = [[None if v == "" else v for v in r] + [None] * (width - len(r)) for r in rows_in]
    assert g.array.shape == (len(rows_in), width)
    assert [list(r) for r in g.array] == want


def test_repeated_header_found_through_the_column_with_most_values() -> None:
    """Header hits are counted on the invoice column last, only where others hit."""
    headers = ("Customer", "Name", "Invoice", "Balance")
    data = [[f"C{i}", "Acme", f"INV-{i}", 10.0] for i in range(50)]
    data[20] = ["customer", "", "INVOICE", None]  # repeated header, name blank
    b = Block(np.array(data, dtype=object))
    has_amount = np.array([r[3] is not None for r in data])
    got = rows.classify(b, headers, [0, 1, 2], has_amount, 2)
    assert got.skipped == [(20, "repeated header row", "customer")]
    assert not got.keep[20] and got.keep.sum() == 49
