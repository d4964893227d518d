"""The hostile corpus: broken, hostile and awkward input files, written deterministically.

Each generator returns the file's bytes; :func:`write_hostile_files` writes them all
into a folder (the committed copy lives in tests/corpus/files/hostile/). Files that
depend on file-system state (read-only, Excel's ``~$`` lock file) or are too big to
commit (1,048,576 rows) are made at test time by tests/test_hostile.py, with
:func:`million_rows` streaming the big one straight into its zip.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

FIXED = datetime(2026, 11, 20, 9, 30, 0)
ZIP_TIME = (2026, 11, 20, 9, 30, 0)
SHEET = "AR Aging"
HEADERS = ["Customer No", "Customer Name", "Invoice #", "Invoice Date", "Due Date", "Currency",
           "Open Balance", "Email"]  # fmt: skip


def rows() -> list[list[Any]]:
    """Five ordinary open items (the base the hostile variants spoil)."""
    out: list[list[Any]] = []
    for i in range(5):
        out.append(
            [
                f"C{i + 1:04d}",
                f"Customer {i + 1} Ltd",
                f"INV-{1000 + i}",
                date(2026, 8, 1 + i),
                date(2026, 9, 1 + i),
                "EUR",
                1000.0 + 250 * i,
                f"ap@customer{i + 1}.example",
            ]
        )
    return out


def rezip(data: bytes) -> bytes:
    """The same package with fixed timestamps and order (reproducible bytes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(
                info,
                fix_modified(src.read(name)) if name == "docProps/core.xml" else src.read(name),
            )
    return buf.getvalue()


def fix_modified(core: bytes) -> bytes:
    """openpyxl stamps the save time into core.xml; pin it so rebuilds give the same bytes."""
    stamp = FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(
        rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", core
    )


def xlsx(
    body: list[list[Any]] | None = None,
    headers: list[str] | None = None,
    extra: Callable[[Workbook], None] | None = None,
) -> bytes:
    """A plain aging book: title row, header on row 3, the rows."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append(["Aging export"])
    ws.append([])
    ws.append(list(HEADERS if headers is None else headers))
    for r in rows() if body is None else body:
        ws.append(r)
    if extra is not None:
        extra(wb)
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    buf = io.BytesIO()
    wb.save(buf)
    return rezip(buf.getvalue())


def _col(name: str) -> int:
    return HEADERS.index(name)


def _with(changes: dict[tuple[int, str], Any]) -> list[list[Any]]:
    body = rows()
    for (i, name), v in changes.items():
        body[i][_col(name)] = v
    return body


# -- compound files (legacy .xls and encrypted OOXML share the CFB container) ---------------


def cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal compound file (MS-CFB v3, 512-byte sectors) holding ``streams``.

    Every stream is stored in regular sectors (each padded to 4096 bytes so none
    falls under the mini-stream cutoff); enough for readers to recognise the file as
    what it claims to be (an encrypted package, a BIFF workbook).
    """
    sec = 512
    data = b""
    entries: list[tuple[str, int, int]] = []
    for name, payload in streams.items():
        padded = payload + b"\0" * (max(4096, len(payload)) - len(payload))
        padded += b"\0" * (-len(padded) % sec)
        entries.append((name, len(data) // sec, len(payload)))
        data += padded
    n_data = len(data) // sec
    n_dir = 1 + (len(entries) + 1) // 4  # 4 entries per sector, root included
    n_fat = 1
    total = n_data + n_dir + n_fat
    while total > n_fat * 128:
        n_fat += 1
        total = n_data + n_dir + n_fat
    fat = []
    for _name, start, size in entries:
        count = max(4096, size) // sec + (1 if max(4096, size) % sec else 0)
        for k in range(count):
            fat.append(start + k + 1 if k < count - 1 else 0xFFFFFFFE)
    dir_start = n_data
    for k in range(n_dir):
        fat.append(dir_start + k + 1 if k < n_dir - 1 else 0xFFFFFFFE)
    fat += [0xFFFFFFFD] * n_fat
    fat += [0xFFFFFFFF] * (n_fat * 128 - len(fat))
    fat_start = n_data + n_dir

    def direntry(name: str, kind: int, start: int, size: int, child: int, right: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", 0xFFFFFFFF, right, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<IIi", start, size, 0)
        )

    dirs = [direntry("Root Entry", 5, 0xFFFFFFFE, 0, 1 if entries else 0xFFFFFFFF, 0xFFFFFFFF)]
    for i, (name, start, size) in enumerate(entries, start=1):
        right = i + 1 if i < len(entries) else 0xFFFFFFFF
        dirs.append(direntry(name, 2, start, size, 0xFFFFFFFF, right))
    dir_bytes = b"".join(dirs).ljust(n_dir * sec, b"\0")
    difat = [fat_start + k for k in range(n_fat)] + [0xFFFFFFFF] * (109 - n_fat)
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
        + struct.pack("<109I", *difat)
    )
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + data + dir_bytes + fat_bytes


def encrypted() -> bytes:
    """What Excel writes for a password-protected book: a CFB with EncryptionInfo."""
    info = (
        struct.pack("<HHI", 4, 4, 0x40)
        + b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"/>'
    )
    return cfb(
        {"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 4096) + b"\x5a" * 4096}
    )


# -- the corpus -----------------------------------------------------------------------------


def _settings_invalid(wb: Workbook) -> None:
    """The tool's own Settings layout with values a person mistyped."""
    ws = wb.create_sheet("Settings")
    ws.append(["General"])
    ws.append(["Edit the Value column."])
    ws.append(["Setting", "Value", "Meaning"])
    ws.append(["Minimum amount", "lots", ""])  # B4
    ws.append(["Promise grace days", -7, ""])  # B5
    ws.append(["Forecast weeks", "thirteen", ""])  # B6


def _two_tables(wb: Workbook) -> None:
    ws = wb.create_sheet("Notes")
    ws.append(["just", "some", "notes"])


def _sheet_with_apostrophe(wb: Workbook) -> None:
    assert wb.active is not None
    wb.active.title = "Cust's AR"


def _merged_group_header(wb: Workbook) -> None:
    """A merged group header row above the real header (row 3 moves to row 4)."""
    ws = wb.active
    assert ws is not None
    ws.insert_rows(3)
    ws["A3"], ws["C3"] = "Customer", "Document"
    ws.merge_cells("A3:B3")
    ws.merge_cells("C3:E3")


def _formula_balances(wb: Workbook) -> None:
    """Balances as formulas with no cached value (a book saved by a script, not Excel)."""
    ws = wb.active
    assert ws is not None
    for r in range(4, 9):
        ws.cell(r, 7).value = f"=1000+{r}"


def _delimited(sep: str, body: list[list[Any]]) -> str:
    return "\n".join(sep.join(str(v) for v in r) for r in [HEADERS, *body]) + "\n"


def _symbols_csv() -> bytes:
    amounts = ["€1.234,56", "(1,234.56)", "$2,000.00", "1 234,56 €", "-"]
    body = [[*r[:6], f'"{a}"', r[7]] for r, a in zip(rows(), amounts, strict=True)]
    return _delimited(",", body).encode()


def _de_csv() -> bytes:
    lines = [
        "Kundennummer;Kundenname;Rechnungsnummer;Rechnungsdatum;Fälligkeitsdatum;Währung;"
        "Offener Betrag",
        "K001;Müller GmbH;RE-2026-001;01.08.2026;31.08.2026;EUR;1.234,56",
        "K002;Bäckerei Schäfer;RE-2026-002;15.08.2026;14.09.2026;EUR;-120,00",
        "K003;Größe & Söhne KG;RE-2026-003;01.09.2026;01.10.2026;EUR;0,00",
        "K004;Jürgens AG;RE-2026-004;20.10.2026;19.11.2026;EUR;98.765,43",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")


def _million_header_csv() -> bytes:
    return (",".join(HEADERS) + "\n").encode()


def corpus() -> dict[str, bytes]:
    """File name -> bytes of every committed hostile file."""
    good = xlsx()
    big = "x" * 32_767
    files = {
        "empty.xlsx": b"",
        "truncated.xlsx": good[: len(good) // 2],
        "corrupt_zip.xlsx": good[:30] + bytes(range(256)) * 8 + good[-200:],
        "text_named.xlsx": b"Customer,Invoice,Balance\nC1,INV-1,100\n",
        "zip_not_workbook.xlsx": _zip({"hello.txt": b"not a workbook"}),
        "no_workbook_part.xlsx": _drop(good, "xl/workbook.xml"),
        "broken_sheet_xml.xlsx": _patch(
            good, "xl/worksheets/sheet1.xml", lambda b: b[: len(b) // 2]
        ),
        "password_protected.xlsx": encrypted(),
        "legacy_cfb_without_workbook.xls": cfb({"Nothing": b"\0" * 16}),
        "xlsx_renamed.xls": good,
        "workbook.xlsb": good,
        "notes.txt": b"Customer,Invoice,Balance\n",
        "report.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
        "empty.csv": b"",
        "binary.csv": bytes(range(256)) * 4,
        "no_header.xlsx": xlsx(rows(), headers=["", "", "", "", "", "", "", ""]),
        "numbers_only.xlsx": xlsx([[1, 2, 3], [4, 5, 6]], headers=["1", "2", "3"]),
        "missing_balance_column.xlsx": xlsx(
            [r[:6] + r[7:] for r in rows()], headers=HEADERS[:6] + HEADERS[7:]
        ),
        "missing_invoice_column.xlsx": xlsx(
            [r[:2] + r[3:] for r in rows()], headers=HEADERS[:2] + HEADERS[3:]
        ),
        "missing_due_date.xlsx": xlsx(
            [r[:4] + r[5:] for r in rows()], headers=HEADERS[:4] + HEADERS[5:]
        ),
        "settings_invalid.xlsx": xlsx(extra=_settings_invalid),
        "error_cells.xlsx": xlsx(
            _with(
                {(1, "Open Balance"): "#N/A", (2, "Due Date"): "#REF!", (3, "Open Balance"): "=1/0"}
            )
        ),
        "dates_three_conventions.xlsx": xlsx(
            _with(
                {
                    (0, "Due Date"): "2026-09-01",
                    (1, "Due Date"): "02.09.2026",
                    (2, "Due Date"): "09/03/2026",
                    (3, "Due Date"): "13/09/2026",
                    (4, "Due Date"): "2026-09-05",
                }
            )
        ),
        "dates_free_text.xlsx": xlsx(_with({(4, "Due Date"): "Sept 5th"})),
        "negative_and_zero_balances.xlsx": xlsx(
            _with(
                {(0, "Open Balance"): 0.0, (1, "Open Balance"): -250.0, (2, "Open Balance"): -0.0}
            )
        ),
        "duplicate_invoice_numbers.xlsx": xlsx(
            _with({(1, "Invoice #"): "INV-1000", (2, "Invoice #"): "INV-1000"})
        ),
        "header_only.xlsx": xlsx([]),
        "header_only.csv": _million_header_csv(),
        "text_amounts_and_dates.xlsx": xlsx(
            [
                [*r[:3], r[3].isoformat(), r[4].strftime("%d/%m/%Y"), r[5], f"{r[6]:,.2f}", r[7]]
                for r in rows()
            ]
        ),
        "german_latin1.csv": _de_csv(),
        "huge_text_cells.xlsx": xlsx(
            _with({(0, "Customer Name"): "Big " + big[:32_000], (1, "Email"): big})
        ),
        "non_numeric_balances.xlsx": xlsx(
            _with({(i, "Open Balance"): v for i, v in enumerate(["n/a", "TBD", "", "—", "1.2.3"])})
        ),
        "extra_sheets_no_aging.xlsx": xlsx([[1, 2]], headers=["a", "b"], extra=_two_tables),
        "unicode_text_export.txt": _delimited("\t", rows()).replace("\n", "\r\n").encode("utf-16"),
        "utf8_bom_semicolon.csv": ("\ufeff" + _delimited(";", rows())).encode("utf-8"),
        "currency_symbols.csv": _symbols_csv(),
        "apostrophe_sheet.xlsx": xlsx(extra=_sheet_with_apostrophe),
        "merged_group_header.xlsx": xlsx(extra=_merged_group_header),
        "formula_balances_no_cache.xlsx": xlsx(extra=_formula_balances),
        "all_credit_notes.xlsx": xlsx(
            _with({(i, "Open Balance"): -10.0 * (i + 1) for i in range(5)})
        ),
    }
    return files


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, ZIP_TIME), data)
    return buf.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n: z.read(n) for n in z.namelist()}


def _drop(data: bytes, part: str) -> bytes:
    return _zip({n: b for n, b in _members(data).items() if n != part})


def _patch(data: bytes, part: str, fn: Callable[[bytes], bytes]) -> bytes:
    return _zip({n: fn(b) if n == part else b for n, b in _members(data).items()})


def write_hostile_files(folder: Path) -> list[Path]:
    """Write the committed hostile corpus into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, data in corpus().items():
        path = folder / name
        path.write_bytes(data)
        out.append(path)
    return out


def million_rows(path: Path, n_rows: int = 1_048_575) -> Path:
    """An .xlsx whose sheet fills every one of Excel's 1,048,576 rows (header + data).

    Streamed straight into the zip with inline strings, so writing it takes seconds
    and little memory; the tool must process it or refuse it clearly.
    """
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    )
    root = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    book = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{ns}" '
        f'xmlns:r="{rel}"><sheets><sheet name="{SHEET}" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    )
    book_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    )
    heads = ("Customer No", "Invoice #", "Due Date", "Currency", "Open Balance")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", root)
        z.writestr("xl/workbook.xml", book)
        z.writestr("xl/_rels/workbook.xml.rels", book_rels)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{ns}">'
                f'<dimension ref="A1:E{n_rows + 1}"/><sheetData>'.encode()
            )
            cells = "".join(
                f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>'
                for c, h in zip("ABCDE", heads, strict=True)
            )
            f.write(f'<row r="1">{cells}</row>'.encode())
            chunk: list[str] = []
            for i in range(n_rows):
                r = i + 2
                chunk.append(
                    f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>C{i % 5000:05d}</t></is></c>'
                    f'<c r="B{r}" t="inlineStr"><is><t>INV-{i}</t></is></c>'
                    f'<c r="C{r}"><v>{46000 + i % 300}</v></c>'
                    f'<c r="D{r}" t="inlineStr"><is><t>EUR</t></is></c>'
                    f'<c r="E{r}"><v>{100 + i % 9000}.5</v></c></row>'
                )
                if len(chunk) == 20_000:
                    f.write("".join(chunk).encode())
                    chunk = []
            f.write(("".join(chunk) + "</sheetData></worksheet>").encode())
    return path
