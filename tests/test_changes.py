"""Snapshot store/read-back and the change attribution (reasons sum to the total)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core import changes as ch
from dunning_core import snapshot as sn
from dunning_core.columns import F, Q
from dunning_core.records import RawSheet, Severity

AS_OF = date(2026, 11, 25)
WEEK_AGO = date(2026, 11, 18)


def forecast_queue(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A queue with forecast columns set directly (the forecast itself is tested elsewhere)."""
    today = pd.Timestamp(AS_OF)

    def get(key: str, default: Any) -> list[Any]:
        return [r.get(key, default) for r in rows]

    return pd.DataFrame(
        {
            F.CUSTOMER_ID: pd.Series(get("cust", "C1"), dtype="str"),
            F.INVOICE_NO: pd.Series(get("inv", "I1"), dtype="str"),
            F.CURRENCY: pd.Series(get("cur", "USD"), dtype="str"),
            F.OPEN_CENTS: np.array(get("open", 10_000), dtype="int64"),
            F.DISPUTED: np.array(get("disputed", False), dtype=bool),
            F.PROMISE_DATE: pd.Series(
                [
                    today + pd.Timedelta(days=p) if p is not None else pd.NaT
                    for p in get("promise", None)
                ],
                dtype="datetime64[ns]",
            ),
            Q.BUCKET: pd.Series(get("bucket", "1-30"), dtype="str"),
            Q.STAGE: pd.Series(get("stage", "friendly"), dtype="str"),
            Q.EXPECTED_DATE: pd.Series(
                [today + pd.Timedelta(days=d) if d is not None else pd.NaT for d in get("days", 7)],
                dtype="datetime64[ns]",
            ),
            Q.EXPECTED_CENTS: np.array(get("exp", 9_000), dtype="int64"),
            Q.AT_RISK: np.array(get("disputed", False), dtype=bool),
        }
    )


