"""End to end: write a cycle result into rich team books and prove nothing else moved."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from openpyxl.utils import get_column_letter

from dunning_core.columns import MANAGED_HEADERS, OWNED_SHEETS, S
from dunning_core.records import UserError
from dunning_core.workbook.writer import write_book

sys.path.insert(0, str(Path(__file__).parent))
from test_writer_support import EXTRA_PARTS, error_problem, make_book, make_result

ROWS = [4, 5, 6, 7, 8]
#: Parts the writer owns or must touch; everything else must keep its bytes.
TOUCHED = {
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "[Content_Types].xml",
    "xl/styles.xml",
    "xl/worksheets/sheet1.xml",  # the aging sheet (managed block)
    "xl/tables/table1.xml",  # the team's table, widened to the block
}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


LAST_MANAGED = 6 + len(MANAGED_HEADERS)  # the team's table ends at F; the block follows


def cell_facts(path: Path) -> dict[tuple[str, str], tuple[object, str]]:
    wb = openpyxl.load_workbook(path)
    out: dict[tuple[str, str], tuple[object, str]] = {}
    for ws in wb.worksheets:
        if ws.title in OWNED_SHEETS:
            continue
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None and not (
                    ws.title == "Aging" and 7 <= c.column <= LAST_MANAGED
                ):
                    out[(ws.title, c.coordinate)] = (c.value, c.number_format)
    return out


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return make_book(tmp_path / "team.xlsm")


def test_untouched_parts_keep_their_bytes_over_two_runs(book: Path) -> None:
    before = parts(book)
    write_book(book, make_result(ROWS))
    write_book(book, make_result(ROWS[:3]))
    after = parts(book)
    for name, data in before.items():
        if name not in TOUCHED:
            assert after.get(name) == data, name
    for name in EXTRA_PARTS:
        assert after[name] == before[name]
    # the team's style entries are never renumbered or changed
    old = etree.fromstring(before["xl/styles.xml"])
    new = etree.fromstring(after["xl/styles.xml"])
    for coll in ("numFmts", "fonts", "fills", "cellXfs", "dxfs"):
        olds = old.find(f"{{{old.nsmap[None]}}}{coll}")
        news = new.find(f"{{{new.nsmap[None]}}}{coll}")
        for a, b in zip(olds if olds is not None else [], news, strict=False):
            assert etree.tostring(a) == etree.tostring(b)


def test_team_cells_unchanged_and_block_replaced_not_duplicated(book: Path) -> None:
    before = cell_facts(book)
    write_book(book, make_result(ROWS))
    write_book(book, make_result(ROWS[:2]))
    assert cell_facts(book) == before
    ws = openpyxl.load_workbook(book)["Aging"]
    headers = [ws.cell(3, c).value for c in range(7, LAST_MANAGED + 1)]
    assert headers == list(MANAGED_HEADERS)
    assert [ws.cell(3, c).value for c in range(LAST_MANAGED + 1, 40)].count("Days past due") == 0
    assert ws.cell(5, 7).value == 5 and ws.cell(6, 7).value is None  # row 6 no longer data
    assert ws["Z4"].value == "team cell right of the block"
    assert ws["F4"].value == "=D4*2"
    table = ws.tables["tblAging"]
    assert table.ref == f"A3:{get_column_letter(LAST_MANAGED)}8"
    assert [c.name for c in table.tableColumns][-1] == MANAGED_HEADERS[-1]


def test_rerun_output_is_stable(book: Path, tmp_path: Path) -> None:
    result = make_result(ROWS)
    write_book(book, result)
    write_book(book, result)
    second = parts(book)
    write_book(book, result)
    assert parts(book) == second


def test_owned_sheets_tables_chart_validation_and_injection(book: Path) -> None:
    write_book(book, make_result(ROWS))
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames[:2] == ["Aging", "Summary"]
    assert wb.sheetnames[2:] == list(OWNED_SHEETS)
    assert wb[S.SNAPSHOT].sheet_state == "hidden"
    drafts = wb[S.DRAFTS]
    assert drafts.freeze_panes == "A4"
    assert drafts["D4"].value == '=HYPERLINK("http://x")' and drafts["D4"].data_type == "s"
    assert drafts["L4"].value == 1234.56 and drafts["L4"].number_format == "#,##0.00"
    assert drafts["B4"].number_format == "yyyy-mm-dd"
    assert drafts["J5"].value == "+1 line two" and drafts["J4"].alignment.wrap_text
    assert drafts.row_dimensions[4].height == 30  # two lines of body shown
    dv = drafts.data_validations.dataValidation[0]
    assert dv.formula1 == '"Draft,Approved,Sent,Skipped"' and str(dv.sqref).startswith("O4:")
    assert wb["Aging"]["K4"].data_type == "s"  # "=cmd|..." priority reason stays text
    names = [t for ws in wb.worksheets for t in ws.tables]
    assert len(names) == len(set(n.lower() for n in names))
    with zipfile.ZipFile(book) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/")]
        assert len(charts) == 2  # the team's chart and Expected Cash's
        assert b'<c:barDir val="col"/>' in z.read(sorted(charts)[-1])


def test_active_sheet_follows_problems(book: Path) -> None:
    write_book(book, make_result(ROWS, problems=(error_problem(),)))
    wb = openpyxl.load_workbook(book)
    assert wb.active is not None and wb.active.title == S.DATA_CHECK
    selected = [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected]
    assert selected == [S.DATA_CHECK]
    write_book(book, make_result(ROWS))
    wb = openpyxl.load_workbook(book)
    assert wb.active is not None and wb.active.title == "Aging"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["Aging"]


def test_csv_source_gets_a_new_book_and_is_never_touched(tmp_path: Path) -> None:
    src = tmp_path / "export.csv"
    src.write_bytes("Kunde;Betrag\nMüller;12\n=1+1;7.5\n".encode("latin-1"))
    before = src.read_bytes()
    out = write_book(src, make_result([2, 3], sheet="export", header_row=1, last_column=2))
    assert out == (tmp_path / "export.dunning.xlsx").resolve()
    assert src.read_bytes() == before
    ws = openpyxl.load_workbook(out)["export"]
    assert [ws["A2"].value, ws["B2"].value, ws["A3"].value] == ["Müller", 12, "=1+1"]
    assert ws["A3"].data_type == "s"
    assert ws["C1"].value == "Days past due"


def test_missing_sheet_and_corrupt_package_are_user_errors(book: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="'Nope' not found"):
        write_book(book, make_result(ROWS, sheet="Nope"))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(UserError, match="cannot open"):
        write_book(bad, make_result(ROWS))
    assert bad.read_bytes() == b"PK\x03\x04 truncated"


def test_book_without_table_or_extras(tmp_path: Path) -> None:
    book = make_book(tmp_path / "plain.xlsx", table=False, extras=False)
    write_book(book, make_result(ROWS))
    write_book(book, make_result(ROWS))
    ws = openpyxl.load_workbook(book)["Aging"]
    assert [ws.cell(3, c).value for c in range(7, LAST_MANAGED + 1)] == list(MANAGED_HEADERS)


@pytest.mark.libreoffice
def test_libreoffice_opens_the_output(book: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("soffice not installed")
    write_book(book, make_result(ROWS))
    write_book(book, make_result(ROWS))
    out = tmp_path / "out"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "csv",
            "--outdir",
            str(out),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = (out / "team.csv").read_text()
    assert "Days past due" in text and "Cust 0" in text


X14 = (
    '<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    "<x14:conditionalFormattings><x14:conditionalFormatting "
    'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:cfRule type="dataBar" '
    'id="{00000000-0000-0000-0000-000000000001}"><x14:dataBar minLength="0" maxLength="100"/>'
    "</x14:cfRule><xm:sqref>D4:D8</xm:sqref></x14:conditionalFormatting>"
    "</x14:conditionalFormattings></ext></extLst>"
)


def test_aging_sheet_extensions_and_team_cells_survive_as_text(tmp_path: Path) -> None:
    """x14 data bars, a team colour scale and every team cell keep their exact XML."""
    book = make_book(tmp_path / "rich.xlsx", extras=False)
    with zipfile.ZipFile(book) as z:
        items = {n: z.read(n) for n in z.namelist()}
    sheet = items["xl/worksheets/sheet1.xml"].decode()
    team_cf = (
        '<conditionalFormatting sqref="D4:D8"><cfRule type="colorScale" priority="1">'
        '<colorScale><cfvo type="min"/><cfvo type="max"/><color rgb="FFFFFFFF"/>'
        '<color rgb="FF00FF00"/></colorScale></cfRule></conditionalFormatting>'
    )
    sheet = sheet.replace("<dataValidations", team_cf + "<dataValidations")
    sheet = sheet.replace("</worksheet>", X14 + "</worksheet>")
    items["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(book, "w") as z:
        for n, data in items.items():
            z.writestr(n, data)
    team_cells = re.findall(r'<c r="[A-F]\d+".*?</c>|<c r="Z\d+".*?</c>', sheet)
    write_book(book, make_result(ROWS))
    write_book(book, make_result(ROWS))
    with zipfile.ZipFile(book) as z:
        out = z.read("xl/worksheets/sheet1.xml").decode()
    assert out.endswith(X14 + "</worksheet>")
    assert team_cf in out and out.count("<conditionalFormatting") == 3
    assert 'priority="2"' in out and 'priority="3"' in out  # ours after the team's
    for cell in team_cells:
        assert cell in out
    etree.fromstring(out.encode())


def _with_calc_chain(path: Path, formula_in_owned: bool) -> Path:
    """A book with an owned sheet (Data Check) already in it, and Excel's calc chain."""
    wb = openpyxl.load_workbook(make_book(path, extras=False))
    owned = wb.create_sheet(S.DATA_CHECK)
    owned["A1"] = "=1+1" if formula_in_owned else "plain"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    items["xl/calcChain.xml"] = (
        b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<c r="F4" i="1"/></calcChain>'
    )
    items["xl/_rels/workbook.xml.rels"] = items["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdCalc" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>',
    )
    items["[Content_Types].xml"] = items["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.calcChain+xml"/></Types>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("formula", [True, False])
def test_calc_chain_dropped_only_when_a_replaced_sheet_had_formulas(
    tmp_path: Path, formula: bool
) -> None:
    path = _with_calc_chain(tmp_path / "calc.xlsx", formula)
    write_book(path, make_result(ROWS))
    after = parts(path)
    assert ("xl/calcChain.xml" in after) is not formula
    assert (b"calcChain" in after["xl/_rels/workbook.xml.rels"]) is not formula
    assert (b"calcChain" in after["[Content_Types].xml"]) is not formula
