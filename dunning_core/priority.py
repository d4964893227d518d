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

from dunning_core.columns import F, Q
from dunning_core.exclusions import (
    CENTS_TEXT,
    Accounts,
    accounts,
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
    return _factors(frame, policy, overdue, groups.currency)


def _factors(
    frame: pd.DataFrame, policy: Policy, overdue: pd.Series, currency: np.ndarray
) -> pd.DataFrame:
    w = policy.weights
    open_cents = frame[F.OPEN_CENTS].to_numpy(dtype="int64").clip(0)
    days = frame[Q.DAYS_PAST_DUE].astype("Float64").fillna(0).to_numpy(dtype="float64")
    rank = {s.key: (i + 1) / len(policy.stages) for i, s in enumerate(policy.stages)}
    stage = _distinct(
        frame[Q.STAGE].astype(str), lambda k: k.map(rank).fillna(0.0).astype("float64")
    )
    stage_rank = stage[0].astype("float64")[stage[1]]
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
    values: pd.Series, fn: Callable[[pd.Series], pd.Series]
) -> tuple[np.ndarray, np.ndarray]:
    """(texts, codes): ``fn`` applied once to the distinct ``values`` (missing included)."""
    codes, uniq = pd.factorize(values, use_na_sentinel=False)
    return fn(pd.Series(uniq)).to_numpy(dtype=object), codes


def _age(days: pd.Series) -> pd.Series:
    late = days.astype("Int64").fillna(0) > 0
    text = ", " + days.astype("Int64").astype("string").fillna("0") + " days past due"
    return pd.Series(np.where(late, text, " not yet due"))


def _clauses(
    frame: pd.DataFrame, policy: Policy, overdue: pd.Series, account: np.ndarray
) -> list[Pieces]:
    """The four reason clauses (invoice, stage, promise, exposure), each as text pieces.

    The invoice clause of a live item (positive amount, so no sign) is its currency
    symbol, whole amount, cents and age, each formatted once per distinct value;
    the other clauses are formatted once per distinct stage, broken-promise date
    and customer exposure. Nothing is formatted once per invoice.
    """
    cur = frame[F.CURRENCY].astype(str)
    cents = np.abs(frame[F.OPEN_CENTS].to_numpy(dtype="int64"))
    symbols = _distinct(cur, lambda c: c.map(lambda u: format_amount(0, str(u))[:-1]))
    whole_codes, whole_uniq = pd.factorize(cents // 100)
    wholes = np.array([f"{w:,}" for w in whole_uniq.tolist()], dtype=object), whole_codes
    invoice = [symbols, wholes, (CENTS_TEXT, cents % 100), _distinct(frame[Q.DAYS_PAST_DUE], _age)]
    names = {s.key: s.name for s in policy.stages}
    stage = _distinct(
        frame[Q.STAGE].astype(str),
        lambda k: "stage: " + k.map(names).astype(object).fillna("").astype(str),
    )
    broken = frame.get(Q.BROKEN_PROMISE_DATE, pd.Series(pd.NaT, index=frame.index))
    promise = _distinct(
        broken.astype("datetime64[ns]"),
        lambda d: "promise broken " + format_dates(d.astype("datetime64[ns]")),
    )
    first = np.unique(account, return_index=True)[1]  # the total is the account's
    owes = format_amounts(overdue.iloc[first], cur.iloc[first])
    exposure = ("customer owes " + owes + " overdue").to_numpy(dtype=object), account
    return [invoice, [stage], [promise], [exposure]]


def _reasons(
    frame: pd.DataFrame,
    policy: Policy,
    overdue: pd.Series,
    account: np.ndarray,
    merged: np.ndarray,
    rows: np.ndarray,
) -> list[str]:
    """For ``rows``, up to ``_TOP`` clauses, largest contribution first, joined by "; ".

    Rows are handled per distinct pattern of chosen clauses (a handful); each row's
    text is then one join of its pieces.
    """
    merged = merged[rows]
    order = np.argsort(-np.round(merged, 12), axis=1, kind="stable")[:, :_TOP]
    at_row = np.arange(len(rows))[:, None]
    # contributions are sorted: once 0 the rest are 0 (-1: no clause at that place)
    chosen = np.where(merged[at_row, order] > 0, order, -1)
    width = merged.shape[1] + 1
    pattern = ((chosen + 1) * width ** np.arange(chosen.shape[1])).sum(axis=1)
    clauses = _clauses(frame, policy, overdue, account)
    out = np.full(len(rows), "", dtype=object)
    for p in np.unique(pattern).tolist():
        at = np.flatnonzero(pattern == p)
        pieces: list[list[str]] = []
        for k, c in enumerate(chosen[at[0]].tolist()):
            if c < 0:
                continue
            for i, (texts, codes) in enumerate(clauses[c]):
                sep = "; " if k and not i else ""  # before a clause's first piece
                pieces.append((sep + texts if sep else texts)[codes[rows[at]]].tolist())
        if pieces:
            out[at] = ["".join(t) for t in zip(*pieces, strict=True)]
    return list(out.tolist())


def score(
    frame: pd.DataFrame, policy: Policy, as_of: date, groups: Accounts | None = None
) -> pd.DataFrame:
    """Return ``frame`` with ``Q.PRIORITY``, ``Q.CUSTOMER_PRIORITY``, ``Q.PRIORITY_REASON``.

    Needs the ``F`` fields, ``Q.DAYS_PAST_DUE`` and ``Q.STAGE``; uses
    ``Q.BROKEN_PROMISE_DATE`` when present. ``as_of`` is accepted for the stage
    signature; the score depends on it only through days past due. ``groups`` is
    :func:`exclusions.accounts` of ``frame`` when the caller has it already.
    """
    out = frame.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    groups = accounts(out) if groups is None else groups
    overdue = _overdue(out, groups.account)
    f = _factors(out, policy, overdue, groups.currency)
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
    reason = np.full(len(out), "credit or settled item: nothing to collect", dtype=object)
    at = np.flatnonzero(live)
    reason[at] = _reasons(out, policy, overdue, groups.account, merged, at)
    out[Q.PRIORITY_REASON] = pd.Series(reason, index=out.index, dtype="str")
    return out
