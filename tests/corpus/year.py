"""A year of weekly exports and collector edits on the sample book (issue 6, part 2).

:class:`Ledger` plays the ERP: it starts from the sample's open items and each week
settles some invoices in full, some in part, issues new ones and, once, renumbers
an invoice (credit and re-bill). :meth:`Ledger.export` gives the rows of the weekly
export in the sample's column order; tests paste them over the team's columns with
:func:`corpus.sheetxml.replace_rows`, as a team pastes a fresh export.

Promises typed by collectors are honoured or not as the ledger was told when the
promise was made (:meth:`Ledger.promise`), so the tests know which promises the tool
must mark kept and which broken. Everything is seeded: the same year every run.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from dunning_core.sample_book import HEADER_ROW, HEADERS, SAMPLE_AS_OF, sample_rows

COL = {h: i for i, h in enumerate(HEADERS)}
#: Columns a collector types into; a fresh ERP export leaves them blank.
COLLECTOR_COLUMNS = (
    "Dispute",
    "Dispute Reason",
    "Promise Date",
    "Promise Amount",
    "Hold Until",
    "Last Contact",
    "Notes",
)
TEAM_FORMULA = '=IF(I{n}<0,"credit",IF(E{n}<DATE(2026,11,23),"overdue","ok"))'


@dataclass
class Promise:
    """A promise a collector typed, and whether the customer will keep it."""

    invoice: str
    customer_id: str
    date: datetime.date
    cents: int
    keep: bool
    typed_week: int
    paid_on: datetime.date | None = None


@dataclass
class Ledger:
    """The ERP's open items, moved forward one week at a time."""

    seed: int = 6
    rows: list[list[Any]] = field(default_factory=list)
    promises: dict[str, Promise] = field(default_factory=dict)
    renumbered: tuple[str, str] | None = None
    next_no: int = 900_000

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.rows = [list(r) for r in sample_rows()]
        for r in self.rows:
            for h in COLLECTOR_COLUMNS:
                r[COL[h]] = None if "Date" in h or "Amount" in h or "Until" in h else ""

    def invoice(self, number: str) -> list[Any] | None:
        return next((r for r in self.rows if r[COL["Invoice #"]] == number), None)

    def promise(self, number: str, on: date, keep: bool, week: int) -> Promise:
        row = self.invoice(number)
        assert row is not None
        cents = round(row[COL["Open Balance"]] * 100)
        p = Promise(number, row[COL["Customer No"]], on, cents, keep, week)
        self.promises[number] = p
        return p

    def _protected(self, number: str, as_of: date) -> bool:
        """Promised invoices move only as the promise says (kept: paid; broken: unpaid)."""
        p = self.promises.get(number)
        return p is not None and p.paid_on is None and as_of <= p.date + timedelta(days=42)

    def advance(self, as_of: date, week: int) -> None:
        """One week of ERP activity up to ``as_of``."""
        keep: list[list[Any]] = []
        for r in self.rows:
            number = r[COL["Invoice #"]]
            p = self.promises.get(number)
            if p is not None and p.paid_on is None and p.keep and as_of >= p.date - timedelta(6):
                p.paid_on = as_of
                continue  # paid in full as promised
            if self._protected(number, as_of) or r[COL["Open Balance"]] <= 0:
                keep.append(r)
                continue
            overdue = r[COL["Due Date"]] < as_of
            roll = float(self.rng.random())
            if roll < (0.14 if overdue else 0.04):
                continue  # paid in full
            if roll < (0.18 if overdue else 0.05):
                share = float(self.rng.choice([0.25, 0.5]))
                r[COL["Open Balance"]] = round(r[COL["Open Balance"]] * (1 - share), 2)
            keep.append(r)
        self.rows = keep
        customers = {r[COL["Customer No"]]: r for r in sample_rows()}
        ids = sorted(customers)
        for _ in range(int(self.rng.integers(4, 9))):
            base = list(customers[ids[int(self.rng.integers(0, len(ids)))]])
            terms = int(base[COL["Terms"]].split()[-1])
            self.next_no += int(self.rng.integers(1, 3))
            amount = round(float(self.rng.uniform(300, 9000)), 2)
            base[COL["Invoice #"]] = f"INV-{self.next_no}"
            base[COL["Invoice Date"]] = as_of - timedelta(days=int(self.rng.integers(0, 7)))
            base[COL["Due Date"]] = base[COL["Invoice Date"]] + timedelta(days=terms)
            base[COL["Original Amount"]] = amount
            base[COL["Open Balance"]] = amount
            for h in COLLECTOR_COLUMNS:
                base[COL[h]] = None if "Date" in h or "Amount" in h or "Until" in h else ""
            self.rows.append(base)
        if week == 6 and self.renumbered is None:  # credit and re-bill under a new number
            r = next(
                r for r in self.rows
                if r[COL["Open Balance"]] > 0 and r[COL["Invoice #"]] not in self.promises
            )  # fmt: skip
            old = r[COL["Invoice #"]]
            r[COL["Invoice #"]] = f"{old}-R"
            self.renumbered = (old, f"{old}-R")

    def export(self) -> list[list[Any]]:
        """The weekly export: rows in invoice order, the team's formula column filled."""
        rows = sorted(self.rows, key=lambda r: (r[COL["Customer No"]], r[COL["Invoice #"]]))
        out = []
        for i, r in enumerate(rows):
            n = HEADER_ROW + 1 + i
            out.append([*r[:-1], TEAM_FORMULA.format(n=n)])
        return out


def as_of(week: int) -> date:
    """The as-of date of ``week`` (0 = the sample's own date)."""
    return SAMPLE_AS_OF + timedelta(days=7 * week)
