"""Carry collector-typed values over to a fresh export, by invoice number.

Each week the team pastes a fresh ERP export over the aging sheet. What collectors
typed into that sheet last week — a note, a promise date and amount, a hold, a
dispute flag and reason — is not in the export, and would be lost. The hidden
Snapshot sheet keeps each invoice's effective values; this stage puts them back
into the invoice frame for the invoices still in the book.

The rule is deliberately narrow, so it never overrides a person:

* a value is carried only when the invoice's cell in the book is **empty** (or the
  column is gone); anything typed, including "No" in a dispute column, wins;
* a hold is carried only while its date is today or later;
* values of invoices that left the book are reported on Data Check, not silently
  dropped.

Carried values then flow through the queue (exclusions, reasons) and into this run's
snapshot, so they persist week after week until the invoice is paid or a person
types over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import pandas as pd

from dunning_core.columns import F
from dunning_core.money import cents_series
from dunning_core.records import IngestReport, Problem, RawSheet, Severity

_MAX_LISTED: Final = 20


@dataclass(frozen=True)
class _Carried:
    """One carried field: the invoice field, the snapshot column and a label."""

    field: str
    snapshot: str
    label: str


CARRIED: Final = (
    _Carried(F.NOTES, "notes", "note"),
    _Carried(F.PROMISE_DATE, "promise_date", "promise date"),
    _Carried(F.PROMISE_CENTS, "promise_amount", "promise amount"),
    _Carried(F.HOLD_UNTIL, "hold_until", "hold"),
    _Carried(F.DISPUTED, "disputed", "dispute flag"),
    _Carried(F.DISPUTE_REASON, "dispute_reason", "dispute reason"),
)


def _cell_empty(raw: RawSheet | None, rows: np.ndarray, column: int | None) -> np.ndarray:
    """Whether each source cell (sheet row, 1-based column) is empty in the raw grid."""
    if raw is None or column is None:
        return np.ones(len(rows), dtype=bool)
    c = column - raw.first_col
    out = np.ones(len(rows), dtype=bool)
    for i, r in enumerate(rows):  # only the rows that have something to carry
        row = (
            raw.rows[int(r) - raw.first_row] if 0 <= int(r) - raw.first_row < len(raw.rows) else []
        )
        v = row[c] if 0 <= c < len(row) else None
        out[i] = v is None or (isinstance(v, str) and not v.strip())
    return out


def _previous_values(prev: pd.DataFrame, spec: _Carried) -> pd.Series:
    col = prev[spec.snapshot]
    if spec.field == F.PROMISE_CENTS:
        return cents_series(col)
    if spec.field == F.DISPUTED:
        return col.astype(bool)
    return col


def _has_value(values: pd.Series, spec: _Carried) -> pd.Series:
    if spec.field == F.DISPUTED:
        return values.astype(bool)
    if pd.api.types.is_string_dtype(values) or values.dtype == object:
        return values.astype("str").fillna("").str.strip() != ""
    return values.notna()


def carry_over(
    invoices: pd.DataFrame,
    previous: pd.DataFrame,
    raw: RawSheet | None,
    report: IngestReport,
    as_of: date,
    baseline: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.Series, list[Problem]]:
    """Return (invoices with carried values, per-row carried note text, problems).

    ``previous`` is the latest stored run (values are carried from it); ``baseline``,
    the run before today, is what "left the book" is measured against, so repeating
    today's run reports the same invoices again (default: ``previous``).
    """
    carried_note = pd.Series("", index=invoices.index, dtype=object)
    if previous.empty:
        return invoices, carried_note, []
    # an invoice is the same invoice only for the same customer: numbers can repeat
    prev_keys = (
        previous["customer_id"].astype("str") + "\x1f" + previous["invoice_no"].astype("str")
    )
    prev = previous.assign(_key=prev_keys).drop_duplicates("_key", keep=False).set_index("_key")
    keys = invoices[F.CUSTOMER_ID].astype("str") + "\x1f" + invoices[F.INVOICE_NO].astype("str")
    known = keys.isin(prev.index) & ~keys.duplicated(keep=False)
    out = invoices.copy()
    problems: list[Problem] = []
    for spec in CARRIED:
        if spec.snapshot not in prev.columns or spec.field not in out.columns:
            continue
        before = _previous_values(prev, spec)
        has_before = _has_value(before, spec)
        if spec.field == F.HOLD_UNTIL:
            has_before &= pd.to_datetime(before) >= pd.Timestamp(as_of)
        candidates = known & keys.isin(has_before.index[has_before.to_numpy(dtype=bool)])
        candidates &= ~_has_value(out[spec.field], spec)
        if not candidates.any():
            continue
        match = report.matches.get(spec.field)
        rows = out.loc[candidates, F.ROW].to_numpy()
        empty = _cell_empty(raw, rows, match.column if match else None)
        take = candidates.copy()
        take.loc[candidates] = empty
        if not take.any():
            continue
        values = keys[take].map(before)
        out.loc[take, spec.field] = values.to_numpy()
        if spec.field == F.NOTES:
            carried_note.loc[take] = values.astype(str).to_numpy()
        examples = ", ".join(out.loc[take, F.INVOICE_NO].astype(str).head(5))
        problems.append(
            Problem(
                report.sheet,
                "",
                spec.field,
                str(int(take.sum())),
                f"Carried over the {spec.label} of {int(take.sum())} invoices from the previous "
                f"run (their cell was empty in this export), e.g. {examples}.",
                Severity.INFO,
            )
        )
    base = previous if baseline is None else baseline
    if not base.empty:
        base_keys = base["customer_id"].astype("str") + "\x1f" + base["invoice_no"].astype("str")
        gone_from = base.assign(_key=base_keys).drop_duplicates("_key").set_index("_key")
        problems += _vanished(gone_from, keys, report)
    return out, carried_note, problems


def _vanished(prev: pd.DataFrame, keys: pd.Series, report: IngestReport) -> list[Problem]:
    """Collector-typed values of invoices no longer in the book: listed, not lost silently.

    An invoice that left the book was usually paid; its note, dispute or hold is then
    history, but a collector should see that it went, and where to find it (the backup).
    """
    gone = prev[~prev.index.isin(set(keys))]
    if gone.empty:
        return []
    notes = gone["notes"].astype("str").fillna("").str.strip()
    reasons = gone["dispute_reason"].astype("str").fillna("").str.strip()
    disputed = gone["disputed"].astype("boolean").fillna(False).astype(bool)
    holds = pd.to_datetime(gone["hold_until"])
    typed = gone.index[(notes != "") | disputed | holds.notna()]

    def describe(inv: str) -> str:
        parts = [f"note '{notes[inv][:120]}'"] if notes[inv] else []
        if disputed[inv]:
            parts.append(f"dispute ({reasons[inv] or 'no reason given'})")
        if pd.notna(holds[inv]):
            parts.append(f"hold until {holds[inv]:%Y-%m-%d}")
        return "; ".join(parts)

    out = [
        Problem(
            report.sheet,
            "",
            "carried values",
            describe(inv),
            f"Invoice {inv.split(chr(31))[-1]} is no longer in the book; its {describe(inv)} "
            "was not carried "
            "over (the previous version is in the backup).",
            Severity.INFO,
        )
        for inv in typed[:_MAX_LISTED]
    ]
    if len(typed) > _MAX_LISTED:
        out.append(
            Problem(
                report.sheet,
                "",
                "carried values",
                str(len(typed)),
                f"{len(typed)} invoices with typed values left the book in all "
                f"(first {_MAX_LISTED} listed).",
                Severity.INFO,
            )
        )
    return out


def carried_sheet(book_aging: Sequence[RawSheet], name: str) -> RawSheet | None:
    """The raw aging sheet the report chose, to tell empty cells from typed ones."""
    return next((s for s in book_aging if s.name == name), None)
