"""Exclusions: may we contact this customer about this invoice now, and if not, why.

A collector's first question for every line is whether follow-up is allowed at all.
Each :class:`~dunning_core.policy.ExclusionRule` is one vectorised test over the whole
frame (no loop over invoices); the rules are evaluated in policy order, so the order
in Settings *is* the precedence: the first matching enabled rule gives the reason code
(and with it the owner the work is routed to), and every matching rule's reason is
listed, joined by "; ", so nothing that blocks contact is hidden behind another.

Excluded invoices stay in the frame: the queue routes them to an owner, they are
never dropped.

Placeholders a rule's reason may use (unknown ones are left as written):
``dispute_reason hold_until promise_amount promise_date in_transit customer_balance
min_amount last_contact next_touch customer_id customer_name invoice_no owner currency
stage days_past_due open_amount``.

Rules that are about *sending something* (``BELOW_MIN``, ``NO_CONTACT``, ``CADENCE``)
only test invoices that are in a dunning stage: a not-yet-due invoice is not "touched
too recently", there is simply nothing to send. ``BELOW_MIN`` sums only the invoices
still eligible after the rules before it in policy order (the amount a reminder would
actually ask for), per customer and currency.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd

from dunning_core.codes import factorize, first_rows
from dunning_core.columns import F, Q
from dunning_core.money import format_amount
from dunning_core.policy import Policy

#: At least one plausible address (a field may hold several, separated by ; or ,).
EMAIL_PATTERN = r"[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}"


#: The cents part of an amount's text, by cents (whole amounts show none).
CENTS_TEXT = np.array([""] + [f".{i:02d}" for i in range(1, 100)], dtype=object)


def format_amounts(cents: pd.Series, currency: pd.Series) -> pd.Series:
    """Vectorised :func:`money.format_amount` (same text; missing amounts give "").

    Formats each distinct whole amount once, so a million rows cost a dictionary
    lookup each rather than a Python call each.
    """
    c = pd.to_numeric(cents, errors="coerce").astype("Float64")
    missing = c.isna().to_numpy()
    v = c.fillna(0).astype("int64").to_numpy()
    a = np.abs(v)
    codes, uniq = pd.factorize(a // 100)
    whole = np.array([f"{int(u):,}" for u in uniq] or [""], dtype=object)[codes]
    frac_txt = CENTS_TEXT[a % 100]
    cur = currency.astype(str).to_numpy()
    ccodes, cuniq = pd.factorize(cur)
    symbols = np.array([format_amount(0, str(u))[:-1] for u in cuniq], dtype=object)
    symbol = symbols[ccodes] if len(cuniq) else cur.astype(object)
    text = np.where(v < 0, "-", "").astype(object) + symbol + whole + frac_txt
    return pd.Series(np.where(missing, "", text), index=cents.index, dtype="str")


def format_dates(values: pd.Series) -> pd.Series:
    """ISO dates ("2026-11-03") for reasons and actions; NaT gives "".

    Each distinct date is formatted once (a column holds few distinct dates).
    """
    codes, uniq = pd.factorize(values, use_na_sentinel=False)
    text = pd.Series(uniq).dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)
    return pd.Series(text[codes], index=values.index, dtype="str")


def group_codes(*keys: pd.Series) -> np.ndarray:
    """One int code per row for the combination of ``keys`` (0..groups-1).

    Grouping by these codes instead of by the string columns themselves hashes
    each string once, however many group sums and maxima follow. A missing key is
    a group of its own (ingest never leaves the customer id or currency missing).
    """
    codes = np.zeros(len(keys[0]), dtype="int64")
    for key in keys:
        k, uniq = factorize(key, use_na_sentinel=False)
        codes = codes * max(len(uniq), 1) + k
    return pd.factorize(codes)[0] if len(keys) > 1 else codes


def filled(n: int, text: str) -> np.ndarray:
    """An object array of ``n`` cells holding ``text`` (one object: ``np.full`` reads a
    text as a numpy string and makes a new ``str`` for every cell)."""
    out = np.empty(n, dtype=object)
    out.fill(text)
    return out


def text_series(table: np.ndarray, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``table[codes]`` as a ``str`` Series, each text of ``table`` checked once."""
    return pd.Series(pd.array(table, dtype="str").take(codes), index=index, copy=False)


