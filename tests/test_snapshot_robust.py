"""The Snapshot sheet read back after ordinary edits, and in the previous release's layout.

Each row carries its own run date and key, so sorting the sheet or clearing one cell
cannot move a row into another run or to another customer; a row without a run date is
left out with a warning naming the cell. A sheet written by the previous release (15
columns, money in currency units) is read into the same frame, so carried values
survive the upgrade.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from test_changes import AS_OF, WEEK_AGO, as_raw, forecast_queue, snap

from dunning_core import snapshot as sn
from dunning_core.records import RawSheet

_EPOCH = pd.Timestamp("1899-12-30")
#: The previous release's Snapshot columns (commit 33aa160), in its order.
OLD_HEADER = [
    "as_of",
    "invoice_no",
    "customer_id",
    "currency",
    "open",
    "bucket",
    "stage",
    "disputed",
    "promise_date",
    "expected_in_horizon",
    "at_risk",
    "notes",
    "promise_amount",
    "hold_until",
    "dispute_reason",
]


def two_runs() -> pd.DataFrame:
    """A baseline run and today's, two customers each, with typed values set."""
    first = sn.snapshot_frame(
        forecast_queue(
            [
                {"inv": "A", "cust": "C1", "open": 12_345},
                {"inv": "B", "cust": "C1", "cur": "EUR", "disputed": True},
                {"inv": "C", "cust": "C2", "promise": 3},
            ]
        ),
        WEEK_AGO,
    )
    current = snap(
        [
            {"inv": "A", "cust": "C1", "exp": 5_001},
            {"inv": "D", "cust": "C2", "cur": "EUR"},
            {"inv": "C", "cust": "C2", "promise": 1},
        ]
    )
    current.loc[2, "notes"] = "pays Friday"
    current.loc[1, "hold_until"] = pd.Timestamp("2026-12-31")
    current.loc[2, "promise_amount"] = 40.5
    return pd.concat([first, current], ignore_index=True)


def split(raw: RawSheet) -> tuple[list[list[Any]], list[list[Any]], list[str]]:
    rows = [list(r) for r in raw.rows]
    h = next(i for i, r in enumerate(rows) if r and r[0] == "as_of")
    return rows[: h + 1], rows[h + 1 :], [str(x) for x in rows[h]]


def by_key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["as_of", "invoice_no"]).reset_index(drop=True)


def test_sorted_rows_keep_their_run_customer_and_currency() -> None:
    runs = two_runs()
    head, body, hdr = split(as_raw(runs))
    ii = hdr.index("invoice_no")
    body.sort(key=lambda r: str(r[ii]), reverse=True)
    back, problems = sn.snapshot_from_sheet(RawSheet("Snapshot", head + body))
    assert problems == []
    pd.testing.assert_frame_equal(by_key(back), by_key(runs))


def test_a_cleared_customer_cell_is_an_empty_id_not_the_row_above() -> None:
    runs = two_runs()
    head, body, hdr = split(as_raw(runs))
    body[2][hdr.index("customer_id")] = None  # invoice C, the baseline's first row of C2
    back, problems = sn.snapshot_from_sheet(RawSheet("Snapshot", head + body))
    assert problems == []
    assert back["customer_id"].tolist() == ["C1", "C1", "", "C1", "C2", "C2"]
    assert back["currency"].tolist() == ["USD", "EUR", "USD", "USD", "EUR", "USD"]


def test_a_cleared_run_date_leaves_that_row_out_with_a_warning() -> None:
    runs = two_runs()
    head, body, hdr = split(as_raw(runs, title_rows=0))
    body[3][hdr.index("as_of")] = None  # today's run's first row
    body[4][hdr.index("as_of")] = "soon"
    back, problems = sn.snapshot_from_sheet(RawSheet("Snapshot", head + body))
    assert [(p.cell, p.field) for p in problems] == [("A5", "as_of"), ("A6", "as_of")]
    assert all("run date" in p.message for p in problems)
    expected = runs.drop(index=[3, 4]).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, expected)
    assert len(sn.latest_generation(back, AS_OF)) == 1  # not merged into the baseline
    assert len(sn.previous_generation(back, AS_OF)) == 3


def old_layout(runs: pd.DataFrame, excel: bool = False) -> RawSheet:
    """Runs as the previous release wrote them: a title and note, its header, a row per
    invoice with every column filled (bools as flags, money in units, empty text as no cell).
    """

    def cell(v: Any) -> Any:
        if v is pd.NaT or (isinstance(v, float) and np.isnan(v)) or v == "":
            return None
        if isinstance(v, pd.Timestamp):
            return v.to_pydatetime() if excel else float((v - _EPOCH).days)
        return bool(v) if isinstance(v, np.bool_) else v

    frame = runs.assign(bucket="1-30", stage="friendly")[OLD_HEADER]
    rows: list[list[Any]] = [["Snapshot"], ["Run state; do not edit."], list(OLD_HEADER)]
    rows += [[cell(v) for v in rec] for rec in frame.itertuples(index=False)]
    return RawSheet("Snapshot", rows, first_row=1, first_col=1)


def test_the_previous_releases_layout_reads_into_the_same_frame() -> None:
    runs = two_runs()
    new, _ = sn.snapshot_from_sheet(as_raw(runs))
    for excel in (False, True):
        back, problems = sn.snapshot_from_sheet(old_layout(runs, excel=excel))
        assert problems == []
        pd.testing.assert_frame_equal(back, new)
    assert sn.latest_generation(back, AS_OF)["notes"].tolist() == ["", "", "pays Friday"]


def test_the_previous_layout_still_flags_unreadable_cells() -> None:
    raw = old_layout(two_runs())
    raw.rows[4][OLD_HEADER.index("open")] = "lots"
    back, problems = sn.snapshot_from_sheet(raw)
    assert [(p.cell, p.field) for p in problems] == [("E5", "open")]
    assert back["invoice_no"].tolist() == ["A", "C", "A", "D", "C"]  # B left out
