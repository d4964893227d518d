"""Priority: which invoice to work first, as a 0-100 score with the reason in words.

A collector trusts a ranking only when it explains itself, so the score is a plain
weighted sum of five factors, each scaled to 0..1, and the reason names the factors
that contributed most, with their amounts and dates.

Formula (``w`` = ``policy.weights``, normalised to sum to 1)::

    priority = round_half_up(100 * (w.balance * B + w.days * D + w.stage * S
                                    + w.broken_promise * X + w.exposure * E))

* ``B`` balance: ``log1p(open) / log1p(largest open item)`` in units of the invoice's
  currency (credits count 0). Log-scaled so a $2M item does not flatten every other.
* ``D`` days past due: ``clip(days, 0, w.days_cap) / w.days_cap``.
* ``S`` stage: the stage's rank among ``policy.stages`` (1..n) divided by n; not due 0.
* ``X`` broken promise: 1 when the customer has a broken promise still unpaid
  (``Q.BROKEN_PROMISE_DATE`` set), else 0.
* ``E`` exposure: the customer's overdue open total, log-scaled against the largest
  customer's, per currency (log for the same reason as ``B``).

Items with no positive open balance (credits, settled lines) score 0.
Maxima are taken per currency, so yen never compete with dollars. Every factor is
non-decreasing in the invoice's own balance and days past due, so more money or more
days never lowers an invoice's priority, all else equal (tested with hypothesis).

``Q.CUSTOMER_PRIORITY`` is the customer's highest invoice priority: the account is as
urgent as its most urgent item (a simple rule a collector can check by eye).

``Q.PRIORITY_REASON`` lists up to three clauses in order of contribution, e.g.
"$48,210, 75 days past due; promise broken 2026-11-03; customer owes $120,400 overdue".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from dunning_core.codes import first_rows
from dunning_core.columns import F, Q
from dunning_core.exclusions import (
    CENTS_TEXT,
    Accounts,
    StageCodes,
    accounts,
    filled,
    format_amounts,
    format_dates,
    group_max,
    group_sum,
)
from dunning_core.money import format_amount
from dunning_core.policy import Policy

_TOP = 3


def _log_share(units: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """log1p(x) / log1p(max x in the group), 0 where the group's max is 0."""
    lx = np.log1p(np.clip(units, 0, None).astype("float64"))
    top = group_max(lx, codes)
    return np.where(top > 0, lx / np.where(top > 0, top, 1.0), 0.0)


def factors(frame: pd.DataFrame, policy: Policy, overdue: pd.Series | None = None) -> pd.DataFrame:
    """The five factors, each 0..1, one row per invoice (for tests and explanations)."""
    groups = accounts(frame)
    overdue = _overdue(frame, groups.account) if overdue is None else overdue
    return _factors(frame, policy, overdue, groups.currency, StageCodes.of_frame(frame))


def _factors(
    frame: pd.DataFrame,
    policy: Policy,
    overdue: pd.Series,
    currency: np.ndarray,
    stages: StageCodes,
) -> pd.DataFrame:
    w = policy.weights
    open_cents = frame[F.OPEN_CENTS].to_numpy(dtype="int64").clip(0)
    days = frame[Q.DAYS_PAST_DUE].astype("Float64").fillna(0).to_numpy(dtype="float64")
    rank = {s.key: (i + 1) / len(policy.stages) for i, s in enumerate(policy.stages)}
    stage_rank = stages.per_row(stages.keys.map(rank).fillna(0.0).astype("float64"))
    broken = frame.get(Q.BROKEN_PROMISE_DATE, pd.Series(pd.NaT, index=frame.index)).notna()
    cap = max(w.days_cap, 1)
    return pd.DataFrame(
        {
            "balance": _log_share(open_cents / 100.0, currency),
            "days": days.clip(0, cap) / cap,
            "stage": stage_rank,
            "broken_promise": broken.astype("float64"),
            "exposure": _log_share(overdue.to_numpy(dtype="int64") / 100.0, currency),
        },
        index=frame.index,
    )


def customer_overdue(frame: pd.DataFrame) -> pd.Series:
    """Per row, its customer's overdue open total in the row's currency (cents)."""
    return _overdue(frame, accounts(frame).account)


