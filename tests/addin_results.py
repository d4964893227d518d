"""Small CycleResults for the add-in tests, built by hand (no pipeline needed)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from dunning_core.columns import (
    ACTIVITY_COLUMNS,
    DRAFT_COLUMNS,
    PROMISE_COLUMNS,
    D,
    F,
    Q,
)
from dunning_core.records import Block, BookSnapshot, CycleResult, IngestReport, Problem, Severity

AS_OF = date(2026, 11, 20)
HEADERS = ["Customer", "Invoice", "Due", "Open"]


def aging_grid(n: int) -> list[list[Any]]:
    """A team's aging sheet: a title row, a header row on row 2, ``n`` invoices."""
    rows: list[list[Any]] = [["Aging as of 20.11.2026", None, None, None], HEADERS]
    for i in range(n):
        rows.append([f"C{i % 7}", f"INV-{i}", pd.Timestamp(2026, 10, 1).to_pydatetime(), 100.0 + i])
    return rows


def make_result(
    snapshot: BookSnapshot, action: str = "refresh", problems: tuple[Problem, ...] = ()
) -> CycleResult:
    """A result shaped like the pipeline's: one queue row per invoice row of the sheet."""
    raw = snapshot.aging[0]
    n = len(raw.rows) - 2
    queue = pd.DataFrame(
        {
            F.ROW: range(3, 3 + n),
            Q.DAYS_PAST_DUE: [50] * n,
            Q.BUCKET: ["31-60"] * n,
            Q.STAGE_NAME: ["Friendly reminder"] * n,
            Q.PRIORITY: list(range(n)),
            Q.PRIORITY_REASON: ["overdue"] * n,
            Q.EXCLUDED: [i % 5 == 0 for i in range(n)],
            Q.EXCLUSION_REASON: ["" if i % 5 else "Disputed" for i in range(n)],
            Q.ROUTED_TO: ["Maria"] * n,
            Q.NEXT_ACTION: ["Send reminder"] * n,
            Q.ACTION_DUE: pd.to_datetime(["2026-11-21"] * n),
            Q.EXPECTED_DATE: pd.to_datetime(["2026-12-01"] * n),
            Q.PROBABILITY: [0.8] * n,
        }
    )
    drafts = pd.DataFrame(columns=list(DRAFT_COLUMNS))
    if action == "drafts":
        drafts = pd.DataFrame(
            [{D.ID: "D-1", D.CUSTOMER: "C1", D.STATUS: "Draft", D.AMOUNT: 123.45}],
            columns=list(DRAFT_COLUMNS),
        )
    weekly = pd.DataFrame({"Currency": ["EUR"], "W1": [10.5], "W2": [20.25]})
    report = IngestReport(
        sheet=raw.name,
        sheet_reason="only sheet",
        header_row=2,
        header_rows=1,
        first_data_row=3,
        last_data_row=2 + n,
        matches={},
        bucket_columns=(),
        unmapped=(),
        derived=(),
        rows_read=n,
        rows_skipped=0,
        open_total_cents={"EUR": 100},
        file_total_cents={},
        currency_default="EUR",
        last_column=4,
    )
    return CycleResult(
        as_of=AS_OF,
        queue=queue,
        drafts=drafts,
        activity=pd.DataFrame(columns=list(ACTIVITY_COLUMNS)),
        promises=pd.DataFrame(columns=list(PROMISE_COLUMNS)),
        expected_cash=(
            Block("KPIs", pd.DataFrame({"KPI": ["DSO"], "Value": [41.0]}), note="As of."),
            Block(
                "Weekly expected cash", weekly, {"W1": "money", "W2": "money"}, chart=("W1", "W2")
            ),
        ),
        snapshot=pd.DataFrame({"invoice": [f"INV-{i}" for i in range(n)]}),
        settings=(Block("Stages", pd.DataFrame({"Stage": ["friendly"], "From day": [1]})),),
        data_check=(),
        problems=problems,
        report=report,
        summary=(f"{n} invoices in the queue.",),
    )


class FakeRunCycle:
    """Stands in for dunning_core.pipeline.run_cycle and records how it was called."""

    def __init__(self, problems: tuple[Problem, ...] = (), error: Exception | None = None):
        self.calls: list[tuple[BookSnapshot, date, str | None, str]] = []
        self.problems, self.error = problems, error

    def __call__(
        self, book: BookSnapshot, as_of: date, sheet: str | None = None, action: str = "run"
    ) -> CycleResult:
        self.calls.append((book, as_of, sheet, action))
        if self.error is not None:
            raise self.error
        return make_result(book, action, self.problems)


BAD = Problem("Aging", "D5", "open_cents", "abc", "not an amount", Severity.ERROR)
