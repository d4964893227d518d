"""The pipeline's own glue: locating core problems on the source sheet."""

from __future__ import annotations

from dunning_core.pipeline import locate
from dunning_core.records import FieldMatch, IngestReport, Problem, Severity


def _report() -> IngestReport:
    return IngestReport(
        sheet="AR Aging",
        sheet_reason="",
        header_row=4,
        header_rows=1,
        first_data_row=5,
        last_data_row=9,
        matches={"due_date": FieldMatch("due_date", "Due Date", 5, "")},
        bucket_columns=(),
        unmapped=(),
        derived=(),
        rows_read=5,
        rows_skipped=0,
        open_total_cents={},
        file_total_cents={},
        currency_default="USD",
    )


def test_row_problem_gets_sheet_and_field_column() -> None:
    p = Problem("", "9:9", "due_date", "x", "no due date", Severity.WARNING)
    (q,) = locate([p], _report())
    assert (q.sheet, q.cell) == ("AR Aging", "E9")


def test_unmapped_field_keeps_whole_row_and_sheeted_problem_is_untouched() -> None:
    a = Problem("", "9:9", "stage_override", "x", "m")
    b = Problem("Settings", "B3", "f", "v", "m")
    assert [(p.sheet, p.cell) for p in locate([a, b], _report())] == [
        ("AR Aging", "9:9"),
        ("Settings", "B3"),
    ]
