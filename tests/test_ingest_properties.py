"""Property: whatever titles, blanks, totals and amount styles surround the invoices,
ingest reads exactly the invoices and its total equals theirs, to the cent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.columns import F
from dunning_core.ingest import ingest
from dunning_core.ingest.grid import Grid
from dunning_core.policy import DEFAULT_POLICY
from dunning_core.records import BookSnapshot, RawSheet


def _fmt(cents: int, style: str) -> Any:
    if style == "number":
        return cents / 100
    whole, frac = divmod(abs(cents), 100)
    body = (
        f"{whole:,}.{frac:02d}"
        if style == "us"
        else f"{whole:,}".replace(",", ".") + f",{frac:02d}"
    )
    return body if cents >= 0 else f"({body})"


@settings(max_examples=25, deadline=None)
@given(
    cents=st.lists(st.integers(-(10**7), 10**9).filter(bool), min_size=1, max_size=25),
    titles=st.integers(0, 6),
    blanks=st.sets(st.integers(0, 24), max_size=4),
    style=st.sampled_from(["number", "us", "eu"]),
    offset=st.tuples(st.integers(1, 5), st.integers(1, 4)),
    as_grid=st.booleans(),
)
def test_totals_reconcile_whatever_surrounds_the_table(
    cents: list[int],
    titles: int,
    blanks: set[int],
    style: str,
    offset: tuple[int, int],
    as_grid: bool,
) -> None:
    rows: list[list[Any]] = [[f"Title line {i}"] for i in range(titles)]
    rows.append(["Customer", "Invoice No", "Due Date", "Open Balance"])
    for i, c in enumerate(cents):
        if i in blanks:
            rows.append([None, None, None, None])
        rows.append([f"Cust {i % 4}", f"{i:05d}", dt.date(2025, 1, 1 + i % 28), _fmt(c, style)])
    rows.append(["TOTAL", None, None, _fmt(sum(cents), style)])
    width = 4
    rows = [r + [None] * (width - len(r)) for r in rows]
    sheet = RawSheet("S", Grid.from_rows(rows) if as_grid else rows, offset[0], offset[1])
    ing, problems = ingest(
        BookSnapshot("p.xlsx", ("S",), (sheet,)), DEFAULT_POLICY, dt.date(2025, 1, 31)
    )
    rep = ing.report
    assert rep.rows_read == len(cents)
    assert rep.open_total_cents == {"USD": sum(cents)}
    assert rep.file_total_cents == {"USD": sum(cents)}
    assert ing.invoices[F.OPEN_CENTS].tolist() == cents
    assert ing.invoices[F.INVOICE_NO].tolist() == [f"{i:05d}" for i in range(len(cents))]
    assert rep.header_row == offset[0] + titles
    assert rep.last_column == offset[1] + 3
    assert not [p for p in problems if p.severity.value == "error"]
