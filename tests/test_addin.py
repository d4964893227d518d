"""The xlwings adapter on an in-memory FAKE of xlwings (not Excel): reads, writes, messages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from addin_results import AS_OF, BAD, HEADERS, FakeRunCycle, aging_grid
from fake_xlwings import FakeBook
from hypothesis import given, settings
from hypothesis import strategies as st

from addin import dunning_addin as d
from addin import xl_io
from dunning_core.columns import DRAFT_COLUMNS, DRAFT_STATUSES, MANAGED_HEADERS, D, S
from dunning_core.layout import ManagedBlock
from dunning_core.records import UserError


def _book(n: int = 6) -> FakeBook:
    return FakeBook.from_grids({"Aging": aging_grid(n), "Notes": [["keep me"]]})


def test_snapshot_reads_each_sheet_once_with_its_position() -> None:
    book = _book()
    book.sheets["Aging"].cells.pop((1, 1))  # drop the title: the used range starts at A2
    book.sheets["Aging"].cells.pop((1, 2), None)
    snap = xl_io.read_snapshot(book, "Aging")
    assert book.counter.reads == 2
    assert snap.sheets == ("Aging", "Notes")
    assert [r.name for r in snap.aging] == ["Aging"]
    assert snap.aging[0].first_row == 2 and snap.aging[0].rows[0] == HEADERS


def test_refresh_writes_managed_block_right_of_the_team_columns() -> None:
    book = _book()
    run = FakeRunCycle()
    d.on_button("refresh_queue", book, as_of=AS_OF, run_cycle=run)
    (snap, as_of, sheet, action) = run.calls[0]
    assert (as_of, sheet, action) == (AS_OF, None, "refresh")  # ingest chooses, as in file mode
    assert [r.name for r in snap.aging] == ["Aging", "Notes"]
    aging = book.sheets["Aging"]
    assert [aging.cells.get((2, c)) for c in range(5, 5 + len(MANAGED_HEADERS))] == list(
        MANAGED_HEADERS
    )
    assert aging.cells[(3, 5)] == 50 and aging.cells[(3, 10)] == "Yes"  # Excluded column
    assert aging.formats[(3, 14)] == "yyyy-mm-dd"  # Action due
    assert [aging.cells[(2, c)] for c in range(1, 5)] == HEADERS  # team's columns untouched
    assert book.sheets["Notes"].cells == {(1, 1): "keep me"}
    names = [s.name for s in book.sheets]
    assert names[:2] == ["Aging", "Notes"] and {S.EXPECTED_CASH, S.DRAFTS} <= set(names)
    assert book.sheets[S.SNAPSHOT].visible is False
    assert book.app.screen_updating is True and book.app.status_bar is False
    assert book.app.alerts == ["6 invoices in the queue."]
    assert book.active_name == "Aging"


def test_second_run_replaces_the_block_in_place() -> None:
    book = _book()
    d.on_button("refresh_queue", book, as_of=AS_OF, run_cycle=FakeRunCycle())
    first = dict(book.sheets["Aging"].cells)
    d.on_button("refresh_queue", book, as_of=AS_OF, run_cycle=FakeRunCycle())
    assert book.sheets["Aging"].cells == first
    tables = [t.name for t in book.sheets[S.EXPECTED_CASH].tables]
    assert tables == ["tblKPIs", "tblWeeklyExpectedCash"]


def test_team_table_is_widened_to_hold_the_block_on_every_run() -> None:
    book = _book()
    aging = book.sheets["Aging"]
    team = aging.tables.add(aging.range((2, 1), (8, 4)), name="tblTeam")
    end = 4 + len(MANAGED_HEADERS)
    d.on_button("refresh_queue", book, as_of=AS_OF, run_cycle=FakeRunCycle())
    assert team.ref == ((2, 1), (8, end))
    d.on_button("refresh_queue", book, as_of=AS_OF, run_cycle=FakeRunCycle())
    assert team.ref == ((2, 1), (8, end))


def test_table_with_a_clashing_header_is_left_alone() -> None:
    book = FakeBook.from_grids({"Aging": aging_grid(6)})
    aging = book.sheets["Aging"]
    aging.put(2, 4, "Owner")  # a team column named like a managed header
    team = aging.tables.add(aging.range((2, 1), (8, 4)), name="tblTeam")
    d.on_button("refresh_queue", book, as_of=AS_OF, run_cycle=FakeRunCycle())
    assert team.ref == ((2, 1), (8, 4))


def test_blocks_are_stacked_with_title_note_header() -> None:
    book = _book()
    d.on_button("update_forecast", book, as_of=AS_OF, run_cycle=FakeRunCycle())
    cash = book.sheets[S.EXPECTED_CASH]
    assert cash.cells[(1, 1)] == "KPIs" and cash.cells[(2, 1)] == "As of."
    assert cash.cells[(3, 1)] == "KPI" and cash.cells[(4, 2)] == 41.0
    # layout.placements: KPIs ends on row 4, two blank rows, next title on row 7.
    assert cash.cells[(7, 1)] == "Weekly expected cash" and cash.cells[(9, 3)] == 20.25
    assert cash.formats[(9, 2)] == "#,##0.00"
    d.on_button("update_forecast", book, as_of=AS_OF, run_cycle=FakeRunCycle())
    assert [(c.name, c.source, c.anchor) for c in cash.charts] == [
        ("chtWeeklyExpectedCash", ((8, 1), (9, 3)), (7, 5))
    ]  # replaced, not added again, on the second run


def test_drafts_are_written_in_units_with_the_drafts_header() -> None:
    book = _book()
    d.on_button("draft_reminders", book, as_of=AS_OF, run_cycle=FakeRunCycle())
    drafts = book.sheets[S.DRAFTS]
    header = [drafts.cells.get((3, c)) for c in range(1, len(DRAFT_COLUMNS) + 1)]
    assert header == list(DRAFT_COLUMNS)
    amount_col = DRAFT_COLUMNS.index(D.AMOUNT) + 1
    assert drafts.cells[(4, amount_col)] == 123.45
    status_col = DRAFT_COLUMNS.index(D.STATUS) + 1
    assert drafts.validations == {((4, status_col), (4, status_col)): list(DRAFT_STATUSES)}
    assert drafts.frozen == "1:3"


def test_problems_open_data_check_with_a_short_message() -> None:
    book = _book()
    d.on_button("refresh_queue", book, as_of=AS_OF, run_cycle=FakeRunCycle(problems=(BAD,)))
    assert book.active_name == S.DATA_CHECK
    assert "1 errors and 0 warnings: see the Data Check sheet." in book.app.alerts[-1]
    check = book.sheets[S.DATA_CHECK].grid()
    assert any("not an amount" in [str(v) for v in row] for row in check)


def test_failure_before_writing_leaves_the_book_untouched() -> None:
    book = _book()
    before = {s.name: dict(s.cells) for s in book.sheets}
    err = UserError("fake.xlsm: sheet 'Aging' has no header row (expected an aging table).")
    d.on_button("refresh_queue", book, as_of=AS_OF, run_cycle=FakeRunCycle(error=err))
    assert book.counter.writes == 0
    assert {s.name: dict(s.cells) for s in book.sheets} == before
    assert book.app.alerts == [str(err)]
    assert book.app.status_bar is False


def test_everything_is_computed_before_the_first_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while preparing the last thing to write still leaves the book untouched."""
    book = _book()
    before = {s.name: dict(s.cells) for s in book.sheets}

    def boom(*_: object) -> None:
        raise UserError("cannot place the managed block")

    monkeypatch.setattr(xl_io, "plan_managed", boom)
    d.on_button("refresh_queue", book, as_of=AS_OF, run_cycle=FakeRunCycle())
    assert book.counter.writes == 0 and book.counter.clears == 0
    assert {s.name: dict(s.cells) for s in book.sheets} == before
    assert book.app.alerts == ["cannot place the managed block"]


