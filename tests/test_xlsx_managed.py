"""Streaming edit of the aging sheet XML: place, replace and strip the managed block."""

from __future__ import annotations

import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from dunning_core.layout import ManagedBlock
from dunning_core.sheetaddr import column_index, column_letter
from dunning_core.workbook.xlsx_blockfind import find_block, header_cells
from dunning_core.workbook.xlsx_managed import BlockStyles, edit_sheet

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STYLES = BlockStyles(header=9, by_format={"int": 3, "date": 4, "percent": 5}, grey_dxf=2)
HEADERS = ("Days past due", "Bucket", "Priority", "Excluded")


def block(rows: list[int], bucket: list[str] | None = None) -> ManagedBlock:
    n = len(rows)
    return ManagedBlock(
        HEADERS,
        {"Days past due": "int", "Priority": "int"},
        tuple(rows),
        (
            pd.Series(range(n)),
            pd.Series(bucket or ["1-30"] * n),
            pd.Series([50] * n),
            pd.Series(["Yes"] + [""] * (n - 1)),
        ),
    )


def sheet(rows: str, extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?><worksheet xmlns="{NS}"><dimension ref="A1:C4"/>'
        '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        '<cols><col min="1" max="16384" width="9" style="1"/></cols>'
        f"<sheetData>{rows}</sheetData>{extra}"
        '<pageMargins left="1" right="1" top="1" bottom="1" header="0" footer="0"/></worksheet>'
    ).encode()


BASE = (
    '<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Amount</t>'
    '</is></c><c r="C1" t="s"><v>1</v></c></row>'
    '<row r="2" spans="1:3"><c r="A2"><v>1</v></c><c r="B2"><f>A2*2</f><v>2</v></c></row>'
    '<row r="3"><c r="A3"><v>2</v></c><c r="Z3" t="inlineStr"><is><t>team</t></is></c></row>'
    '<row r="5"><c r="A5" t="inlineStr"><is><t>Total</t></is></c></row>'
)
SST = {0: "Customer", 1: "Owner"}


def sst(wanted: set[int]) -> dict[int, str]:
    return {i: SST[i] for i in wanted if i in SST}


def edit(xml: bytes, rows: list[int], **kw: object) -> tuple[str, int, int]:
    e = edit_sheet(xml.decode(), 1, 3, kw.get("blk") or block(rows), STYLES, sst, [10.0] * 4)  # type: ignore[arg-type]
    text = e.xml.decode()
    etree.fromstring(e.xml)  # well-formed
    return text, e.start, e.old_end


def cells(text: str, row: int) -> list[str]:
    m = re.search(rf'<row r="{row}"[^>]*>(.*?)</row>', text)
    return re.findall(r'<c r="([A-Z]+)\d+"', m.group(1)) if m else []


def test_first_run_appends_block_after_team_columns() -> None:
    text, start, old_end = edit(sheet(BASE), [2, 3, 4])
    assert (start, old_end) == (4, 0)
    assert cells(text, 1) == ["A", "B", "C", "D", "E", "F", "G"]
    assert cells(text, 2) == ["A", "B", "D", "E", "F", "G"]
    assert cells(text, 3) == ["A", "D", "E", "F", "G", "Z"]  # team cell right of block kept
    assert cells(text, 4) == ["D", "E", "F", "G"]  # a data row without cells is created
    assert '<c r="B2"><f>A2*2</f><v>2</v></c>' in text  # team formula untouched
    assert 'spans="1:7"' in text
    assert '<dimension ref="A1:G4"/>' in text
    assert '<col min="1" max="3" width="9" style="1"/>' in text
    assert '<col min="8" max="16384" width="9" style="1"/>' in text
    assert text.count("<conditionalFormatting") == 2
    assert text.index("<conditionalFormatting") < text.index("<pageMargins")


def test_rerun_replaces_block_in_place_and_strips_rows_no_longer_data() -> None:
    first, _, _ = edit(sheet(BASE), [2, 3, 4])
    second, start, old_end = edit(first.encode(), [3], blk=block([3], ["31-60"]))
    assert (start, old_end) == (4, 7)
    assert cells(second, 2) == ["A", "B"]
    assert cells(second, 4) == []
    assert cells(second, 3) == ["A", "D", "E", "F", "G", "Z"]
    assert "31-60" in second and "1-30" not in second
    assert second.count("<conditionalFormatting") == 2
    assert second.count('<col min="4" max="4"') == 1
    third, _, _ = edit(second.encode(), [3], blk=block([3], ["31-60"]))
    assert third == second  # stable


