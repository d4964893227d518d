"""The work queue: for every open item, how late it is, what to do next, and who does it.

One pass over the whole frame, column by column (vectorised; a 1M-row book is a few
numpy operations per step, never a Python loop over invoices):

1. days past due at the as-of date, from the due date, else from the export's own
   days-overdue column, else a WARNING and the item is treated as not due;
2. aging bucket (``policy.buckets``) and dunning stage (``policy.stages``: the last
   stage whose ``min_days`` is reached; before the first one the stage is "" and its
   name "Not due");
3. a broken promise still unpaid on the customer moves each of its in-stage items one
   stage on (a broken promise must change what happens next, not only the score);
   the collector's stage override wins over both when it names a stage key or name;
4. exclusions (:mod:`dunning_core.exclusions`) with the owner the work is routed to:
   the rule's ``route_to``, else the invoice's collector, else ``policy.default_owner``;
5. the next action in words and its due date;
6. priority and its reason (:mod:`dunning_core.priority`).

Open promises recorded on the Promises sheet also fill ``F.PROMISE_DATE`` for the
invoices they cover when the aging sheet has none, so a promise a collector logged in
the sheet excludes those invoices and feeds the forecast like one from the export.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from dunning_core.codes import empty_str, factorize, first_rows
from dunning_core.columns import F, P, Q
from dunning_core.exclusions import (
    Accounts,
    StageCodes,
    accounts,
    apply_exclusions,
    customer_last_contact,
    filled,
    format_dates,
    group_max,
    next_touch,
    text_series,
)
from dunning_core.policy import Policy
from dunning_core.priority import score
from dunning_core.promises import invoice_list, normalise
from dunning_core.records import Problem, Severity

#: Queue columns this stage adds, in order (forecast columns come later).
QUEUE_COLUMNS = (
    Q.DAYS_PAST_DUE,
    Q.BUCKET,
    Q.STAGE,
    Q.STAGE_NAME,
    Q.PRIORITY,
    Q.PRIORITY_REASON,
    Q.CUSTOMER_PRIORITY,
    Q.EXCLUDED,
    Q.EXCLUSION_CODE,
    Q.EXCLUSION_REASON,
    Q.ROUTED_TO,
    Q.NEXT_ACTION,
    Q.ACTION_DUE,
    Q.BROKEN_PROMISE_DATE,
)
NOT_DUE = "Not due"
#: Problems listed one by one per kind before the rest are summed up in one line.
MAX_ROW_PROBLEMS = 50


def _row_problems(rows: pd.Series, values: pd.Series, field: str, message: str) -> list[Problem]:
    """One WARNING per source row (whole-row address), the tail summarised."""
    out = [
        Problem("", f"{r}:{r}", field, str(v), message, Severity.WARNING)
        for r, v in zip(rows[:MAX_ROW_PROBLEMS], values[:MAX_ROW_PROBLEMS], strict=True)
    ]
    if len(rows) > MAX_ROW_PROBLEMS:
        more = len(rows) - MAX_ROW_PROBLEMS
        out.append(Problem("", "", field, "", f"{more} more rows: {message}", Severity.WARNING))
    return out


def _promise_keys(
    promises: pd.DataFrame, invoices: pd.DataFrame, customer: np.ndarray
) -> pd.DataFrame:
    """(pos, when, status) of each invoice covered by a dated promise on the sheet.

    A promise with no invoice list covers all the customer's invoices. One join for
    every status at once: the callers pick the status they need. ``customer`` is the
    invoices' customer codes: only the rows of a customer with a promise are joined.
    """
    p = promises[promises[P.PROMISE_DATE].notna()]
    if p.empty:
        return pd.DataFrame(
            {
                "pos": pd.Series([], dtype="int64"),
                "when": pd.Series([], dtype="datetime64[ns]"),
                "status": pd.Series([], dtype="str"),
            }
        )
    ex = pd.DataFrame(
        {
            "cust": p[P.CUSTOMER_ID].to_numpy(),
            "when": p[P.PROMISE_DATE].to_numpy(),
            "status": p[P.STATUS].to_numpy(),
            "inv": p[P.INVOICES].map(invoice_list).to_numpy(),
        }
    ).explode("inv")
    listed, wide = ex[ex["inv"].notna()], ex[ex["inv"].isna()].drop(columns="inv")
    cust, number = invoices[F.CUSTOMER_ID], invoices[F.INVOICE_NO]
    ids = cust.iloc[first_rows(customer)]  # one row per customer code

    def of_customers(which: pd.Series) -> np.ndarray:
        """Positions of the invoices whose customer is one of ``which`` (one test
        per customer, not per invoice)."""
        return np.flatnonzero(ids.isin(set(which)).to_numpy(dtype=bool)[customer])

    def candidates(pos: np.ndarray) -> pd.DataFrame:
        """The invoices a join may match, so the string join stays small."""
        return pd.DataFrame(
            {"cust": cust.to_numpy()[pos], "inv": number.to_numpy()[pos], "pos": pos}
        )

    pos = of_customers(listed["cust"])
    pos = pos[number.iloc[pos].isin(set(listed["inv"])).to_numpy(dtype=bool)]
    found = [
        listed.merge(candidates(pos), on=["cust", "inv"]),
        wide.merge(candidates(of_customers(wide["cust"])).drop(columns="inv"), on="cust"),
    ]
    return pd.concat(found, ignore_index=True)[["pos", "when", "status"]]


def _with_status(keys: pd.DataFrame, status: str) -> pd.DataFrame:
    return keys[(keys["status"] == status).to_numpy(dtype=bool)]


def _broken_dates(
    out: pd.DataFrame,
    keys: pd.DataFrame,
    policy: Policy,
    as_of: pd.Timestamp,
    customer: np.ndarray,
) -> pd.Series:
    """Per row, the customer's latest broken promise date still covering an open item.

    Broken means: marked broken on the Promises sheet, or a promise date on the aging
    sheet past its grace days with the item still open (unless the sheet says kept).
    ``keys`` is :func:`_promise_keys` of the Promises sheet; ``customer`` the row's
    customer code.
    """
    n = len(out)
    when = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    hit = _with_status(keys, "broken")
    if len(hit):
        latest = hit.groupby("pos")["when"].max()
        when[latest.index.to_numpy()] = latest.to_numpy(dtype="datetime64[ns]")
    own = out[F.PROMISE_DATE]
    overdue = (own + pd.Timedelta(days=policy.promise_grace_days) < as_of).fillna(False)
    late = overdue.to_numpy(dtype=bool, copy=True)
    kept = _with_status(keys, "kept")
    kept_pos = kept.loc[kept["when"].to_numpy() == own.to_numpy()[kept["pos"]], "pos"]
    late[kept_pos.to_numpy()] = False
    own_when = np.where(late, own.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT"))
    live = (out[F.OPEN_CENTS] > 0).to_numpy()
    per_row = np.where(live, np.fmax(when, own_when), np.datetime64("NaT"))
    latest_per_customer = group_max(per_row, customer)
    return pd.Series(latest_per_customer, index=out.index, dtype="datetime64[ns]")


def _stages(
    out: pd.DataFrame, eff: np.ndarray, unknown: np.ndarray, broken: pd.Series, policy: Policy
) -> tuple[np.ndarray, list[Problem]]:
    """Stage index per row (-1: not due), with broken-promise advance and overrides.

    Overrides are read once per distinct text (nearly every row has none).
    """
    mins = np.array([s.min_days for s in policy.stages], dtype="int64")
    idx = np.searchsorted(mins, eff, side="right") - 1 if len(mins) else np.full(len(eff), -1)
    idx = np.where(unknown, -1, idx)
    advance = broken.notna().to_numpy() & (idx >= 0)
    idx = np.where(advance, np.minimum(idx + 1, len(mins) - 1), idx)
    names = {s.key.lower(): i for i, s in enumerate(policy.stages)}
    names |= {s.name.lower(): i for i, s in enumerate(policy.stages)}
    codes, uniq = factorize(out[F.STAGE_OVERRIDE], use_na_sentinel=False)
    raw = pd.Series(uniq).astype(str).str.strip()
    chosen = raw.str.lower().map(names)
    bad = ((raw != "") & chosen.isna()).to_numpy(dtype=bool)[codes]
    pick = chosen.fillna(-1).to_numpy(dtype="int64")[codes]
    idx = np.where(pick >= 0, pick, idx)
    known = ", ".join(s.key for s in policy.stages)
    problems = _row_problems(
        out.loc[bad, F.ROW],
        pd.Series(raw.to_numpy(dtype=object)[codes[bad]]),
        F.STAGE_OVERRIDE,
        f"Stage override is not a stage key or name ({known}); the computed stage was used.",
    )
    return idx, problems


def _next_action(
    out: pd.DataFrame,
    policy: Policy,
    as_of: pd.Timestamp,
    eff: np.ndarray,
    unknown: np.ndarray,
    idx: np.ndarray,
    last_contact: Mapping[str, date],
    groups: Accounts,
    stages: StageCodes,
) -> tuple[pd.Series, pd.Series]:
    """Next action text and due date per row; excluded rows say where the work goes.

    Each step overwrites the rows it selects, in order; texts that carry a date or
    a reason are built for the selected rows only. ``groups`` and ``stages`` are the
    rows' customer and stage codes.
    """
    n = len(out)
    action = filled(n, "")
    due = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    today = as_of.to_datetime64().astype("datetime64[ns]")
    excluded = out[Q.EXCLUDED].to_numpy(dtype=bool)
    todo = ~excluded
    codes, code_names = factorize(out[Q.EXCLUSION_CODE].astype(str).to_numpy(dtype=object))
    code_at = {c: i for i, c in enumerate(code_names.tolist())}  # compare ints, not texts
    first_reason = filled(n, "")
    reasons = out[Q.EXCLUSION_REASON].to_numpy(dtype=object)[excluded].tolist()
    first_reason[excluded] = [r.split("; ", 1)[0] for r in reasons]
    opened = out[F.OPEN_CENTS].to_numpy()

    def put(
        mask: np.ndarray, text: str, when: Any = None, *, dated: bool = False, reason: bool = False
    ) -> None:
        """Set the rows in ``mask`` to ``text``, followed by the row's date (``dated``) or
        its first exclusion reason (``reason``); ``when`` is one date or one per row
        (full length), None keeps the date.
        """
        at = np.flatnonzero(mask)
        if not len(at):
            return
        if dated:
            action[at] = text + format_dates(pd.Series(when[at])).to_numpy(dtype=object)
        else:
            action[at] = text + first_reason[at] if reason else text
        if when is not None:
            due[at] = when[at] if isinstance(when, np.ndarray) else when

    for i, stage in enumerate(policy.stages):
        put(todo & (idx == i), stage.action, today)
    if policy.stages:
        first = policy.stages[0]
        start = today + (first.min_days - eff).astype("timedelta64[D]")
        prefix = f"Not due: {first.name[:1].lower()}{first.name[1:]} from "
        put(todo & (idx < 0), prefix, start, dated=True)
    else:
        put(todo & (idx < 0), NOT_DUE)
    put(todo & unknown, "Check the due date: none given", today)
    put(todo & (opened < 0), "Apply the credit to open invoices", today)
    put(todo & (opened == 0), "Nothing to collect", np.datetime64("NaT"))

    grace = pd.Timedelta(days=policy.promise_grace_days)

    def touch() -> pd.Series:
        last = customer_last_contact(out, last_contact, groups.customer)
        return next_touch(out, policy, last_contact, last, stages)

    special: dict[str, tuple[str, Callable[[], pd.Series]]] = {
        "ON_HOLD": ("On hold: review on ", lambda: out[F.HOLD_UNTIL]),
        "PROMISE_OPEN": ("Check the payment promised by ", lambda: out[F.PROMISE_DATE] + grace),
        "CADENCE": ("Next touch from ", touch),
    }
    for rule in policy.exclusions:
        m = excluded & (codes == code_at.get(rule.code, -2))
        if not m.any():
            continue
        if rule.route_to:
            put(m, f"Route to {rule.route_to}: ", today, reason=True)
        elif rule.code in special:
            prefix, when = special[rule.code]
            put(m, prefix, when().to_numpy(dtype="datetime64[ns]"), dated=True)
        elif rule.code == "NO_CONTACT":
            put(m, "Find a contact e-mail address", today)
        elif rule.code == "BELOW_MIN":
            put(m, "No reminder: ", np.datetime64("NaT"), reason=True)
        else:
            put(m, "Review: ", today, reason=True)
    text = pd.Series(action, index=out.index, dtype="str")
    return text, pd.Series(due, index=out.index).dt.normalize()


def build_queue(
    invoices: pd.DataFrame,
    policy: Policy,
    as_of: date,
    promises: pd.DataFrame,
    last_contact: Mapping[str, date],
) -> tuple[pd.DataFrame, list[Problem]]:
    """Return the invoices (same rows, same order) with the queue columns, and problems."""
    index = invoices.index
    out = invoices.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    out.index = pd.RangeIndex(len(out))
    ts = pd.Timestamp(as_of).normalize()
    problems: list[Problem] = []

    days = (ts - out[F.DUE_DATE]).dt.days.astype("Int64")
    days = days.fillna(out[F.DAYS_OVERDUE].astype("Int64"))
    unknown = days.isna().to_numpy()
    problems += _row_problems(
        out.loc[unknown, F.ROW],
        pd.Series([""] * int(unknown.sum())),
        F.DUE_DATE,
        "No due date and no days overdue: the item was treated as not due.",
    )
    eff = days.fillna(0).to_numpy(dtype="int64")
    out[Q.DAYS_PAST_DUE] = days

    bmins = np.array([b.min_days for b in policy.buckets], dtype="int64")
    labels = np.array([b.label for b in policy.buckets] or [""], dtype=object)
    bidx = np.clip(np.searchsorted(bmins, eff, side="right") - 1, 0, None)
    out[Q.BUCKET] = text_series(labels, bidx, out.index)

    groups = accounts(out)  # customer and currency codes, shared by the stages below
    sheet = normalise(promises, [])  # its problems are reported by update_promises
    keys = _promise_keys(sheet, out, groups.customer)
    covered = _with_status(keys, "open")
    if len(covered):
        latest = covered.groupby("pos")["when"].max()
        fill = pd.Series(latest.to_numpy(dtype="datetime64[ns]"), index=latest.index)
        out[F.PROMISE_DATE] = out[F.PROMISE_DATE].fillna(fill.reindex(out.index))
    broken = _broken_dates(out, keys, policy, ts, groups.customer)
    idx, found = _stages(out, eff, unknown, broken, policy)
    problems += found
    stage_keys = np.array([s.key for s in policy.stages] + [""], dtype=object)
    names = np.array([s.name for s in policy.stages] + [NOT_DUE], dtype=object)
    out[Q.STAGE] = text_series(stage_keys, idx, out.index)
    out[Q.STAGE_NAME] = text_series(names, idx, out.index)
    out[Q.BROKEN_PROMISE_DATE] = broken

    stages = StageCodes.of(policy, idx)  # the stage texts above, as codes
    out = apply_exclusions(out, policy, as_of, last_contact, groups, stages)
    route = {r.code: r.route_to for r in policy.exclusions}
    codes, uniq = factorize(out[Q.EXCLUSION_CODE], use_na_sentinel=False)
    rule_owner = pd.Series(uniq).map(route).astype(object).fillna("").astype(str)
    routed = rule_owner.to_numpy(dtype=object)[codes]
    owner = out[F.OWNER].astype(str).to_numpy(dtype=object)
    routed = np.where(~empty_str(routed), routed, owner)
    routed = np.where(~empty_str(routed), routed, policy.default_owner)
    out[Q.ROUTED_TO] = pd.Series(routed, index=out.index, dtype="str")
    out[Q.NEXT_ACTION], out[Q.ACTION_DUE] = _next_action(
        out, policy, ts, eff, unknown, idx, last_contact, groups, stages
    )
    out = score(out, policy, as_of, groups, stages)
    out = out[[c for c in invoices.columns if c not in QUEUE_COLUMNS] + list(QUEUE_COLUMNS)]
    out.index = index
    return out, problems


def work_order(queue: pd.DataFrame) -> pd.DataFrame:
    """The queue in the order a collector works it, the same whatever the input order.

    Work to do before routed work; then the most urgent customer first (its invoices
    kept together), most urgent invoice first, oldest first; ties broken by invoice
    number and source row, so two runs on the same book list rows identically.
    """
    keys = [
        queue[F.ROW].to_numpy(),
        queue[F.INVOICE_NO].astype(str).to_numpy(),
        -queue[Q.DAYS_PAST_DUE].astype("Float64").fillna(-1e9).to_numpy(dtype="float64"),
        -queue[Q.PRIORITY].to_numpy(dtype="int64"),
        queue[F.CUSTOMER_ID].astype(str).to_numpy(),
        -queue[Q.CUSTOMER_PRIORITY].to_numpy(dtype="int64"),
        queue[Q.EXCLUDED].to_numpy(dtype=bool),
    ]
    return queue.iloc[np.lexsort(keys)]