def test_check_data_writes_only_data_check() -> None:
    book = _book()
    run = FakeRunCycle(problems=(BAD,))
    d.on_button("check_data", book, as_of=AS_OF, run_cycle=run)
    assert run.calls[0][3] == "check"
    assert [s.name for s in book.sheets] == ["Aging", "Notes", S.DATA_CHECK]
    assert book.active_name == S.DATA_CHECK


def test_settings_writes_defaults_only_when_missing() -> None:
    book = _book()
    run = FakeRunCycle()
    d.on_button("settings", book, as_of=AS_OF, run_cycle=run)
    assert book.active_name == S.SETTINGS and book.sheets[S.SETTINGS].cells[(1, 1)] == "Stages"
    d.on_button("settings", book, as_of=AS_OF, run_cycle=run)
    assert len(run.calls) == 1


def test_export_drafts_writes_approved_drafts_beside_the_book(tmp_path: Path) -> None:
    rows = [list(DRAFT_COLUMNS)]
    for i, status in enumerate(("Approved", "Draft")):
        row = dict.fromkeys(DRAFT_COLUMNS)
        row.update({D.ID: f"D-{i}", D.TO: "ap@alder.example", D.SUBJECT: "Overdue"})
        row.update({D.BODY: "Dear team,\nplease pay.", D.STATUS: status, D.CUSTOMER: "Alder"})
        rows.append([row[c] for c in DRAFT_COLUMNS])
    book = FakeBook.from_grids({"Aging": aging_grid(2), S.DRAFTS: rows}, str(tmp_path / "b.xlsm"))
    from dunning_core.pipeline import run_cycle  # the real core: it reads the Drafts back

    d.on_button("export_drafts", book, as_of=AS_OF, run_cycle=run_cycle)
    files = sorted((tmp_path / "b-drafts").glob("*.eml"))
    assert [f.name for f in files] == ["D-0.eml"]
    assert "1 approved drafts written to" in book.app.alerts[-1]
    links = book.sheets[S.DRAFTS].links
    assert list(links.values()) == ["b-drafts/D-0.eml"]


