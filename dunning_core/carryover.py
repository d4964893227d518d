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


def _has_value(values: pd.Series, spec: _Carried) -> np.ndarray:
    """Whether each value is set: true flags, dates and amounts present, text not blank.

    Text is stripped only where it is not empty (most notes are), so a column of a
    million empty cells costs one comparison.
    """
    if spec.field == F.DISPUTED:
        return np.array(values.astype(bool), dtype=bool)
    if pd.api.types.is_string_dtype(values) or values.dtype == object:
        text = values.astype("str").fillna("")
        out = np.array(text != "", dtype=bool)
        out[out] = (text[out].str.strip() != "").to_numpy(dtype=bool)
        return out
    return np.array(values.notna(), dtype=bool)


def invoice_keys(
    a: pd.DataFrame, b: pd.DataFrame, cols_a: tuple[str, str], cols_b: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Integer keys of (customer, invoice) pairs over two frames: equal pairs, equal keys.

    An invoice is the same invoice only for the same customer (numbers can repeat);
    factorising each text column once over both frames lets the matching run on int64
    instead of building and hashing a joined string per invoice.
    """
    parts = []
    for ca, cb in zip(cols_a, cols_b, strict=True):
        both = pd.concat([a[ca].astype("str"), b[cb].astype("str")], ignore_index=True)
        codes, uniques = pd.factorize(both, use_na_sentinel=False)
        parts.append((codes.astype("int64"), max(len(uniques), 1)))
    (cust, _), (inv, n_inv) = parts
    key = cust * n_inv + inv
    return key[: len(a)], key[len(a) :]


_SNAP_KEY: Final = ("customer_id", "invoice_no")
_BOOK_KEY: Final = (F.CUSTOMER_ID, F.INVOICE_NO)


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
    carried_note = pd.Series("", index=invoices.index, dtype="str")
    if previous.empty:
        return invoices, carried_note, []
    k_prev, k_inv = invoice_keys(previous, invoices, _SNAP_KEY, _BOOK_KEY)
    # an invoice listed twice (in either run) is ambiguous: nothing is carried to it
    unique_prev = np.flatnonzero(~pd.Series(k_prev).duplicated(keep=False).to_numpy())
    at = pd.Series(unique_prev, index=k_prev[unique_prev]).reindex(k_inv).to_numpy()
    known = ~np.isnan(at) & ~pd.Series(k_inv).duplicated(keep=False).to_numpy()
    prev_row = np.where(known, at, 0).astype("int64")
    out = invoices.copy(deep=False)  # copy-on-write: only the columns carried into are copied
    problems: list[Problem] = []
    for spec in CARRIED:
        if spec.snapshot not in previous.columns or spec.field not in out.columns:
            continue
        before = _previous_values(previous, spec)
        has_before = _has_value(before, spec)
        if spec.field == F.HOLD_UNTIL:
            has_before &= (pd.to_datetime(before) >= pd.Timestamp(as_of)).to_numpy(dtype=bool)
        candidates = known & has_before[prev_row] & ~_has_value(out[spec.field], spec)
        if not candidates.any():
            continue
        match = report.matches.get(spec.field)
        rows = out[F.ROW].to_numpy()[candidates]
        take = candidates.copy()
        take[candidates] = _cell_empty(raw, rows, match.column if match else None)
        if not take.any():
            continue
        values = before.iloc[prev_row[take]]
        out.loc[take, spec.field] = values.to_numpy()
        if spec.field == F.NOTES:
            carried_note.loc[take] = values.astype(str).to_numpy()
        n = int(take.sum())
        examples = ", ".join(out.loc[take, F.INVOICE_NO].astype(str).head(5))
        problems.append(
            Problem(
                report.sheet,
                "",
                spec.field,
                str(n),
                f"Carried over the {spec.label} of {n} invoices from the previous "
                f"run (their cell was empty in this export), e.g. {examples}.",
                Severity.INFO,
            )
        )
    base = previous if baseline is None else baseline
    if not base.empty:
        if not _same_run(base, previous):
            k_prev, k_inv = invoice_keys(base, invoices, _SNAP_KEY, _BOOK_KEY)
        first = ~pd.Series(k_prev).duplicated(keep="first").to_numpy()
        gone = first & ~pd.Series(k_prev).isin(k_inv).to_numpy(dtype=bool)
        problems += _vanished(base[gone], report)
    return out, carried_note, problems


def _same_run(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two stored runs list the same invoices in the same order (the baseline is
    usually the latest run itself), so their invoice keys can be reused."""
    if a is b:
        return True
    return len(a) == len(b) and all(a[c].equals(b[c]) for c in _SNAP_KEY)


def _vanished(gone: pd.DataFrame, report: IngestReport) -> list[Problem]:
    """Collector-typed values of invoices no longer in the book: listed, not lost silently.

    An invoice that left the book was usually paid; its note, dispute or hold is then
    history, but a collector should see that it went, and where to find it (the backup).
    """
    if gone.empty:
        return []
    notes = gone["notes"].astype("str").fillna("").str.strip().to_numpy(dtype=object)
    reasons = gone["dispute_reason"].astype("str").fillna("").str.strip().to_numpy(dtype=object)
    disputed = gone["disputed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    holds = pd.to_datetime(gone["hold_until"]).to_numpy()
    invoice = gone["invoice_no"].astype("str").to_numpy(dtype=object)
    typed = np.flatnonzero((notes != "") | disputed | ~np.isnat(holds))

    def describe(i: int) -> str:
        parts = [f"note '{notes[i][:120]}'"] if notes[i] else []
        if disputed[i]:
            parts.append(f"dispute ({reasons[i] or 'no reason given'})")
        if not np.isnat(holds[i]):
            parts.append(f"hold until {pd.Timestamp(holds[i]):%Y-%m-%d}")
        return "; ".join(parts)

    out = [
        Problem(
            report.sheet,
            "",
            "carried values",
            describe(i),
            f"Invoice {invoice[i]} is no longer in the book; its {describe(i)} "
            "was not carried "
            "over (the previous version is in the backup).",
            Severity.INFO,
        )
        for i in typed[:_MAX_LISTED].tolist()
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