def test_header_recognised_through_shared_strings_and_team_owner_column_ignored() -> None:
    row = (
        '<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>2</v></c>'
        '<c r="C1" t="inlineStr"><is><t>Bucket</t></is></c><c r="D1" t="str"><v>x</v></c></row>'
    )
    heads = header_cells(row, lambda w: {1: "Owner", 2: "Days past due"})
    assert heads == {1: "Owner", 2: "Days past due", 3: "Bucket", 4: "x"}
    assert find_block(heads, HEADERS) == (2, 3)
    assert find_block({1: "Bucket", 2: "Owner"}, HEADERS) == (0, 0)


def test_self_closing_sheet_data_and_rows() -> None:
    xml = sheet("").replace(b"<sheetData></sheetData>", b"<sheetData/>")
    text, start, _ = edit(xml, [2])
    assert start == 4 and cells(text, 2) == ["D", "E", "F", "G"]
    text2, _, _ = edit(sheet('<row r="1"/><row r="2"/>'), [2])
    assert cells(text2, 2) == ["D", "E", "F", "G"]


team_rows = st.dictionaries(
    st.integers(min_value=2, max_value=30),
    st.sets(st.sampled_from([1, 2, 3, 20]), min_size=0, max_size=4),
    max_size=20,
)
row_sets = st.sets(st.integers(min_value=2, max_value=32), max_size=25)


def team_sheet(rows: dict[int, set[int]]) -> bytes:
    xml = BASE.split('<row r="2"')[0]
    for r in sorted(rows):
        cells = "".join(
            f'<c r="{column_letter(c)}{r}"><v>{c * 100 + r}</v></c>' for c in sorted(rows[r])
        )
        xml += f'<row r="{r}">{cells}</row>' if cells else f'<row r="{r}"/>'
    return sheet(xml)


@settings(max_examples=40, deadline=None)
@given(team_rows, row_sets, row_sets)
def test_block_invariants_over_runs(team: dict[int, set[int]], a: set[int], b: set[int]) -> None:
    first, _, _ = edit(team_sheet(team), sorted(a))
    text, start, _ = edit(first.encode(), sorted(b))
    for m in re.finditer(r'<row r="(\d+)"[^>]*?(?:/>|>(.*?)</row>)', text):
        r, body = int(m.group(1)), m.group(2) or ""
        cols = [column_index(c) for c in re.findall(r'<c r="([A-Z]+)(?:\d+)"', body)]
        assert cols == sorted(set(cols))  # ascending, no duplicates
        assert re.findall(r'<c r="[A-Z]+(\d+)"', body) == [str(r)] * len(cols)
        if r > 1:
            assert (start in cols) == (r in b)
            assert set(cols) - set(range(start, start + 4)) == team.get(r, set())
    for r, tcols in team.items():
        for c in tcols:
            assert f'<c r="{column_letter(c)}{r}"><v>{c * 100 + r}</v></c>' in text


def test_first_run_never_overwrites_a_stray_team_cell() -> None:
    rows = BASE.replace('<c r="Z3"', '<c r="E3" t="inlineStr"><is><t>stray</t></is></c><c r="Z3"')
    text, start, _ = edit(sheet(rows), [2, 3])
    assert start == 27  # right of Z, the rightmost team cell
    assert "stray" in text


def test_prefixed_spreadsheetml_is_edited_as_plain_tags() -> None:
    plain = sheet(BASE).decode()
    prefixed = re.sub(r"<(/?)(?!\?)", r"<\1x:", plain).replace(
        f'<x:worksheet xmlns="{NS}"', f'<x:worksheet xmlns:x="{NS}"'
    )
    assert "<x:row" in prefixed
    text, start, _ = edit(prefixed.encode(), [2, 3])
    root = etree.fromstring(text.encode())
    assert root.tag == f"{{{NS}}}worksheet"
    row2 = root.find(f"{{{NS}}}sheetData/{{{NS}}}row[@r='2']")
    assert [c.get("r") for c in row2] == ["A2", "B2", "D2", "E2", "F2", "G2"]
    assert start == 4


def test_rules_go_after_a_team_data_bar_with_its_own_extlst() -> None:
    databar = (
        '<conditionalFormatting sqref="B2:B5"><cfRule type="dataBar" priority="1"><dataBar>'
        '<cfvo type="min"/><cfvo type="max"/><color rgb="FF638EC6"/></dataBar><extLst>'
        '<ext uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}"><x14:id xmlns:x14="urn:x14">'
        "{1}</x14:id></ext></extLst></cfRule></conditionalFormatting>"
    )
    xml = sheet(BASE, databar)
    once, _, _ = edit(xml, [2, 3])
    twice, _, _ = edit(once.encode(), [2, 3])
    assert twice == once
    assert databar in twice and twice.count("<conditionalFormatting") == 3
    assert twice.index(databar) < twice.index('priority="2"')
