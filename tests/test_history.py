"""Paid history reader: the IBM layout, common headers, bad cells as problems."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.columns import F
from dunning_core.history import HISTORY_COLUMNS, SETTLED_DATE, read_history
from dunning_core.policy import Policy
from dunning_core.records import RawSheet, Severity, UserError

IBM = Path(__file__).resolve().parents[2] / "shared" / "data" / "ibm_late_payment_history.csv"


@pytest.mark.skipif(not IBM.is_file(), reason="shared IBM sample not available")
def test_ibm_layout_reads_every_invoice_exactly() -> None:
    h, problems = read_history(IBM)
    assert problems == ()
    assert len(h) == 2466
    assert tuple(h.columns) == HISTORY_COLUMNS
    first = h.iloc[0]
    assert first[F.CUSTOMER_ID] == "0379-NEVHP"
    assert first[F.INVOICE_NO] == "0000611365"  # leading zeros kept
    assert first[F.INVOICE_DATE] == pd.Timestamp(2013, 1, 2)  # M/D/YYYY, not D/M
    assert first[F.DUE_DATE] == pd.Timestamp(2013, 2, 1)
    assert first[SETTLED_DATE] == pd.Timestamp(2013, 1, 15)
    assert first[F.ORIGINAL_CENTS] == 5594
    assert first[F.SEGMENT] == "391"  # countryCode is the segment
    assert first[F.ROW] == 2
    assert h[F.DISPUTED].sum() == 561
    assert h[F.ORIGINAL_CENTS].dtype == "int64"
    assert h[F.ORIGINAL_CENTS].sum() == 14_770_318
    assert str(h[SETTLED_DATE].dtype) == "datetime64[ns]"


def test_common_headers_titles_serials_and_bad_cells() -> None:
    rows = [
        ["Paid invoices 2025", None, None, None, None, None],
        [],
        ["Customer", "Invoice No.", "Due Date", "Amount", "Paid Date", "Dispute"],
        ["C1", 1001.0, 45658, "1,234.50", dt.datetime(2025, 1, 20), "yes"],
        ["C2", "A-2", "2025-02-01", "(10.00)", "2025-02-03", ""],
        [None, None, None, None, None, None],
        ["C3", "A-3", "2025-02-01", "12", "not a date", "no"],
        ["C4", "A-4", "2025-02-01", "12", "2025-02-03", "maybe"],
        ["Customer", "Invoice No.", "Due Date", "Amount", "Paid Date", "Dispute"],
        ["Total", None, None, "1,258.50", None, None],
    ]
    h, problems = read_history(RawSheet("Paid History", rows, first_row=1, first_col=2))
    assert list(h[F.CUSTOMER_ID]) == ["C1", "C2", "C4"]
    assert list(h[F.INVOICE_NO]) == ["1001", "A-2", "A-4"]
    assert h[F.DUE_DATE].iloc[0] == pd.Timestamp(2025, 1, 1)  # Excel serial 45658
    assert list(h[F.ORIGINAL_CENTS]) == [123450, -1000, 1200]
    assert list(h[F.DISPUTED]) == [True, False, False]
    assert list(h[F.CURRENCY]) == ["USD"] * 3  # policy default
    assert h[F.INVOICE_DATE].isna().all()  # optional field absent
    by_cell = {p.cell: p for p in problems}
    assert set(by_cell) == {"F7", "G8"}  # first_col=2: Paid Date is column F
    assert by_cell["F7"].severity is Severity.ERROR
    assert by_cell["F7"].field == SETTLED_DATE and by_cell["F7"].value == "not a date"
    assert by_cell["G8"].severity is Severity.WARNING  # bad flag: row kept, flag False


def test_missing_required_column_names_the_headers_found() -> None:
    rows = [["Customer", "Due Date", "Amount"], ["C1", "2025-01-01", "1"]]
    with pytest.raises(UserError) as err:
        read_history(RawSheet("History", rows))
    assert str(err.value) == (
        "History: paid history needs columns for settled_date; "
        "headers found in row 1: Customer, Due Date, Amount"
    )


def test_header_override_pins_an_unusual_header() -> None:
    rows = [
        ["Customer", "Due Date", "Amount", "Ausgeglichen am"],
        ["C1", "2025-01-01", "5", "2025-01-09"],
    ]
    policy = Policy(header_overrides={SETTLED_DATE: "Ausgeglichen am"})
    h, problems = read_history(RawSheet("History", rows), policy)
    assert problems == ()
    assert h[SETTLED_DATE].iloc[0] == pd.Timestamp(2025, 1, 9)


def test_csv_with_bom_semicolons_and_day_first_dates(tmp_path: Path) -> None:
    path = tmp_path / "paid.csv"
    path.write_text(
        "\ufeffCustomer;Invoice;Due Date;Amount;Settled Date\n"
        "K1;R1;31.01.2025;10,5;14.02.2025\nK2;R2;28.02.2025;1.234,56;01.03.2025\n",
        encoding="utf-8",
    )
    h, problems = read_history(path)
    assert problems == ()
    assert h[F.DUE_DATE].iloc[0] == pd.Timestamp(2025, 1, 31)
    assert list(h[F.ORIGINAL_CENTS]) == [1050, 123456]  # decimal commas
    assert h[F.CUSTOMER_ID].iloc[0] == "K1"


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"paid history file not found"):
        read_history(tmp_path / "nope.csv")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=20))
def test_formatted_amounts_parse_back_to_the_cent(cents: list[int]) -> None:
    def fmt(c: int) -> str:
        text = f"{abs(c) / 100:,.2f}"
        return f"({text})" if c < 0 else text

    rows = [["Customer", "Due Date", "Amount", "Settled"]]
    rows += [["C", "2025-01-01", fmt(c), "2025-01-02"] for c in cents]
    h, problems = read_history(RawSheet("H", rows))
    assert problems == ()
    assert list(h[F.ORIGINAL_CENTS]) == cents