def _overdue(frame: pd.DataFrame, account: np.ndarray) -> pd.Series:
    days = frame[Q.DAYS_PAST_DUE].astype("Float64").fillna(0).to_numpy(dtype="float64")
    due = np.where(days > 0, frame[F.OPEN_CENTS].to_numpy(dtype="int64"), 0).clip(0)
    return pd.Series(group_sum(due, account), index=frame.index)


def _weights(policy: Policy) -> np.ndarray:
    w = policy.weights
    raw = np.array([w.balance, w.days, w.stage, w.broken_promise, w.exposure], dtype=float)
    raw = np.clip(raw, 0, None)
    return raw / raw.sum() if raw.sum() > 0 else raw


Pieces = list[tuple[np.ndarray, np.ndarray]]  # (texts, codes): texts[codes] per row


def _distinct(
    values: pd.Series, fn: Callable[[pd.Series], pd.Series], codes: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(texts, codes): ``fn`` applied once to the distinct ``values`` (missing included).

    ``codes`` are ``pd.factorize(values, use_na_sentinel=False)``'s when the caller has
    them: the distinct values are then read at their first rows, not hashed again.
    """
    if codes is None:
        codes, uniq = pd.factorize(values, use_na_sentinel=False)
        return fn(pd.Series(uniq)).to_numpy(dtype=object), codes
    return fn(values.iloc[first_rows(codes)].reset_index(drop=True)).to_numpy(dtype=object), codes


def _age(days: pd.Series) -> pd.Series:
    late = days.astype("Int64").fillna(0) > 0
    text = ", " + days.astype("Int64").astype("string").fillna("0") + " days past due"
    return pd.Series(np.where(late, text, " not yet due"))


def _clauses(
    frame: pd.DataFrame, policy: Policy, overdue: pd.Series, groups: Accounts, stages: StageCodes
) -> list[Pieces]:
    """The four reason clauses (invoice, stage, promise, exposure), each as text pieces.

    The invoice clause of a live item (positive amount, so no sign) is its currency
    symbol, whole amount, cents and age, each formatted once per distinct value;
    the other clauses are formatted once per distinct stage, broken-promise date
    and customer exposure. Nothing is formatted once per invoice.
    """
    account = groups.account
    cur = frame[F.CURRENCY].astype(str)
    # a text column is its own text form: its currency codes are the distinct texts'
    same = cur.dtype == frame[F.CURRENCY].dtype
    symbols = _distinct(
        cur,
        lambda c: c.map(lambda u: format_amount(0, str(u))[:-1]),
        groups.currency if same else None,
    )
    cents = np.abs(frame[F.OPEN_CENTS].to_numpy(dtype="int64"))
    whole_codes, whole_uniq = pd.factorize(cents // 100)
    wholes = np.array([f"{w:,}" for w in whole_uniq.tolist()], dtype=object), whole_codes
    invoice = [symbols, wholes, (CENTS_TEXT, cents % 100), _distinct(frame[Q.DAYS_PAST_DUE], _age)]
    names = {s.key: s.name for s in policy.stages}
    named = "stage: " + stages.keys.map(names).astype(object).fillna("").astype(str)
    stage = named.to_numpy(dtype=object), stages.codes
    broken = frame.get(Q.BROKEN_PROMISE_DATE, pd.Series(pd.NaT, index=frame.index))
    promise = _distinct(
        broken.astype("datetime64[ns]"),
        lambda d: "promise broken " + format_dates(d.astype("datetime64[ns]")),
    )
    first = first_rows(account)  # the total is the account's
    owes = format_amounts(overdue.iloc[first], cur.iloc[first])
    exposure = ("customer owes " + owes + " overdue").to_numpy(dtype=object), account
    return [invoice, [stage], [promise], [exposure]]


def _reasons(
    frame: pd.DataFrame,
    policy: Policy,
    overdue: pd.Series,
    groups: Accounts,
    stages: StageCodes,
    merged: np.ndarray,
    rows: np.ndarray,
) -> np.ndarray:
    """For ``rows``, up to ``_TOP`` clauses, largest contribution first, joined by "; ".

    Rows are handled per distinct pattern of chosen clauses (a handful); each row's
    text is then one join of its pieces.
    """
    pattern = _patterns(merged[rows])
    width = merged.shape[1] + 1
    clauses = _clauses(frame, policy, overdue, groups, stages)
    after: dict[tuple[int, int], np.ndarray] = {}  # "; " + texts, once per piece
    out = filled(len(rows), "")
    for p in np.unique(pattern).tolist():
        at = np.flatnonzero(pattern == p)
        sub = rows[at]
        pieces: list[list[str]] = []
        for k in range(_TOP):
            c = p // width**k % width - 1  # the clause at place k (-1: none)
            if c < 0:
                continue
            for i, (texts, codes) in enumerate(clauses[c]):
                if k and not i:  # before a clause's first piece
                    if (c, i) not in after:
                        after[c, i] = "; " + texts
                    texts = after[c, i]
                pieces.append(texts[codes[sub]].tolist())
        if pieces:
            joined = map("".join, zip(*pieces, strict=True))
            out[at] = np.fromiter(joined, dtype=object, count=len(at))
    return out


def _patterns(merged: np.ndarray) -> np.ndarray:
    """Per row, the clauses its reason names, as one number: the clause ``c`` at place
    ``k`` (largest contribution first, up to ``_TOP``) adds ``(c + 1) * width**k``.

    Places are a stable sort of the contributions rounded to 12 digits, largest
    first; a place whose contribution is not > 0 names nothing. The rank of each of
    the few clauses is counted by comparing it with every other, a handful of
    vectorised comparisons, where a sort per row would cost a call per row.
    """
    n, m = merged.shape
    width = m + 1
    key = np.round(merged, 12)
    if not np.isfinite(key).all():  # a NaN sorts last: leave it to the sort
        order = np.argsort(-key, axis=1, kind="stable")[:, :_TOP]
        chosen = np.where(merged[np.arange(n)[:, None], order] > 0, order, -1)
        return np.asarray(((chosen + 1) * width ** np.arange(chosen.shape[1])).sum(axis=1))
    pattern = np.zeros(n, dtype=np.int64)
    for j in range(m):
        place = np.zeros(n, dtype=np.int64)
        for i in range(m):  # clauses before j: larger, or equal and listed first
            if i != j:
                place += key[:, i] >= key[:, j] if i < j else key[:, i] > key[:, j]
        named = (place < _TOP) & (merged[:, j] > 0)
        pattern += np.where(named, (j + 1) * width**place, 0)
    return pattern


def score(
    frame: pd.DataFrame,
    policy: Policy,
    as_of: date,
    groups: Accounts | None = None,
    stages: StageCodes | None = None,
) -> pd.DataFrame:
    """Return ``frame`` with ``Q.PRIORITY``, ``Q.CUSTOMER_PRIORITY``, ``Q.PRIORITY_REASON``.

    Needs the ``F`` fields, ``Q.DAYS_PAST_DUE`` and ``Q.STAGE``; uses
    ``Q.BROKEN_PROMISE_DATE`` when present. ``as_of`` is accepted for the stage
    signature; the score depends on it only through days past due. ``groups`` is
    :func:`exclusions.accounts` and ``stages`` the stage codes of ``frame`` when the
    caller has them already.
    """
    out = frame.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    groups = accounts(out) if groups is None else groups
    stages = StageCodes.of_frame(out) if stages is None else stages
    overdue = _overdue(out, groups.account)
    f = _factors(out, policy, overdue, groups.currency, stages)
    w = _weights(policy)
    live = out[F.OPEN_CENTS].to_numpy(dtype="int64") > 0
    contrib = f.to_numpy(dtype=float) * w * live[:, None]  # credits: nothing to chase
    total = np.clip(np.floor(contrib.sum(axis=1) * 100 + 0.5 + 1e-9), 0, 100).astype("int64")
    out[Q.PRIORITY] = total
    out[Q.CUSTOMER_PRIORITY] = group_max(total, groups.customer)

    # reason: balance and days share the invoice clause
    merged = np.column_stack(
        [contrib[:, 0] + contrib[:, 1], contrib[:, 2], contrib[:, 3], contrib[:, 4]]
    )
    reason = filled(len(out), "credit or settled item: nothing to collect")
    at = np.flatnonzero(live)
    reason[at] = _reasons(out, policy, overdue, groups, stages, merged, at)
    out[Q.PRIORITY_REASON] = pd.Series(reason, index=out.index, dtype="str")
    return out
