"""Builders shared by the writer tests: a hand-made CycleResult and rich source books.

The books are made with openpyxl (only to create fixtures), then given parts openpyxl
would not keep (a VBA project, a ribbon part, custom XML) by editing the zip, so the
tests can prove those survive the writer byte for byte.
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import openpyxl.styles
import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from dunning_core.columns import DRAFT_COLUMNS, D, F, Q
from dunning_core.records import Block, CycleResult, IngestReport, Problem, Severity

AS_OF = date(2026, 11, 20)
HEADERS = ["Customer", "Invoice", "Due date", "Amount", "Currency", "Note"]
EXTRA_PARTS = {
    "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake vba project \x00\x01",
    "customUI/customUI14.xml": b'<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui"/>',
    "customXml/item1.xml": b"<root><x>team data</x></root>",
}


def test_support_builds_result() -> None:
    result = make_result([4, 5])
    assert list(result.queue[F.ROW]) == [4, 5]


def make_result(
    rows: list[int],
    *,
    sheet: str = "Aging",
    header_row: int = 3,
    last_column: int = 6,
    problems: tuple[Problem, ...] = (),
    names: list[str] | None = None,
) -> CycleResult:
    """A small CycleResult whose queue covers ``rows`` of the aging sheet."""
    n = len(rows)
    names = names or [f"Customer {i}" for i in range(n)]
    queue = pd.DataFrame(
        {
            F.ROW: rows,
            F.CUSTOMER_NAME: names,
            Q.DAYS_PAST_DUE: [10 * i - 5 for i in range(n)],
            Q.BUCKET: ["1-30"] * n,
            Q.STAGE_NAME: ["Friendly reminder"] * n,
            Q.PRIORITY: [min(100, 20 + 7 * i) for i in range(n)],
            Q.PRIORITY_REASON: ["=cmd|' /C calc'!A0"] + ["$1,000 over 30 days"] * (n - 1)
            if n
            else [],
            Q.EXCLUDED: [i % 3 == 0 for i in range(n)],
            Q.EXCLUSION_REASON: ["Disputed" if i % 3 == 0 else "" for i in range(n)],
            Q.ROUTED_TO: ["ana"] * n,
            Q.NEXT_ACTION: ["Send reminder"] * n,
            Q.ACTION_DUE: pd.to_datetime([AS_OF] * n),
            Q.EXPECTED_DATE: pd.to_datetime([date(2026, 12, 1)] * n),
            Q.PROBABILITY: [0.85] * n,
        }
    )
    drafts = pd.DataFrame(
        {
            D.ID: ["D-1", "D-2"],
            D.CREATED: pd.to_datetime([AS_OF, AS_OF]),
            D.CUSTOMER: ['=HYPERLINK("http://x")', "Beta <b> & Co"],
            D.BODY: ["Dear customer,\nplease pay.", "+1 line\x01 two"],
            D.AMOUNT: [1234.56, 50.0],  # float currency units, as CycleResult says
            D.STATUS: ["Draft", "Approved"],
        }
    ).reindex(columns=list(DRAFT_COLUMNS))
    weekly = pd.DataFrame(
        {"Currency": ["USD", "EUR"], "W1": [100.5, 20.0], "W2": [50.0, 0.0], "Later": [1.0, 2.0]}
    )
    cash = (
        Block("Key figures", pd.DataFrame({"KPI": ["DSO"], "Value": [41.5]}), note="As of."),
        Block(
            "Weekly expected cash",
            weekly,
            {"W1": "money", "W2": "money", "Later": "money"},
            note="Basis: due dates shifted by lateness.",
            chart=("W1", "W2", "Later"),
        ),
    )
    report = IngestReport(
        sheet=sheet,
        sheet_reason="",
        header_row=header_row,
        header_rows=1,
        first_data_row=header_row + 1,
        last_data_row=max(rows, default=header_row),
        matches={},
        bucket_columns=(),
        unmapped=(),
        derived=(),
        rows_read=n,
        rows_skipped=0,
        open_total_cents={},
        file_total_cents={},
        currency_default="USD",
        last_column=last_column,
    )
    settings = (Block("Buckets", pd.DataFrame({"Bucket": ["current", "1-30"], "From": [0, 1]})),)
    return CycleResult(
        as_of=AS_OF,
        queue=queue,
        drafts=drafts,
        activity=pd.DataFrame(),
        promises=pd.DataFrame(),
        expected_cash=cash,
        snapshot=pd.DataFrame({"invoice": ["A1"], "open": [1.0]}),
        settings=settings,
        data_check=(),
        problems=problems,
        report=report,
    )


def make_book(path: Path, nrows: int = 5, *, table: bool = True, extras: bool = True) -> Path:
    """A team book: Aging (title rows, header on row 3, a Table, validation, comment,
    formulas), Summary (a chart and formulas on Aging), defined names; plus extra parts."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Aging"
    ws["A1"] = "Open items"
    ws["A1"].font = openpyxl.styles.Font(bold=True, size=14)
    ws.merge_cells("A1:C1")
    ws.append([])
    ws.append(HEADERS)
    for i in range(nrows):
        ws.append([f"Cust {i}", f"INV-{i:03d}", date(2026, 10, 1 + i), 100.0 + i, "USD", None])
        ws.cell(row=4 + i, column=4).number_format = "#,##0.00"
    ws["F4"] = "=D4*2"
    ws["F4"].comment = Comment("team comment", "ana")
    ws["Z4"] = "team cell right of the block"
    ws.freeze_panes = "A4"
    dv = DataValidation(type="list", formula1='"USD,EUR"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(f"E4:E{3 + nrows}")
    if table:
        ws.add_table(Table(displayName="tblAging", ref=f"A3:F{3 + nrows}"))
    summary = wb.create_sheet("Summary")
    summary["A1"] = "Total"
    summary["B1"] = f"=SUM(Aging!D4:D{3 + nrows})"
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=4, min_row=3, max_row=3 + nrows), titles_from_data=True)
    summary.add_chart(chart, "D2")
    wb.defined_names["OpenTotal"] = DefinedName("OpenTotal", attr_text=f"Aging!$D$4:$D${3 + nrows}")
    wb.active = 0
    wb.save(path)
    if extras:
        add_parts(path, EXTRA_PARTS)
    return path


def add_parts(path: Path, parts: dict[str, bytes]) -> None:
    """Add raw parts (with content types and relationships) the way Excel would."""
    with zipfile.ZipFile(path) as src:
        items = [(i, src.read(i.filename)) for i in src.infolist()]
    out = {}
    for info, data in items:
        if info.filename == "[Content_Types].xml":
            data = data.replace(
                b"</Types>",
                b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                b'<Override PartName="/customUI/customUI14.xml" ContentType="application/xml"/>'
                b"</Types>",
            )
        if info.filename == "xl/_rels/workbook.xml.rels":
            data = data.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
            )
        if info.filename == "_rels/.rels":
            data = data.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdUi" Type="http://schemas.microsoft.com/office/2007/'
                b'relationships/ui/extensibility" Target="customUI/customUI14.xml"/>'
                b"</Relationships>",
            )
        out[info.filename] = data
    out.update(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in out.items():
            dst.writestr(name, data)


def error_problem() -> Problem:
    return Problem("Aging", "D5", F.OPEN_CENTS, "abc", "Expected an amount.", Severity.ERROR)
