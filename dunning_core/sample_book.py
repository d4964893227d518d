"""The embedded default: a realistic sample aging workbook for ``dunning demo``.

It looks like a team's hand-kept book exported from an ERP: title rows above the
header, ids with leading zeros, three currencies, a credit note, partly paid
invoices, disputes, promises (open in the sheet; kept and broken ones in a Promises
log from earlier weeks), holds, strategic accounts, missing e-mails, German and
French customers, and a team formula column the tool must leave alone. It is
generated from a fixed seed and a fixed as-of date, so the demo, the golden files
and the README pictures are the same on every machine.

This module writes the *team's* workbook, so it may use openpyxl; the tool itself
never saves a team's book through openpyxl.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

SAMPLE_AS_OF = date(2026, 11, 23)
SAMPLE_NAME = "aging.xlsx"
AGING_SHEET = "AR Aging"
HEADER_ROW = 4
_SEED = 20261123

HEADERS = (
    "Customer No",
    "Customer Name",
    "Invoice #",
    "Invoice Date",
    "Due Date",
    "Terms",
    "Currency",
    "Original Amount",
    "Open Balance",
    "Collector",
    "Contact Person",
    "Email",
    "Language",
    "Dispute",
    "Dispute Reason",
    "Promise Date",
    "Promise Amount",
    "Hold Until",
    "Do Not Contact",
    "Strategic",
    "Payment Plan",
    "Last Contact",
    "Notes",
    "Team check",
)

_FIRST = (
    "Acme",
    "Birch",
    "Cobalt",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nordic",
    "Orchid",
    "Pioneer",
    "Quartz",
    "Rivet",
    "Summit",
    "Tundra",
)
_SECOND = (
    "Industries",
    "Logistics",
    "Foods",
    "Systems",
    "Retail",
    "Health",
    "Energy",
    "Textiles",
    "Labs",
    "Works",
    "Marine",
    "Media",
)
_COLLECTORS = ("Ana Ruiz", "Ben Okafor", "Chloé Martin")
_DISPUTES = (
    "Short shipment",
    "Price differs from PO",
    "Damaged goods",
    "Duplicate billing",
    "Missing proof of delivery",
)


def _customers(rng: np.random.Generator) -> list[dict[str, Any]]:
    out = []
    for i in range(60):
        name = f"{_FIRST[i % 20]} {_SECOND[(i * 7) % 12]}"
        if i >= 20:
            name += " GmbH" if i % 5 == 0 else (" SARL" if i % 7 == 0 else " Inc.")
        lang = "de" if name.endswith("GmbH") else ("fr" if name.endswith("SARL") else "en")
        cur = "EUR" if lang in ("de", "fr") or i % 9 == 0 else ("GBP" if i % 6 == 1 else "USD")
        slug = name.split()[0].lower()
        out.append(
            {
                "id": f"C{i + 1:04d}",
                "name": name,
                "currency": cur,
                "language": lang,
                "collector": _COLLECTORS[i % 3],
                "contact": f"{('Sam', 'Alex', 'Kim', 'Jo', 'Max')[i % 5]} {name.split()[0]}",
                "email": "" if i in (7, 19, 33, 52) else f"ap@{slug}{i + 1}.example",
                "strategic": "Yes" if i in (3, 28, 45) else "",
                "dnc": "Yes" if i == 40 else "",
                "plan": "Yes" if i in (11, 50) else "",
                "hold": SAMPLE_AS_OF + timedelta(days=10 + i % 7) if i in (5, 22, 37) else None,
                "terms": int(rng.choice([15, 30, 30, 45, 60])),
                "size": float(rng.lognormal(8.2, 1.0)),
            }
        )
    return out


def sample_rows(as_of: date = SAMPLE_AS_OF) -> list[list[Any]]:
    """The sample's data rows, in header order (deterministic)."""
    rng = np.random.default_rng(_SEED)
    rows: list[list[Any]] = []
    inv_no = 104_200
    for c in _customers(rng):
        for _ in range(int(rng.integers(3, 9))):
            inv_no += int(rng.integers(1, 4))
            age = int(rng.integers(0, 210))
            inv_date = as_of - timedelta(days=age)
            due = inv_date + timedelta(days=c["terms"])
            amount = round(float(c["size"] * rng.uniform(0.3, 2.5)), 2)
            paid_share = float(rng.choice([0, 0, 0, 0, 0.25, 0.5]))
            open_bal = round(amount * (1 - paid_share), 2)
            rows.append(
                [
                    c["id"],
                    c["name"],
                    f"INV-{inv_no}",
                    inv_date,
                    due,
                    f"Net {c['terms']}",
                    c["currency"],
                    amount,
                    open_bal,
                    c["collector"],
                    c["contact"],
                    c["email"],
                    c["language"],
                    "",
                    "",
                    None,
                    None,
                    c["hold"],
                    c["dnc"],
                    c["strategic"],
                    c["plan"],
                    None,
                    "",
                    None,
                ]
            )
    _sprinkle(rows, rng, as_of)
    return rows


