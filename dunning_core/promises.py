"""Promise-to-pay tracking: capture promises from the aging sheet, resolve them each run.

The Promises sheet is the team's record; this module only ever *adds* rows and moves
an open promise to kept or broken (never back), so a collector's own rows and edits
survive every run.

Capture: invoices carrying a promise date (``F.PROMISE_DATE``) become one promise per
customer, promise date and currency, covering those invoices. Its amount is the sum
over the invoices of ``F.PROMISE_CENTS`` (read as *that invoice's* promised amount),
or the invoice's open balance where none is given. An invoice already covered by a
sheet promise with the same customer and date (or by a customer-wide one, with an empty
invoice list) is not captured again, so running twice captures nothing new. Ids are
``PR-<customer>-<yyyymmdd>`` (plus ``-<currency>`` when one date spans currencies, and
``-2``, ``-3``... if the id is taken).

Resolution, for each open promise at the as-of date, over its invoices (or, when the
list is empty, all the customer's invoices in the promise's currency, or in any
currency when it names none):

* ``C`` = their open total now (an invoice gone from the book counts 0),
* ``R`` = their open total in the previous run's snapshot (the current one where the
  snapshot does not have it), ``A`` = the promised amount;
* **kept** when ``C <= 0`` or ``R - C >= A``: paid, or reduced by the promised amount
  since the last run. Payment is only observed at runs, so a payment seen at the first
  run after the deadline still counts as kept;
* **broken** when not kept and promise date + ``policy.promise_grace_days`` < as-of;
* otherwise it stays **open**. Kept and broken promises are never reopened.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import numpy as np
import pandas as pd

from dunning_core.activity import new_activity
from dunning_core.codes import sort_order
from dunning_core.columns import PROMISE_COLUMNS, PROMISE_STATUSES, F, P, S
from dunning_core.days import as_days
from dunning_core.money import cents_series, format_amount, units_series
from dunning_core.policy import Policy
from dunning_core.promise_match import Factorized, factorized, invoice_list, open_totals, texts
from dunning_core.records import Problem, Severity

_DATES = (P.CAPTURED, P.PROMISE_DATE, P.RESOLVED)


def normalise(promises: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """The sheet with every column, typed; statuses lower-cased; blank ids filled."""
    index = pd.RangeIndex(len(promises))
    columns: dict[str, pd.Series] = {}
    for name in PROMISE_COLUMNS:
        col = promises[name].reset_index(drop=True) if name in promises else None
        if name in _DATES:
            columns[name] = _days_only(col, index)
        elif name == P.AMOUNT:
            amount = pd.Series(np.nan, index=index) if col is None else col
            columns[name] = pd.to_numeric(amount, errors="coerce").astype("float64")
        else:
            columns[name] = pd.Series("", index=index, dtype="str") if col is None else _text(col)
    out = pd.DataFrame(columns, index=index)
    status = out[P.STATUS].str.lower()
    usable = (out[P.CUSTOMER_ID] != "") & out[P.PROMISE_DATE].notna()
    status = status.mask((status == "") & usable, "open")
    out[P.STATUS] = status
    untracked = ~usable & ~status.isin(["kept", "broken"])
    for i in out.index[untracked]:
        field = P.CUSTOMER_ID if out.at[i, P.CUSTOMER_ID] == "" else P.PROMISE_DATE
        problems.append(
            _problem(
                out,
                field,
                i,
                "",
                "A promise needs a customer id and a promise date; "
                "this one was left as it is and is not tracked.",
            )
        )
    bad = ~status.isin([*PROMISE_STATUSES, ""])
    for i in out.index[bad]:
        problems.append(
            _problem(
                out,
                P.STATUS,
                i,
                status[i],
                f"Status must be one of "
                f"{', '.join(PROMISE_STATUSES)}; this promise is not tracked.",
            )
        )
    blank = out[P.ID] == ""
    if blank.any():
        taken = set(out[P.ID])
        rows = out.index[blank & usable]
        for i, cust, when in zip(
            rows, out.loc[rows, P.CUSTOMER_ID], out.loc[rows, P.PROMISE_DATE], strict=True
        ):
            out.at[i, P.ID] = _unique_id(_base_id(str(cust), when), taken)
    return out


def _days_only(col: pd.Series | None, index: pd.Index) -> pd.Series:
    """A date column as dates (``datetime64[ns]`` at midnight, unreadable cells NaT); a
    column that already is one is kept as it is."""
    if col is None:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    return as_days(col, coerce=True)


def _text(col: pd.Series) -> pd.Series:
    """A column as stripped text; whole numbers read as floats lose their ".0"."""
    return pd.Series(texts(col), index=col.index, dtype="str")


def _problem(sheet: pd.DataFrame, field: str, i: int, value: str, message: str) -> Problem:
    """A Promises problem, named by promise id (collectors sort and filter the sheet, so
    a row number read from the frame may not be where the row is)."""
    ident = str(sheet.at[i, P.ID]) or f"in table row {i + 1}"
    return Problem(S.PROMISES, "", field, value, f"Promise {ident}: {message}", Severity.WARNING)


def _base_id(customer: str, when: pd.Timestamp) -> str:
    return f"PR-{customer}-{when:%Y%m%d}"


def _unique_id(base: str, taken: set[str]) -> str:
    new, n = base, 1
    while new in taken:
        n += 1
        new = f"{base}-{n}"
    taken.add(new)
    return new


def _uncovered(rows: pd.DataFrame, sheet: pd.DataFrame) -> pd.DataFrame:
    """``rows`` whose invoice is not yet promised on the sheet for the same date.

    The sheet's (customer, date, invoice) keys go into one set ("*" for a promise over
    the whole account); a few thousand promises are looked up faster this way than by
    merging frames.
    """
    sheet = sheet[sheet[P.PROMISE_DATE].notna()]
    covered = set()
    for c, w, text in zip(
        sheet[P.CUSTOMER_ID].to_numpy(dtype=object),
        _ns(sheet[P.PROMISE_DATE]),
        sheet[P.INVOICES].to_numpy(dtype=object),
        strict=True,
    ):
        for i in invoice_list(text) or ["*"]:  # empty list: the customer's whole account
            covered.add((c, w, i))
    keys = zip(
        rows[F.CUSTOMER_ID].to_numpy(dtype=object),
        _ns(rows[F.PROMISE_DATE]),
        rows[F.INVOICE_NO].to_numpy(dtype=object),
        strict=True,
    )
    hit = [(c, w, i) in covered or (c, w, "*") in covered for c, w, i in keys]
    return rows[~np.array(hit, dtype=bool)]


def _ns(dates: pd.Series) -> list[int]:
    """Dates as integer nanoseconds (exact keys for a set)."""
    return dates.to_numpy(dtype="datetime64[ns]").view("int64").tolist()


def _days(dates: pd.Series) -> list[str]:
    """Dates as "yyyy-mm-dd", formatted by numpy at once (``f"{d:%Y-%m-%d}"`` per date
    costs microseconds each)."""
    days = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return np.datetime_as_string(days).tolist()


def capture(invoices: pd.DataFrame, sheet: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """New promise rows for invoice-level promises not yet in the sheet."""
    used = [F.CUSTOMER_ID, F.PROMISE_DATE, F.CURRENCY, F.CUSTOMER_NAME, F.INVOICE_NO, F.ROW]
    used += [F.PROMISE_CENTS, F.OPEN_CENTS]
    rows = invoices[used].iloc[np.flatnonzero(invoices[F.PROMISE_DATE].notna().to_numpy())]
    if rows.empty:
        return sheet.iloc[0:0]
    rows = _uncovered(rows, sheet)
    if rows.empty:
        return sheet.iloc[0:0]
    keys = [F.CUSTOMER_ID, F.PROMISE_DATE, F.CURRENCY, F.INVOICE_NO]
    rows = rows.iloc[sort_order(*(rows[k] for k in keys))]
    cust = rows[F.CUSTOMER_ID].to_numpy(dtype=object)
    when = rows[F.PROMISE_DATE].to_numpy(dtype="datetime64[ns]")
    cur = rows[F.CURRENCY].to_numpy(dtype=object)
    # one promise per run of equal (customer, date, currency) in the sorted rows ("!=" as
    # pandas compares: a missing value differs from everything, itself included)
    change = np.ones(len(rows), dtype=bool)
    change[1:] = (cust[1:] != cust[:-1]) | (when[1:] != when[:-1]) | (cur[1:] != cur[:-1])
    starts = np.flatnonzero(change)
    cuts = [*starts.tolist(), len(rows)]
    inv = rows[F.INVOICE_NO].to_numpy(dtype=object).tolist()
    row = rows[F.ROW].astype(str).to_numpy(dtype=object).tolist()
    first = rows.iloc[starts].reset_index(drop=True)
    amount = rows[F.PROMISE_CENTS].astype("Int64").fillna(rows[F.OPEN_CENTS]).astype("int64")
    new = pd.DataFrame(
        {
            "cust": first[F.CUSTOMER_ID],
            "when": first[F.PROMISE_DATE],
            "cur": first[F.CURRENCY],
            "name": first[F.CUSTOMER_NAME],
            "inv": [", ".join(dict.fromkeys(inv[a:b])) for a, b in pairwise(cuts)],
            "rows": [", ".join(row[a:b]) for a, b in pairwise(cuts)],
            "cents": np.add.reduceat(amount.to_numpy(dtype="int64"), starts),
        }
    )
    # promises of one customer and date in several currencies (adjacent after the sort)
    c, w = cust[starts], when[starts]
    same = (c[1:] == c[:-1]) & (w[1:] == w[:-1])
    multi = pd.Series(np.append(same, False) | np.append(False, same))
    taken = set(sheet[P.ID])
    days = [d.replace("-", "") for d in _days(new["when"])]  # as _base_id writes them
    ids = [
        _unique_id(f"PR-{c}-{d}" + (f"-{cur}" if m else ""), taken)
        for c, d, cur, m in zip(
            new["cust"].to_numpy(dtype=object),
            days,
            new["cur"].to_numpy(dtype=object),
            multi.to_numpy(dtype=bool),
            strict=True,
        )
    ]
    out = pd.DataFrame(
        {
            P.ID: ids,
            P.CAPTURED: pd.Timestamp(as_of),
            P.CUSTOMER_ID: new["cust"].astype(str),
            P.CUSTOMER: new["name"].astype(str),
            P.INVOICES: new["inv"].astype(str),
            P.AMOUNT: units_series(new["cents"]),
            P.CURRENCY: new["cur"].astype(str),
            P.PROMISE_DATE: new["when"].astype("datetime64[ns]"),
            P.STATUS: "open",
            P.RESOLVED: pd.NaT,
            P.NOTE: "",
            P.SOURCE: "aging rows " + new["rows"].astype(str),
        }
    )
    out[P.CAPTURED] = out[P.CAPTURED].astype("datetime64[ns]")
    out[P.RESOLVED] = out[P.RESOLVED].astype("datetime64[ns]")
    return out[list(PROMISE_COLUMNS)]


def _owners(invoices: pd.DataFrame, customers: set[str], ids: Factorized) -> pd.Series:
    """The collector of each of ``customers``: the first owner named on their invoices.

    ``groupby(id).first()`` over those customers' rows that name an owner, worked out on
    one factorisation of the id column; an owner is read from each customer's first row,
    and further rows only for a customer whose first row names none.
    """
    owner = invoices[F.OWNER]
    codes, uniques = ids
    wanted = np.array([u in customers for u in uniques] + [False], dtype=bool)  # -1: missing
    pos = np.flatnonzero(wanted[codes])
    rows = pos[np.unique(codes[pos], return_index=True)[1]]
    named = _named(owner.iloc[rows])
    if not named.all():  # a customer whose first row names no owner: look further
        rest = pos[np.isin(codes[pos], codes[rows[~named]])]
        rest = rest[_named(owner.iloc[rest])]
        rows = np.concatenate([rows[named], rest[np.unique(codes[rest], return_index=True)[1]]])
    return pd.Series(owner.iloc[rows].to_numpy(dtype=object), index=uniques.to_numpy()[codes[rows]])


def _named(owner: pd.Series) -> np.ndarray:
    """Which of these owner cells name someone (not blank, not missing)."""
    return ((owner.astype(str) != "") & owner.notna()).to_numpy(dtype=bool)


def _promised(rows: pd.DataFrame) -> list[str]:
    """'$1,200 by 2026-12-01', one per promise."""
    cents = cents_series(rows[P.AMOUNT]).fillna(0).to_numpy(dtype="int64").tolist()
    return [
        f"{format_amount(c, cur)} by {d}"
        for c, cur, d in zip(
            cents, rows[P.CURRENCY].to_numpy(dtype=object), _days(rows[P.PROMISE_DATE]), strict=True
        )
    ]


def update_promises(
    invoices: pd.DataFrame,
    promises: pd.DataFrame,
    previous: pd.DataFrame,
    policy: Policy,
    as_of: date,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Capture new promises and resolve open ones; return (promises, new activity, problems)."""
    problems: list[Problem] = []
    sheet = normalise(promises, problems)
    new = capture(invoices, sheet, as_of)
    full = pd.concat([sheet, new], ignore_index=True) if len(new) else sheet
    ids = factorized(invoices[F.CUSTOMER_ID])
    owners = _owners(invoices, set(full[P.CUSTOMER_ID]), ids)

    is_open = (full[P.STATUS] == "open") & (full[P.CUSTOMER_ID] != "")
    is_open &= full[P.PROMISE_DATE].notna()
    todo = full[is_open]
    now, before, unknown = open_totals(todo, invoices, previous, ids)
    amount = cents_series(todo[P.AMOUNT]).fillna(0).astype("int64").to_numpy()
    paid = (now.to_numpy() <= 0) | ((amount > 0) & (before.to_numpy() - now.to_numpy() >= amount))
    deadline = todo[P.PROMISE_DATE] + pd.Timedelta(days=policy.promise_grace_days)
    late = (deadline < pd.Timestamp(as_of)).to_numpy()
    kept, broken = todo.index[paid], todo.index[~paid & late]
    full.loc[kept, P.STATUS] = "kept"
    full.loc[broken, P.STATUS] = "broken"
    full.loc[kept.union(broken), P.RESOLVED] = pd.Timestamp(as_of)

    for i in todo.index[(unknown.to_numpy() > 0)] if len(previous) else []:
        if i < len(sheet):  # (with no snapshot yet, a gone invoice cannot be told apart)
            problems.append(
                _problem(
                    full,
                    P.INVOICES,
                    i,
                    str(full.at[i, P.INVOICES]),
                    "Some invoices of this promise are not in the aging sheet "
                    "nor in the last run; they were counted as paid.",
                )
            )
    owner = full[P.CUSTOMER_ID].map(owners).astype(object).fillna(policy.default_owner)
    still = pd.Series(now.to_numpy(), index=todo.index).loc[broken]
    cur = full.loc[broken, P.CURRENCY]
    left = [format_amount(int(c), u) for c, u in zip(still, cur, strict=True)]
    # one Activity row per captured, kept and broken promise, in that order
    pos = np.concatenate([np.arange(len(sheet), len(full)), kept, broken]).astype("int64")
    rows = full.iloc[pos]
    said = _promised(rows)
    n_new, n_kept = len(full) - len(sheet), len(kept)
    kinds = ["promise captured"] * n_new + ["promise kept"] * n_kept
    details = ["Promise to pay " + t for t in said[:n_new]]
    details += ["Paid as promised: " + t for t in said[n_new : n_new + n_kept]]
    for t, x in zip(said[n_new + n_kept :], left, strict=True):
        kinds.append("promise broken")
        details.append(f"Broken: promised {t}: {x} still open")
    day = pd.Timestamp(as_of)
    activity = new_activity(
        day,
        kinds,
        customer_id=rows[P.CUSTOMER_ID],
        customer=rows[P.CUSTOMER],
        invoices=rows[P.INVOICES],
        amount=rows[P.AMOUNT],
        currency=rows[P.CURRENCY],
        owner=owner.iloc[pos],
        detail=details,
        reference=rows[P.ID],
    )
    return full.reset_index(drop=True), activity, problems