class Accounts(NamedTuple):
    """Group codes per row: by customer, by currency, and by both (an account)."""

    customer: np.ndarray
    currency: np.ndarray
    account: np.ndarray


def accounts(frame: pd.DataFrame) -> Accounts:
    """The customer, currency and account codes of ``frame``, each string hashed once."""
    customer = group_codes(frame[F.CUSTOMER_ID])
    currency = group_codes(frame[F.CURRENCY])
    width = int(currency.max(initial=-1)) + 1
    return Accounts(customer, currency, pd.factorize(customer * width + currency)[0])


class StageCodes(NamedTuple):
    """Each row's stage as a code into ``keys``: what the queue knows as a stage index,
    so no stage text is hashed again (the stage column is a key per invoice)."""

    keys: pd.Series  # the stage keys ("" for not due), one per code
    codes: np.ndarray  # per row, an index into ``keys``

    @classmethod
    def of(cls, policy: Policy, index: np.ndarray) -> StageCodes:
        """From each row's position in ``policy.stages`` (-1: not due, key "")."""
        keys = pd.Series([s.key for s in policy.stages] + [""], dtype="str")
        return cls(keys, np.where(index < 0, len(policy.stages), index))

    @classmethod
    def of_frame(cls, frame: pd.DataFrame) -> StageCodes:
        """From the frame's stage column (as text, "" where there is none): for callers
        that do not have the queue's stage indices."""
        stage = frame.get(Q.STAGE, pd.Series("", index=frame.index)).astype(str)
        codes, uniq = pd.factorize(stage, use_na_sentinel=False)
        return cls(pd.Series(uniq, dtype="str"), codes)

    def per_row(self, table: pd.Series) -> np.ndarray:
        """``table`` (one value per key, e.g. ``keys.map(...)``) for every row."""
        return table.to_numpy()[self.codes]


