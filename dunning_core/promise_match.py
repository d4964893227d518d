"""Which invoices an open promise covers, and how much of them is open now and was
open at the last run (``C`` and ``R`` in :mod:`dunning_core.promises`).

Kept apart from capture and resolution because it is the part that touches every
row: the book's and the last run's invoices are narrowed to the promised customers
first, then matched on integer (customer, invoice) keys shared by the book, the last
run and the Promises sheet, so the rest works on the few rows a promise lists.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dunning_core.columns import F, P
from dunning_core.money import cents_series

_SPLIT = re.compile(r"[,;\n]+")


def invoice_list(text: str) -> list[str]:
    """Invoice numbers from a Promises/Drafts "Invoices" cell ("A1, A2; A3").

    >>> invoice_list(" INV1, INV2;INV3 ,")
    ['INV1', 'INV2', 'INV3']
    """
    return [t.strip() for t in _SPLIT.split(str(text)) if t.strip()]


def texts(col: pd.Series) -> np.ndarray:
    """A column as stripped text, an object array of ``str``; whole numbers read as
    floats lose their ".0" (what the matching below works on).

    A text column (the book's, the sheets') is stripped value by value in plain Python:
    the same ``str.strip`` the pandas accessor calls, without its per-value overhead.
    """
    if isinstance(col.dtype, pd.StringDtype):
        values = col.to_numpy(dtype=object, na_value="")
        return np.array(list(map(str.strip, values)), dtype=object)
    if pd.api.types.is_float_dtype(col.dtype):
        whole = col.dropna()
        if (whole == whole.round()).all():
            col = col.astype("Int64")
    obj = col.astype(object)
    return obj.where(col.notna(), "").astype(str).str.strip().to_numpy(dtype=object)


#: An id column factorised: codes (-1 for missing) and the distinct values, typed.
Factorized = tuple[np.ndarray, pd.Series]


def factorized(col: pd.Series) -> Factorized:
    """Codes and distinct values of an id column (text is hashed as plain objects:
    faster than through the pandas string array)."""
    text = isinstance(col.dtype, pd.StringDtype)
    codes, uniques = pd.factorize(col.to_numpy() if text else col)
    return codes, pd.Series(uniques, dtype=col.dtype)


def relevant(
    ids: Factorized, inv: pd.Series, wanted: set[str], wide: set[str], listed: set[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customer and invoice texts (as :func:`texts` reads them) of the rows that can count
    towards an open promise, and those rows' positions.

    A row counts when its customer is ``wanted`` (has an open promise) and either its
    invoice is ``listed`` on a promise or its customer is in ``wide`` (has a promise over
    the whole account). Each distinct customer id is read once, and only the wanted
    customers' invoice numbers are read (a column of numbers over the whole column, as
    :func:`texts` decides on a whole column whether its numbers are whole), so the rest
    of the work runs on the few rows a promise lists.
    """
    codes, uniques = ids
    names = texts(uniques)
    hit = np.array([t in wanted for t in names] + [False], dtype=bool)  # code -1: missing
    rows = np.flatnonzero(hit[codes])
    whole = np.array([t in wide for t in names] + [False], dtype=bool)[codes[rows]]
    if isinstance(inv.dtype, pd.StringDtype):  # the usual case: one pass over the text
        values = inv.iloc[rows].to_numpy(dtype=object, na_value="")
        keep = np.array([v.strip() in listed for v in values], dtype=bool) | whole
        invs = np.array([v.strip() for v in values[keep]], dtype=object)
    else:
        float_col = pd.api.types.is_float_dtype(inv.dtype)
        invs = texts(inv)[rows] if float_col else texts(inv.iloc[rows])
        keep = np.array([t in listed for t in invs], dtype=bool) | whole
        invs = invs[keep]
    rows = rows[keep]
    return np.append(names, "")[codes[rows]], invs, rows


def shared_codes(columns: list[np.ndarray]) -> tuple[list[np.ndarray], int]:
    """Integer codes of texts, equal across the columns (the book, the last run, the
    Promises sheet), so invoices are matched and summed on int64 instead of strings."""
    vocab_of, vocab = pd.factorize(np.concatenate([*columns, np.array([""], dtype=object)]))
    out, start = [], 0
    for col in columns:
        out.append(vocab_of[start : start + len(col)].astype("int64"))
        start += len(col)
    return out, max(len(vocab), 1)


