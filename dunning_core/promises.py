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
list is empty, all the customer's invoices):

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

import re
from datetime import date

import numpy as np
import pandas as pd

from dunning_core.columns import ACTIVITY_COLUMNS, PROMISE_COLUMNS, PROMISE_STATUSES, A, F, P, S
from dunning_core.money import cents_series, format_amount, units_series
from dunning_core.policy import Policy
from dunning_core.records import Problem, Severity

_DATES = (P.CAPTURED, P.PROMISE_DATE, P.RESOLVED)
_SPLIT = re.compile(r"[,;\n]+")


def invoice_list(text: str) -> list[str]:
    """Invoice numbers from a Promises/Drafts "Invoices" cell ("A1, A2; A3").

    >>> invoice_list(" INV1, INV2;INV3 ,")
    ['INV1', 'INV2', 'INV3']
    """
    return [t.strip() for t in _SPLIT.split(str(text)) if t.strip()]


def normalise(promises: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """The sheet with every column, typed; statuses lower-cased; blank ids filled."""
    out = pd.DataFrame(index=pd.RangeIndex(len(promises)))
    for name in PROMISE_COLUMNS:
        col = promises[name].reset_index(drop=True) if name in promises else None
        if name in _DATES:
            v = pd.Series(pd.NaT, index=out.index) if col is None else col
            out[name] = pd.to_datetime(v, errors="coerce").astype("datetime64[ns]").dt.normalize()
        elif name == P.AMOUNT:
            out[name] = pd.to_numeric(col, errors="coerce") if col is not None else float("nan")
            out[name] = out[name].astype("float64")
        else:
            out[name] = "" if col is None else _text(col)
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


def _text(col: pd.Series) -> pd.Series:
    """A column as stripped text; whole numbers read as floats lose their ".0"."""
    if pd.api.types.is_float_dtype(col.dtype):
        whole = col.dropna()
        if (whole == whole.round()).all():
            col = col.astype("Int64")
    obj = col.astype(object)
    return obj.where(col.notna(), "").astype(str).str.strip()


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
    """``rows`` whose invoice is not yet promised on the sheet for the same date."""
    sheet = sheet[sheet[P.PROMISE_DATE].notna()]
    ex = pd.DataFrame(
        {
            "c": sheet[P.CUSTOMER_ID],
            "w": sheet[P.PROMISE_DATE],
            "i": sheet[P.INVOICES].map(invoice_list),
        }
    ).explode("i")
    ex["i"] = ex["i"].fillna("*")  # empty list: the customer's whole account
    key = pd.DataFrame(
        {"c": rows[F.CUSTOMER_ID], "w": rows[F.PROMISE_DATE], "i": rows[F.INVOICE_NO]}
    )
    hit = key.merge(ex.drop_duplicates(), how="left", indicator=True)["_merge"] == "both"
    wide = key.assign(i="*").merge(ex.drop_duplicates(), how="left", indicator=True)
    hit |= wide["_merge"] == "both"
    return rows[~hit.to_numpy()]


def capture(invoices: pd.DataFrame, sheet: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """New promise rows for invoice-level promises not yet in the sheet."""
    rows = invoices[invoices[F.PROMISE_DATE].notna()]
    if rows.empty:
        return sheet.iloc[0:0]
    rows = _uncovered(rows, sheet)
    if rows.empty:
        return sheet.iloc[0:0]
    amount = rows[F.PROMISE_CENTS].astype("Int64").fillna(rows[F.OPEN_CENTS]).astype("int64")
    work = pd.DataFrame(
        {
            "cust": rows[F.CUSTOMER_ID],
            "when": rows[F.PROMISE_DATE],
            "cur": rows[F.CURRENCY],
            "name": rows[F.CUSTOMER_NAME],
            "inv": rows[F.INVOICE_NO],
            "row": rows[F.ROW].astype(str),
            "cents": amount,
        }
    ).sort_values(["cust", "when", "cur", "inv"], kind="stable")
    # one promise per run of equal (customer, date, currency) in the sorted rows
    group = work[["cust", "when", "cur"]]
    change = (group != group.shift()).any(axis=1).to_numpy()
    starts = np.flatnonzero(change)
    chunks = np.split(np.arange(len(work)), starts[1:])
    inv, row = work["inv"].to_numpy(dtype=object), work["row"].to_numpy(dtype=object)
    new = work.iloc[starts][["cust", "when", "cur", "name"]].reset_index(drop=True)
    new["inv"] = [", ".join(dict.fromkeys(inv[c])) for c in chunks]
    new["rows"] = [", ".join(row[c]) for c in chunks]
    new["cents"] = np.add.reduceat(work["cents"].to_numpy(dtype="int64"), starts)
    multi = new.groupby(["cust", "when"])["cur"].transform("size") > 1
    taken = set(sheet[P.ID])
    ids = [
        _unique_id(_base_id(c, w) + (f"-{cur}" if m else ""), taken)
        for c, w, cur, m in zip(new["cust"], new["when"], new["cur"], multi, strict=True)
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


def _of_customers(
    frame: pd.DataFrame, cols: tuple[str, str], wanted: set[str]
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Customer and invoice columns of the rows whose customer (as :func:`_text` reads
    it) is ``wanted``, and those rows' positions; each distinct customer id is read once.

    An invoice column of numbers is read as text over the whole column first, as
    :func:`_text` decides on a whole column whether its numbers are whole.
    """
    cust, inv = frame[cols[0]], frame[cols[1]]
    if pd.api.types.is_float_dtype(inv.dtype):
        inv = _text(inv)
    codes, uniques = pd.factorize(cust)
    hit = _text(pd.Series(uniques, dtype=cust.dtype)).isin(wanted).to_numpy(dtype=bool)
    rows = np.flatnonzero(np.append(hit, False)[codes])
    return cust.iloc[rows], inv.iloc[rows], rows


def _text_codes(columns: list[pd.Series]) -> tuple[list[np.ndarray], int]:
    """Integer codes of each column's values as :func:`_text` reads them, shared by all.

    Equal texts get equal codes across the columns (the book, the last run, the
    Promises sheet), so invoices are matched and summed on int64 instead of strings;
    each distinct value is turned into text once.
    """
    per = []
    for col in columns:
        codes, uniques = pd.factorize(col)
        texts = _text(pd.Series(uniques, dtype=col.dtype)).to_numpy(dtype=object)
        per.append((codes, texts))
    vocab_of, vocab = pd.factorize(np.concatenate([t for _, t in per] + [np.array([""], object)]))
    blank, out, start = vocab_of[-1], [], 0
    for codes, texts in per:
        table = np.append(vocab_of[start : start + len(texts)], blank)  # code -1 (missing): ""
        out.append(table[codes].astype("int64"))
        start += len(texts)
    return out, max(len(vocab), 1)


def _open_totals(
    todo: pd.DataFrame, invoices: pd.DataFrame, previous: pd.DataFrame
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per open promise (by position in ``todo``): C now, R last run, unknown invoices.

    The invoices of a promise are its listed ones, or all the customer's invoices known
    now or last run when the list is empty. All matching runs on integer keys of
    (customer, invoice), shared by the book, the last run and the Promises sheet.
    """
    n = len(todo)
    lists = todo[P.INVOICES].map(invoice_list)
    ex = pd.DataFrame({"pos": range(n), "inv": lists.to_numpy()}).explode("inv")
    explicit = ex[ex["inv"].notna()]
    if not {"customer_id", "invoice_no", "open"} <= set(previous.columns):
        previous = pd.DataFrame({"customer_id": [], "invoice_no": [], "open": []}, dtype=object)
    # only the promised customers' invoices matter: pick their rows before anything per row
    wanted = set(todo[P.CUSTOMER_ID])
    book = _of_customers(invoices, (F.CUSTOMER_ID, F.INVOICE_NO), wanted)
    last = _of_customers(previous, ("customer_id", "invoice_no"), wanted)
    (c_now, c_prev, c_todo), _ = _text_codes([book[0], last[0], todo[P.CUSTOMER_ID]])
    (i_now, i_prev, i_todo), n_inv = _text_codes([book[1], last[1], explicit["inv"].astype(str)])
    open_now = invoices[F.OPEN_CENTS].to_numpy(dtype="int64")[book[2]]
    now = pd.Series(open_now).groupby(c_now * n_inv + i_now).sum()
    open_before = cents_series(previous["open"]).fillna(0).to_numpy(dtype="int64")[last[2]]
    before = pd.Series(open_before).groupby(c_prev * n_inv + i_prev).sum()
    pos_e = explicit["pos"].to_numpy(dtype="int64")
    wide_pos = ex.loc[ex["inv"].isna(), "pos"].to_numpy(dtype="int64")
    known = np.zeros(0, dtype="int64")
    if len(wide_pos):  # customer-wide promises: every invoice of theirs known now or last run
        keys = np.concatenate([now.index.to_numpy(dtype="int64"), before.index.to_numpy("int64")])
        known = np.unique(keys[np.isin(keys // n_inv, c_todo[wide_pos])])
    wide = pd.DataFrame({"pos": wide_pos, "cust": c_todo[wide_pos]}).merge(
        pd.DataFrame({"cust": known // n_inv, "key": known}), on="cust"
    )
    pos = np.concatenate([pos_e, wide["pos"].to_numpy(dtype="int64")])
    key = np.concatenate([c_todo[pos_e] * n_inv + i_todo, wide["key"].to_numpy(dtype="int64")])
    got_now, got_before = now.reindex(key), before.reindex(key)
    unknown = (got_now.isna() & got_before.isna()).to_numpy(dtype="int64")
    now_c = got_now.fillna(0).to_numpy(dtype="int64")
    before_c = got_before.fillna(pd.Series(now_c, index=got_before.index)).to_numpy(dtype="int64")
    sums = pd.DataFrame({"now": now_c, "before": before_c, "unknown": unknown}).groupby(pos).sum()
    sums = sums.reindex(range(n), fill_value=0)
    return sums["now"].astype("int64"), sums["before"].astype("int64"), sums["unknown"]


def _activity(rows: pd.DataFrame, kind: str, detail: list[str], owner: pd.Series) -> pd.DataFrame:
    """Activity rows (``ACTIVITY_COLUMNS``) for promises ``rows``; Date and Run are set later."""
    return pd.DataFrame(
        {
            A.ID: "",
            A.TYPE: kind,
            A.CUSTOMER_ID: rows[P.CUSTOMER_ID].to_numpy(),
            A.CUSTOMER: rows[P.CUSTOMER].to_numpy(),
            A.INVOICES: rows[P.INVOICES].to_numpy(),
            A.AMOUNT: rows[P.AMOUNT].to_numpy(),
            A.CURRENCY: rows[P.CURRENCY].to_numpy(),
            A.OWNER: owner.loc[rows.index].to_numpy(),
            A.DETAIL: detail,
            A.REFERENCE: rows[P.ID].to_numpy(),
        },
        index=pd.RangeIndex(len(rows)),
    )


def _promised(rows: pd.DataFrame) -> list[str]:
    """'$1,200 by 2026-12-01', one per promise."""
    cents = cents_series(rows[P.AMOUNT]).fillna(0)
    return [
        f"{format_amount(int(c), cur)} by {d:%Y-%m-%d}"
        for c, cur, d in zip(cents, rows[P.CURRENCY], rows[P.PROMISE_DATE], strict=True)
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
    ids = invoices[F.CUSTOMER_ID]
    mine = ids.isin(set(full[P.CUSTOMER_ID])).to_numpy(dtype=bool)  # only these are looked up
    theirs = invoices[F.OWNER][mine]
    owned = (theirs.astype(str) != "").to_numpy(dtype=bool)
    owners = theirs[owned].groupby(ids[mine][owned], sort=False).first()

    is_open = (full[P.STATUS] == "open") & (full[P.CUSTOMER_ID] != "")
    is_open &= full[P.PROMISE_DATE].notna()
    todo = full[is_open]
    now, before, unknown = _open_totals(todo, invoices, previous)
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
    parts = [
        _activity(new.set_axis(full.index[len(sheet) :]), "promise captured",
                  ["Promise to pay " + t for t in _promised(new)], owner),
        _activity(full.loc[kept], "promise kept",
                  ["Paid as promised: " + t for t in _promised(full.loc[kept])], owner),
        _activity(full.loc[broken], "promise broken",
                  [f"Broken: promised {t}: {x} still open"
                   for t, x in zip(_promised(full.loc[broken]), left, strict=True)], owner),
    ]  # fmt: skip
    activity = pd.concat(parts, ignore_index=True)
    activity.insert(1, A.DATE, pd.Timestamp(as_of))
    activity[A.RUN] = pd.Timestamp(as_of)
    for name in (A.DATE, A.RUN):
        activity[name] = activity[name].astype("datetime64[ns]")
    activity = activity[list(ACTIVITY_COLUMNS)]
    return full.reset_index(drop=True), activity, problems
