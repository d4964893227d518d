"""Table parts (new and extended) and the hand-written chart parts."""

from __future__ import annotations

from lxml import etree

from dunning_core.workbook.xlsx_chart import ChartSpec, chart_xml, drawing_xml
from dunning_core.workbook.xlsx_tables import extend_table, header_texts, table_xml

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TEAM_TABLE = (
    f'<table xmlns="{NS}" id="3" name="tblAging" displayName="tblAging" ref="B3:D10"'
    ' totalsRowCount="1"><autoFilter ref="B3:D9"/><tableColumns count="3">'
    '<tableColumn id="1" name="Customer"/><tableColumn id="2" name="Amount"/>'
    '<tableColumn id="5" name="Note" totalsRowFunction="count"/></tableColumns>'
    '<tableStyleInfo name="TableStyleLight9" showRowStripes="1"/></table>'
).encode()


def columns(xml: bytes) -> list[tuple[str, str]]:
    root = etree.fromstring(xml)
    return [(c.get("id"), c.get("name")) for c in root.iter(f"{{{NS}}}tableColumn")]


def test_extend_team_table_then_replace_on_rerun() -> None:
    once = extend_table(TEAM_TABLE, 3, 5, ("Bucket", "Stage"), 0)
    assert once is not None
    root = etree.fromstring(once)
    assert root.get("ref") == "B3:F10"
    assert root.find(f"{{{NS}}}autoFilter").get("ref") == "B3:F9"  # totals row stays out
    assert columns(once) == [
        ("1", "Customer"),
        ("2", "Amount"),
        ("5", "Note"),
        ("6", "Bucket"),
        ("7", "Stage"),
    ]
    assert b'totalsRowFunction="count"' in once and b"TableStyleLight9" in once
    twice = extend_table(once, 3, 5, ("Bucket", "Stage"), 6)
    assert twice == once


def test_table_left_alone_when_not_adjacent_or_names_clash() -> None:
    assert extend_table(TEAM_TABLE, 3, 7, ("Bucket",), 0) is None  # a gap before the block
    assert extend_table(TEAM_TABLE, 4, 5, ("Bucket",), 0) is None  # another header row
    assert extend_table(TEAM_TABLE, 3, 5, ("note",), 0) is None  # Excel names are case-blind


def test_new_table_is_valid_xml_with_unique_headers() -> None:
    heads = header_texts(["A", "a", 'Q"uote', None])
    xml = table_xml(7, "tblX", "A1:D2", heads)
    assert columns(xml) == [("1", "A"), ("2", "a2"), ("3", 'Q"uote'), ("4", "Column4")]


def test_chart_parts_parse_and_quote_sheet_names() -> None:
    spec = ChartSpec(
        title="Weekly <cash>",
        sheet="Bob's Cash",
        header_row=4,
        name_col=1,
        cat_cols=(2, 3, 5),
        categories=("W1", "W2", "Later"),
        names=("USD", "EUR"),
        values=((1.5, 2.0, float("nan")), (0.0, 3.0, 4.0)),
        anchor=(6, 2, 16, 20),
    )
    root = etree.fromstring(chart_xml(spec))
    refs = [f.text for f in root.iter("{http://schemas.openxmlformats.org/drawingml/2006/chart}f")]
    assert refs[0] == "'Bob''s Cash'!$A$5"
    assert refs[1] == "('Bob''s Cash'!$B$4,'Bob''s Cash'!$C$4,'Bob''s Cash'!$E$4)"
    assert len(root.findall(".//{*}ser")) == 2
    drawing = etree.fromstring(drawing_xml([("rId1", spec.anchor, "Chart 1")]))
    assert drawing.find(".//{*}from/{*}col").text == "6"