def open_totals(
    todo: pd.DataFrame, invoices: pd.DataFrame, previous: pd.DataFrame, ids: Factorized
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per open promise (by position in ``todo``): C now, R last run, unknown invoices.

    The invoices of a promise are its listed ones, or all the customer's invoices known
    now or last run when the list is empty. All matching runs on integer keys of
    (customer, invoice), shared by the book, the last run and the Promises sheet.
    ``ids`` is the book's customer id column, factorised.
    """
    n = len(todo)
    lists = [invoice_list(t) for t in todo[P.INVOICES].to_numpy(dtype=object)]
    pos_e = np.repeat(np.arange(n, dtype="int64"), [len(x) for x in lists])
    inv_e = np.array([i for x in lists for i in x], dtype=object)
    wide_pos = np.array([p for p, x in enumerate(lists) if not x], dtype="int64")
    if not {"customer_id", "invoice_no", "open"} <= set(previous.columns):
        previous = pd.DataFrame({"customer_id": [], "invoice_no": [], "open": []}, dtype=object)
    # only the promised customers' listed invoices matter (all of a customer's for a
    # customer-wide promise): pick their rows before anything per row
    wanted = set(todo[P.CUSTOMER_ID])
    cust_todo = texts(todo[P.CUSTOMER_ID])
    wide_cust, listed = set(cust_todo[wide_pos]), set(inv_e)
    book = relevant(ids, invoices[F.INVOICE_NO], wanted, wide_cust, listed)
    last_ids = factorized(previous["customer_id"])
    last = relevant(last_ids, previous["invoice_no"], wanted, wide_cust, listed)
    (c_now, c_prev, c_todo), _ = shared_codes([book[0], last[0], cust_todo])
    (i_now, i_prev, i_todo), n_inv = shared_codes([book[1], last[1], inv_e])
    open_now = invoices[F.OPEN_CENTS].to_numpy(dtype="int64")[book[2]]
    now = pd.Series(open_now).groupby(c_now * n_inv + i_now).sum()
    open_before = cents_series(previous["open"].iloc[last[2]]).fillna(0).to_numpy(dtype="int64")
    before = pd.Series(open_before).groupby(c_prev * n_inv + i_prev).sum()
    wide_pos_k, wide_key = np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64")
    if len(wide_pos):  # customer-wide promises: every invoice of theirs known now or last run
        keys = np.concatenate([now.index.to_numpy(dtype="int64"), before.index.to_numpy("int64")])
        known = np.unique(keys[np.isin(keys // n_inv, c_todo[wide_pos])])
        wide = pd.DataFrame({"pos": wide_pos, "cust": c_todo[wide_pos]}).merge(
            pd.DataFrame({"cust": known // n_inv, "key": known}), on="cust"
        )
        currency = _key_currencies(
            (c_now * n_inv + i_now, _currencies(invoices.get(F.CURRENCY), book[2])),
            (c_prev * n_inv + i_prev, _currencies(previous.get("currency"), last[2])),
        )
        wide = wide[_same_currency(todo[P.CURRENCY], wide["pos"], currency, wide["key"])]
        wide_pos_k, wide_key = wide["pos"].to_numpy("int64"), wide["key"].to_numpy("int64")
    pos = np.concatenate([pos_e, wide_pos_k])
    key = np.concatenate([c_todo[pos_e] * n_inv + i_todo, wide_key])
    got_now, got_before = now.reindex(key), before.reindex(key)
    unknown = (got_now.isna() & got_before.isna()).to_numpy(dtype="int64")
    now_c = got_now.fillna(0).to_numpy(dtype="int64")
    before_c = got_before.fillna(pd.Series(now_c, index=got_before.index)).to_numpy(dtype="int64")
    sums = np.zeros((3, n), dtype="int64")  # per promise: now, before, unknown invoices
    for row, values in zip(sums, (now_c, before_c, unknown), strict=True):
        np.add.at(row, pos, values)
    return pd.Series(sums[0]), pd.Series(sums[1]), pd.Series(sums[2])


def _currencies(col: pd.Series | None, rows: np.ndarray) -> np.ndarray:
    """The upper-case currency codes of ``rows`` ("" where the column has none)."""
    if col is None:
        return np.full(len(rows), "", dtype=object)
    return np.array([t.upper() for t in texts(col.iloc[rows])], dtype=object)


def _key_currencies(*pairs: tuple[np.ndarray, np.ndarray]) -> pd.Series:
    """Each (customer, invoice) key's currency: the book's where it has the invoice, else
    the last run's."""
    keys = np.concatenate([k for k, _ in pairs])
    cur = pd.Series(np.concatenate([c for _, c in pairs]), index=keys, dtype=object)
    return cur[~cur.index.duplicated()]


def _same_currency(
    promised: pd.Series, pos: pd.Series, currency: pd.Series, key: pd.Series
) -> np.ndarray:
    """Which (promise, invoice) pairs of customer-wide promises count: the invoice is in
    the promise's currency, or the promise names none. A customer with accounts in two
    currencies promises an amount in one; summing the other's balances into it would
    compare dollars with euros."""
    want = np.array([t.upper() for t in texts(promised)], dtype=object)[pos.to_numpy("int64")]
    has = currency.reindex(key.to_numpy("int64")).fillna("").to_numpy(dtype=object)
    return np.asarray((want == "") | (want == has), dtype=bool)
