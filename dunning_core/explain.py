"""Explain what ingest did: for ``dunning check``, ``--json`` and the Data Check sheet.

The same facts in three shapes (text for people, a dict for scripts, titled
tables for the workbook), all built from the :class:`IngestReport` and the
problems list, so the three never disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import pandas as pd

from dunning_core.columns import F
from dunning_core.money import format_amount, to_units
from dunning_core.records import Block, IngestReport, Problem, Severity

EXAMPLES = 5  # skipped rows shown per reason


def _skips(problems: Sequence[Problem]) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = {}
    for p in problems:
        if p.severity == Severity.INFO and p.message.startswith("row skipped: "):
            out.setdefault(p.message.removeprefix("row skipped: "), []).append(p)
    return out


def _control(report: IngestReport) -> list[tuple[str, int, int | None]]:
    ccys = sorted(set(report.open_total_cents) | set(report.file_total_cents))
    ccys = ccys or [report.currency_default]  # nothing read: say so, in the book's currency
    return [(c, report.open_total_cents.get(c, 0), report.file_total_cents.get(c)) for c in ccys]


def explain_text(report: IngestReport, problems: Sequence[Problem]) -> str:
    """Plain-text explanation, as ``dunning check BOOK`` prints it."""
    lines = [
        f"Sheet: {report.sheet!r} ({report.sheet_reason})",
        f"Header row: {report.header_row}"
        + (f" (joined over {report.header_rows} rows)" if report.header_rows > 1 else "")
        + (
            f"; data rows {report.first_data_row}-{report.last_data_row}; "
            if report.last_data_row >= report.first_data_row
            else "; no data rows; "
        )
        + f"team columns end at column {report.last_column}",
        "",
        "Mapping (field <- source column: evidence):",
    ]
    for field, m in sorted(report.matches.items(), key=lambda fm: (fm[1].column, fm[0])):
        lines.append(f"  {field:<16} <- {m.header!r} (column {m.column}): {m.evidence}")
    if report.bucket_columns:
        lines.append(f"  {'buckets':<16} <- {', '.join(repr(b) for b in report.bucket_columns)}")
    lines.append(f"Unmapped columns: {', '.join(repr(u) for u in report.unmapped) or 'none'}")
    lines.append("Derived:" if report.derived else "Derived: nothing")
    lines += [f"  - {d}" for d in report.derived]
    lines.append(f"Rows read: {report.rows_read}; rows skipped: {report.rows_skipped}")
    for reason, ps in _skips(problems).items():
        cells = ", ".join(f"{p.cell} {p.value!r}" if p.value else p.cell for p in ps[:EXAMPLES])
        lines.append(f"  {len(ps)} x {reason}: {cells}{' ...' if len(ps) > EXAMPLES else ''}")
    lines.append("Control total (open balance read vs the file's own total row):")
    for ccy, read, file in _control(report):
        own = "no total row" if file is None else format_amount(file, ccy)
        verdict = "" if file is None else (" OK" if file == read else " DIFFERENT")
        lines.append(f"  {ccy}: read {format_amount(read, ccy)}; file {own}{verdict}")
    counts = Counter(p.severity.value for p in problems)
    lines.append(
        f"Problems: {counts.get('error', 0)} errors, {counts.get('warning', 0)} warnings, "
        f"{counts.get('info', 0)} notes"
    )
    for p in problems:
        if p.severity != Severity.INFO:
            where = f"{p.sheet}!{p.cell}" if p.cell else p.sheet
            lines.append(f"  {p.severity.value.upper()} {where} {p.field} {p.value!r}: {p.message}")
    return "\n".join(lines)


def explain_json(report: IngestReport, problems: Sequence[Problem]) -> dict[str, Any]:
    """The explanation as one JSON-serialisable dict (``dunning check --json``)."""
    mapping: dict[str, Any] = {f: m.header for f, m in report.matches.items()}
    if report.bucket_columns:
        mapping["buckets"] = list(report.bucket_columns)
    return {
        "sheet": report.sheet,
        "sheet_reason": report.sheet_reason,
        "header_row": report.header_row,
        "header_rows": report.header_rows,
        "first_data_row": report.first_data_row,
        "last_data_row": report.last_data_row,
        "last_column": report.last_column,
        "mapping": mapping,
        "evidence": {f: m.evidence for f, m in report.matches.items()},
        "unmapped": list(report.unmapped),
        "derived": list(report.derived),
        "rows_read": report.rows_read,
        "rows_skipped": report.rows_skipped,
        "skipped_by_reason": {k: len(v) for k, v in _skips(problems).items()},
        "open_balance_total": {c: to_units(v) for c, v in report.open_total_cents.items()},
        "file_total": {c: to_units(v) for c, v in report.file_total_cents.items()},
        "currency_default": report.currency_default,
        "problems": [
            {
                "severity": p.severity.value,
                "sheet": p.sheet,
                "cell": p.cell,
                "field": p.field,
                "value": p.value,
                "message": p.message,
            }
            for p in problems
        ],
    }


def check_blocks(report: IngestReport) -> tuple[Block, ...]:
    """The same facts as titled tables for the Data Check sheet."""
    rows: list[tuple[str, str, int | None, str]] = [
        (f, m.header, m.column, m.evidence) for f, m in report.matches.items()
    ]
    rows += [("bucket", b, None, "aging-bucket amount column") for b in report.bucket_columns]
    rows += [("(unmapped)", u, None, "not used") for u in report.unmapped]
    mapping = pd.DataFrame(rows, columns=["Field", "Source header", "Column", "Evidence"])
    mapping["Column"] = mapping["Column"].astype("Int64")
    ctl = _control(report)
    control = pd.DataFrame(
        {
            "Currency": [c for c, _, _ in ctl],
            "Open balance read": [to_units(r) for _, r, _ in ctl],
            "File total row": [None if f is None else to_units(f) for _, _, f in ctl],
        }
    )
    control["File total row"] = control["File total row"].astype("float64")
    control["Difference"] = (control["Open balance read"] - control["File total row"]).round(2)
    control["Rows read"] = report.rows_read
    control["Rows skipped"] = report.rows_skipped
    derived = pd.DataFrame({"Derived": list(report.derived) or ["nothing derived"]})
    note = f"Sheet {report.sheet!r}, header on row {report.header_row}: {report.sheet_reason}."
    money = {"Open balance read": "money", "File total row": "money", "Difference": "money"}
    return (
        Block("Header mapping", mapping, {"Column": "int", "Evidence": "wrap"}, note),
        Block("Control totals", control, money, f"Open balance ({F.OPEN_CENTS}) per currency."),
        Block("Derived fields", derived, {"Derived": "wrap"}),
    )
