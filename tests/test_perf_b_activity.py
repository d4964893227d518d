"""conform: the whole-day check on int64 and the typed blanks for missing columns."""

from __future__ import annotations

import pandas as pd

from dunning_core.activity import conform, empty_activity
from dunning_core.columns import ACTIVITY_COLUMNS, ACTIVITY_FORMATS, A


def test_dates_with_a_time_are_normalised_and_whole_days_kept() -> None:
    frame = pd.DataFrame(
        {
            A.DATE: pd.to_datetime(["1960-01-01", "2026-01-02"]).astype("datetime64[ns]"),
            A.RUN: pd.to_datetime(["1960-01-01 00:00:01", None]).astype("datetime64[ns]"),
        },
        index=[7, 3],
    )
    out = conform(frame, ACTIVITY_COLUMNS, ACTIVITY_FORMATS)
    assert out.index.tolist() == [7, 3]
    assert out[A.DATE].tolist() == list(pd.to_datetime(["1960-01-01", "2026-01-02"]))
    assert out[A.RUN].iloc[0] == pd.Timestamp("1960-01-01") and pd.isna(out[A.RUN].iloc[1])


def test_missing_columns_are_typed_blanks() -> None:
    out = conform(pd.DataFrame({A.TYPE: ["sent"]}), ACTIVITY_COLUMNS, ACTIVITY_FORMATS)
    assert out[A.REFERENCE].tolist() == [""] and out[A.REFERENCE].dtype == "str"
    assert out[A.DATE].isna().all() and out[A.DATE].dtype == "datetime64[ns]"
    assert out[A.AMOUNT].isna().all() and out[A.AMOUNT].dtype == "float64"
    pd.testing.assert_frame_equal(
        conform(None, ACTIVITY_COLUMNS, ACTIVITY_FORMATS), empty_activity()
    )
    assert list(empty_activity().dtypes.astype(str)) == [
        "datetime64[ns]"
        if ACTIVITY_FORMATS.get(c) == "date"
        else "float64"
        if ACTIVITY_FORMATS.get(c) == "money"
        else "str"
        for c in ACTIVITY_COLUMNS
    ]
