"""The fast paths of promises.py give what the plain pandas expressions they replace give."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dunning_core.columns import F
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