def snap(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return sn.snapshot_frame(forecast_queue(rows), AS_OF)


def test_snapshot_frame_columns_and_horizon() -> None:
    s = snap(
        [
            {"inv": "A", "exp": 12_345, "days": 3},
            {"inv": "B", "days": 200},
            {"inv": "C", "days": None},
        ]
    )
    assert tuple(s.columns) == sn.SNAPSHOT_COLUMNS
    assert s["expected_in_horizon"].tolist() == [123.45, 0.0, 0.0]  # Later is not in horizon
    assert s["open"].tolist() == [100.0, 100.0, 100.0]
    assert (s["as_of"] == pd.Timestamp(AS_OF)).all()


def as_raw(frame: pd.DataFrame, title_rows: int = 2, excel: bool = False) -> RawSheet:
    """Runs as the sheet stores them, read back: a title and note above the header.

    File mode reads dates as serial numbers (the sheet does not format them); the Excel
    surface (``excel``) may give datetimes.
    """
    stored = sn.sheet_frame(frame)
    rows: list[list[Any]] = [["Snapshot"], ["Run state; do not edit."]][:title_rows]
    rows.append(list(stored.columns))
    epoch = pd.Timestamp("1899-12-30")

    def cell(v: Any) -> Any:
        if v is pd.NaT or (isinstance(v, float) and np.isnan(v)) or v == "":
            return None
        if isinstance(v, pd.Timestamp):
            return v.to_pydatetime() if excel else float((v - epoch).days)
        return v

    for rec in stored.itertuples(index=False):
        rows.append([cell(v) for v in rec])
    return RawSheet("Snapshot", rows, first_row=1, first_col=1)


def test_sheet_stores_the_date_and_key_on_every_row_the_rest_only_where_set() -> None:
    first = sn.snapshot_frame(forecast_queue([{"inv": "A"}, {"inv": "B"}]), WEEK_AGO)
    stored = sn.generations_to_store(first, snap([{"inv": "A", "promise": 3}, {"inv": "C"}]))
    assert tuple(stored.columns) == sn.SHEET_COLUMNS
    assert stored["as_of"].tolist() == [pd.Timestamp(WEEK_AGO)] * 2 + [pd.Timestamp(AS_OF)] * 2
    assert stored["open_cents"].tolist() == [10_000.0] * 4  # whole cents, exact
    filled = stored.apply(lambda c: (c.notna() & (c != "")).sum())
    always = ["as_of", "customer_id", "invoice_no", "currency", "open_cents", "expected_cents"]
    assert filled[filled == 4].index.tolist() == always
    assert filled["disputed"] == 0 and filled["promise_date"] == 1


def test_blank_customer_ids_stay_blank_on_every_row() -> None:
    custs = ["C1", "C1", "", "", "C2", "C1"]
    s = snap(
        [{"inv": f"I{i}", "cust": c, "cur": "EUR" if i > 3 else "USD"} for i, c in enumerate(custs)]
    )
    stored = sn.sheet_frame(s)
    assert stored["customer_id"].tolist() == custs
    assert stored["currency"].tolist() == ["USD"] * 4 + ["EUR"] * 2
    back, problems = sn.snapshot_from_sheet(as_raw(s))
    assert problems == [] and back["customer_id"].tolist() == custs
    pd.testing.assert_frame_equal(back, s)


def test_snapshot_round_trips_through_the_sheet() -> None:
    s = snap([{"inv": "A", "promise": 4, "disputed": True}, {"inv": "007", "cur": "EUR"}])
    s.loc[0, "notes"] = "called <Ann>"
    for excel in (False, True):
        back, problems = sn.snapshot_from_sheet(as_raw(s, excel=excel))
        assert problems == []
        pd.testing.assert_frame_equal(back, s)


def test_two_runs_round_trip_and_split_by_date() -> None:
    first = sn.snapshot_frame(forecast_queue([{"inv": "A", "exp": 5_001}, {"inv": "B"}]), WEEK_AGO)
    current = snap([{"inv": "A", "open": 7_000}])
    back, problems = sn.snapshot_from_sheet(as_raw(pd.concat([first, current], ignore_index=True)))
    assert problems == []
    pd.testing.assert_frame_equal(sn.previous_generation(back, AS_OF), first)
    pd.testing.assert_frame_equal(sn.latest_generation(back, AS_OF), current)


def test_missing_sheet_means_no_previous_run() -> None:
    frame, problems = sn.snapshot_from_sheet(None)
    assert frame.empty and tuple(frame.columns) == sn.SNAPSHOT_COLUMNS and problems == []


def test_unreadable_cells_are_problems_with_addresses() -> None:
    s = snap([{"inv": "A"}, {"inv": "B"}])
    raw = as_raw(s, title_rows=0)
    rows = [list(r) for r in raw.rows]
    rows[2][sn.SHEET_COLUMNS.index("open_cents")] = "lots"
    back, problems = sn.snapshot_from_sheet(RawSheet("Snapshot", rows, first_row=5, first_col=2))
    assert back["invoice_no"].tolist() == ["A"]
    assert [(p.cell, p.field) for p in problems] == [("F7", "open_cents")]


def test_rows_above_the_first_run_date_are_left_out() -> None:
    rows = [list(r) for r in as_raw(snap([{"inv": "A"}, {"inv": "B"}]), title_rows=0).rows]
    rows[1][0], rows[2][0] = None, rows[1][0]  # the date moved down a row
    back, problems = sn.snapshot_from_sheet(RawSheet("Snapshot", rows))
    assert back["invoice_no"].tolist() == ["B"]
    assert [(p.cell, p.field) for p in problems] == [("A2", "as_of")]


def test_sheet_without_header_is_a_warning() -> None:
    frame, problems = sn.snapshot_from_sheet(RawSheet("Snapshot", [["something else"], [1, 2]]))
    assert frame.empty and problems[0].severity is Severity.WARNING
    assert "invoice_no" in problems[0].message


def test_a_sheet_that_breaks_the_reader_is_a_warning_not_an_error(monkeypatch: Any) -> None:
    def broken(cells: Any) -> Any:
        raise ValueError("odd cell")

    monkeypatch.setattr(sn.cols, "numbers", broken)
    frame, problems = sn.snapshot_from_sheet(as_raw(snap([{"inv": "A"}])))
    assert frame.empty and "odd cell" in problems[0].message
    assert problems[0].severity is Severity.WARNING


def reasons(prev: pd.DataFrame, cur: pd.DataFrame) -> dict[str, tuple[int, int]]:
    t = ch.attribute_change(prev, cur)
    return {
        r: (i, c)
        for r, i, c in t[t["Currency"] == "USD"][["Reason", "Invoices", "Change"]].itertuples(
            index=False
        )
    }


def test_each_reason() -> None:
    prev = snap(
        [
            {"inv": "paid", "exp": 1_000},
            {"inv": "part", "open": 10_000, "exp": 9_000},
            {"inv": "disp", "exp": 9_000},
            {"inv": "prom", "exp": 5_000},
            {"inv": "late", "exp": 9_000, "days": 80},
            {"inv": "same", "exp": 9_000},
        ]
    )
    cur = snap(
        [
            {"inv": "part", "open": 4_000, "exp": 3_600},
            {"inv": "disp", "exp": 0, "disputed": True},
            {"inv": "prom", "exp": 9_000, "promise": 5},
            {"inv": "late", "exp": 9_000, "days": 100, "bucket": "31-60"},
            {"inv": "same", "exp": 9_000},
            {"inv": "new", "exp": 2_500},
        ]
    )
    r = reasons(prev, cur)
    assert r[ch.PAID] == (2, -1_000 - 5_400)
    assert r[ch.NEW] == (1, 2_500)
    assert r[ch.DISPUTES] == (1, -9_000)
    assert r[ch.PROMISES] == (1, 4_000)
    assert r[ch.RETIMING] == (1, -9_000)  # moved beyond 13 weeks
    assert r[ch.OTHER] == (0, 0)
    assert r[ch.TOTAL] == (6, -1_000 - 5_400 + 2_500 - 9_000 + 4_000 - 9_000)


invoice = st.fixed_dictionaries(
    {
        "inv": st.sampled_from([f"I{i}" for i in range(8)]),
        "cust": st.sampled_from(["C1", "C2"]),
        "cur": st.sampled_from(["USD", "EUR"]),
        "open": st.integers(-10_000, 10**9),
        "exp": st.integers(0, 10**9),
        "days": st.none() | st.integers(-3, 120),
        "disputed": st.booleans(),
        "promise": st.none() | st.integers(-3, 30),
        "bucket": st.sampled_from(["Current", "1-30", "120+"]),
    }
)


@settings(max_examples=20, deadline=None)
@given(st.lists(invoice, max_size=12), st.lists(invoice, max_size=12))
def test_reasons_sum_exactly_to_total_change(
    p_rows: list[dict[str, Any]], c_rows: list[dict[str, Any]]
) -> None:
    prev, cur = snap(p_rows), snap(c_rows)
    t = ch.attribute_change(prev, cur)
    before, after = ch.horizon_totals(prev), ch.horizon_totals(cur)
    for code in set(before) | set(after):
        part = t[t["Currency"] == code].set_index("Reason")
        assert list(part.index) == [*ch.REASONS, ch.TOTAL]
        assert part.loc[list(ch.REASONS), "Change"].sum() == part.loc[ch.TOTAL, "Change"]
        assert part.loc[ch.TOTAL, "Change"] == after.get(code, 0) - before.get(code, 0)
    assert t.equals(ch.attribute_change(prev, cur))  # deterministic


def test_date_cells_as_text_or_serials_are_read() -> None:
    s = snap([{"inv": "A", "promise": 2}])
    raw = as_raw(s, title_rows=0)
    rows = [list(r) for r in raw.rows]
    rows[1][0] = "2026-11-25"
    rows[1][sn.SHEET_COLUMNS.index("promise_date")] = float(
        (datetime(2026, 11, 27) - datetime(1899, 12, 30)).days
    )
    back, problems = sn.snapshot_from_sheet(RawSheet("Snapshot", rows))
    assert problems == [] and back.loc[0, "promise_date"] == pd.Timestamp("2026-11-27")
    assert back.loc[0, "as_of"] == pd.Timestamp(AS_OF)


def test_blank_rows_are_skipped_silently_and_ids_keep_their_text() -> None:
    s = snap([{"inv": "A"}, {"inv": "B"}])
    rows = [list(r) for r in as_raw(s, title_rows=0).rows]
    rows.insert(2, [None, "  ", ""])
    rows[1][sn.SHEET_COLUMNS.index("invoice_no")] = 1001.0  # an id a reader saw as a number
    back, problems = sn.snapshot_from_sheet(RawSheet("Snapshot", rows))
    assert problems == []
    assert back["invoice_no"].tolist() == ["1001", "B"]


def test_generations_baseline_before_today_latest_up_to_today() -> None:
    from dunning_core.snapshot import later_runs, latest_generation, previous_generation

    stored = pd.DataFrame(
        {
            "as_of": pd.to_datetime(["2026-11-16", "2026-11-23", "2026-11-23", "2026-11-30"]),
            "invoice_no": ["A", "B", "C", "D"],
        }
    )
    assert previous_generation(stored, date(2026, 11, 23))["invoice_no"].tolist() == ["A"]
    assert latest_generation(stored, date(2026, 11, 23))["invoice_no"].tolist() == ["B", "C"]
    assert later_runs(stored, date(2026, 11, 23)) == [pd.Timestamp("2026-11-30")]
    assert previous_generation(stored, date(2026, 11, 16)).empty
