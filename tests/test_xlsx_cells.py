"""Cell XML: escaping, illegal characters, injection-safe text, numbers and dates."""

from __future__ import annotations

import re
from datetime import date, datetime

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from dunning_core.sheetaddr import column_index, column_letter
from dunning_core.workbook.xlsx_cells import (
    date_serial,
    number_texts,
    split_ref,
    text_cell,
    value_cell,
)
from dunning_core.workbook.xlsx_coded import (
    _latin_text_cells,
    _text_cells,
    cell_tails,
    value_tails,
)

ILLEGAL = re.compile("[\x00-\x1f\ud800-\udfff\ufffe\uffff]")
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def parse(cell: str) -> etree._Element:
    return etree.fromstring(f'<x xmlns="{NS}">{cell}</x>')[0]


@given(st.text())
def test_any_text_is_well_formed_inline_string(text: str) -> None:
    cell = text_cell("A1", text)
    if not cell:
        assert text == ""
        return
    el = parse(cell)
    assert el.get("t") == "inlineStr"
    assert el.find(f"{{{NS}}}f") is None  # never a formula
    written = el.find(f"{{{NS}}}is/{{{NS}}}t").text or ""
    legal = "".join(
        ch
        for ch in text
        if ch in "\t\n\r"
        or ("\x20" <= ch <= "\ud7ff")
        or ("\ue000" <= ch <= "\ufffd")
        or ch > "\uffff"
    )
    assert written == legal


def test_injection_prefixes_stay_text() -> None:
    for text in ("=SUM(A1)", "+1", "-2", "@x", "\tx", "\r=1"):
        el = parse(value_cell("B2", text))
        assert el.get("t") == "inlineStr"


def test_values_by_type() -> None:
    assert value_cell("A1", None) == ""
    assert value_cell("A1", float("nan")) == ""
    assert parse(value_cell("A1", True)).get("t") == "b"
    assert parse(value_cell("A1", 3, 5)).get("s") == "5"
    assert value_cell("A1", date(2026, 11, 22)) == '<c r="A1"><v>46348</v></c>'
    assert value_cell("A1", pd.Timestamp("2026-11-22")) == '<c r="A1"><v>46348</v></c>'
    assert value_cell("A1", np.int64(7)) == '<c r="A1"><v>7</v></c>'
    assert date_serial(datetime(2026, 11, 22, 6)) == 46348.25


def test_addresses_round_trip() -> None:
    for n in (1, 26, 27, 702, 703, 16384):
        assert column_index(column_letter(n)) == n
    assert split_ref("C10") == (3, 10)


def test_number_texts_and_tails() -> None:
    assert number_texts(np.array([0.1 + 0.2, 5.0])) == ["0.30000000000000004", "5"]
    tails = cell_tails(pd.Series(pd.to_datetime(pd.Series(["2026-11-22", None]))), "date")
    assert tails == ["><v>46348</v></c>", "/>"]
    assert cell_tails(pd.Series(["", "=x"]), "text")[0] == "/>"
    assert "=x" in cell_tails(pd.Series(["", "=x"]), "text")[1]


def test_text_is_cut_at_excels_cell_limit() -> None:
    el = parse(text_cell("A1", "&" * 40000))
    assert el.find(f"{{{NS}}}is/{{{NS}}}t").text == "&" * 32767


def test_columns_of_distinct_values_give_the_same_cells_unfactorised() -> None:
    """Above 8,192 rows a column whose values nearly all differ is not factorised:
    its cells must be those of the value-by-value writer all the same."""
    n = 10_000
    nums = pd.Series([i / 100 if i % 7 else float("nan") for i in range(n)], dtype="float64")
    nums[3] = -0.0
    texts = pd.Series([f"INV-{i}<&>" if i % 5 else None for i in range(n)], dtype="str")
    texts[1] = "=\x01x"
    for values in (nums, texts):
        expected = []
        for v in values:
            cell = value_cell("A1", v)
            expected.append(cell[len('<c r="A1"') :] if cell else "")
        assert value_tails(values) == expected
    assert cell_tails(texts, "text")[:3] == [
        "/>",
        ' t="inlineStr"><is><t xml:space="preserve">=x</t></is></c>',
        ' t="inlineStr"><is><t xml:space="preserve">INV-2&lt;&amp;&gt;</t></is></c>',
    ]
    assert cell_tails(nums, "number")[:4] == [
        "/>",
        "><v>0.01</v></c>",
        "><v>0.02</v></c>",
        "><v>0</v></c>",
    ]


@given(
    st.lists(
        st.text(
            st.sampled_from(
                ["a", "€", "é", "&", "<", "\r", "\n", "\x00", "\x01", "\ufffe", "\ud800"]
            )
        )
        | st.sampled_from(["x" * 40000, "", "plain"]),
        max_size=12,
    )
)
def test_latin_text_cells_are_the_utf8_bytes_of_the_text_cells(texts: list[str]) -> None:
    uniques = pd.Index(texts, dtype=object)
    expected = [t.encode().decode("latin-1") for t in _text_cells(uniques)]
    assert _latin_text_cells(uniques) == expected
