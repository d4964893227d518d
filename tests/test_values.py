"""Value parsers: amounts, dates, flags, identifiers (unit and property tests)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.ingest import values


def _amount_text(cents: int, style: str, neg_style: str, symbol: str) -> str:
    whole, frac = divmod(abs(cents), 100)
    if style == "us":
        body = f"{whole:,}.{frac:02d}"
    elif style == "eu":
        body = f"{whole:,}".replace(",", ".") + f",{frac:02d}"
    elif style == "fr":
        body = f"{whole:,}".replace(",", " ") + f",{frac:02d}"
    else:  # plain
        body = f"{whole}.{frac:02d}"
    body = f"{symbol}{body}"
    if cents >= 0:
        return body
    return {"minus": f"-{body}", "paren": f"({body})", "trailing": f"{body}-"}[neg_style]


@settings(max_examples=60, deadline=None)
@given(
    cents=st.integers(-(10**11), 10**11),
    style=st.sampled_from(["us", "eu", "fr", "plain"]),
    neg=st.sampled_from(["minus", "paren", "trailing"]),
    symbol=st.sampled_from(["", "$", "€ ", "EUR ", "£"]),
)
def test_amount_text_round_trips(cents: int, style: str, neg: str, symbol: str) -> None:
    text = _amount_text(cents, style, neg, symbol)
    assert values.amounts(pd.Series([text])).values.tolist() == [cents]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=20))
def test_amount_column_convention_is_per_column(cents: list[int]) -> None:
    texts = [_amount_text(c, "eu", "trailing", "") for c in cents]
    got = values.amounts(pd.Series(texts))
    assert got.values.tolist() == cents
    assert not got.bad.any()


@settings(max_examples=40, deadline=None)
@given(
    day=st.dates(dt.date(1990, 1, 1), dt.date(2090, 12, 31)),
    fmt=st.sampled_from(["%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%Y%m%d"]),
)
def test_unambiguous_date_formats_round_trip(day: dt.date, fmt: str) -> None:
    text = day.strftime(fmt)
    got = values.dates(pd.Series([text])).values
    assert got.iloc[0] == pd.Timestamp(day)
    assert str(got.dtype) == "datetime64[ns]"


@settings(max_examples=25, deadline=None)
@given(st.lists(st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)), min_size=1, max_size=15))
def test_slashed_dates_decided_per_column(days: list[dt.date]) -> None:
    days = [*days, dt.date(2024, 1, 31)]  # one proof of order in each column
    for fmt, dayfirst in (("%d/%m/%Y", True), ("%m/%d/%Y", False)):
        got = values.dates(pd.Series([d.strftime(fmt) for d in days]))
        assert got.values.tolist() == [pd.Timestamp(d) for d in days]
        assert ("D/M/Y" in got.note) == dayfirst


def test_excel_serials_and_none_markers() -> None:
    got = values.dates(pd.Series([45658, 45658.75, 0, "0", "-", None, "00.00.0000"])).values
    assert got.iloc[0] == pd.Timestamp("2025-01-01")
    assert got.iloc[1] == pd.Timestamp("2025-01-01")  # time of day dropped
    assert got.iloc[2:].isna().all()


def test_ambiguous_slashed_dates_say_what_was_assumed() -> None:
    got = values.dates(pd.Series(["01/02/2025", "03/04/2025"]))
    assert got.values.iloc[0] == pd.Timestamp("2025-01-02")
    assert "assumed" in got.note
    got_dayfirst = values.dates(pd.Series(["01/02/2025"]), dayfirst=True)
    assert got_dayfirst.values.iloc[0] == pd.Timestamp("2025-02-01")


def test_datetime_cells_and_bad_text() -> None:
    got = values.dates(pd.Series([dt.datetime(2024, 5, 6, 13, 0), "soon", dt.date(2024, 5, 7)]))
    assert got.values.tolist()[0] == pd.Timestamp("2024-05-06")
    assert got.bad.tolist() == [False, True, False]


def test_amount_edge_cases() -> None:
    got = values.amounts(pd.Series(["-", "", "n/a", "12.50 CR", "USD 1,000", "abc", 3, 2.675]))
    assert got.values.tolist()[:6] == [0, pd.NA, pd.NA, -1250, 100000, pd.NA]
    assert got.values.tolist()[6:] == [300, 268]
    assert got.bad.tolist() == [False, False, False, False, False, True, False, False]


def test_identifiers_keep_leading_zeros_and_lose_float_noise() -> None:
    got = values.text(pd.Series(["000123", 123.0, 4500012345.0, "  A-1 ", None]))
    assert got.tolist() == ["000123", "123", "4500012345", "A-1", ""]
    assert values.text(pd.Series([1.0, 2.5])).tolist() == ["1", "2.5"]


def test_flags() -> None:
    got = values.flags(pd.Series(["Y", "yes", "x", "TRUE", "Disputed", "no", "", None, 0, 1]))
    assert got.values.tolist() == [True] * 5 + [False] * 4 + [True]
    assert str(got.values.dtype) == "bool"


def test_integers() -> None:
    got = values.integers(pd.Series([12, "30 days", "", None, "late"]))
    assert got.values.tolist() == [12, 30, pd.NA, pd.NA, pd.NA]
    assert got.bad.tolist() == [False, False, False, False, True]


def test_free_text_dates_never_crash() -> None:
    got = values.dates(pd.Series(["Sept 5th", "0999-01-01", "Jan 5, 2024", "99999"]))
    assert got.values.tolist()[:3] == [pd.NaT, pd.NaT, pd.Timestamp("2024-01-05")]
    assert got.bad.tolist()[:3] == [True, True, False]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(-(10**9), 10**9), st.sampled_from(["us", "eu", "fr"]))))
def test_mixed_conventions_in_one_column_read_each_value_as_written(
    items: list[tuple[int, str]],
) -> None:
    texts = [_amount_text(c, style, "paren", "€") for c, style in items]
    assert values.amounts(pd.Series(texts, dtype=object)).values.tolist() == [c for c, _ in items]


def test_mixed_symbols_column() -> None:
    got = values.amounts(pd.Series(["€1.234,56", "(1,234.56)", "$2,000.00", "1 234,56 €", "-"]))
    assert got.values.tolist() == [123456, -123456, 200000, 123456, 0]


def test_amount_too_large_for_cents_is_missing_not_wrapped() -> None:
    """Two numbers run together ("-9608181.17<TAB>154014.62" in one cell) overflow int64 cents."""
    got = values.amounts(pd.Series(["-9608181.17\t154014.62", "12.50", 1e20], dtype=object))
    assert got.values.isna().tolist() == [True, False, True]
    assert got.values.iloc[1] == 1250
    assert got.bad.tolist() == [True, False, True]  # reported as unreadable, not silently blank


def test_number_cells_beyond_any_amount_are_flagged() -> None:
    got = values.amounts(pd.Series([1.5, float("inf"), None, 2e300], dtype=object))
    assert got.values.isna().tolist() == [False, True, True, True]
    assert got.bad.tolist() == [False, True, False, True]  # a blank cell is not bad
