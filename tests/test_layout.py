"""Layout decisions: which sheets, blocks, formats and rows the writers produce."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunning_core import layout
from dunning_core.columns import (
    DRAFT_COLUMNS,
    DRAFT_STATUSES,
    MANAGED_HEADERS,
    OWNED_SHEETS,
    D,
    M,
    S,
)
from dunning_core.records import Block

sys.path.insert(0, str(Path(__file__).parent))
from test_writer_support import error_problem, make_result


def test_owned_sheets_in_contract_order_with_snapshot_hidden() -> None:
    specs = layout.owned_sheets(make_result([4, 5]))
    assert tuple(s.name for s in specs) == OWNED_SHEETS
    hidden = {s.name for s in specs if s.hidden}
    assert hidden == {S.SNAPSHOT}


def test_drafts_sheet_shows_units_status_dropdown_and_narrow_hash() -> None:
    drafts = next(s for s in layout.owned_sheets(make_result([4])) if s.name == S.DRAFTS)
    frame = drafts.blocks[0].frame
    assert list(frame.columns) == list(DRAFT_COLUMNS)
    assert frame[D.AMOUNT].tolist() == [1234.56, 50.0]  # float units, as numbers
    assert drafts.validations[D.STATUS] == DRAFT_STATUSES
    assert drafts.freeze and D.GENERATED_HASH in drafts.narrow_columns
    assert drafts.blocks[0].formats[D.BODY] == "wrap"


def test_draft_amounts_typed_as_text_become_numbers() -> None:
    result = make_result([4])
    result.drafts[D.AMOUNT] = ["12.5", "3"]
    drafts = next(s for s in layout.owned_sheets(result) if s.name == S.DRAFTS)
    assert drafts.blocks[0].frame[D.AMOUNT].tolist() == [12.5, 3.0]


def test_data_check_falls_back_to_problem_list_and_turns_red_on_errors() -> None:
    spec = next(
        s
        for s in layout.owned_sheets(make_result([4], problems=(error_problem(),)))
        if s.name == S.DATA_CHECK
    )
    frame = spec.blocks[0].frame
    assert frame.iloc[0].tolist() == [
        "error",
        "Aging",
        "D5",
        "open_cents",
        "abc",
        "Expected an amount.",
    ]
    assert spec.tab_color


def test_managed_values_rows_and_display_values() -> None:
    block = layout.managed_values(make_result([4, 7, 9]).queue)
    assert block.headers == MANAGED_HEADERS
    assert block.rows == (4, 7, 9)
    excluded = block.values[block.headers.index(M.EXCLUDED)]
    assert excluded.tolist() == ["Yes", "", ""]
    assert block.formats[M.PROBABILITY] == "percent"
    assert block.formats[M.BUCKET] == "text"


def test_start_sheet_is_data_check_only_on_errors() -> None:
    assert layout.start_sheet(make_result([4])) == "Aging"
    assert layout.start_sheet(make_result([4], problems=(error_problem(),))) == S.DATA_CHECK


@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=6), st.booleans())
def test_placements_never_overlap(sizes: list[int], notes: bool) -> None:
    blocks = tuple(
        Block(f"B{i}", pd.DataFrame({"x": range(n)}), note="n" if notes else "")
        for i, n in enumerate(sizes)
    )
    places = layout.placements(layout.SheetSpec("S", blocks))
    for p, n in zip(places, sizes, strict=True):
        assert p.title_row < p.header_row < p.last_row
        assert p.last_row - p.header_row == max(1, n)
    for a, b in itertools.pairwise(places):
        assert b.title_row > a.last_row + 1


@pytest.mark.parametrize(("title", "name"), [("By stage", "tblByStage"), ("%%", "tblBlock")])
def test_table_name(title: str, name: str) -> None:
    assert layout.table_name(title) == name