def group_max(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per row, the maximum of ``values`` (float, int or datetime) over the row's group.

    Missing dates (NaT) are skipped, as pandas' groupby max does: NaT is the
    smallest int64, so it only survives in a group with no date at all.
    """
    if values.dtype.kind == "M":
        return group_max(values.view("int64"), codes).view(values.dtype)
    low = np.iinfo(values.dtype).min if values.dtype.kind in "iu" else -np.inf
    top = np.full(int(codes.max(initial=-1)) + 1, low, dtype=values.dtype)
    np.maximum.at(top, codes, values)
    return top[codes]


def group_sum(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per row, the exact (int64) total of ``values`` over the row's group."""
    total = np.zeros(int(codes.max(initial=-1)) + 1, dtype="int64")
    np.add.at(total, codes, values)
    return total[codes]


def customer_last_contact(
    frame: pd.DataFrame, last_contact: Mapping[str, date], customer: np.ndarray | None = None
) -> pd.Series:
    """Per row, the customer's latest contact: Activity log or the sheet's own column.

    A reminder covers all of a customer's invoices, so a contact about any one of them
    counts for the account. ``customer`` is the customer codes when the caller has them.
    """
    customer = group_codes(frame[F.CUSTOMER_ID]) if customer is None else customer
    sheet = frame[F.LAST_CONTACT].astype("datetime64[ns]").to_numpy()
    both = group_max(sheet, customer)
    if last_contact:  # else nothing logged: the sheet's own dates
        first = first_rows(customer)  # one row per customer, in code order
        ids = frame[F.CUSTOMER_ID].iloc[first].reset_index(drop=True)
        logged = pd.to_datetime(ids.map(dict(last_contact)), errors="coerce")
        logged = logged.astype("datetime64[ns]").to_numpy()[customer]
        both = np.fmax(logged, both)  # fmax: a missing date is skipped
    return pd.Series(both, index=frame.index).dt.normalize()


def next_touch(
    frame: pd.DataFrame,
    policy: Policy,
    last_contact: Mapping[str, date],
    last: pd.Series | None = None,
    stages: StageCodes | None = None,
) -> pd.Series:
    """Earliest date the row's customer may be contacted again at the row's stage.

    ``last`` is :func:`customer_last_contact` and ``stages`` the frame's stage codes
    when the caller has them already.
    """
    cadence = {s.key: s.cadence_days for s in policy.stages}
    keys, codes = StageCodes.of_frame(frame) if stages is None else stages
    days = pd.to_timedelta(keys.map(cadence).fillna(0), unit="D")
    if last is None:
        last = customer_last_contact(frame, last_contact)
    wait = days.to_numpy(dtype="timedelta64[ns]")[codes]  # each distinct stage's cadence
    return pd.Series(last.to_numpy(dtype="datetime64[ns]") + wait, index=frame.index)


class _Context:
    """Derived per-row values shared by the rule tests and reason templates."""

    def __init__(
        self,
        frame: pd.DataFrame,
        policy: Policy,
        as_of: date,
        last: Mapping[str, date],
        groups: Accounts,
        stages: StageCodes | None,
    ) -> None:
        self.f = frame
        self.policy = policy
        self.as_of = pd.Timestamp(as_of)
        stages = StageCodes.of_frame(frame) if stages is None else stages
        self.in_stage = stages.per_row(stages.keys != "")
        self.customer, self.account = groups.customer, groups.account
        self.open = frame[F.OPEN_CENTS].astype("int64")
        self.balance = pd.Series(group_sum(self.open.to_numpy(), self.account), index=frame.index)
        self.last = customer_last_contact(frame, last, self.customer)
        self.next = next_touch(frame, policy, last, self.last, stages)

    def text(self, name: str, rows: np.ndarray) -> pd.Series | None:
        """The placeholder ``name`` as text for the row positions ``rows``; None when unknown."""
        f = self.f
        if name in _PLAIN:
            return f[_PLAIN[name]].iloc[rows].astype(str)
        if name == "dispute_reason":
            text = f[F.DISPUTE_REASON].iloc[rows].astype(str).str.strip()
            return text.replace("", "no reason given")
        if name in _DATES:
            return format_dates(_DATES[name](self).iloc[rows])
        if name in _AMOUNTS:
            return format_amounts(_AMOUNTS[name](self).iloc[rows], f[F.CURRENCY].iloc[rows])
        if name == "days_past_due" and Q.DAYS_PAST_DUE in f:
            return f[Q.DAYS_PAST_DUE].iloc[rows].astype("string").fillna("unknown").astype(str)
        return None


_PLAIN = {
    "customer_id": F.CUSTOMER_ID,
    "customer_name": F.CUSTOMER_NAME,
    "invoice_no": F.INVOICE_NO,
    "owner": F.OWNER,
    "currency": F.CURRENCY,
    "stage": Q.STAGE,
}
_DATES: dict[str, Callable[[_Context], pd.Series]] = {
    "hold_until": lambda c: c.f[F.HOLD_UNTIL],
    "promise_date": lambda c: c.f[F.PROMISE_DATE],
    "last_contact": lambda c: c.last,
    "next_touch": lambda c: c.next,
}
_AMOUNTS: dict[str, Callable[[_Context], pd.Series]] = {
    "promise_amount": lambda c: c.f[F.PROMISE_CENTS].astype("Int64").fillna(c.open),
    "in_transit": lambda c: c.f[F.IN_TRANSIT_CENTS],
    "customer_balance": lambda c: c.balance,
    "min_amount": lambda c: pd.Series(c.policy.min_amount_cents, index=c.f.index),
    "open_amount": lambda c: c.open,
}


def _flag(field: str) -> Callable[[_Context, np.ndarray], np.ndarray]:
    return lambda c, prior: c.f[field].fillna(False).astype(bool).to_numpy()


def _account_flag(field: str) -> Callable[[_Context, np.ndarray], np.ndarray]:
    """A flag about the customer, not the invoice: set on any row, it covers them all.

    Do-not-contact, legal and strategic are decisions about the account; a collector
    who marks one row must not see the customer's other invoices dunned.
    """

    def test(c: _Context, prior: np.ndarray) -> np.ndarray:
        flag = c.f[field].fillna(False).to_numpy(dtype=bool)
        return group_max(flag.astype("int8"), c.customer) > 0

    return test


def _below_min(c: _Context, prior: np.ndarray) -> np.ndarray:
    eligible = c.in_stage & ~prior
    total = group_sum(np.where(eligible, c.open.to_numpy(), 0), c.account)
    return eligible & (total < c.policy.min_amount_cents)


def _no_contact(c: _Context, prior: np.ndarray) -> np.ndarray:
    codes, uniq = factorize(c.f[F.EMAIL].astype(str))  # one regex per distinct address
    valid = pd.Series(uniq).str.contains(EMAIL_PATTERN, regex=True).to_numpy(dtype=bool)
    has = valid[codes] if len(uniq) else codes >= 0
    return c.in_stage & ~(group_max(has.astype("int8"), c.customer) > 0)


def _date_after(s: pd.Series, ts: pd.Timestamp) -> np.ndarray:
    return (s > ts).fillna(False).to_numpy(dtype=bool)


_TESTS: dict[str, Callable[[_Context, np.ndarray], np.ndarray]] = {
    "LEGAL": _account_flag(F.LEGAL),
    "DISPUTED": _flag(F.DISPUTED),
    "DO_NOT_CONTACT": _account_flag(F.DO_NOT_CONTACT),
    "STRATEGIC": _account_flag(F.STRATEGIC),
    "PAYMENT_PLAN": _flag(F.PAYMENT_PLAN),
    "ON_HOLD": lambda c, p: _date_after(c.f[F.HOLD_UNTIL], c.as_of),
    "PROMISE_OPEN": lambda c, p: _date_after(
        c.f[F.PROMISE_DATE] + pd.Timedelta(days=c.policy.promise_grace_days + 1), c.as_of
    ),
    "IN_TRANSIT": lambda c, p: (c.f[F.IN_TRANSIT_CENTS].fillna(0) > 0).to_numpy(dtype=bool),
    "NET_CREDIT": lambda c, p: (c.balance <= 0).to_numpy(),
    "BELOW_MIN": _below_min,
    "NO_CONTACT": _no_contact,
    "CADENCE": lambda c, p: c.in_stage & _date_after(c.next, c.as_of),
}
#: Reason codes this module knows how to test (a rule with another code never matches).
KNOWN_CODES = tuple(_TESTS)


def _fill(template: str, c: _Context, rows: np.ndarray) -> np.ndarray:
    """The reason template with its placeholders filled, for row positions ``rows``."""
    out = filled(len(rows), "")
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:  # unbalanced braces: show the text as written
        return out + template
    for literal, name, _spec, _conv in parts:
        if literal:
            out = out + literal
        if name is not None:
            value = c.text(name, rows)
            out = out + (value.to_numpy(dtype=object) if value is not None else "{" + name + "}")
    return out


def apply_exclusions(
    frame: pd.DataFrame,
    policy: Policy,
    as_of: date,
    last_contact: Mapping[str, date],
    groups: Accounts | None = None,
    stages: StageCodes | None = None,
) -> pd.DataFrame:
    """Return ``frame`` with ``Q.EXCLUDED``, ``Q.EXCLUSION_CODE`` and ``Q.EXCLUSION_REASON``.

    ``frame`` holds the canonical ``F`` fields and ``Q.STAGE`` (stage key, "" when not
    due); ``last_contact`` maps customer id to the last logged contact date;
    ``groups`` is :func:`accounts` and ``stages`` the stage codes of ``frame`` when the
    caller has them already.
    """
    out = frame.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    index = out.index
    out.index = pd.RangeIndex(len(out))  # positional work, whatever labels came in
    groups = accounts(out) if groups is None else groups
    c = _Context(out, policy, as_of, last_contact, groups, stages)
    n = len(out)
    prior = np.zeros(n, dtype=bool)
    code = filled(n, "")
    reason = filled(n, "")
    for rule in policy.exclusions:
        test = _TESTS.get(rule.code)
        if not rule.enabled or test is None:
            continue
        mask = np.asarray(test(c, prior), dtype=bool)
        if not mask.any():
            continue
        code[mask & ~prior] = rule.code
        rows = np.flatnonzero(mask)
        old = reason[rows]
        reason[rows] = np.where(old == "", old, old + "; ") + _fill(rule.reason, c, rows)
        prior |= mask
    out[Q.EXCLUDED] = prior
    out[Q.EXCLUSION_CODE] = pd.Series(code, index=out.index, dtype="str")
    out[Q.EXCLUSION_REASON] = pd.Series(reason, index=out.index, dtype="str")
    out.index = index
    return out
