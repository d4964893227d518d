"""Test helper: build invoice frames shaped exactly as ingest hands them to the core.

Every canonical field of ``columns.ALL_FIELDS`` plus ``F.ROW`` is present with the
dtype ingest guarantees, so queue/exclusion/priority/promise tests exercise the same
inputs as a real run without any workbook I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from dunning_core.columns import (
    AMOUNT_FIELDS,
    DATE_FIELDS,
    FLAG_FIELDS,
    PROMISE_COLUMNS,
    TEXT_FIELDS,
    F,
    P,
)

#: A plain overdue invoice; tests override only the fields they are about.
BASE: dict[str, Any] = {
    F.CUSTOMER_ID: "C1",
    F.CUSTOMER_NAME: "Acme Ltd",
    F.CURRENCY: "USD",
    F.OWNER: "Alice",
    F.EMAIL: "ap@acme.example",
    F.OPEN_CENTS: 100_000,
    F.DUE_DATE: "2026-11-01",
}


def invoice_frame(
    rows: Sequence[Mapping[str, Any]], base: Mapping[str, Any] = BASE
) -> pd.DataFrame:
    """Invoices from partial row dicts, every missing field filled the way ingest does."""
    records = []
    for i, row in enumerate(rows):
        rec = {**base, **row}
        rec.setdefault(F.INVOICE_NO, f"INV{i + 1:04d}")
        rec.setdefault(F.ROW, i + 2)
        records.append(rec)
    raw = pd.DataFrame(records, index=pd.RangeIndex(len(records)))
    out = pd.DataFrame(index=raw.index)
    out[F.ROW] = _col(raw, F.ROW, 0).astype("int64")
    for name in TEXT_FIELDS:
        out[name] = _col(raw, name, "").fillna("").astype(str)
    for name in DATE_FIELDS:
        out[name] = pd.to_datetime(_col(raw, name, None)).astype("datetime64[ns]").dt.normalize()
    for name in AMOUNT_FIELDS:
        dtype = "int64" if name == F.OPEN_CENTS else "Int64"
        out[name] = _col(raw, name, None).astype("Int64").astype(dtype)
    for name in FLAG_FIELDS:
        out[name] = _col(raw, name, False).fillna(False).astype(bool)
    out[F.DAYS_OVERDUE] = _col(raw, F.DAYS_OVERDUE, None).astype("Int64")
    return out


def promise_frame(rows: Sequence[Mapping[str, Any]] = ()) -> pd.DataFrame:
    """A Promises sheet as read (``PROMISE_COLUMNS``; Amount in float units)."""
    raw = pd.DataFrame(list(rows), columns=list(PROMISE_COLUMNS))
    for name in (P.CAPTURED, P.PROMISE_DATE, P.RESOLVED):
        raw[name] = pd.to_datetime(raw[name]).astype("datetime64[ns]")
    raw[P.AMOUNT] = pd.to_numeric(raw[P.AMOUNT]).astype("float64")
    for name in set(PROMISE_COLUMNS) - {P.CAPTURED, P.PROMISE_DATE, P.RESOLVED, P.AMOUNT}:
        raw[name] = raw[name].astype(object).where(raw[name].notna(), "").astype(str)
    return raw


def _col(raw: pd.DataFrame, name: str, default: Any) -> pd.Series:
    if name in raw.columns:
        return raw[name]
    return pd.Series([default] * len(raw), index=raw.index, dtype=object)
