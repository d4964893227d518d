"""explain_text / explain_json / check_blocks tell the same story about one ingest."""

from __future__ import annotations

import datetime as dt
import json

from dunning_core.explain import check_blocks, explain_json, explain_text
from dunning_core.ingest import ingest
from dunning_core.policy import DEFAULT_POLICY
from dunning_core.records import BookSnapshot, RawSheet

ROWS = [
    ["Aging report (EUR)"],
    ["Customer", "Invoice", "Due Date", "Open Balance", "Region"],
    ["Acme", "1", dt.date(2025, 1, 1), 100.0, "N"],
    ["Acme", "2", dt.date(2025, 1, 2), "lots", "N"],
    [None],
    ["TOTAL", None, None, 150.0, None],
]


def _ingest():  # type: ignore[no-untyped-def]
    book = BookSnapshot("ar.xlsx", ("AR",), (RawSheet("AR", ROWS),))
    return ingest(book, DEFAULT_POLICY, dt.date(2025, 1, 31))


def test_json_has_the_documented_keys_and_serialises() -> None:
    ing, problems = _ingest()
    got = explain_json(ing.report, problems)
    json.dumps(got)
    assert got["sheet"] == "AR" and got["header_row"] == 2
    assert got["mapping"]["open_cents"] == "Open Balance"
    assert got["mapping"]["customer_name"] == "Customer"
    assert got["rows_read"] == 1 and got["rows_skipped"] == 3
    assert got["open_balance_total"] == {"EUR": 100.0}
    assert got["file_total"] == {"EUR": 150.0}
    assert got["unmapped"] == ["Region"]
    severities = {p["severity"] for p in got["problems"]}
    assert severities == {"error", "info"}
    assert got["skipped_by_reason"] == {"blank separator row": 1, "grand total row": 1}


def test_text_names_sheet_header_mapping_skips_and_control_total() -> None:
    ing, problems = _ingest()
    text = explain_text(ing.report, problems)
    assert "Sheet: 'AR'" in text and "Header row: 2" in text
    assert "open_cents" in text and "'Open Balance' (column 4)" in text
    assert "Unmapped columns: 'Region'" in text
    assert "1 x grand total row: A6 'TOTAL'" in text
    assert "EUR: read €100; file €150 DIFFERENT" in text
    assert "ERROR AR!D4 open_cents 'lots'" in text


def test_check_blocks_titles_and_values() -> None:
    ing, _ = _ingest()
    blocks = check_blocks(ing.report)
    assert [b.title for b in blocks] == ["Header mapping", "Control totals", "Derived fields"]
    mapping = blocks[0].frame
    assert "Open Balance" in mapping["Source header"].tolist()
    assert "(unmapped)" in mapping["Field"].tolist()
    control = blocks[1].frame
    assert control["Difference"].tolist() == [-50.0]
    assert blocks[1].formats["Difference"] == "money"
