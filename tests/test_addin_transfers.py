"""Round trips to Excel do not grow with the row count (issue 5 point 4).

Counted on the in-memory FAKE of xlwings: every range value read or write is one
transfer; formats and clears are counted apart. Real Excel costs per transfer,
so a constant count is what keeps a 100k-row refresh fast.
"""

from __future__ import annotations

import pytest
from addin_results import AS_OF, FakeRunCycle, aging_grid
from fake_xlwings import Counter, FakeBook

from addin import dunning_addin as d


def _counts(n: int, button: str) -> Counter:
    book = FakeBook.from_grids({"Aging": aging_grid(n), "Notes": [["x"]]})
    d.on_button(button, book, as_of=AS_OF, run_cycle=FakeRunCycle())
    d.on_button(button, book, as_of=AS_OF, run_cycle=FakeRunCycle())  # second run: in place
    return book.counter


@pytest.mark.parametrize("button", ["refresh_queue", "draft_reminders", "check_data"])
def test_transfers_are_constant_in_the_row_count(button: str) -> None:
    small, large = _counts(5, button), _counts(3000, button)
    assert small == large
    assert small.reads <= 2 * 9  # one read per sheet per run (2 team + 7 tool sheets)


def test_refresh_reads_each_sheet_once_then_writes_once_per_block() -> None:
    book = FakeBook.from_grids({"Aging": aging_grid(50)})
    d.on_button("refresh_queue", book, as_of=AS_OF, run_cycle=FakeRunCycle())
    assert book.counter.reads == 1  # the only sheet at the start
    # one write per block: Settings 1, Drafts 1, Activity 1, Promises 1, Expected Cash 2,
    # Data Check 1, Snapshot 1, plus the managed block on the aging sheet.
    assert book.counter.writes == 9
