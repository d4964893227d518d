"""Activity: append-only, idempotent, ids continue, and it reads back from the sheet."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.activity import (
    activity_from_sheet,
    append_activity,
    empty_activity,
    last_contact_by_customer,
)
from dunning_core.columns import ACTIVITY_COLUMNS, A
from dunning_core.records import RawSheet, UserError


def rows(*items: tuple[str, str, str, str]) -> pd.DataFrame:
    """New rows from (type, reference, customer id, date)."""
    return pd.DataFrame(
        {
            A.TYPE: [i[0] for i in items],
            A.REFERENCE: [i[1] for i in items],
            A.CUSTOMER_ID: [i[2] for i in items],
            A.DATE: pd.to_datetime([i[3] for i in items]),
            A.AMOUNT: [12.5] * len(items),
        }
    )


def test_empty_activity_has_the_sheet_columns_and_dtypes() -> None:
    frame = empty_activity()
    assert list(frame.columns) == list(ACTIVITY_COLUMNS) and frame.empty
    assert frame[A.DATE].dtype == "datetime64[ns]" and frame[A.RUN].dtype == "datetime64[ns]"
    assert frame[A.AMOUNT].dtype == "float64"
    assert pd.api.types.is_string_dtype(frame[A.TYPE])


def test_append_assigns_ids_after_the_largest_and_skips_logged_rows() -> None:
    existing = append_activity(empty_activity(), rows(("sent", "D1", "C1", "2026-11-01")))
    existing.loc[0, A.ID] = "ACT-000041"
    existing = pd.concat([existing, existing.assign(**{A.ID: "ACT-000007", A.REFERENCE: "D0"})])
    new = rows(
        ("sent", "D1", "C1", "2026-11-02"),  # already logged: skipped
        ("drafted", "D1", "C1", "2026-11-02"),  # other type, same reference: added
        ("sent", "D2", "C2", "2026-11-03"),
        ("sent", "D2", "C2", "2026-11-03"),  # duplicate within the batch: once
        ("note", "", "C3", "2026-11-03"),  # no reference: always added
    )
    out = append_activity(existing, new)
    assert list(out[A.ID]) == ["ACT-000041", "ACT-000007", "ACT-000042", "ACT-000043", "ACT-000044"]
    assert list(out[A.REFERENCE][2:]) == ["D1", "D2", ""]
    assert list(out[A.TYPE][2:]) == ["drafted", "sent", "note"]
    assert out[A.DATE].dtype == "datetime64[ns]"


def test_rerunning_the_same_append_adds_nothing() -> None:
    once = append_activity(empty_activity(), rows(("sent", "D1", "C1", "2026-11-01")))
    twice = append_activity(once, rows(("sent", "D1", "C1", "2026-11-01")))
    pd.testing.assert_frame_equal(once, twice)


texts = st.text(alphabet="abcD1-", max_size=4)
batch = st.lists(st.tuples(st.sampled_from(["sent", "drafted", "promise"]), texts), max_size=8)


@settings(max_examples=30, deadline=None)
@given(first=batch, second=batch)
def test_existing_rows_are_always_a_prefix_of_the_result(
    first: list[tuple[str, str]], second: list[tuple[str, str]]
) -> None:
    def frame(items: list[tuple[str, str]]) -> pd.DataFrame:
        return rows(*((t, r, "C", "2026-11-01") for t, r in items))

    log = append_activity(empty_activity(), frame(first))
    out = append_activity(log, frame(second))
    pd.testing.assert_frame_equal(out.iloc[: len(log)], log)
    assert out[A.ID].is_unique
    keyed = out[out[A.REFERENCE] != ""]
    assert not keyed.duplicated([A.TYPE, A.REFERENCE]).any()
    again = append_activity(out, frame([i for i in second if i[1]]))
    assert len(again) == len(out)  # idempotent for referenced rows


def test_last_contact_is_the_latest_sent_per_customer() -> None:
    log = append_activity(
        empty_activity(),
        rows(
            ("sent", "D1", "C1", "2026-10-01"),
            ("sent", "D2", "C1", "2026-11-05"),
            ("drafted", "D3", "C1", "2026-11-20"),
            ("sent", "D4", "C2", "2026-09-09"),
        ),
    )
    assert last_contact_by_customer(log) == {"C1": date(2026, 11, 5), "C2": date(2026, 9, 9)}
    assert last_contact_by_customer(empty_activity()) == {}


def as_sheet(frame: pd.DataFrame) -> RawSheet:
    data: list[list[Any]] = [["Activity log"], list(frame.columns)]
    for rec in frame.itertuples(index=False):
        data.append([None if pd.isna(v) else v for v in rec])
    return RawSheet("Activity", data)


def test_activity_sheet_reads_back_what_was_written() -> None:
    log = append_activity(empty_activity(), rows(("sent", "D1", "C1", "2026-10-01")))
    back, problems = activity_from_sheet(as_sheet(log))
    assert problems == []
    pd.testing.assert_frame_equal(back, log)
    assert activity_from_sheet(None)[0].empty


def test_activity_sheet_with_a_lost_header_stops_the_run() -> None:
    with pytest.raises(UserError, match="Activity"):
        activity_from_sheet(RawSheet("Activity", [["someone deleted the header"], ["x"]]))
    frame, _ = activity_from_sheet(RawSheet("Activity", [[None, ""]]))
    assert frame.empty


def test_new_activity_rows_by_position_in_sheet_order() -> None:
    import pandas as pd

    from dunning_core.activity import new_activity
    from dunning_core.columns import ACTIVITY_COLUMNS, A

    picked = pd.Series(["C2", "C7"], index=[5, 9])  # selected rows keep their index
    rows = new_activity(
        pd.Timestamp("2026-11-16"),
        "sent",
        customer_id=picked,
        customer=["Acme", "Beta"],
        invoices="",
        amount=[1.5, 2.0],
        currency="EUR",
        owner="Ana",
        detail=["a", "b"],
        reference=pd.Series(["D1", "D2"], index=[3, 4]),
    )
    assert list(rows.columns) == list(ACTIVITY_COLUMNS)
    assert list(rows.index) == [0, 1]
    assert rows[A.CUSTOMER_ID].tolist() == ["C2", "C7"]
    assert rows[A.REFERENCE].tolist() == ["D1", "D2"]
    assert rows[A.ID].tolist() == ["", ""] and rows[A.TYPE].tolist() == ["sent", "sent"]
    assert str(rows[A.DATE].dtype) == "datetime64[ns]" and (rows[A.RUN] == rows[A.DATE]).all()
