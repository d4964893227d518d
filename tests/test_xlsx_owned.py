"""Owned sheet XML, pinned byte for byte: the column-wise writer must not change it.

The expected rows below were produced by the cell-by-cell writer (``value_cell`` per
value) before it was made column-wise, so any difference is a regression.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.layout import SheetSpec
from dunning_core.records import Block
from dunning_core.workbook.writer import EMPTY_STYLES
from dunning_core.workbook.xlsx_cells import escape_text, escape_texts, value_cell
from dunning_core.workbook.xlsx_coded import value_tails
from dunning_core.workbook.xlsx_owned import build_sheet
from dunning_core.workbook.xlsx_styles import Styles

STYLES = EMPTY_STYLES  # the writer's own minimal stylesheet


def _frame() -> pd.DataFrame:
    nan = float("nan")
    return pd.DataFrame(
        {
            "Date": pd.to_datetime(
                ["2026-11-23", None, "1900-03-01 12:00", "2026-01-02", "2026-11-30"],
                format="ISO8601",
            ).astype("datetime64[ns]"),
            "Amount": [12.5, nan, -0.0, 1e20, 1234.57],
            "Text": pd.Series(["=SUM(A1)", "+1", "-2 <b> & c\r", "@x", None], dtype="str"),
            "Empty": pd.Series(["", "\x01", "ok", None, "x"], dtype="str"),
            "Mixed": pd.Series(
                [None, True, np.int64(7), date(2026, 1, 2), Decimal("1.50")], dtype=object
            ),
            "Mixed 2": pd.Series(
                [2.25, nan, pd.Timestamp("2026-05-01 06:00"), pd.NA, pd.NaT], dtype=object
            ),
            "Flag": [True, False, True, False, True],
            "Body": pd.Series(
                ["Dear customer,\n" + "word " * 30, "short", None, "a\nb\nc", ""], dtype="str"
            ),
            "Count": pd.array([1, None, 3, 10**12, -4], dtype="Int64"),
            "N": np.array([0, -1, 2**53 + 1, 5, 6], dtype=np.int64),
            "Ratio": pd.array([0.5, None, 1.0, 0.125, 2.0], dtype="Float64"),
        }
    )


def _spec() -> SheetSpec:
    formats = {"Date": "date", "Amount": "money", "Body": "wrap", "Count": "int"}
    second = pd.DataFrame({"Key": ["a", "b"], "Value": [1.5, 2.0]})
    return SheetSpec(
        name="Owned",
        blocks=(
            Block(title="Mixed values", frame=_frame(), formats=formats, note="A <note>."),
            Block(title="Second", frame=second, chart=("Value",)),
        ),
        validations={"Text": ("Draft", "Sent")},
        narrow_columns=("N",),
    )


def _build() -> bytes:
    ids = iter(range(1, 100))
    return build_sheet(_spec(), Styles(STYLES), lambda n: (next(ids), n), selected=True).xml


def _rows(xml: bytes) -> list[str]:
    text = xml.decode()
    body = text[text.index("<sheetData>") + 11 : text.index("</sheetData>")]
    return [r + "</row>" for r in body.split("</row>") if r]


#: Written by the cell-by-cell writer before the column-wise one replaced it.
EXPECTED = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http:/'
    '/schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.ope'
    'nxmlformats.org/officeDocument/2006/relationships"><dimension ref="A1:K14"/><she'
    'etViews><sheetView workbookViewId="0" tabSelected="1"></sheetView></sheetViews><'
    'sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="11" custo'
    'mWidth="1"/><col min="2" max="2" width="9" customWidth="1"/><col min="3" max="3"'
    ' width="13" customWidth="1"/><col min="4" max="4" width="8" customWidth="1"/><co'
    'l min="5" max="5" width="12" customWidth="1"/><col min="6" max="6" width="21" cu'
    'stomWidth="1"/><col min="7" max="7" width="8" customWidth="1"/><col min="8" max='
    '"8" width="60" customWidth="1"/><col min="9" max="9" width="15" customWidth="1"/'
    '><col min="10" max="10" width="18" customWidth="1" hidden="1"/><col min="11" max'
    '="11" width="8" customWidth="1"/></cols><sheetData>'
    '<row r="1"><c r="A1" s="1" t="inlineStr"><is><t xml:space="preserve">Mixed value'
    "s</t></is></c>"
    "</row>"
    '<row r="2"><c r="A2" s="2" t="inlineStr"><is><t xml:space="preserve">A &lt;note&'
    "gt;.</t></is></c>"
    "</row>"
    '<row r="3"><c r="A3" s="3" t="inlineStr"><is><t xml:space="preserve">Date</t></i'
    "s></c>"
    '<c r="B3" s="3" t="inlineStr"><is><t xml:space="preserve">Amount</t></is></c>'
    '<c r="C3" s="3" t="inlineStr"><is><t xml:space="preserve">Text</t></is></c>'
    '<c r="D3" s="3" t="inlineStr"><is><t xml:space="preserve">Empty</t></is></c>'
    '<c r="E3" s="3" t="inlineStr"><is><t xml:space="preserve">Mixed</t></is></c>'
    '<c r="F3" s="3" t="inlineStr"><is><t xml:space="preserve">Mixed 2</t></is></c>'
    '<c r="G3" s="3" t="inlineStr"><is><t xml:space="preserve">Flag</t></is></c>'
    '<c r="H3" s="3" t="inlineStr"><is><t xml:space="preserve">Body</t></is></c>'
    '<c r="I3" s="3" t="inlineStr"><is><t xml:space="preserve">Count</t></is></c>'
    '<c r="J3" s="3" t="inlineStr"><is><t xml:space="preserve">N</t></is></c>'
    '<c r="K3" s="3" t="inlineStr"><is><t xml:space="preserve">Ratio</t></is></c>'
    "</row>"
    '<row r="4" ht="60" customHeight="1"><c r="A4" s="4"><v>46349</v></c>'
    '<c r="B4" s="5"><v>12.5</v></c>'
    '<c r="C4" t="inlineStr"><is><t xml:space="preserve">=SUM(A1)</t></is></c>'
    '<c r="F4"><v>2.25</v></c>'
    '<c r="G4" s="6" t="b"><v>1</v></c>'
    '<c r="H4" s="7" t="inlineStr"><is><t xml:space="preserve">Dear customer,\nword wo'
    "rd word word word word word word word word word word word word word word word wo"
    "rd word word word word word word word word word word word word </t></is></c>"
    '<c r="I4" s="8"><v>1</v></c>'
    '<c r="J4" s="6"><v>0</v></c>'
    '<c r="K4" s="6"><v>0.5</v></c>'
    "</row>"
    '<row r="5"><c r="C5" t="inlineStr"><is><t xml:space="preserve">+1</t></is></c>'
    '<c r="D5" t="inlineStr"><is><t xml:space="preserve"></t></is></c>'
    '<c r="E5" t="b"><v>1</v></c>'
    '<c r="G5" s="6" t="b"><v>0</v></c>'
    '<c r="H5" s="7" t="inlineStr"><is><t xml:space="preserve">short</t></is></c>'
    '<c r="J5" s="6"><v>-1</v></c>'
    "</row>"
    '<row r="6"><c r="A6" s="4"><v>61.5</v></c>'
    '<c r="B6" s="5"><v>0</v></c>'
    '<c r="C6" t="inlineStr"><is><t xml:space="preserve">-2 &lt;b&gt; &amp; c&#13;</t'
    "></is></c>"
    '<c r="D6" t="inlineStr"><is><t xml:space="preserve">ok</t></is></c>'
    '<c r="E6"><v>7</v></c>'
    '<c r="F6"><v>46143.25</v></c>'
    '<c r="G6" s="6" t="b"><v>1</v></c>'
    '<c r="I6" s="8"><v>3</v></c>'
    '<c r="J6" s="6"><v>9007199254740993</v></c>'
    '<c r="K6" s="6"><v>1</v></c>'
    "</row>"
    '<row r="7" ht="45" customHeight="1"><c r="A7" s="4"><v>46024</v></c>'
    '<c r="B7" s="5"><v>1e+20</v></c>'
    '<c r="C7" t="inlineStr"><is><t xml:space="preserve">@x</t></is></c>'
    '<c r="E7"><v>46024</v></c>'
    '<c r="G7" s="6" t="b"><v>0</v></c>'
    '<c r="H7" s="7" t="inlineStr"><is><t xml:space="preserve">a\nb\nc</t></is></c>'
    '<c r="I7" s="8"><v>1000000000000</v></c>'
    '<c r="J7" s="6"><v>5</v></c>'
    '<c r="K7" s="6"><v>0.125</v></c>'
    "</row>"
    '<row r="8"><c r="A8" s="4"><v>46356</v></c>'
    '<c r="B8" s="5"><v>1234.57</v></c>'
    '<c r="D8" t="inlineStr"><is><t xml:space="preserve">x</t></is></c>'
    '<c r="E8" t="inlineStr"><is><t xml:space="preserve">1.50</t></is></c>'
    '<c r="G8" s="6" t="b"><v>1</v></c>'
    '<c r="I8" s="8"><v>-4</v></c>'
    '<c r="J8" s="6"><v>6</v></c>'
    '<c r="K8" s="6"><v>2</v></c>'
    "</row>"
    '<row r="11"><c r="A11" s="1" t="inlineStr"><is><t xml:space="preserve">Second</t'
    "></is></c>"
    "</row>"
    '<row r="12"><c r="A12" s="3" t="inlineStr"><is><t xml:space="preserve">Key</t></'
    "is></c>"
    '<c r="B12" s="3" t="inlineStr"><is><t xml:space="preserve">Value</t></is></c>'
    "</row>"
    '<row r="13"><c r="A13" t="inlineStr"><is><t xml:space="preserve">a</t></is></c>'
    '<c r="B13" s="6"><v>1.5</v></c>'
    "</row>"
    '<row r="14"><c r="A14" t="inlineStr"><is><t xml:space="preserve">b</t></is></c>'
    '<c r="B14" s="6"><v>2</v></c>'
    "</row>"
    '</sheetData><dataValidations count="1"><dataValidation type="list" allowBlank="1'
    '" showErrorMessage="1" sqref="C4:C508"><formula1>"Draft,Sent"</formula1></dataVa'
    'lidation></dataValidations><pageMargins left="0.7" right="0.7" top="0.75" bottom'
    '="0.75" header="0.3" footer="0.3"/><drawing r:id="rId3"/><tableParts count="2"><'
    'tablePart r:id="rId1"/><tablePart r:id="rId2"/></tableParts></worksheet>'
)


def test_owned_sheet_xml_is_pinned() -> None:
    assert _build().decode() == EXPECTED


def test_pinned_cells_cover_the_risky_values() -> None:
    rows = _rows(_build())
    data = rows[3]
    assert '<c r="C4" t="inlineStr"><is><t xml:space="preserve">=SUM(A1)</t></is></c>' in data
    assert '<c r="A4" s="4"><v>46349</v></c>' in data  # 2026-11-23 as a date serial
    assert '<c r="B4" s="5"><v>12.5</v></c>' in data  # money keeps its cents
    assert 'r="D4"' not in data and 'r="E4"' not in data  # "" and None give no cell
    assert '<c r="G4" s="6" t="b"><v>1</v></c>' in data
    assert data.startswith('<row r="4" ht="60" customHeight="1">')  # wrapped body
    assert '<c r="D5" t="inlineStr"><is><t xml:space="preserve"></t></is></c>' in rows[4]
    assert '<c r="J6" s="6"><v>9007199254740993</v></c>' in rows[5]  # int64 kept exact


_TEXT = st.text(
    st.sampled_from(["a", "=", "+", "-", "@", "&", "<", ">", "\r", "\n", "\x01", "é", "\ud800"])
)
_FLOAT = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([-0.0, 0.1, 1e15, 1e20])
_STAMP = st.datetimes(min_value=pd.Timestamp("1900-01-01"), max_value=pd.Timestamp("2100-01-01"))
_COLUMNS = (
    st.lists(st.none() | _TEXT).map(lambda v: pd.Series(v, dtype="str"))
    | st.lists(_FLOAT).map(lambda v: pd.Series(v, dtype="float64"))
    | st.lists(st.integers(-(2**63), 2**63 - 1)).map(lambda v: pd.Series(v, dtype="int64"))
    | st.lists(st.booleans()).map(lambda v: pd.Series(v, dtype="bool"))
    | st.lists(st.none() | st.integers(-(10**9), 10**9)).map(lambda v: pd.Series(v, dtype="Int64"))
    | st.lists(st.none() | _STAMP).map(lambda v: pd.Series(v, dtype="datetime64[ns]"))
    | st.lists(st.none() | st.booleans() | st.integers() | _FLOAT | _TEXT | _STAMP).map(
        lambda v: pd.Series(v, dtype=object)
    )
)


@settings(max_examples=150, deadline=None)
@given(_COLUMNS)
def test_value_tails_match_value_cell_per_value(values: pd.Series) -> None:
    expected = []
    for v in values:  # what the cell-by-cell writer saw: the Series' own iteration
        cell = value_cell("A1", v)
        expected.append(cell[len('<c r="A1"') :] if cell else "")
    assert value_tails(values) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(_TEXT))
def test_escape_texts_match_escape_text(texts: list[str]) -> None:
    assert escape_texts(texts) == [escape_text(t) for t in texts]


def test_escape_texts_cuts_long_text() -> None:
    assert escape_texts(["x" * 40000, "ok"]) == ["x" * 32767, "ok"]


def test_size_estimate_bounds_long_text() -> None:
    """The estimate decides zip64 before the part is streamed: it must not be below the
    real size when cells hold long text (the review found 38 MB estimated for 2.3 GB)."""
    notes = pd.DataFrame({"Key": [f"K{i}" for i in range(40)], "Notes": ["a&<é" * 8000] * 40})
    spec = SheetSpec(name="Long", blocks=(Block(title="Long notes", frame=notes),))
    ids = iter(range(1, 10))
    sheet = build_sheet(spec, Styles(STYLES), lambda n: (next(ids), n), selected=False)
    assert sheet.size >= len(sheet.xml)
