"""Activity rows for work the queue routes to people (disputes, escalations, holds).

Drafting and sending are logged where they happen (drafts, log-sent); routing is
logged here, once per unit: the Activity log de-duplicates on (Type, Reference),
so an invoice that stays disputed for ten weeks is logged as routed once, in the
week it was first routed, and re-running a week adds nothing.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import numpy as np
import pandas as pd

from dunning_core.activity import new_activity
from dunning_core.columns import ACTIVITY_COLUMNS, F, Q
from dunning_core.money import units_series
from dunning_core.sheetaddr import sheet_ref

#: exclusion code -> (activity type, reference prefix); logged once per invoice.
_ROUTES = {
    "DISPUTED": ("dispute routed", "DISPUTE"),
    "LEGAL": ("routed to legal", "LEGAL"),
    "ON_HOLD": ("held", "HOLD"),
}


def routing_activity(queue: pd.DataFrame, sheet: str, as_of: date) -> pd.DataFrame:
    """New Activity rows for routed work in this queue (duplicates removed later).

    Only the few columns the rows need are taken from the (wide) queue, and only for
    the routed rows: selecting whole queue rows copied every column of the queue.
    """
    parts = []
    day = pd.Timestamp(as_of)
    where = sheet_ref(sheet, 1, 1)[:-1]  # "'AR Aging'!A": the row number goes after it
    code = queue[Q.EXCLUSION_CODE].to_numpy(dtype=object)
    pos = np.flatnonzero(code != "")  # most invoices are not excluded at all
    pos = pos[np.array([c in _ROUTES for c in code[pos]], dtype=bool)]
    used = [F.CUSTOMER_ID, F.CUSTOMER_NAME, F.INVOICE_NO, F.OPEN_CENTS, F.CURRENCY, F.ROW]
    routed = queue[[*used, Q.ROUTED_TO, Q.EXCLUSION_REASON]].iloc[pos]
    for name, (kind, prefix) in _ROUTES.items():
        hit = routed[code[pos] == name]
        if hit.empty:
            continue
        parts.append(
            new_activity(
                day,
                kind,
                customer_id=hit[F.CUSTOMER_ID],
                customer=hit[F.CUSTOMER_NAME],
                invoices=hit[F.INVOICE_NO],
                amount=units_series(hit[F.OPEN_CENTS]),
                currency=hit[F.CURRENCY],
                owner=hit[Q.ROUTED_TO],
                detail=hit[Q.EXCLUSION_REASON].astype(str)
                + " ("
                + (where + hit[F.ROW].astype("int64").astype(str))
                + ")",
                reference=prefix + "-" + hit[F.INVOICE_NO].astype(str),
            )
        )
    stage = queue[Q.STAGE].to_numpy(dtype=object)
    escalated = np.flatnonzero((stage == "escalation") & ~queue[Q.EXCLUDED].to_numpy(dtype=bool))
    if len(escalated):
        used = [F.CUSTOMER_ID, F.CURRENCY, F.CUSTOMER_NAME, F.INVOICE_NO, F.OPEN_CENTS]
        esc = queue[[*used, Q.ROUTED_TO, Q.NEXT_ACTION]].iloc[escalated]
        group, cust, cur = _groups(esc[F.CUSTOMER_ID], esc[F.CURRENCY])
        first = {c: _first(esc[c], group, len(cust)) for c in (F.CUSTOMER_NAME, Q.ROUTED_TO)}
        action = pd.Series(_first(esc[Q.NEXT_ACTION], group, len(cust)))
        total = np.zeros(len(cust), dtype="int64")
        np.add.at(total, group, esc[F.OPEN_CENTS].to_numpy(dtype="int64"))
        parts.append(
            new_activity(
                day,
                "escalated",
                customer_id=cust,
                customer=first[F.CUSTOMER_NAME],
                invoices=_joined_per_group(pd.Series(group), esc[F.INVOICE_NO]),
                amount=units_series(pd.Series(total)),
                currency=cur,
                owner=first[Q.ROUTED_TO],
                detail="Escalation stage reached: " + action.astype(str),
                reference=[f"ESC-{c}-{k}" for c, k in zip(cust, cur, strict=True)],
            )
        )
    if not parts:
        return pd.DataFrame({c: [] for c in ACTIVITY_COLUMNS})
    return pd.concat(parts, ignore_index=True)[list(ACTIVITY_COLUMNS)]


def _groups(cust: pd.Series, cur: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's (customer, currency) group, numbered in sorted order, and each group's
    customer and currency: ``groupby([customer, currency], sort=True)`` on integer codes."""
    c_code, c_names = pd.factorize(cust.to_numpy(dtype=object), sort=True)
    k_code, k_names = pd.factorize(cur.to_numpy(dtype=object), sort=True)
    width = max(len(k_names), 1)
    pairs, group = np.unique(c_code * width + k_code, return_inverse=True)
    names = np.asarray(c_names, dtype=object), np.asarray(k_names, dtype=object)
    return group.reshape(-1), names[0][pairs // width], names[1][pairs % width]


def _first(values: pd.Series, group: np.ndarray, n: int) -> np.ndarray:
    """Each group's first value that is not missing (``groupby.first``), NaN if none."""
    known = values.notna().to_numpy(dtype=bool)
    row = np.full(n, len(values), dtype="int64")
    np.minimum.at(row, group[known], np.flatnonzero(known))
    return np.append(values.to_numpy(dtype=object), np.nan)[row]


def _joined_per_group(group: pd.Series, texts: pd.Series) -> np.ndarray:
    """Each group's texts joined with ", " in row order (``groupby.agg(", ".join)``
    without a Python call per group through pandas: thousands of customers escalate
    in a large book).

    >>> _joined_per_group(pd.Series([1, 0, 1]), pd.Series(["a", "b", "c"])).tolist()
    ['b', 'a, c']
    """
    codes = group.to_numpy()
    order = np.argsort(codes, kind="stable")
    values = texts.astype(str).to_numpy(dtype=object)[order].tolist()
    cuts = [0, *(np.flatnonzero(np.diff(codes[order])) + 1).tolist(), len(values)]
    joined = [", ".join(values[a:b]) for a, b in pairwise(cuts)]
    return np.array(joined, dtype=object)