def _sprinkle(rows: list[list[Any]], rng: np.random.Generator, as_of: date) -> None:
    """Add the cases a real book has: disputes, promises, contacts, a credit note."""
    col = {h: i for i, h in enumerate(HEADERS)}
    overdue = [r for r in rows if r[col["Due Date"]] < as_of]
    picks = rng.choice(len(overdue), size=24, replace=False)
    for k, idx in enumerate(picks):
        r = overdue[int(idx)]
        if k < 8:  # disputes with a reason
            r[col["Dispute"]] = "Yes"
            r[col["Dispute Reason"]] = _DISPUTES[k % len(_DISPUTES)]
        elif k < 14:  # open promises to pay in the coming weeks
            r[col["Promise Date"]] = as_of + timedelta(days=int(rng.integers(2, 30)))
            r[col["Promise Amount"]] = r[col["Open Balance"]]
        elif k < 16:  # promises whose date passed: broken on this run
            r[col["Promise Date"]] = as_of - timedelta(days=int(rng.integers(6, 20)))
            r[col["Promise Amount"]] = r[col["Open Balance"]]
        else:  # contacted recently: cadence holds the next reminder back
            r[col["Last Contact"]] = as_of - timedelta(days=int(rng.integers(1, 5)))
            r[col["Notes"]] = "Called AP, invoice with approver"
    first = rows[0]
    credit = list(first)
    credit[col["Invoice #"]] = "CN-9001"
    credit[col["Invoice Date"]] = as_of - timedelta(days=20)
    credit[col["Due Date"]] = as_of - timedelta(days=20)
    credit[col["Original Amount"]] = -450.0
    credit[col["Open Balance"]] = -450.0
    credit[col["Notes"]] = "Credit note for returned goods"
    rows.insert(3, credit)
    rows[5][col["Notes"]] = "-- resent invoice copy, see mail of 10 Nov"  # text, stays text


def write_sample_book(folder: Path, *, fresh: bool = False) -> Path:
    """Write the sample book into ``folder`` and return its path.

    An existing sample is kept (so running the demo twice shows a re-run keeping
    every collector edit) unless ``fresh`` is set.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SAMPLE_NAME
    if path.exists() and not fresh:
        return path
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = AGING_SHEET
    ws["A1"] = "Example Trading Ltd - Accounts receivable aging"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"As of {SAMPLE_AS_OF:%d %B %Y} - ERP export, amounts in document currency"
    ws.append([])
    ws.append(list(HEADERS))
    head_fill = PatternFill("solid", fgColor="D9E1F2")
    for cell in ws[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.alignment = Alignment(wrap_text=True)
    rows = sample_rows()
    for i, r in enumerate(rows):
        n = HEADER_ROW + 1 + i
        ws.append([*r[:-1], f'=IF(I{n}<0,"credit",IF(E{n}<DATE(2026,11,23),"overdue","ok"))'])
        for c in (4, 5, 16, 18, 22):
            ws.cell(n, c).number_format = "yyyy-mm-dd"
        for c in (8, 9, 17):
            ws.cell(n, c).number_format = "#,##0.00"
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    widths = (
        11,
        24,
        12,
        12,
        12,
        9,
        9,
        14,
        14,
        13,
        16,
        26,
        9,
        8,
        24,
        12,
        14,
        12,
        9,
        9,
        9,
        12,
        30,
        11,
    )
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(HEADERS))}{HEADER_ROW + len(rows)}"
    _promise_log(wb, rows)
    wb.properties.creator = "dunning demo"
    wb.properties.created = datetime(2026, 11, 23, 8, 0, 0)
    wb.properties.modified = datetime(2026, 11, 23, 8, 0, 0)
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(path)
    return path


def _promise_log(wb: Workbook, rows: list[list[Any]]) -> None:
    """A Promises log as kept by earlier weekly runs: one promise now kept, one broken.

    The kept promise covers an invoice no longer in the book (paid); the broken one
    covers an invoice still open two weeks after its promise date.
    """
    from dunning_core.columns import PROMISE_COLUMNS

    col = {h: i for i, h in enumerate(HEADERS)}
    d = SAMPLE_AS_OF
    late = next(
        r
        for r in rows
        if r[col["Due Date"]] < d - timedelta(days=40)
        and not r[col["Dispute"]]
        and not r[col["Promise Date"]]
        and r[col["Open Balance"]] > 0
    )
    paid = rows[-1]
    ws = wb.create_sheet("Promises")
    ws.append(list(PROMISE_COLUMNS))
    ws.append(
        [
            "PR-" + paid[0] + "-20261109",
            d - timedelta(days=21),
            paid[0],
            paid[1],
            "INV-100001",
            1800.0,
            paid[col["Currency"]],
            d - timedelta(days=14),
            "open",
            None,
            "Paid on time",
            "earlier run",
        ]
    )
    ws.append(
        [
            "PR-" + late[0] + "-20261110",
            d - timedelta(days=20),
            late[0],
            late[1],
            late[col["Invoice #"]],
            late[col["Open Balance"]],
            late[col["Currency"]],
            d - timedelta(days=13),
            "open",
            None,
            "Said the payment run is on the 10th",
            "earlier run",
        ]
    )
    for r in (2, 3):
        for c in (2, 8):
            ws.cell(r, c).number_format = "yyyy-mm-dd"
