"""One test per real-world layout in tests/fixtures/layouts/ (see make_layouts.py).

Each fixture's expected mapping, rows read and control totals were written by the
generator from its own invoice lists; the test reads the file as a user would
(``read_book`` then ``ingest``) and compares.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
from decimal import Decimal

import pytest

from dunning_core.columns import ALL_FIELDS, MANAGED_HEADERS, F
from dunning_core.explain import explain_json
from dunning_core.ingest import ingest
from dunning_core.policy import DEFAULT_POLICY
from dunning_core.records import Severity
from dunning_core.workbook.reader import read_book

LAYOUTS = pathlib.Path(__file__).parent / "fixtures" / "layouts"
CASES = sorted(p.name.removesuffix(".expected.json") for p in LAYOUTS.glob("*.expected.json"))
AS_OF = dt.date(2025, 1, 31)


def _cents(units: str) -> int:
    return int(Decimal(units) * 100)


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_layout(case: str) -> None:
    exp = json.loads((LAYOUTS / f"{case}.expected.json").read_text())
    path = LAYOUTS / exp["file"]
    before = path.read_bytes()
    ing, problems = ingest(read_book(path), DEFAULT_POLICY, AS_OF)
    rep, inv = ing.report, ing.invoices
    got = explain_json(rep, problems)
    assert rep.sheet == exp["sheet"]
    assert rep.header_row == exp["header_row"]
    for field, header in exp["mapping"].items():
        assert got["mapping"].get(field) == header, (field, got["mapping"])
    assert rep.rows_read == exp["rows_read"]
    if "items" in exp:
        assert len(inv) == exp["items"]
    want = {c: _cents(v) for c, v in exp["open_balance_total"].items()}
    assert dict(rep.open_total_cents) == want
    assert inv.groupby(F.CURRENCY)[F.OPEN_CENTS].sum().to_dict() == want
    if exp.get("file_total") is not None:
        assert dict(rep.file_total_cents) == {c: _cents(v) for c, v in exp["file_total"].items()}
    assert rep.last_column == exp["last_column"]
    assert set(ALL_FIELDS) <= set(inv.columns)
    assert inv[F.OPEN_CENTS].dtype == "int64"
    assert not any(p.severity == Severity.ERROR for p in problems), problems
    assert not set(MANAGED_HEADERS) & {v for v in got["mapping"].values() if isinstance(v, str)}
    assert inv[F.DUE_DATE].notna().all()
    assert path.read_bytes() == before  # never modified
    if "customer_ids" in exp:
        assert inv[F.CUSTOMER_ID].tolist() == exp["customer_ids"]
    if "customer_names" in exp:
        assert inv[F.CUSTOMER_NAME].tolist() == exp["customer_names"]
    if "invoice_nos" in exp:
        assert inv[F.INVOICE_NO].tolist() == exp["invoice_nos"]
    if "due_dates" in exp:
        assert inv[F.DUE_DATE].dt.strftime("%Y-%m-%d").tolist() == exp["due_dates"]
    if "duplicates" in exp:
        dups = [p for p in problems if "duplicate invoice" in p.message]
        assert len(dups) == exp["duplicates"]
    json.dumps(got)  # serialisable
