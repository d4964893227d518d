"""Last touches on the open items: derived due dates, fallbacks, signs, duplicates.

Everything here is said: each derivation adds a sentence to ``derived`` (shown by
``dunning check`` and as INFO problems), and duplicates become WARNING problems
rather than being silently summed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from dunning_core.codes import empty_str
from dunning_core.columns import AMOUNT_FIELDS, F
from dunning_core.ingest import buckets, frame
from dunning_core.records import Problem, Severity
from dunning_core.sheetaddr import cell_address

_CREDIT = r"(?i)(?:credit|gutschrift|avoir|nota de cr|abono|^cm$|^cn$|^dg$|refund)"


def derive(
    out: dict[str, pd.Series],
    index: pd.Index,
    as_of: dt.date,
    derived: list[str],
    headers: tuple[str, ...],
    cols: dict[str, int],
    bucket_due: pd.Series | None = None,
    no_blank: frozenset[str] = frozenset(),
) -> None:
    """Fill due date, customer id/name fallbacks and credit-note signs in ``out``.

    Every Series in ``out`` (and ``bucket_due``) is on ``index``; ``no_blank`` names
    text fields known to have no blank value (no need to look for one).
    """
    if F.DUE_DATE in out:
        due = out[F.DUE_DATE]
    else:
        due = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if F.DAYS_OVERDUE in out and due.isna().any():
        alt = buckets.due_from_days(out[F.DAYS_OVERDUE], as_of)
        n = int((due.isna() & alt.notna()).sum())
        if n:
            due = due.fillna(alt)
            derived.append(f"due date = as-of date - {headers[cols[F.DAYS_OVERDUE]]!r} ({n} rows)")
    if F.INVOICE_DATE in out and F.TERMS in out and due.isna().any():
        alt = buckets.due_from_terms(out[F.INVOICE_DATE], out[F.TERMS])
        n = int((due.isna() & alt.notna()).sum())
        if n:
            due = due.fillna(alt)
            derived.append(f"due date = invoice date + payment terms ({n} rows)")
    if bucket_due is not None and due.isna().any():
        alt = bucket_due
        n = int((due.isna() & alt.notna()).sum())
        if n:
            due = due.fillna(alt)
            derived.append(f"due date = start of the row's aging-bucket column ({n} rows)")
    out[F.DUE_DATE] = due
    _customer(out, index, derived, no_blank)
    if F.DOC_TYPE in out:
        credit = out[F.DOC_TYPE].str.contains(_CREDIT, regex=True) & out[F.OPEN_CENTS].gt(0)
        if credit.any():
            out[F.OPEN_CENTS] = out[F.OPEN_CENTS].where(~credit, -out[F.OPEN_CENTS])
            n = int(credit.sum())
            derived.append(f"{n} credit notes with a positive balance made negative")
    for f in AMOUNT_FIELDS:
        if f in out:
            out[f] = out[f].astype("Int64")


def _customer(
    out: dict[str, pd.Series], index: pd.Index, derived: list[str], no_blank: frozenset[str]
) -> None:
    """Customer id and name stand in for each other where one is blank or missing."""
    name, cid = out.get(F.CUSTOMER_NAME), out.get(F.CUSTOMER_ID)
    if cid is None and len(index):
        derived.append("customer id = customer name (no customer id column)")
    if name is None and len(index):
        derived.append("customer name = customer id (no customer name column)")
    if name is None and cid is None:
        name = cid = pd.Series("", index=index, dtype="str")
    out[F.CUSTOMER_ID] = _or(cid, name, F.CUSTOMER_ID in no_blank)
    out[F.CUSTOMER_NAME] = _or(name, cid, F.CUSTOMER_NAME in no_blank)


def _or(a: pd.Series | None, b: pd.Series | None, a_full: bool = False) -> pd.Series:
    """``a`` where it is not blank, else ``b`` (text columns; None = all blank;
    ``a_full``: ``a`` is known to have no blank)."""
    if a is None or b is None:
        got = a if a is not None else b
        assert got is not None
        return got
    if a_full:
        return a
    blank = empty_str(a.to_numpy(dtype=object))
    return a.where(~blank, b) if blank.any() else a


def after(
    result: pd.DataFrame,
    sheet: str,
    col0: int,
    cols: dict[str, int],
    derived: list[str],
    inv_key: np.ndarray | None = None,
) -> list[Problem]:
    """Problems about the finished frame: duplicates, missing due dates, derivations.

    ``inv_key`` (per row, equal exactly where the invoice numbers are, -1 where
    blank) spares hashing the invoice texts again.
    """
    out: list[Problem] = []
    inv = result[F.INVOICE_NO]
    if inv_key is None:
        dup = (inv.ne("") & inv.duplicated(keep="first")).to_numpy()
    else:
        dup = (inv_key >= 0) & pd.Series(inv_key).duplicated(keep="first").to_numpy()
    icol = col0 + cols.get(F.INVOICE_NO, 0)
    msg = "duplicate invoice number: kept as a separate item, not summed (stacked snapshots?)"
    rows = result[F.ROW].to_numpy()
    for i in result.index[dup][: frame.MAX_CELL_PROBLEMS * 4]:
        cell = cell_address(int(rows[i]), icol)
        out.append(Problem(sheet, cell, F.INVOICE_NO, str(inv[i]), msg, Severity.WARNING))
    n_dup = int(dup.sum())
    if n_dup > frame.MAX_CELL_PROBLEMS * 4:
        more = f"{n_dup} duplicate invoice numbers in all (first ones listed)"
        out.append(Problem(sheet, "", F.INVOICE_NO, "", more, Severity.WARNING))
    no_due = int(result[F.DUE_DATE].isna().sum())
    if no_due:
        msg = f"{no_due} open items have no due date and none could be derived"
        out.append(Problem(sheet, "", F.DUE_DATE, "", msg, Severity.WARNING))
    out += [Problem(sheet, "", "", "", f"derived: {d}", Severity.INFO) for d in derived]
    return out
