"""Sheet layout of ``workbook_template.xlsm``: an example aging book and empty tool sheets.

Why example rows: a collector who opens the template presses *Refresh queue* and sees
the whole cycle work before pasting their own export over the table. The tool sheets
carry only their headers; the first run rewrites them (same layout as file mode).
All values are fixed (no "today"), so the template builds to the same bytes.
"""

from __future__ import annotations

from datetime import datetime

import openpyxl
from openpyxl.styles import Font
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from dunning_core.columns import (
    ACTIVITY_COLUMNS,
    DRAFT_COLUMNS,
    PROBLEM_COLUMNS,
    PROMISE_COLUMNS,
    S,
)

AGING_SHEET = "Aging"
AGING_HEADERS = (
    "Customer ID",
    "Customer Name",
    "Invoice No",
    "Invoice Date",
    "Due Date",
    "Amount",
    "Open Balance",
    "Currency",
    "Collector",
    "Email",
    "Notes",
)
_CUSTOMERS = (
    ("C001", "Alder Instruments Ltd", "ap@alder.example", "Maria"),
    ("C002", "Birch & Co", "payables@birch.example", "Maria"),
    ("C003", "Cedar Logistics GmbH", "invoices@cedar.example", "Jonas"),
    ("C004", "Dogwood Foods", "ap@dogwood.example", "Jonas"),
)
#: (customer index, invoice no, invoice date, due date, amount, open balance, note)
EXAMPLE_ROWS = (
    (0, "INV-1001", datetime(2026, 7, 1), datetime(2026, 7, 31), 1200.00, 1200.00, ""),
    (0, "INV-1017", datetime(2026, 8, 14), datetime(2026, 9, 13), 845.50, 845.50, ""),
    (1, "INV-1003", datetime(2026, 6, 20), datetime(2026, 7, 20), 3400.00, 1400.00, "part paid"),
    (1, "INV-1022", datetime(2026, 9, 2), datetime(2026, 10, 2), 560.00, 560.00, ""),
    (2, "INV-1008", datetime(2026, 5, 15), datetime(2026, 6, 14), 9800.00, 9800.00, "disputed"),
    (2, "INV-1030", datetime(2026, 10, 1), datetime(2026, 10, 31), 2150.25, 2150.25, ""),
    (3, "INV-1011", datetime(2026, 8, 1), datetime(2026, 8, 31), 430.00, 430.00, ""),
    (3, "INV-1026", datetime(2026, 9, 15), datetime(2026, 10, 15), 1275.00, 1275.00, ""),
    (3, "INV-1034", datetime(2026, 10, 20), datetime(2026, 11, 19), 990.00, 990.00, ""),
    (0, "INV-1038", datetime(2026, 11, 2), datetime(2026, 12, 2), 310.40, 310.40, ""),
)
#: Tool sheets and the headers they start with (Expected Cash and Settings are blocks).
TOOL_SHEETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (S.SETTINGS, ()),
    (S.DRAFTS, DRAFT_COLUMNS),
    (S.ACTIVITY, ACTIVITY_COLUMNS),
    (S.PROMISES, PROMISE_COLUMNS),
    (S.EXPECTED_CASH, ()),
    (S.DATA_CHECK, PROBLEM_COLUMNS),
)


def _aging(ws: Worksheet) -> None:
    ws.append(list(AGING_HEADERS))
    for cust, inv, inv_date, due, amount, open_bal, note in EXAMPLE_ROWS:
        cid, name, email, collector = _CUSTOMERS[cust]
        ws.append([cid, name, inv, inv_date, due, amount, open_bal, "EUR", collector, email, note])
    last = len(EXAMPLE_ROWS) + 1
    for row in ws.iter_rows(min_row=2, max_row=last):
        row[3].number_format = row[4].number_format = "yyyy-mm-dd"
        row[5].number_format = row[6].number_format = "#,##0.00"
    table = Table(displayName="tblAging", ref=f"A1:K{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A2"
    widths = (12, 24, 12, 13, 13, 12, 14, 10, 12, 26, 16)
    for letter, width in zip("ABCDEFGHIJK", widths, strict=True):
        ws.column_dimensions[letter].width = width


def fill_template(wb: openpyxl.Workbook) -> openpyxl.Workbook:
    """Lay out the template's sheets in ``wb`` (a fresh workbook) and return it."""
    ws = wb.active
    assert ws is not None
    ws.title = AGING_SHEET
    _aging(ws)
    for name, headers in TOOL_SHEETS:
        sheet = wb.create_sheet(name)
        if headers:
            sheet.append(list(headers))
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "A2"
        else:
            sheet["A1"] = f"{name}: written by the Collections ribbon on the first run."
    return wb
