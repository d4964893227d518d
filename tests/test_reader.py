"""read_book: formats, encodings, delimiters, sheet choice, cell offsets, clear errors."""

from __future__ import annotations

import datetime as dt
import pathlib

import openpyxl
import pytest
from openpyxl.worksheet.table import Table

from dunning_core.records import UserError
from dunning_core.workbook.reader import decode, read_book, sniff_delimiter


def _book(path: pathlib.Path) -> pathlib.Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Aging"
    ws["C3"] = "Title"
    ws.merge_cells("C3:F3")
    ws["C5"], ws["D5"], ws["E5"] = "Invoice", "Due Date", "Balance"
    ws["C6"], ws["D6"], ws["E6"] = "007", dt.datetime(2025, 1, 2), 12.5
    ws.add_table(Table(displayName="tblAging", ref="C5:E6"))
    wb.create_sheet("Settings")["A1"] = "Setting"
    wb.create_sheet("Templates")["A1"] = "Stage"
    wb.create_sheet("Other")["B2"] = "x"
    wb.save(path)
    return path


def test_reads_offsets_merges_tables_and_owned_sheets(tmp_path: pathlib.Path) -> None:
    path = _book(tmp_path / "book.xlsx")
    before = path.read_bytes()
    book = read_book(path)
    assert book.sheets == ("Aging", "Settings", "Templates", "Other")
    assert [r.name for r in book.aging] == ["Aging", "Other"]
    assert set(book.owned) == {"Settings", "Templates"}
    aging = book.aging[0]
    assert (aging.first_row, aging.first_col) == (3, 3)
    assert aging.rows[0][0] == "Title"
    assert aging.rows[2] == ["Invoice", "Due Date", "Balance"]
    assert aging.rows[3][0] == "007"
    assert aging.rows[1] == [None, None, None]  # empty cells are None
    assert aging.merged == ("C3:F3",)
    assert aging.tables == {"tblAging": "C5:E6"}
    assert path.read_bytes() == before


def test_sheet_argument(tmp_path: pathlib.Path) -> None:
    path = _book(tmp_path / "book.xlsx")
    assert [r.name for r in read_book(path, sheet="Other").aging] == ["Other"]
    with pytest.raises(UserError) as err:
        read_book(path, sheet="Nope")
    msg = str(err.value)
    assert "book.xlsx" in msg and "'Nope'" in msg and "Aging, Settings, Templates, Other" in msg


@pytest.mark.parametrize(
    ("content", "encoding", "delimiter"),
    [
        ("Kunde;Fällig am;Betrag\r\nMüller;01.02.2025;1.234,50\r\n", "cp1252", ";"),
        ('\ufeffCustomer,Due,Balance\nAcme,1/2/2025,"1,234.50"\n', "utf-8", ","),
        ("Customer\tDue\tBalance\nAcme\t2025-01-02\t12\n", "utf-8", "\t"),
        ("Customer|Due|Balance\nAcme|2025-01-02|12\n", "utf-8", "|"),
    ],
)
def test_text_exports(tmp_path: pathlib.Path, content: str, encoding: str, delimiter: str) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content.encode(encoding))
    book = read_book(path)
    rows = book.aging[0].rows
    assert book.aging[0].name == "export"
    assert len(rows[0]) == 3 and rows[0][0] in ("Kunde", "Customer")
    assert rows[1][0] in ("Müller", "Acme")


def test_decode_and_sniff() -> None:
    assert decode("Währung".encode("cp1252")) == ("Währung", "cp1252")
    assert decode("Währung".encode()) == ("Währung", "utf-8")
    assert sniff_delimiter(["a,b;c", "1,2;3,4", "5;6,7"]) in (",", ";")
    assert sniff_delimiter(["a|b|c", "1|2|3"]) == "|"


@pytest.mark.parametrize(
    ("name", "data", "expect"),
    [
        ("missing.xlsx", None, "file not found"),
        ("corrupt.xlsx", b"PK\x03\x04 this is not a zip", "not a readable spreadsheet"),
        ("notes.pdf", b"%PDF-1.4", "unsupported file type"),
        ("fake.xlsx", b"hello, world", "not a readable spreadsheet"),
        ("empty.csv", b"", "holds no data"),
    ],
)
def test_clear_errors(tmp_path: pathlib.Path, name: str, data: bytes | None, expect: str) -> None:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(UserError) as err:
        read_book(path)
    assert expect in str(err.value)
    assert name in str(err.value)


def test_empty_workbook(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(UserError, match="holds no data"):
        read_book(path)


def test_password_protected(tmp_path: pathlib.Path) -> None:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = _book(tmp_path / "plain.xlsx")
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as src, locked.open("wb") as dst:
        ooxml.OOXMLFile(src).encrypt("secret", dst)
    with pytest.raises(UserError, match="password protected") as err:
        read_book(locked)
    assert "locked.xlsx" in str(err.value)


@pytest.mark.parametrize("name", ["qbo_detail.ods", "hand_kept.xls"])
def test_ods_and_legacy_xls(name: str) -> None:
    """Same layouts converted by LibreOffice (``soffice --convert-to ods|xls``, once)."""
    import json

    from dunning_core.ingest import ingest
    from dunning_core.policy import DEFAULT_POLICY

    layouts = pathlib.Path(__file__).parent / "fixtures" / "layouts"
    stem = name.split(".")[0]
    exp = json.loads((layouts / f"{stem}.expected.json").read_text())
    ing, _ = ingest(read_book(layouts / "converted" / name), DEFAULT_POLICY, dt.date(2025, 1, 31))
    assert ing.report.rows_read == exp["rows_read"]
    assert ing.report.last_column == exp["last_column"]
    got = {c: v / 100 for c, v in ing.report.open_total_cents.items()}
    assert got == {c: float(v) for c, v in exp["open_balance_total"].items()}


def test_formula_cells_read_by_cached_value() -> None:
    """Balance and Days late are formulas; LibreOffice saved their values (converted once)."""
    from dunning_core.columns import F
    from dunning_core.ingest import ingest
    from dunning_core.policy import DEFAULT_POLICY

    path = pathlib.Path(__file__).parent / "fixtures" / "layouts" / "converted" / "formulas.xlsx"
    ing, _ = ingest(read_book(path), DEFAULT_POLICY, dt.date(2025, 1, 31))
    assert ing.invoices[F.OPEN_CENTS].tolist() == [6000, 25050]
    assert ing.invoices[F.PAID_CENTS].tolist() == [4000, 0]
    assert ing.report.file_total_cents == {"USD": 31050}
