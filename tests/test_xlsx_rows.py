"""The positional managed-block edit (rows located once, cut by position) against the
row-by-row edit it replaced, kept for out-of-order sheets: the same bytes, always."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.layout import ManagedBlock
from dunning_core.sheetaddr import column_letter
from dunning_core.workbook.xlsx_blockfind import check_utf8
from dunning_core.workbook.xlsx_managed import BlockStyles, _edit_text, edit_sheet
from dunning_core.workbook.xlsx_rowplan import index_rows, last_columns

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STYLES = BlockStyles(header=9, by_format={"int": 3, "date": 4, "percent": 5}, grey_dxf=2)
HEADERS = ("Days past due", "Bucket", "Priority reason")


def _block(rows: list[int]) -> ManagedBlock:
    n = len(rows)
    return ManagedBlock(
        HEADERS,
        {"Days past due": "int"},
        tuple(rows),
        (
            pd.Series([r * 3 for r in rows], dtype="Int64"),
            pd.Series(["1-30", None, "€ <x>"] * n)[:n].reset_index(drop=True),
            pd.Series([f"€{r}.50 due; stage: 2" for r in rows]),
        ),
    )


def _sheet(rows: dict[int, tuple[set[int], int]]) -> str:
    """Header in row 1 (A..C), then ``rows``: row -> (team columns, form), where form 0
    is plain, 1 has a spans hint, 2 is self-closing when it has no cells."""
    xml = (
        '<row r="1" spans="1:3"><c r="A1" t="inlineStr"><is><t>Customer</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Amount</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>Due</t></is></c></row>'
    )
    for r in sorted(rows):
        cols, form = rows[r]
        cells = "".join(f'<c r="{column_letter(c)}{r}"><v>{c}</v></c>' for c in sorted(cols))
        spans = ' spans="1:3"' if form == 1 else ""
        if not cells and form == 2:
            xml += f'<row r="{r}"{spans}/>'
        else:
            xml += f'<row r="{r}"{spans}>{cells}</row>'
    return (
        f'<?xml version="1.0"?><worksheet xmlns="{NS}"><dimension ref="A1:C4"/>'
        f"<sheetData>{xml}</sheetData>"
        '<pageMargins left="1" right="1" top="1" bottom="1" header="0" footer="0"/></worksheet>'
    )


def _both(xml: str, rows: list[int]) -> tuple[bytes, bytes]:
    args = (1, 3, _block(rows), STYLES, lambda w: {}, [10.0] * 3)
    new = edit_sheet(xml.encode(), *args)  # type: ignore[arg-type]
    old = _edit_text(xml, *args)  # type: ignore[arg-type]
    assert (new.start, new.old_end) == (old.start, old.old_end)
    return new.xml, old.xml


team = st.dictionaries(
    st.integers(min_value=2, max_value=40),
    st.tuples(st.sets(st.sampled_from([1, 2, 3, 5, 30]), max_size=4), st.integers(0, 2)),
    max_size=25,
)
targets = st.lists(st.integers(min_value=0, max_value=42), max_size=30)


@settings(max_examples=150, deadline=None)
@given(team, targets, targets)
def test_positional_edit_equals_row_by_row_edit(
    rows: dict[int, tuple[set[int], int]], first: list[int], second: list[int]
) -> None:
    new, old = _both(_sheet(rows), first)
    assert new == old
    again_new, again_old = _both(new.decode(), second)  # a re-run replaces the block
    assert again_new == again_old


def test_index_and_last_columns_fall_back_for_irregular_rows() -> None:
    body = (
        b'<sheetData><row r="2"><c r="AB2"><v>1</v></c></row>\n'
        b'<row r="3"/><row r="7" spans="1:2"><c s="1" r="C7"/></row></sheetData>'
    )
    idx = index_rows(body, 11, body.rindex(b"</sheetData>"))
    assert idx.nums.tolist() == [2, 3, 7]
    assert body[idx.starts[1] : idx.ends[1]] == b'<row r="3"/>'
    assert last_columns(body, idx).tolist() == [28, 0, 3]


def test_index_of_plain_rows_is_vectorised_and_exact() -> None:
    rows = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in (4, 99, 1048576))
    body = f"<sheetData>{rows}</sheetData>".encode()
    idx = index_rows(body, 11, len(body) - 12)
    assert idx.nums.tolist() == [4, 99, 1048576]
    assert np.all(last_columns(body, idx) == 16384)


_UTF8 = st.binary(max_size=12) | st.text(max_size=6).map(
    lambda t: t.encode("utf-8", "surrogatepass")
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_UTF8, max_size=6))
def test_utf8_check_agrees_with_decoding(pieces: list[bytes]) -> None:
    data = b"<x>" + b"a".join(pieces) + b"</x>"
    try:
        data.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    try:
        check_utf8(data)
        passed = True
    except UnicodeDecodeError:
        passed = False
    assert passed == valid
