"""Reading back the tool's own sheets: typed values parsed like the aging sheet, and
anything that could not survive the rewrite stops the run before a write."""

from __future__ import annotations

import pandas as pd
import pytest

from dunning_core.columns import PROMISE_COLUMNS, PROMISE_FORMATS, P
from dunning_core.owned_table import read_owned_table
from dunning_core.records import RawSheet, UserError


def _sheet(rows: list[list], header: list[str] | None = None) -> RawSheet:
    head = list(PROMISE_COLUMNS) if header is None else header
    return RawSheet("Promises", [["Promises"], ["note"], head, *rows], first_row=1)


def _row(**values: object) -> list[object]:
    return [values.get(c) for c in PROMISE_COLUMNS]


def test_amounts_and_dates_typed_as_text_are_read_like_the_aging_sheet() -> None:
    raw = _sheet(
        [
            _row(**{P.ID: "PR-1", P.AMOUNT: "1.234,56", P.PROMISE_DATE: "2026-12-01"}),
            _row(**{P.ID: "PR-2", P.AMOUNT: "€2,5", P.PROMISE_DATE: 46357}),
        ]
    )
    frame, problems = read_owned_table(raw, PROMISE_COLUMNS, PROMISE_FORMATS)
    assert problems == []
    assert frame[P.AMOUNT].tolist() == [1234.56, 2.5]
    assert frame[P.PROMISE_DATE].tolist() == [pd.Timestamp("2026-12-01")] * 2


def test_unreadable_cell_stops_the_run_naming_the_cell() -> None:
    raw = _sheet([_row(**{P.ID: "PR-1", P.AMOUNT: "lots"})])
    with pytest.raises(
        UserError,
        match=r"Sheet 'Promises'.*F4 \(Amount: expected a money, "
        r"found 'lots'\).*nothing was written",
    ):
        read_owned_table(raw, PROMISE_COLUMNS, PROMISE_FORMATS)


def test_renamed_or_added_column_stops_the_run() -> None:
    renamed = [("Status (edit)" if c == P.STATUS else c) for c in PROMISE_COLUMNS]
    rows = [_row(**{P.ID: "PR-1", P.STATUS: "open"})]
    expected = r"header row 3: .*'Status \(edit\)' \(renamed from 'Status'\?\)"
    with pytest.raises(UserError, match=expected):
        read_owned_table(_sheet(rows, renamed), PROMISE_COLUMNS, PROMISE_FORMATS)
    added = [*PROMISE_COLUMNS, "My notes"]
    rows = [[*_row(**{P.ID: "PR-1"}), "call Friday"]]
    with pytest.raises(UserError, match=r"does not keep 'My notes'"):
        read_owned_table(_sheet(rows, added), PROMISE_COLUMNS, PROMISE_FORMATS)


def test_a_missing_column_is_read_as_blank_with_a_warning() -> None:
    header = [c for c in PROMISE_COLUMNS if c != P.NOTE]
    rows = [
        [v for c, v in zip(PROMISE_COLUMNS, _row(**{P.ID: "PR-1"}), strict=True) if c != P.NOTE]
    ]
    frame, problems = read_owned_table(_sheet(rows, header), PROMISE_COLUMNS, PROMISE_FORMATS)
    assert frame[P.NOTE].tolist() == [""]
    assert [p.field for p in problems] == [P.NOTE]


def test_an_empty_added_column_is_harmless() -> None:
    added = [*PROMISE_COLUMNS, "spare"]
    frame, _ = read_owned_table(
        _sheet([[*_row(**{P.ID: "PR-1"}), None]], added), PROMISE_COLUMNS, PROMISE_FORMATS
    )
    assert frame[P.ID].tolist() == ["PR-1"]
