# ruff: noqa: E501  (fixture rows read best one invoice per line)
"""Generate the corpus of real-world aging layouts in tests/fixtures/layouts/.

Run ``python tests/make_layouts.py`` to rewrite every fixture and its expected
results (``<name>.expected.json``). The files are built from the invoice lists
below, and the expected control totals are summed from those lists here, not by
the code under test. Layouts follow ../shared/ERP_LAYOUTS.md: title rows,
sections, "Total for" and TOTAL rows, buckets, repeated headers, ;-CSV with
dd.mm.yyyy and decimal commas, a legacy code page, merged titles, an Excel Table,
a stale managed block from a previous run, several sheets.

``fixtures/layouts/converted/`` holds files this script cannot make: LibreOffice
conversions (``soffice --headless --convert-to ods|xls|xlsx``) of qbo_detail.xlsx,
hand_kept.xlsx and of a small book with formula cells, so that .ods, legacy .xls
and cached formula values are read in tests. They were converted once and are
committed as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import pathlib
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import openpyxl
from openpyxl.worksheet.table import Table

from dunning_core.columns import MANAGED_HEADERS

OUT = pathlib.Path(__file__).parent / "fixtures" / "layouts"
AS_OF = dt.date(2025, 1, 31)
D = dt.date
FIXED_TIME = dt.datetime(2025, 1, 31, 12, 0, 0)


def _cents(x: Any) -> int:
    return int(Decimal(str(x)) * 100)


def _save_xlsx(wb: openpyxl.Workbook, path: pathlib.Path) -> None:
    """Save with fixed metadata and zip timestamps, so the bytes are reproducible."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" on save
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2025-01-31T12:00:00Z", data
                )
            zi = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 31, 12, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, data)


def _sheet(ws: Any, rows: list[list[Any]], top: int = 1, left: int = 1) -> None:
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.cell(row=top + r, column=left + c, value=v)


