"""Styles are appended once and reused; the team's entries never move."""

from __future__ import annotations

from lxml import etree

from dunning_core.workbook.xlsx_styles import Styles

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TEAM = (
    f'<styleSheet xmlns="{NS}" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
    '<numFmts count="1"><numFmt numFmtId="170" formatCode="0.000"/></numFmts>'
    '<fonts count="1"><font><sz val="10"/><name val="Arial"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '<xf numFmtId="170" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs>'
    '<tableStyles count="0"/></styleSheet>'
).encode()


def add_all(styles: Styles) -> list[int]:
    return [
        styles.xf(fmt="money"),
        styles.xf(fmt="date"),
        styles.xf(fmt="percent"),
        styles.xf(bold=True, color="FFFFFFFF", fill="FF1F4E78", wrap=True),
        styles.xf(italic=True, size=13),
        styles.grey_dxf(),
    ]


def test_nothing_added_keeps_original_bytes() -> None:
    assert Styles(TEAM).to_bytes() == TEAM


def test_appends_after_team_entries_and_reuses_on_second_pass() -> None:
    first = Styles(TEAM)
    ids = add_all(first)
    assert min(ids[:5]) >= 2  # the team's two xfs keep their indices
    data = first.to_bytes()
    second = Styles(data)
    assert add_all(second) == ids
    assert second.to_bytes() == data  # stable: nothing appended twice
    root = etree.fromstring(data)
    fmts = root.find(f"{{{NS}}}numFmts")
    assert [f.get("numFmtId") for f in fmts] == ["170", "171"]  # yyyy-mm-dd after the team's
    assert root.find(f"{{{NS}}}dxfs") is not None
    order = [etree.QName(c).localname for c in root]
    assert order.index("cellXfs") < order.index("dxfs") < order.index("tableStyles")
    assert b"ns0:" not in data and b"x14ac" in data
    font = root.find(f"{{{NS}}}fonts")[-1]
    assert font.find(f"{{{NS}}}name").get("val") == "Arial"  # the book's own font face


def test_builtin_formats_are_not_redefined() -> None:
    styles = Styles(TEAM)
    assert styles.num_fmt("#,##0.00") == 4 and styles.num_fmt("0%") == 9
    assert styles.num_fmt("0.000") == 170
