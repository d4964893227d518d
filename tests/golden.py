"""Golden files for the demo book's queue, drafts and forecast.

The goldens pin the whole behaviour of the core on the sample book at its fixed
as-of date. They are regenerated only on purpose:

    python -m tests.golden            # writes missing goldens only (mode "x")
    python -m tests.golden --force    # overwrites, after you have read the diff

A failing comparison shows a unified diff of the first lines that differ.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
from functools import cache
from pathlib import Path

import pandas as pd

GOLDEN = Path(__file__).resolve().parent / "golden"

QUEUE_COLUMNS = (
    "_row",
    "invoice_no",
    "customer_id",
    "currency",
    "open_cents",
    "days_past_due",
    "bucket",
    "stage",
    "priority",
    "priority_reason",
    "customer_priority",
    "excluded",
    "exclusion_code",
    "exclusion_reason",
    "routed_to",
    "next_action",
    "action_due",
    "expected_date",
    "probability",
    "expected_cents",
    "at_risk",
)
DRAFT_COLUMNS = (
    "Draft id",
    "Customer id",
    "To",
    "Stage",
    "Language",
    "Subject",
    "Body",
    "Invoices",
    "Amount",
    "Currency",
    "Owner",
    "Status",
    "Source",
)


@cache
def _result():  # type: ignore[no-untyped-def]
    from dunning_core.pipeline import run_cycle
    from dunning_core.sample_book import SAMPLE_AS_OF, write_sample_book
    from dunning_core.workbook.reader import read_book

    with tempfile.TemporaryDirectory() as tmp:
        book = read_book(write_sample_book(Path(tmp), fresh=True))
    return run_cycle(book, SAMPLE_AS_OF)


def _csv(frame: pd.DataFrame) -> str:
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(6)
    return out.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")


def goldens() -> dict[str, str]:
    """The current text of every golden file, computed from the sample book."""
    r = _result()
    weekly = next(b for b in r.expected_cash if b.title == "Weekly expected cash")
    return {
        "demo_queue.csv": _csv(r.queue[list(QUEUE_COLUMNS)]),
        "demo_drafts.csv": _csv(r.drafts[list(DRAFT_COLUMNS)]),
        "demo_forecast.csv": _csv(weekly.frame),
    }


def diff(name: str, actual: str) -> str:
    """Unified diff between the stored golden and ``actual`` ("" when equal)."""
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    if expected == actual:
        return ""
    lines = difflib.unified_diff(
        expected.splitlines(), actual.splitlines(), f"golden/{name}", "actual", lineterm="", n=1
    )
    return "\n".join(list(lines)[:60])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite existing goldens")
    args = parser.parse_args(argv)
    GOLDEN.mkdir(exist_ok=True)
    for name, text in goldens().items():
        path = GOLDEN / name
        try:
            with path.open("w" if args.force else "x", encoding="utf-8", newline="\n") as f:
                f.write(text)
            print(f"wrote {path}")
        except FileExistsError:
            print(f"kept {path} (exists; use --force to overwrite)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