def test_export_drafts_without_a_drafts_sheet_says_what_to_do() -> None:
    book = _book()
    d.on_button("export_drafts", book, as_of=AS_OF, run_cycle=FakeRunCycle())
    assert "press Draft reminders first" in book.app.alerts[-1]


@pytest.mark.parametrize("button", sorted(d.CYCLE_ACTIONS))
def test_cycle_buttons_map_to_pipeline_actions(button: str) -> None:
    from dunning_core.pipeline import ACTIONS

    assert d.CYCLE_ACTIONS[button] in ACTIONS


@settings(max_examples=50, deadline=None)
@given(st.sets(st.integers(min_value=2, max_value=60), max_size=30), st.integers(1, 5))
def test_managed_grid_puts_each_invoice_on_its_own_row(rows: set[int], header_row: int) -> None:
    """Rows may be non-contiguous (totals, blanks): values land on F.ROW, blanks elsewhere."""
    rows = {r for r in rows if r > header_row}
    order = sorted(rows, reverse=True)  # queue order need not be sheet order
    values = tuple(pd.Series([f"{h}@{r}" for r in order]) for h in MANAGED_HEADERS)
    block = ManagedBlock(MANAGED_HEADERS, {}, tuple(order), values)
    last = max([header_row, *order])
    grid, _ = xl_io.managed_grid(block, header_row, last)
    assert grid[0] == list(MANAGED_HEADERS)
    assert len(grid) == last - header_row + 1
    for offset, line in enumerate(grid[1:], start=header_row + 1):
        expected = (
            [f"{h}@{offset}" for h in MANAGED_HEADERS]
            if offset in rows
            else [None] * len(MANAGED_HEADERS)
        )
        assert line == expected


def test_text_from_the_book_never_becomes_a_formula_in_excel() -> None:
    """Through the fake: what the adapter assigns would be parsed by Excel as text."""
    book = _book()
    d.on_button("refresh_queue", book, as_of=AS_OF, run_cycle=FakeRunCycle())
    for sheet in book.sheets:
        assert sheet.formulas == {}, f"{sheet.name}: {sheet.formulas}"
    assert xl_io.column_cells(pd.Series(["=cmd|' /C calc'!A0", "+1 555", "ok"])) == [
        "'=cmd|' /C calc'!A0",
        "'+1 555",
        "ok",
    ]
