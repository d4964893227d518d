"""The Activity log: append-only record of completed units of work.

Activity is the team's audit trail (drafted, sent, promise captured, dispute
routed...). Three rules keep it trustworthy across weekly re-runs:

* existing rows are never changed, reordered or removed: new rows go after them;
* a row whose (Type, Reference) is already logged is not logged again, so running
  the same cycle twice adds nothing (rows without a Reference are always added:
  there is nothing to recognise them by);
* ids continue from the largest existing ``ACT-nnnnnn``, so they stay unique even
  after a collector deletes or sorts rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from dunning_core.columns import ACTIVITY_COLUMNS, ACTIVITY_FORMATS, A
from dunning_core.days import as_days, whole_days
from dunning_core.owned_table import read_owned_table
from dunning_core.records import Problem, RawSheet, Severity, UserError

_ID = re.compile(r"^ACT-(\d+)$")


def conform(
    frame: pd.DataFrame | None, columns: Sequence[str], formats: Mapping[str, str]
) -> pd.DataFrame:
    """Return ``frame`` with exactly ``columns`` in the sheet dtypes (missing -> blank).

    Dates become ``datetime64[ns]``, money float units, everything else ``str``.
    """
    frame = pd.DataFrame() if frame is None else frame
    out: dict[str, pd.Series] = {}
    for col in columns:
        kind = formats.get(col, "text")
        if col not in frame.columns:
            out[col] = _blank(kind, frame.index)
            continue
        values = frame[col]
        if _typed_already(values, kind):
            out[col] = values
        elif kind == "date":
            out[col] = as_days(values, coerce=True)
        elif kind == "money":
            out[col] = pd.to_numeric(values, errors="coerce").astype("float64").round(2)
        else:
            out[col] = values.astype(object).where(values.notna(), "").astype(str)
    return pd.DataFrame(out, columns=list(columns), index=frame.index)


def _blank(kind: str, index: pd.Index) -> pd.Series:
    """A column the frame does not have, as the conversions below make a column of blanks."""
    if kind == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if kind == "money":
        return pd.Series(np.nan, index=index, dtype="float64")
    return pd.Series("", index=index, dtype="str")


def _typed_already(values: pd.Series, kind: str) -> bool:
    """Skip conversion when a column already has its sheet dtype (the common case)."""
    if kind == "date":
        return whole_days(values)
    if kind == "money":
        return False  # always re-rounded to the cent
    return (
        pd.api.types.is_string_dtype(values.dtype)
        and values.dtype != object
        and not values.isna().any()
    )


def empty_activity() -> pd.DataFrame:
    """An Activity frame with no rows and the right columns and dtypes."""
    return conform(None, ACTIVITY_COLUMNS, ACTIVITY_FORMATS)


def new_activity(
    day: pd.Timestamp,
    kind: Any,
    *,
    customer_id: Any,
    customer: Any,
    invoices: Any,
    amount: Any,
    currency: Any,
    owner: Any,
    detail: Any,
    reference: Any,
) -> pd.DataFrame:
    """This run's new Activity rows, one per ``reference``, in the sheet's column order.

    They have no id yet (:func:`append_activity` numbers them) and are dated and
    run-stamped ``day``. Each value is one for all rows or one per row; a Series is
    taken by position (its index is ignored), so callers can pass selected rows.
    """
    cols = {
        A.TYPE: kind,
        A.CUSTOMER_ID: customer_id,
        A.CUSTOMER: customer,
        A.INVOICES: invoices,
        A.AMOUNT: amount,
        A.CURRENCY: currency,
        A.OWNER: owner,
        A.DETAIL: detail,
        A.REFERENCE: reference,
    }
    cols = {k: v.to_numpy() if isinstance(v, pd.Series) else v for k, v in cols.items()}
    frame = pd.DataFrame(
        {A.ID: "", A.DATE: day, **cols, A.RUN: day},
        columns=list(ACTIVITY_COLUMNS),
        index=pd.RangeIndex(len(cols[A.REFERENCE])),
    )
    for name in (A.DATE, A.RUN):
        frame[name] = frame[name].astype("datetime64[ns]")
    return frame


def _next_number(ids: pd.Series) -> int:
    # over the plain str objects: iterating a pandas string column boxes every value
    numbers = [int(m.group(1)) for m in map(_ID.match, ids.astype(str).to_numpy(object)) if m]
    return max(numbers, default=0) + 1


def append_activity(activity: pd.DataFrame, new_rows: pd.DataFrame | None) -> pd.DataFrame:
    """Existing rows first and unchanged, then the new rows not already logged.

    >>> new = pd.DataFrame({"Type": ["sent"], "Reference": ["D1"]})
    >>> log = append_activity(empty_activity(), new)
    >>> list(append_activity(log, log[["Type", "Reference"]])["Activity id"])
    ['ACT-000001']
    """
    base = conform(activity, ACTIVITY_COLUMNS, ACTIVITY_FORMATS).reset_index(drop=True)
    new = conform(new_rows, ACTIVITY_COLUMNS, ACTIVITY_FORMATS).reset_index(drop=True)
    pairs = zip(base[A.TYPE].to_numpy(object), base[A.REFERENCE].to_numpy(object), strict=True)
    seen = {(t, r) for t, r in pairs if r}
    keep = []
    for key in zip(new[A.TYPE].to_numpy(object), new[A.REFERENCE].to_numpy(object), strict=True):
        keep.append(not (key[1] and key in seen))
        if key[1]:
            seen.add(key)
    new = new[keep]
    if new.empty:
        return base
    start = _next_number(base[A.ID])
    new = new.assign(**{A.ID: [f"ACT-{start + i:06d}" for i in range(len(new))]})
    return pd.concat([base, new], ignore_index=True)


def last_contact_by_customer(activity: pd.DataFrame) -> dict[str, date]:
    """Latest date each customer was sent something, from the "sent" rows."""
    sent = activity[(activity[A.TYPE].astype(str) == "sent") & activity[A.DATE].notna()]
    latest = sent.groupby(sent[A.CUSTOMER_ID].astype(str))[A.DATE].max()
    return {str(k): pd.Timestamp(v).date() for k, v in latest.items()}


def read_tool_sheet(
    raw: RawSheet | None, columns: Sequence[str], formats: Mapping[str, str]
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read one of the tool's own sheets; refuse to go on when its header is lost.

    Writing back a sheet whose rows could not be read would erase the team's
    work (their draft edits, their log), so a non-empty sheet without its header
    stops the run with a message instead of becoming an empty table.
    """
    frame, problems = read_owned_table(raw, columns, formats)
    lost = any(p.severity == Severity.ERROR and p.field == "" for p in problems)
    if raw is not None and lost and any(v not in (None, "") for r in raw.rows for v in r):
        raise UserError(
            f"Sheet '{raw.name}': could not find its header row (expected "
            f"{', '.join(columns[:4])}, ...) in the first rows; fix or rename the sheet, "
            "otherwise its rows would be overwritten."
        )
    return conform(frame, columns, formats), problems


def activity_from_sheet(raw: RawSheet | None) -> tuple[pd.DataFrame, list[Problem]]:
    """The Activity sheet as written by the tool (plus any rows a collector added)."""
    return read_tool_sheet(raw, ACTIVITY_COLUMNS, ACTIVITY_FORMATS)
