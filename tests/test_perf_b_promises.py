"""The fast paths of promises.py give what the plain pandas expressions they replace give."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from invoice_frames import invoice_frame, promise_frame

from dunning_core.columns import F, P
from dunning_core.promises import _days, _owners, _text, factorized


def test_text_of_a_string_column_matches_the_pandas_strip() -> None:
    col = pd.Series(
        [" a ", None, "b\u00a0", "\u2003c", "", "d"], dtype="str", index=[5, 3, 1, 0, 2, 4]
    )
    want = col.astype(object).where(col.notna(), "").astype(str).str.strip()
    pd.testing.assert_series_equal(_text(col), want)
    floats = pd.Series([1.0, np.nan, 3.0])
    assert _text(floats).tolist() == ["1", "", "3"]


def test_owner_is_the_first_named_one_of_each_customer() -> None:
    invoices = pd.DataFrame(
        {
            F.CUSTOMER_ID: pd.Series(["A", "B", "A", "C", "B", None, "D"], dtype="str"),
            F.OWNER: pd.Series(["", "Bo", "Al", "", None, "Zed", "Di"], dtype="str"),
        }
    )
    owners = _owners(invoices, {"A", "B", "C"}, factorized(invoices[F.CUSTOMER_ID]))
    # A: first row blank, so the next one; B: its first; C names none; D not asked for
    assert owners.sort_index().to_dict() == {"A": "Al", "B": "Bo"}
    want = invoices[invoices[F.OWNER].astype(str) != ""].groupby(F.CUSTOMER_ID)[F.OWNER].first()
    assert owners.sort_index().to_dict() == want.drop("D").to_dict()


def test_days_format_like_strftime() -> None:
    dates = pd.Series(pd.to_datetime(["1969-12-31 12:00", "2026-11-23 00:00", "1900-01-01 23:59"]))
    assert _days(dates) == [f"{d:%Y-%m-%d}" for d in dates]


@settings(max_examples=40, deadline=None)
@given(
    picks=st.lists(
        st.tuples(
            st.sampled_from(["C2", "C1", "C10"]),
            st.sampled_from(["2026-12-01", "2026-12-08"]),
            st.sampled_from(["USD", "EUR"]),
            st.sampled_from(["B2", "A1", "a1", "C3", "B10"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_capture_groups_like_a_sorted_frame(picks: list[tuple[str, str, str, str]]) -> None:
    from dunning_core.promises import capture

    rows = [
        {F.CUSTOMER_ID: c, F.PROMISE_DATE: d, F.CURRENCY: k, F.INVOICE_NO: i}
        for c, d, k, i in picks
    ]
    invoices = invoice_frame(rows)
    got = capture(invoices, promise_frame(), date(2026, 11, 22))
    # the reference: sort a frame, one promise per (customer, date, currency)
    work = invoices.assign(row=invoices[F.ROW].astype(str)).sort_values(
        [F.CUSTOMER_ID, F.PROMISE_DATE, F.CURRENCY, F.INVOICE_NO], kind="stable"
    )
    groups = work.groupby([F.CUSTOMER_ID, F.PROMISE_DATE, F.CURRENCY], sort=True)
    want_inv = groups[F.INVOICE_NO].agg(lambda s: ", ".join(dict.fromkeys(s))).tolist()
    want_rows = groups["row"].agg(", ".join).tolist()
    assert got[P.INVOICES].tolist() == want_inv
    assert got[P.SOURCE].tolist() == ["aging rows " + r for r in want_rows]
    per_date = groups.size().groupby(level=[0, 1]).transform("size").to_numpy() > 1
    suffix = [i.endswith(("-USD", "-EUR")) for i in got[P.ID]]
    assert suffix == per_date.tolist()