def _csv(path: pathlib.Path, rows: list[list[Any]], delimiter: str, encoding: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    path.write_bytes(buf.getvalue().encode(encoding))


def _expect(name: str, file: str, **kw: Any) -> None:
    totals = kw.pop("totals")
    kw["open_balance_total"] = {c: str(Decimal(v) / 100) for c, v in totals.items()}
    if "file_total" in kw and kw["file_total"] is not None:
        kw["file_total"] = {c: str(Decimal(v) / 100) for c, v in kw["file_total"].items()}
    body = {"file": file, **kw}
    (OUT / f"{name}.expected.json").write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")


FIXTURES: list[Callable[[], None]] = []


def fixture(fn: Callable[[], None]) -> Callable[[], None]:
    FIXTURES.append(fn)
    return fn


# --------------------------------------------------------------------- QuickBooks Online


@fixture
def qbo_detail() -> None:
    hdr = ["Date", "Transaction Type", "Num", "Customer", "Due Date", "Past Due", "Terms",
           "Memo/Description", "Amount", "Open Balance"]  # fmt: skip
    sections = {
        "Current": [
            (D(2025, 1, 20), "Invoice", "1045", "Acme Corp", D(2025, 2, 19), None, "Net 30", "", 1200.0, 1200.0),
            (D(2025, 1, 25), "Credit Memo", "CM-12", "Acme Corp", D(2025, 1, 25), None, "", "return", -150.0, -150.0),
        ],
        "1 - 30 days past due": [
            (D(2024, 12, 15), "Invoice", "1031", "Bolt Ltd:Bolt West", D(2025, 1, 14), 17, "Net 30", "", 980.5, 980.5),
            (D(2024, 12, 20), "Invoice", "1033", "Cobalt Inc", D(2025, 1, 4), 27, "Net 15", "partial", 2000.0, 750.25),
        ],
        "31 - 60 days past due": [
            (D(2024, 11, 10), "Invoice", "1012", "Delta LLC", D(2024, 12, 10), 52, "Net 30", "", 3100.0, 3100.0),
        ],
    }  # fmt: skip
    rows: list[list[Any]] = [["Example Trading Ltd"], ["A/R Aging Detail"],
                             ["As of January 31, 2025"], [], hdr]  # fmt: skip
    total = 0
    n = 0
    for title, items in sections.items():
        rows.append([title])
        sub = 0.0
        for it in items:
            rows.append(list(it))
            sub += it[9]
            total += _cents(it[9])
            n += 1
        rows.append([f"Total for {title}", None, None, None, None, None, None, None, None, sub])
        rows.append([])
    rows.append(["TOTAL", None, None, None, None, None, None, None, None, total / 100])
    rows += [[], [], ["Friday, January 31, 2025 08:15 AM GMT-05:00"]]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "A_R Aging Detail"
    _sheet(ws, rows)
    _save_xlsx(wb, OUT / "qbo_detail.xlsx")
    _expect("qbo_detail", "qbo_detail.xlsx", sheet="A_R Aging Detail", header_row=5,
            mapping={"invoice_no": "Num", "customer_name": "Customer", "due_date": "Due Date",
                     "open_cents": "Open Balance", "original_cents": "Amount",
                     "doc_type": "Transaction Type", "invoice_date": "Date",
                     "days_overdue": "Past Due", "terms": "Terms", "notes": "Memo/Description"},
            rows_read=n, totals={"USD": total}, file_total={"USD": total}, last_column=10)  # fmt: skip


@fixture
def qbo_summary() -> None:
    hdr = [None, "Current", "1 - 30", "31 - 60", "61 - 90", "91 and over", "Total"]
    data = [
        ["Acme Corp", 1200.0, 0, 500.0, None, None],
        ["Bolt Ltd", None, 980.5, None, None, 45.0],
        ["Cobalt Inc", 300.0, 750.25, 0, 125.0, None],
    ]
    parent = [["Delta Retail:Store 1", 100.0, None, None, None, None],
              ["Delta Retail:Store 2", None, None, 220.0, None, None]]  # fmt: skip
    rows: list[list[Any]] = [["Example Trading Ltd"], ["A/R Aging Summary"],
                             ["As of January 31, 2025"], [], hdr]  # fmt: skip

    def line(r: list[Any]) -> list[Any]:
        return [*r, sum(v or 0 for v in r[1:])]

    rows += [line(r) for r in data]
    rows.append(["Delta Retail"])
    rows += [line(r) for r in parent]
    sub = sum(sum(v or 0 for v in r[1:]) for r in parent)
    rows.append(["Total Delta Retail", 100.0, None, 220.0, None, None, sub])
    allrows = data + parent
    cols = [sum((r[i] or 0) for r in allrows) for i in range(1, 6)]
    grand = sum(cols)
    rows.append(["TOTAL", *cols, grand])
    rows += [[], ["Friday, January 31, 2025 08:15 AM GMT-05:00"]]
    items = sum(1 for r in allrows for v in r[1:] if v)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "A_R Aging Summary"
    _sheet(ws, rows)
    _save_xlsx(wb, OUT / "qbo_summary.xlsx")
    total = sum(_cents(v or 0) for r in allrows for v in r[1:])
    _expect("qbo_summary", "qbo_summary.xlsx", sheet="A_R Aging Summary", header_row=5,
            mapping={"customer_name": "", "open_cents": "Total",
                     "buckets": ["Current", "1 - 30", "31 - 60", "61 - 90", "91 and over"]},
            rows_read=len(allrows), items=items, totals={"USD": total},
            file_total={"USD": total}, last_column=7)  # fmt: skip


@fixture
def qb_desktop() -> None:
    hdr = ["Type", "Date", "Num", "P. O. #", "Name", "Terms", "Due Date", "Aging", "Open Balance"]
    data = [
        ["Invoice", "12/15/2024", "7001", "PO-88", "Harbor Foods", "Net 30", "01/14/2025", "17", "1,250.00"],
        ["Invoice", "11/02/2024", "6990", "", "Harbor Foods", "Net 30", "12/02/2024", "60", "3,400.10"],
        ["Credit Memo", "01/10/2025", "6995", "", "Ivy Design", "", "01/10/2025", "21", "-200.00"],
        ["Invoice", "01/20/2025", "7012", "PO-91", "Juniper & Co", "Net 15", "02/04/2025", "", "15,000.00"],
    ]  # fmt: skip
    rows = [["Sample Company"], ["A/R Aging Detail"], ["As of January 31, 2025"], hdr, *data,
            ["Total", "", "", "", "", "", "", "", "19,450.10"]]  # fmt: skip
    _csv(OUT / "qb_desktop.csv", rows, ",", "utf-8")
    total = sum(_cents(r[8].replace(",", "")) for r in data)
    _expect("qb_desktop", "qb_desktop.csv", sheet="qb_desktop", header_row=4,
            mapping={"doc_type": "Type", "invoice_date": "Date", "invoice_no": "Num",
                     "customer_name": "Name", "terms": "Terms", "due_date": "Due Date",
                     "days_overdue": "Aging", "open_cents": "Open Balance"},
            rows_read=4, totals={"USD": total}, file_total={"USD": total}, last_column=9)  # fmt: skip


@fixture
def qbd_by_customer() -> None:
    """QuickBooks Desktop "Open Invoices" grouped per customer: no customer column."""
    hdr = ["Type", "Date", "Num", "P. O. #", "Terms", "Due Date", "Aging", "Open Balance"]
    groups = {
        "Harbor Foods": [
            ["Invoice", "12/15/2024", "7001", "PO-88", "Net 30", "01/14/2025", "17", "1,250.00"],
            ["Invoice", "11/02/2024", "6990", "", "Net 30", "12/02/2024", "60", "3,400.10"],
        ],
        "Ivy Design": [
            ["Credit Memo", "01/10/2025", "6995", "", "", "01/10/2025", "21", "-200.00"]
        ],
    }
    rows: list[list[Any]] = [["Sample Company"], ["Open Invoices"], ["As of January 31, 2025"], hdr]
    total = 0
    for name, items in groups.items():
        rows.append([name])
        rows += items
        sub = sum(_cents(r[7].replace(",", "")) for r in items)
        total += sub
        rows.append([f"Total {name}", "", "", "", "", "", "", f"{sub / 100:,.2f}"])
    rows.append(["TOTAL", "", "", "", "", "", "", f"{total / 100:,.2f}"])
    _csv(OUT / "qbd_by_customer.csv", rows, ",", "utf-8")
    _expect("qbd_by_customer", "qbd_by_customer.csv", sheet="qbd_by_customer", header_row=4,
            mapping={"doc_type": "Type", "invoice_no": "Num", "due_date": "Due Date",
                     "days_overdue": "Aging", "open_cents": "Open Balance", "terms": "Terms"},
            rows_read=3, totals={"USD": total}, file_total={"USD": total}, last_column=8,
            customer_names=["Harbor Foods", "Harbor Foods", "Ivy Design"])  # fmt: skip


# --------------------------------------------------------------------- Xero


@fixture
def xero_by_contact() -> None:
    """Xero Aged Receivables by contact: Total is the invoice total, Due is still open."""
    hdr = ["Date", "Reference", "Due Date", "Status", "Total", "Paid", "Credited", "Due"]
    data = [
        [D(2024, 12, 1), "INV-0201", D(2024, 12, 31), "Awaiting Payment", 500.0, 200.0, 0.0, 300.0],
        [D(2025, 1, 3), "INV-0207", D(2025, 2, 2), "Awaiting Payment", 80.0, 0.0, 0.0, 80.0],
    ]
    rows: list[list[Any]] = [
        ["Aged Receivables - Ridge Cafe"],
        ["As at 31 January 2025"],
        hdr,
        *data,
    ]
    rows.append(["Total", None, None, None, 580.0, 200.0, 0.0, 380.0])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ridge Cafe"
    _sheet(ws, rows)
    _save_xlsx(wb, OUT / "xero_by_contact.xlsx")
    _expect("xero_by_contact", "xero_by_contact.xlsx", sheet="Ridge Cafe", header_row=3,
            mapping={"invoice_date": "Date", "invoice_no": "Reference", "due_date": "Due Date",
                     "original_cents": "Total", "paid_cents": "Paid", "open_cents": "Due"},
            rows_read=2, totals={"USD": 38000}, file_total={"USD": 38000}, last_column=8)  # fmt: skip


@fixture
def xero_detail() -> None:
    hdr = ["Contact", "Invoice Date", "Due Date", "Invoice Number", "Invoice Ref", "Current",
           "< 1 Month", "1 Month", "2 Months", "3 Months", "Older", "Total"]  # fmt: skip
    groups = {
        "Kite Studio": [
            ["Kite Studio", D(2025, 1, 10), D(2025, 2, 9), "INV-0101", "PO 5", 400.0, None, None, None, None, None],
            ["Kite Studio", D(2024, 12, 1), D(2024, 12, 31), "INV-0090", "", None, 250.0, None, None, None, None],
        ],
        "Lumen Ltd": [
            ["Lumen Ltd", D(2024, 10, 5), D(2024, 11, 4), "INV-0077", "", None, None, None, 1800.0, None, None],
            ["Lumen Ltd", D(2024, 6, 1), D(2024, 7, 1), "INV-0042", "old", None, None, None, None, None, 95.5],
        ],
    }  # fmt: skip
    rows: list[list[Any]] = [["Aged Receivables Detail (GBP)"], ["Demo Company (UK)"],
                             ["Ageing by due date as at 31 January 2025"], [], hdr]  # fmt: skip
    total = 0
    for contact, items in groups.items():
        for it in items:
            t = sum(v or 0 for v in it[5:])
            rows.append([*it, t])
            total += _cents(t)
        gt = sum(sum(v or 0 for v in it[5:]) for it in items)
        rows.append(
            [f"Total {contact}", None, None, None, None, None, None, None, None, None, None, gt]
        )
    rows.append(["Total", None, None, None, None, None, None, None, None, None, None, total / 100])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Aged Receivables"
    _sheet(ws, rows)
    _save_xlsx(wb, OUT / "xero_detail.xlsx")
    _expect("xero_detail", "xero_detail.xlsx", sheet="Aged Receivables", header_row=5,
            mapping={"customer_name": "Contact", "invoice_date": "Invoice Date",
                     "due_date": "Due Date", "invoice_no": "Invoice Number", "open_cents": "Total",
                     "buckets": ["Current", "< 1 Month", "1 Month", "2 Months", "3 Months", "Older"]},
            rows_read=4, totals={"GBP": total}, file_total={"GBP": total}, last_column=12)  # fmt: skip


# --------------------------------------------------------------------- NetSuite


@fixture
def netsuite() -> None:
    hdr = ["Customer", "Transaction Type", "Date", "Document Number", "PO Number", "Due Date",
           "Age", "Currency", "Open Balance"]  # fmt: skip
    data = [
        ["Marlin Industries", "Invoice", "1/5/2025", "INV10021", "", "2/4/2025", "0", "USD", "$2,500.00"],
        ["Marlin Industries", "Invoice", "11/18/2024", "INV10007", "PO-7", "12/18/2024", "44", "USD", "$610.40"],
        ["Nordic Supply AB", "Invoice", "12/2/2024", "INV10011", "", "1/1/2025", "30", "EUR", "€1,000.00"],
        ["Nordic Supply AB", "Credit Memo", "1/15/2025", "CM10002", "", "1/15/2025", "16", "EUR", "(€120.00)"],
    ]  # fmt: skip
    rows = [["Example Trading Ltd"], ["A/R Aging Detail"], ["As of 1/31/2025"], [], hdr, *data,
            ["Total", "", "", "", "", "", "", "", ""]]  # fmt: skip
    _csv(OUT / "netsuite.csv", rows, ",", "utf-8-sig")
    _expect("netsuite", "netsuite.csv", sheet="netsuite", header_row=5,
            mapping={"customer_name": "Customer", "doc_type": "Transaction Type",
                     "invoice_date": "Date", "invoice_no": "Document Number",
                     "due_date": "Due Date", "days_overdue": "Age", "currency": "Currency",
                     "open_cents": "Open Balance"},
            rows_read=4, totals={"USD": 311040, "EUR": 88000}, file_total=None,
            last_column=9)  # fmt: skip


# --------------------------------------------------------------------- SAP


@fixture
def sap_fbl5n() -> None:
    hdr = ["Account", "Assignment", "Document Number", "Document Type", "Document Date",
           "Net Due Date", "Arrears after net due date", "Amount in Doc. Curr.",
           "Document currency", "Text"]  # fmt: skip
    data = [
        ["0000100012", "ORD-1", "0090000123", "RV", "02.12.2024", "01.01.2025", "30", "1.234,56", "EUR", "Lieferung Dez"],
        ["0000100012", "ORD-2", "0090000130", "RV", "15.01.2025", "14.02.2025", "-14", "500,00", "EUR", ""],
        ["0000100012", "RET-1", "0090000131", "DG", "20.01.2025", "20.01.2025", "11", "150,00-", "EUR", "Gutschrift"],
        ["0000100047", "ORD-9", "0090000099", "RV", "01.11.2024", "01.12.2024", "61", "10.000,00", "CHF", ""],
    ]  # fmt: skip
    rows: list[list[Any]] = [hdr, *data[:3], ["*", "", "", "", "", "", "", "1.584,56", "EUR", ""],
                             data[3], ["*", "", "", "", "", "", "", "10.000,00", "CHF", ""],
                             ["**", "", "", "", "", "", "", "1.584,56", "EUR", ""],
                             ["**", "", "", "", "", "", "", "10.000,00", "CHF", ""]]  # fmt: skip
    _csv(OUT / "sap_fbl5n.txt", rows, ";", "cp1252")
    _expect("sap_fbl5n", "sap_fbl5n.txt", sheet="sap_fbl5n", header_row=1,
            mapping={"customer_id": "Account", "invoice_no": "Document Number",
                     "doc_type": "Document Type", "invoice_date": "Document Date",
                     "due_date": "Net Due Date", "days_overdue": "Arrears after net due date",
                     "open_cents": "Amount in Doc. Curr.", "currency": "Document currency",
                     "notes": "Text"},
            rows_read=4, totals={"EUR": 158456, "CHF": 1000000},
            file_total={"EUR": 158456, "CHF": 1000000}, last_column=10)  # fmt: skip


@fixture
def sap_portuguese() -> None:
    hdr = ["Conta", "Nº doc.", "Data doc.", "VencLíquid", "Mont.em MI", "Texto"]
    data = [
        ["0000200001", "1400000011", "10.12.2024", "09.01.2025", "2.500,00", "Fatura dez"],
        ["0000200002", "1400000015", "05.01.2025", "04.02.2025", "780,90", ""],
    ]
    rows = [["Partidas individuais de clientes"], [], hdr, *data]
    _csv(OUT / "sap_portuguese.txt", rows, "|", "utf-8")
    _expect("sap_portuguese", "sap_portuguese.txt", sheet="sap_portuguese", header_row=3,
            mapping={"customer_id": "Conta", "invoice_no": "Nº doc.", "invoice_date": "Data doc.",
                     "due_date": "VencLíquid", "open_cents": "Mont.em MI", "notes": "Texto"},
            rows_read=2, totals={"USD": 328090}, file_total=None, last_column=6)  # fmt: skip


@fixture
def sap_worklist() -> None:
    hdr = ["Bill-to Number", "Name of Bill-to Party", "Collector Name", "Document Number",
           "Net Due Date", "Dispute Case ID", "Last Internal Note", "OD Days", "OD Category",
           "Open Balance in EUR", "Contact Person", "Current Status"]  # fmt: skip
    data = [
        ["000310", "Orion GmbH", "M. Weber", "5100001", D(2024, 12, 1), None, "called", 61, "61-90", 4200.0, "Hr. Lang", "Open"],
        ["000310", "Orion GmbH", "M. Weber", "5100007", D(2025, 1, 15), "400012", "price", 16, "1-30", 990.0, "Hr. Lang", "Dispute"],
        ["000422", "Pax SARL", "A. Roy", "5100010", D(2025, 2, 28), None, None, -28, "Not due", 1500.0, "Mme Petit", "Open"],
    ]  # fmt: skip
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Worklist"
    _sheet(ws, [["Collections worklist - Company code 1000"], hdr, *data])
    ws.merge_cells("A1:F1")
    for r in range(3, 6):
        ws.cell(row=r, column=1).number_format = "@"
    _save_xlsx(wb, OUT / "sap_worklist.xlsx")
    _expect("sap_worklist", "sap_worklist.xlsx", sheet="Worklist", header_row=2,
            mapping={"customer_id": "Bill-to Number", "customer_name": "Name of Bill-to Party",
                     "owner": "Collector Name", "invoice_no": "Document Number",
                     "due_date": "Net Due Date", "disputed": "Dispute Case ID",
                     "notes": "Last Internal Note", "days_overdue": "OD Days",
                     "bucket_label": "OD Category", "open_cents": "Open Balance in EUR",
                     "contact": "Contact Person"},
            rows_read=3, totals={"EUR": 669000}, file_total=None, last_column=12)  # fmt: skip


# --------------------------------------------------------------------- Dynamics, Sage


@fixture
def business_central() -> None:
    hdr = ["No.", "Name", "Currency Code", "Before", "Period 1", "Period 2", "Period 3", "After",
           "Balance"]  # fmt: skip
    data = [
        ["C00010", "Adatum Corporation", "", 1000.0, 500.0, 0.0, 0.0, 0.0],
        ["C00020", "Trey Research", "EUR", 0.0, 0.0, 320.0, 80.0, 0.0],
        ["C00030", "School of Fine Art", "", 0.0, 0.0, 0.0, 0.0, 2750.0],
        ["C00040", "Alpine Ski House", "", 0.0, 0.0, 0.0, 0.0, 0.0],
    ]
    rows: list[list[Any]] = [["Aged Accounts Receivable"], ["CRONUS USA, Inc."], [], hdr]
    rows += [[*r, sum(r[3:])] for r in data]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Aged Accounts Receivable"
    _sheet(ws, rows)
    _save_xlsx(wb, OUT / "business_central.xlsx")
    _expect("business_central", "business_central.xlsx", sheet="Aged Accounts Receivable",
            header_row=4,
            mapping={"customer_id": "No.", "customer_name": "Name", "currency": "Currency Code",
                     "open_cents": "Balance",
                     "buckets": ["Before", "Period 1", "Period 2", "Period 3", "After"]},
            rows_read=3, items=5, totals={"USD": 425000, "EUR": 40000}, file_total=None,
            last_column=9)  # fmt: skip


@fixture
def sage_intacct() -> None:
    hdr = ["Customer ID", "Customer name", "Invoice", "Date", "Due date", "0-30", "31-60",
           "61-90", "91-120", "121-", "Total due"]  # fmt: skip
    data = [
        ["CU-001", "Quill Paper", "000123", "2024-12-20", "2025-01-19", "310.00", "", "", "", "", "310.00"],
        ["CU-001", "Quill Paper", "000098", "2024-09-01", "2024-10-01", "", "", "", "", "1,020.00", "1,020.00"],
        ["CU-002", "Rook Logistics", "000130", "2024-11-15", "2024-12-15", "", "2,300.00", "", "", "", "2,300.00"],
    ]  # fmt: skip
    rows = [["AR aging report"], ["As of 01/31/2025"], hdr, *data,
            ["Total", "", "", "", "", "310.00", "2,300.00", "", "", "1,020.00", "3,630.00"]]  # fmt: skip
    _csv(OUT / "sage_intacct.txt", rows, "\t", "utf-8")
    _expect("sage_intacct", "sage_intacct.txt", sheet="sage_intacct", header_row=3,
            mapping={"customer_id": "Customer ID", "customer_name": "Customer name",
                     "invoice_no": "Invoice", "invoice_date": "Date", "due_date": "Due date",
                     "open_cents": "Total due",
                     "buckets": ["0-30", "31-60", "61-90", "91-120", "121-"]},
            rows_read=3, totals={"USD": 363000}, file_total={"USD": 363000},
            invoice_nos=["000123", "000098", "000130"], last_column=11)  # fmt: skip


# --------------------------------------------------------------------- Odoo, ERPNext, Zoho


@fixture
def odoo_aged() -> None:
    hdr = ["Partner", "Residual", "Current", "Age ≤ 30 d.", "Age ≤ 60 d.", "Age ≤ 90 d.",
           "Age ≤ 120 d.", "Older"]  # fmt: skip
    blocks = {
        "121000 Account Receivable": [
            ["Azure Interior", 0.0, 500.0, 250.0, 0.0, 0.0, 0.0],
            ["Deco Addict", 0.0, 0.0, 0.0, 1200.0, 0.0, 300.0],
        ],
        "121100 Account Receivable (PoS)": [["Gemini Furniture", 75.0, 0.0, 0.0, 0.0, 0.0, 0.0]],
    }
    rows: list[list[Any]] = [["Aged Partner Balance"], ["Date at: 01/31/2025"],
                             ["Target Moves: All Posted Entries"], []]  # fmt: skip
    total = 0
    items = 0
    for title, data in blocks.items():
        rows.append([title])
        rows.append(hdr)
        for r in data:
            rows.append([r[0], sum(r[1:]), *r[1:]])
            total += _cents(sum(r[1:]))
            items += sum(1 for v in r[1:] if v)
        cols = [sum(r[i] for r in data) for i in range(1, 7)]
        rows.append(["Total", sum(cols), *cols])
        rows.append(["Percents", 100.0, *[round(100 * c / sum(cols), 2) for c in cols]])
        rows.append([])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Aged Partner Balance"
    _sheet(ws, rows)
    _save_xlsx(wb, OUT / "odoo_aged.xlsx")
    _expect("odoo_aged", "odoo_aged.xlsx", sheet="Aged Partner Balance", header_row=6,
            mapping={"customer_name": "Partner", "open_cents": "Residual",
                     "buckets": ["Current", "Age ≤ 30 d.", "Age ≤ 60 d.", "Age ≤ 90 d.",
                                 "Age ≤ 120 d.", "Older"]},
            rows_read=3, items=items, totals={"USD": total}, file_total={"USD": total},
            last_column=8)  # fmt: skip


@fixture
def erpnext() -> None:
    hdr = ["Posting Date", "Party Type", "Party", "Receivable Account", "Customer Name",
           "Customer Contact", "Cost Center", "Voucher Type", "Voucher No", "Due Date",
           "Invoiced Amount", "Paid Amount", "Credit Note", "Outstanding Amount", "Age (Days)",
           "0-30", "31-60", "61-90", "91-120", "121-Above", "Currency", "Customer LPO",
           "Territory", "Customer Group", "Sales Person", "Remarks"]  # fmt: skip
    data = [
        ["2024-12-10", "Customer", "CUST-00012", "Debtors - EX", "Sierra Tools", "Ana Diaz",
         "Main - EX", "Sales Invoice", "ACC-SINV-2024-00100", "2025-01-09", "1000.00", "400.00",
         "0", "600.00", "22", "600.00", "0", "0", "0", "0", "INR", "", "India", "Commercial",
         "Ravi", ""],
        ["2024-10-01", "Customer", "CUST-00015", "Debtors - EX", "Tango Foods", "",
         "Main - EX", "Sales Invoice", "ACC-SINV-2024-00077", "2024-10-31", "2500.00", "0",
         "0", "2500.00", "92", "0", "0", "0", "2500.00", "0", "INR", "", "India", "Retail",
         "Meera", "follow up"],
        ["2025-01-05", "Customer", "CUST-00015", "Debtors - EX", "Tango Foods", "",
         "Main - EX", "Sales Invoice", "ACC-SINV-2025-00003", "2025-01-05", "-300.00", "0",
         "300.00", "-300.00", "26", "-300.00", "0", "0", "0", "0", "INR", "", "India", "Retail",
         "Meera", "return"],
    ]  # fmt: skip
    _csv(OUT / "erpnext.csv", [hdr, *data], ",", "utf-8-sig")
    _expect("erpnext", "erpnext.csv", sheet="erpnext", header_row=1,
            mapping={"invoice_date": "Posting Date", "customer_id": "Party",
                     "customer_name": "Customer Name", "contact": "Customer Contact",
                     "doc_type": "Voucher Type", "invoice_no": "Voucher No",
                     "due_date": "Due Date", "original_cents": "Invoiced Amount",
                     "paid_cents": "Paid Amount", "open_cents": "Outstanding Amount",
                     "days_overdue": "Age (Days)", "currency": "Currency",
                     "segment": "Customer Group", "owner": "Sales Person", "notes": "Remarks",
                     "buckets": ["0-30", "31-60", "61-90", "91-120", "121-Above"]},
            rows_read=3, totals={"INR": 280000}, file_total=None, last_column=26)  # fmt: skip


@fixture
def zoho_summary() -> None:
    hdr = ["Customer Name", "Current", "1-15", "16-30", "31-45", "> 45 Days", "Total"]
    data = [["Umbra Media", 120.0, 0.0, 80.0, 0.0, 0.0], ["Vesta Labs", 0.0, 0.0, 0.0, 55.5, 900.0]]
    rows: list[list[Any]] = [["AR Aging Summary"], ["As of 31/01/2025"], [], hdr]
    rows += [[*r, sum(r[1:])] for r in data]
    rows.append(["Total", 120.0, 0.0, 80.0, 55.5, 900.0, 1155.5])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "AR Aging Summary"
    _sheet(ws, rows)
    _save_xlsx(wb, OUT / "zoho_summary.xlsx")
    _expect("zoho_summary", "zoho_summary.xlsx", sheet="AR Aging Summary", header_row=4,
            mapping={"customer_name": "Customer Name", "open_cents": "Total",
                     "buckets": ["Current", "1-15", "16-30", "31-45", "> 45 Days"]},
            rows_read=2, items=4, totals={"USD": 115550}, file_total={"USD": 115550},
            last_column=7)  # fmt: skip


# --------------------------------------------------------------------- hand-kept, German, multi


@fixture
def hand_kept() -> None:
    hdr = ["Customer ID", "Customer", "Invoice #", "Invoice Date", "Due Date", "Amount",
           "Balance", "Curr", "Collector", "Email", "Disputed?", "Promise Date",
           "Promise Amount", "Hold Until", "Notes"]  # fmt: skip
    data = [
        ["00042", "Willow Bakery", "H-100", D(2024, 12, 1), D(2024, 12, 31), 800.0, 800.0, "EUR",
         "Sam", "ap@willow.example", "", None, None, None, ""],
        ["00042", "Willow Bakery", "H-101", D(2025, 1, 5), D(2025, 2, 4), 450.0, 450.0, "EUR",
         "Sam", "ap@willow.example", "Y", None, None, None, "wrong price"],
        ["00107", "Xenon Labs", "H-102", D(2024, 11, 20), D(2024, 12, 20), 2000.0, 1500.0, "USD",
         "Kim", "", "", D(2025, 2, 10), 1500.0, None, "promised"],
        ["00107", "Xenon Labs", "H-103", D(2024, 10, 1), D(2024, 10, 31), 60.0, 0.0, "USD",
         "Kim", "", "", None, None, None, "paid"],
        ["00200", "Yarrow Ltd", "H-104", D(2024, 12, 12), D(2025, 1, 11), 310.0, 310.0, "EUR",
         "Sam", "finance@yarrow.example", "", None, None, D(2025, 2, 15), "sales asked to wait"],
    ]  # fmt: skip
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tracker"
    ws["B1"] = "Collections tracker - Q1 2025"
    ws.merge_cells("B1:P1")
    ws["B2"] = "Kept by the AR team; do not sort"
    ws.merge_cells("B2:H2")
    _sheet(ws, [hdr, *data], top=4, left=2)
    for r in range(5, 5 + len(data)):
        ws.cell(row=r, column=2).number_format = "@"
    ws.add_table(Table(displayName="tblAging", ref=f"B4:P{4 + len(data)}"))
    # a previous run's managed block, right of the team's table
    _sheet(ws, [list(MANAGED_HEADERS)] + [[5, "1-30", "Friendly reminder", 40]] * len(data),
           top=4, left=17)  # fmt: skip
    _save_xlsx(wb, OUT / "hand_kept.xlsx")
    _expect("hand_kept", "hand_kept.xlsx", sheet="Tracker", header_row=4,
            mapping={"customer_id": "Customer ID", "customer_name": "Customer",
                     "invoice_no": "Invoice #", "invoice_date": "Invoice Date",
                     "due_date": "Due Date", "original_cents": "Amount", "open_cents": "Balance",
                     "currency": "Curr", "owner": "Collector", "email": "Email",
                     "disputed": "Disputed?", "promise_date": "Promise Date",
                     "promise_cents": "Promise Amount", "hold_until": "Hold Until",
                     "notes": "Notes"},
            rows_read=4, totals={"EUR": 156000, "USD": 150000}, file_total=None,
            last_column=16, customer_ids=["00042", "00042", "00107", "00200"])  # fmt: skip


@fixture
def german_latin1() -> None:
    hdr = ["Kundennummer", "Kunde", "Rechnungsnummer", "Rechnungsdatum", "Fällig am", "Betrag",
           "Offener Betrag", "Währung", "Bemerkung"]  # fmt: skip
    data = [
        ["10001", "Müller & Söhne GmbH", "RE-2024-0815", "03.12.2024", "02.01.2025", "1.190,00", "1.190,00", "EUR", "Mahnung 1"],
        ["10001", "Müller & Söhne GmbH", "GS-2025-0003", "10.01.2025", "10.01.2025", "-119,00", "-119,00", "EUR", "Gutschrift"],
        ["10007", "Bäckerei Groß", "RE-2025-0021", "07.01.2025", "06.02.2025", "88,40", "88,40", "EUR", ""],
        ["10009", "Schön AG", "RE-2024-0700", "01.10.2024", "31.10.2024", "2.000,00", "0,00", "EUR", "bezahlt"],
    ]  # fmt: skip
    rows = [["Offene Posten Debitoren"], ["Stichtag: 31.01.2025"], [], hdr, *data,
            ["Summe", "", "", "", "", "", "1.159,40", "EUR", ""]]  # fmt: skip
    _csv(OUT / "german_latin1.csv", rows, ";", "latin-1")
    _expect("german_latin1", "german_latin1.csv", sheet="german_latin1", header_row=4,
            mapping={"customer_id": "Kundennummer", "customer_name": "Kunde",
                     "invoice_no": "Rechnungsnummer", "invoice_date": "Rechnungsdatum",
                     "due_date": "Fällig am", "original_cents": "Betrag",
                     "open_cents": "Offener Betrag", "currency": "Währung", "notes": "Bemerkung"},
            rows_read=3, totals={"EUR": 115940}, file_total={"EUR": 115940},
            last_column=9)  # fmt: skip


@fixture
def multi_sheet() -> None:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Read me"
    _sheet(notes, [["How to use this book"], ["Refresh the aging on Mondays."]])
    cust = wb.create_sheet("Customers")
    _sheet(
        cust, [["Customer ID", "Customer Name", "Email"], ["A1", "Alder Inc", "a@alder.example"]]
    )
    aging = wb.create_sheet("Open items")
    hdr = ["Customer Name", "Invoice No", "Invoice Date", "Due Date", "Days Overdue", "Amount Due"]
    data = [
        ["Alder Inc", 5001, D(2024, 12, 1), D(2024, 12, 31), 31, 999.99],
        ["Birch Co", 5002, D(2025, 1, 2), None, 5, 25.0],
        ["Birch Co", 5002, D(2025, 1, 2), D(2025, 1, 26), 5, 25.0],
    ]
    _sheet(aging, [["Open items as of 2025-01-31"], hdr, *data])
    settings = wb.create_sheet("Settings")
    _sheet(settings, [["Setting", "Value"], ["Minimum amount", 50]])
    _save_xlsx(wb, OUT / "multi_sheet.xlsx")
    _expect("multi_sheet", "multi_sheet.xlsx", sheet="Open items", header_row=2,
            mapping={"customer_name": "Customer Name", "invoice_no": "Invoice No",
                     "invoice_date": "Invoice Date", "due_date": "Due Date",
                     "days_overdue": "Days Overdue", "open_cents": "Amount Due"},
            rows_read=3, totals={"USD": 104999}, file_total=None, last_column=6,
            duplicates=1)  # fmt: skip


@fixture
def spanish_dmy() -> None:
    hdr = ["Cliente", "Nº Factura", "Fecha", "Vencimiento", "Importe", "Saldo pendiente", "Moneda"]
    data = [
        ["Olivar SL", "F-0001", "05/12/2024", "04/01/2025", "1.500,00", "1.500,00", "EUR"],
        ["Olivar SL", "F-0009", "20/12/2024", "19/01/2025", "300,00", "120,50", "EUR"],
        ["Pino SA", "F-0012", "02/01/2025", "01/02/2025", "75,00", "75,00", "EUR"],
    ]
    _csv(OUT / "spanish_dmy.csv", [hdr, *data], ";", "utf-8")
    _expect("spanish_dmy", "spanish_dmy.csv", sheet="spanish_dmy", header_row=1,
            mapping={"customer_name": "Cliente", "invoice_no": "Nº Factura", "invoice_date": "Fecha",
                     "due_date": "Vencimiento", "original_cents": "Importe",
                     "open_cents": "Saldo pendiente", "currency": "Moneda"},
            rows_read=3, totals={"EUR": 169550}, file_total=None, last_column=7,
            due_dates=["2025-01-04", "2025-01-19", "2025-02-01"])  # fmt: skip


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for fn in FIXTURES:
        fn()
    print(f"wrote {len(FIXTURES)} layouts to {OUT}")


if __name__ == "__main__":
    main()
