"""Columns of distinct values written as head + text + tail pieces: the same bytes as
whole tails (the path every column took before, kept for the factorised columns)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.layout import Block, ManagedBlock, SheetSpec
from dunning_core.workbook import xlsx_coded
from dunning_core.workbook.writer import EMPTY_STYLES
from dunning_core.workbook.xlsx_cells import escape_text, escape_texts, number_texts, value_cell
from dunning_core.workbook.xlsx_coded import Coded, cell_coded, text_bound, value_coded
from dunning_core.workbook.xlsx_join import join_rows, pick
from dunning_core.workbook.xlsx_managed import BlockStyles, edit_sheet
from dunning_core.workbook.xlsx_owned import build_sheet
from dunning_core.workbook.xlsx_rowplan import index_rows
from dunning_core.workbook.xlsx_styles import Styles

N = 9000  # above two 4,096-row heads: a column of distinct values is not factorised
ODD_TEXTS = [
    None,
    "",
    "a&b",
    "<x>",
    "\r",
    "\x01",
    "\x01\x02",
    "é€",
    "\ud800",
    "\ufffe",
    "x" * 40000,
]
ODD_NUMBERS = [np.nan, np.inf, -np.inf, -0.0, 0.1, 1e15, 1e20, -3.0, 2.5]


def _texts(odd: list[object], at: list[int]) -> pd.Series:
    values: list[object] = [f"INV-{i:06d}" for i in range(N)]
    for k, v in zip(at, odd, strict=False):
        values[k % N] = v
    return pd.Series(values, dtype="str")


def _numbers(odd: list[float], at: list[int]) -> pd.Series:
    values = np.arange(N, dtype="float64") * 7.0 + 100.0
    for k, v in zip(at, odd, strict=False):
        values[k % N] = v
    return pd.Series(values)


def _same(a: str | bytes, b: str | bytes) -> bool:
    """Equality without pytest's diff of two texts of megabytes (minutes to print)."""
    return a == b


def _pieces(coded: Coded | None, rows: slice) -> str:
    assert coded is not None and coded.codes is None and coded.split is not None
    return join_rows(rows.stop - rows.start, coded.slots(rows))


def _cells(column: pd.Series, rows: slice) -> str:
    """The tails as ``value_cell`` writes each value (owned sheets)."""
    cells = (value_cell("A1", v) for v in column.iloc[rows])
    return "".join(c[len('<c r="A1"') :] for c in cells)


def _latin(column: pd.Series, kind: str, rows: slice) -> str:
    """The tails of the managed block's cells, made whole and encoded one by one."""
    whole = cell_coded(column.iloc[rows].reset_index(drop=True), kind)
    return "".join(pick(*whole.chunk(slice(None)))).encode().decode("latin-1")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_split_slots_give_the_whole_tails(seed: int) -> None:
    rng = np.random.default_rng(seed)
    at = rng.integers(0, N, size=3 * len(ODD_TEXTS)).tolist()
    words, amounts = _texts(ODD_TEXTS * 3, at), _numbers(ODD_NUMBERS * 3, at)
    for rows in (slice(0, N), slice(100, 8292), slice(8192, N)):
        latin_words = _pieces(cell_coded(words, "text", latin=True), rows)
        assert _same(latin_words, _latin(words, "text", rows))
        latin_amounts = _pieces(cell_coded(amounts, "number", latin=True), rows)
        assert _same(latin_amounts, _latin(amounts, "number", rows))
        assert _same(_pieces(value_coded(words), rows), _cells(words, rows))
        assert _same(_pieces(value_coded(amounts), rows), _cells(amounts, rows))
    clean = _texts([], [])  # no missing value: no mask
    coded = cell_coded(clean, "text", latin=True)
    assert coded.valid is None and _same(
        _pieces(coded, slice(5, N)), _latin(clean, "text", slice(5, N))
    )


def test_a_factorised_column_has_no_split_pieces() -> None:
    coded = value_coded(pd.Series(["a", "b"] * N, dtype="str"))
    assert coded is not None and coded.codes is not None
    assert coded.texts(slice(0, 10)) is None
    (codes, table), *rest = coded.slots(slice(0, 4))
    assert not rest and codes.tolist() == [0, 1, 0, 1] and table == coded.table


@pytest.fixture
def whole_tails(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every column written as whole tails (the path before the split pieces)."""
    monkeypatch.setattr(xlsx_coded.Coded, "texts", lambda self, rows: None)


def _owned_xml() -> bytes:
    frame = pd.DataFrame(
        {
            "invoice": _texts(ODD_TEXTS, list(range(0, 8800, 800))),
            "cents": _numbers(ODD_NUMBERS, list(range(5, 8800, 900))),
            "sparse": _texts([], []).where(np.arange(N) % 97 == 0, None),
            "empty": pd.Series([None] * N, dtype="str"),
        }
    )
    spec = SheetSpec(name="Snap", blocks=(Block(title="Snap", frame=frame),))
    ids = iter(range(1, 10))
    return build_sheet(spec, Styles(EMPTY_STYLES), lambda n: (next(ids), n), False).xml


def _managed_xml() -> bytes:
    reasons = _texts(ODD_TEXTS, list(range(3, 8800, 700)))
    block = ManagedBlock(
        ("Priority reason", "Amount"),
        {"Amount": "int"},
        tuple(range(2, N + 2)),
        (reasons, _numbers(ODD_NUMBERS, list(range(1, 8800, 600)))),
    )
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, N + 2))
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = f'<worksheet xmlns="{ns}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    styles = BlockStyles(header=1, by_format={"int": 2}, grey_dxf=0)
    return edit_sheet(xml, 1, 1, block, styles, lambda w: {}, [10.0, 10.0]).xml


@pytest.fixture(scope="module")
def split_xml() -> tuple[bytes, bytes]:
    return _owned_xml(), _managed_xml()


def test_owned_sheet_same_bytes_as_whole_tails(
    split_xml: tuple[bytes, bytes], whole_tails: None
) -> None:
    assert _same(split_xml[0], _owned_xml())
    assert b"INV-000800" not in split_xml[0] and b"a&amp;b" in split_xml[0]


def test_managed_block_same_bytes_as_whole_tails(
    split_xml: tuple[bytes, bytes], whole_tails: None
) -> None:
    assert _same(split_xml[1], _managed_xml())
    assert "é€".encode() in split_xml[1]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["a", "é", "\n", "&", "\x00", "\ufffe", "\uffff", "\udfff", "€"])))
def test_escape_texts_fast_check(chars: list[str]) -> None:
    texts = ["".join(chars), "plain", "".join(reversed(chars))]
    assert escape_texts(texts) == [escape_text(t) for t in texts]


def test_number_texts_whole_and_mixed() -> None:
    assert number_texts(np.array([3.0, -0.0, 12345678901234.0])) == ["3", "0", "12345678901234"]
    assert number_texts(np.array([3.0, np.inf, 0.5])) == ["3", "", "0.5"]


def test_text_bound_from_codes_counts_every_row() -> None:
    few = pd.Series(["ab", None, "c", "ab"], dtype="str")
    many = _texts(["é€", None], [0, 1])
    for column in (few, many, pd.Series(["x", 1, None], dtype=object)):
        coded = value_coded(column) if column.dtype != object else cell_coded(column, "text")
        assert text_bound([column], [coded]) == text_bound([column])


def test_row_index_finds_row_elements_only() -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="B2"/></row><row r="5"/>'
    body = f"<sheetData>{rows}</sheetData>".encode()
    lo, hi = len(b"<sheetData>"), body.index(b"</sheetData>")
    starts = index_rows(body, lo, hi).starts.tolist()
    assert starts == [m.start() for m in re.finditer(rb"<row\b", body)]
    assert len(starts) == 3
