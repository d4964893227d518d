"""What a reminder template sees: one packet per customer, built in one pass.

The queue can hold 100k+ invoices, so the eligible rows are sorted by customer once,
every column is formatted once for all of them (each distinct value once), and the
loop runs over customers, slicing those columns, never over invoices. Everything a
template receives is plain data (str, int, dict, list), so the sandbox has nothing
to reach through. The variables are documented in ``templates/README.md``;
:func:`sample_context` is the same shape with made-up values, used to trial-render
the team's own templates before trusting them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from dunning_core.columns import A, F, Q
from dunning_core.exclusions import CENTS_TEXT
from dunning_core.money import format_amount, to_units
from dunning_core.policy import Policy, Stage
from dunning_core.sheetaddr import column_letter, quote_sheet

PRIOR_SHOWN = 3  # prior outreach entries listed in a reminder
LINES_SHOWN = 200  # invoice lines listed in a reminder; the rest are counted in the totals
#: The queue columns a packet reads (the rest of the wide queue is never copied).
_USED = frozenset(
    {
        F.ROW, F.CUSTOMER_ID, F.CUSTOMER_NAME, F.INVOICE_NO, F.CURRENCY, F.CONTACT, F.EMAIL,
        F.CC, F.LANGUAGE, F.OWNER, F.INVOICE_DATE, F.DUE_DATE, F.OPEN_CENTS, Q.ROUTED_TO,
        Q.STAGE, Q.CUSTOMER_PRIORITY, Q.DAYS_PAST_DUE, Q.EXCLUDED,
    }
)  # fmt: skip


@dataclass(frozen=True)
class Letters:
    """What the packets of one run share to build their template contexts from.

    Attributes:
        as_of: the run date as ISO text.
        sender: the sender block of the policy.
        instructions: the policy's payment instructions.
        lines: the shown invoice lines, column-wise, customer after customer:
            number, invoice date, due date, days overdue, amount text, amount
            value, currency (see :func:`_lines`).
        prior: per customer, the reminders logged as sent (:func:`prior_outreach`).
        last_contact: per customer, the date of the last contact.
    """

    as_of: str
    sender: Mapping[str, str]
    instructions: str
    lines: tuple[list[Any], ...]
    prior: Mapping[str, list[dict[str, str]]]
    last_contact: Mapping[str, date]


@dataclass(frozen=True)
class Packet:
    """One customer's reminder, before rendering: who, which stage, what, and context.

    The template context is built when asked for (:attr:`context`), not kept: a run
    holds thousands of packets, and their tens of thousands of line dicts alive at
    once were what set off a full garbage collection in the middle of the drafts.
    ``contact``, ``totals`` and ``first_line`` are what it needs beyond the other
    fields; ``letters`` is what all packets share.
    """

    customer_id: str
    customer: str
    stage: Stage
    language: str
    to: str
    cc: str
    owner: str
    invoices: tuple[str, ...]
    amount_cents: int  # total of the largest currency (see :func:`headline`)
    currency: str
    source: str
    priority: float
    contact: str  # the contact's name, else the customer's
    totals: tuple[tuple[str, int], ...]  # open cents per currency, by currency
    first_line: int  # where this customer's lines start in ``letters.lines``
    letters: Letters

    @property
    def context(self) -> dict[str, Any]:
        """What the template sees: plain data, a new dict on each call.

        The variables are documented in ``templates/README.md``.
        """
        shared, key, invoices = self.letters, self.customer_id, self.invoices
        amounts = [format_amount(v, k) for k, v in self.totals]
        seen = shared.last_contact.get(key)
        return {
            "as_of": shared.as_of,
            "stage": {"key": self.stage.key, "name": self.stage.name},
            "customer": {"id": key, "name": self.customer},
            "contact": {"name": self.contact, "email": self.to, "cc": self.cc},
            "owner": self.owner,
            "invoices": self._invoice_lines(),
            "invoices_more": max(len(invoices) - LINES_SHOWN, 0),
            "totals": [
                {"currency": k, "amount": a, "amount_value": to_units(v)}
                for (k, v), a in zip(self.totals, amounts, strict=True)
            ],
            "total": " + ".join(amounts),
            "payment": {
                "reference": " ".join(invoices) if len(invoices) <= 3 else key,
                "instructions": shared.instructions,
            },
            "prior": shared.prior.get(key, [])[:PRIOR_SHOWN],
            "last_contact": seen.isoformat() if seen else "",
            "sender": dict(shared.sender),
        }

    def _invoice_lines(self) -> list[dict[str, Any]]:
        start = self.first_line
        stop = start + min(len(self.invoices), LINES_SHOWN)
        cols = [col[start:stop] for col in self.letters.lines]
        return [
            {
                "number": n, "invoice_date": i, "due_date": d, "days_overdue": o,
                "amount": a, "amount_value": v, "currency": c,
            }
            for n, i, d, o, a, v, c in zip(*cols, strict=True)
        ]  # fmt: skip


def _text(v: Any) -> str:
    if type(v) is str:
        return v.strip()
    return "" if v is None or pd.isna(v) else str(v).strip()


def _iso(v: Any) -> str:
    return "" if v is None or pd.isna(v) else pd.Timestamp(v).date().isoformat()


def headline(totals: Mapping[str, int]) -> tuple[str, int]:
    """The currency shown in the Drafts row's Amount: the one with the largest total.

    >>> headline({"EUR": 500, "USD": 90000, "GBP": 90000})
    ('GBP', 90000)
    """
    cur = min(totals, key=lambda c: (-totals[c], c))
    return cur, totals[cur]


_LANGUAGE_NAMES = {
    "english": "en", "englisch": "en", "anglais": "en",
    "german": "de", "deutsch": "de", "allemand": "de",
    "french": "fr", "französisch": "fr", "franzosisch": "fr", "francais": "fr", "français": "fr",
    "spanish": "es", "español": "es", "espanol": "es", "italian": "it", "italiano": "it",
    "dutch": "nl", "nederlands": "nl", "portuguese": "pt", "português": "pt",
}  # fmt: skip


def language_code(text: str, default: str) -> str:
    """Two-letter template language from what an export holds ("de-DE", "German").

    >>> [language_code(t, "en") for t in ("de-DE", "FR", "Deutsch", "", "?")]
    ['de', 'fr', 'de', 'en', 'en']
    """
    t = text.strip().lower()
    code = _LANGUAGE_NAMES.get(t, t[:2] if t[:2].isalpha() and t[:2].isascii() else "")
    return code or (default or "en").lower()


def eligible_invoices(queue: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Invoices a reminder may cover: not excluded, at a stage that drafts, owed.

    A positive open balance is required: a credit note is never dunned (a
    customer's only "overdue" item being a credit would otherwise get a notice).
    Invoices at a stage that drafts nothing (escalation) are with their owner and
    are left out, while the customer's other invoices are still reminded.
    """
    return queue[_eligible(queue, policy)]


def _eligible(queue: pd.DataFrame, policy: Policy) -> np.ndarray:
    drafting = [s.key for s in policy.stages if s.drafts]
    excluded = queue[Q.EXCLUDED].fillna(False).astype(bool)
    cents = pd.to_numeric(queue[F.OPEN_CENTS], errors="coerce").fillna(0)
    return (~excluded & queue[Q.STAGE].isin(drafting) & (cents > 0)).to_numpy(dtype=bool)


def _stripped(col: pd.Series) -> np.ndarray:
    """``col`` as stripped text, "" for missing, as an object array.

    A text column is stripped value by value (cheaper than hashing its strings),
    any other as its ``str`` once per distinct value.
    """
    if pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
        return _per_distinct(col, _text)
    codes, uniq = pd.factorize(col.fillna("").astype(str))
    return np.array([u.strip() for u in uniq.tolist()] + [""], dtype=object)[codes]


def _keys(frame: pd.DataFrame) -> np.ndarray:
    """Per row, the stripped customer id, or the name where the id is blank.

    Names are read only for the rows without an id (none, in most books).
    """
    keys = _stripped(frame[F.CUSTOMER_ID])
    blank = np.flatnonzero(keys == "")
    if len(blank):
        keys[blank] = _stripped(frame[F.CUSTOMER_NAME].iloc[blank])
    return keys


def customer_key(frame: pd.DataFrame) -> pd.Series:
    """Customer id, or the name when an export has no ids."""
    return pd.Series(_keys(frame), index=frame.index, dtype="str")


def _per_distinct(col: pd.Series, fn: Callable[[Any], str]) -> np.ndarray:
    """``fn`` of every value as an object array, calling ``fn`` once per distinct value.

    An object column keeps the per-value call: it may mix Python types that hash
    alike but print differently (1, 1.0, True). So does a text column read with
    :func:`_text`: hashing a string to factorise it costs more than stripping it,
    and invoice numbers are all distinct anyway.
    """
    if fn is _text and pd.api.types.is_string_dtype(col.dtype):  # object too
        texts = [v.strip() if type(v) is str else _text(v) for v in col.tolist()]  # _text inlined
        return np.array(texts, dtype=object)
    if col.dtype == object:
        return np.array([fn(v) for v in col.tolist()], dtype=object)
    codes, uniq = pd.factorize(col)
    return np.array([fn(u) for u in uniq.tolist()] + [fn(None)], dtype=object)[codes]


def _texts(frame: pd.DataFrame, name: str, fn: Callable[[Any], str] = _text) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), fn(None), dtype=object)
    return _per_distinct(frame[name], fn)


def _numbers(frame: pd.DataFrame, name: str) -> pd.Series:
    """A numeric column with missing (or absent) values as 0."""
    if name not in frame.columns:
        return pd.Series(0, index=frame.index, dtype="int64")
    return pd.to_numeric(frame[name], errors="coerce").fillna(0)


def _firsts(frame: pd.DataFrame, name: str, group: np.ndarray, starts: np.ndarray) -> list[str]:
    """Per group, the first non-empty text of column ``name`` ("" when none).

    Rows are sorted by ``group`` and ``starts`` are each group's first row. Most
    groups have the text on their first row; only the rows of the other groups
    (and only their non-blank cells) are read further.
    """
    size = len(starts)
    if name not in frame.columns:
        return [""] * size
    col = frame[name]
    out = _per_distinct(col.iloc[starts], _text)
    blank = np.zeros(size, dtype=bool)
    blank[out == ""] = True
    rows = np.flatnonzero(blank[group])
    rows = rows[col.to_numpy(dtype=object)[rows] != ""]  # NaN and spaces are read below
    texts = _per_distinct(col.iloc[rows], _text)
    hit, found = rows[texts != ""], texts[texts != ""]
    g = group[hit]
    new = np.r_[True, g[1:] != g[:-1]] if len(g) else np.zeros(0, dtype=bool)
    out[g[new]] = found[new]
    return list(out.tolist())


def _customers(frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """(code per row, keys): :func:`customer_key` as codes numbered in sorted key order."""
    codes, uniq = pd.factorize(_keys(frame), sort=True)
    return codes, [str(k) for k in uniq.tolist()]


def _lines(
    elig: pd.DataFrame, shown: np.ndarray, number: np.ndarray, cents: np.ndarray, cur: np.ndarray
) -> tuple[list[Any], ...]:
    """The template's invoice lines for the rows ``shown``, as columns (see :class:`Letters`).

    The amount text is :func:`money.format_amount` of a positive amount (eligible
    invoices are owed), put together from its currency symbol, whole units and cents,
    each formatted once per distinct value.
    """
    cents, cur = cents[shown], cur[shown]
    days = _numbers(elig, Q.DAYS_PAST_DUE).to_numpy(dtype="int64")[shown]
    sym_codes, currencies = pd.factorize(cur)
    symbols = np.array([format_amount(0, c)[:-1] for c in currencies.tolist()] + [""], dtype=object)
    whole_codes, wholes = pd.factorize(cents // 100)
    whole_text = np.array([f"{w:,}" for w in wholes.tolist()] + [""], dtype=object)
    amount = symbols[sym_codes] + whole_text[whole_codes] + CENTS_TEXT[cents % 100]
    return (
        number[shown].tolist(),
        _texts(elig, F.INVOICE_DATE, _iso)[shown].tolist(),
        _texts(elig, F.DUE_DATE, _iso)[shown].tolist(),
        days.tolist(),
        amount.tolist(),
        (cents / 100.0).tolist(),  # == money.to_units, exactly
        cur.tolist(),
    )


def _totals(
    group: np.ndarray, cur: np.ndarray, cents: np.ndarray, size: int
) -> list[dict[str, int]]:
    """Per group, the open total per currency."""
    codes, uniq = pd.factorize(cur)
    width = max(len(uniq), 1)
    sums = pd.Series(cents).groupby(group * width + codes).sum()
    out: list[dict[str, int]] = [{} for _ in range(size)]
    for pair, total in zip(sums.index.tolist(), sums.tolist(), strict=True):
        g, c = divmod(pair, width)
        out[g][str(uniq[c])] = total
    return out


def packets(
    queue: pd.DataFrame,
    policy: Policy,
    as_of: date,
    prior: Mapping[str, list[dict[str, str]]],
    last_contact: Mapping[str, date],
    *,
    sheet: str,
    invoice_column: int = 1,
) -> Iterator[Packet]:
    """Yield one packet per customer with eligible invoices, at its most advanced stage.

    The eligible invoices are sorted by customer, so each customer is one run of
    rows; every column is formatted once for all of them (each distinct value once)
    and the loop over customers only slices.
    """
    rank = {s.key: i for i, s in enumerate(policy.stages)}
    cols = [c for c in queue.columns if c in _USED]
    elig = queue.loc[_eligible(queue, policy), cols]
    codes, keys = _customers(elig)
    order = np.lexsort((elig[F.ROW].to_numpy(), codes))  # by customer, then source row
    elig, group = elig.take(order), codes[order]
    n = len(group)
    if n == 0:
        return
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], n]
    size = len(starts)
    cur = _texts(elig, F.CURRENCY)
    cur = np.where(cur == "", policy.default_currency, cur).astype(object)
    cents = _numbers(elig, F.OPEN_CENTS).to_numpy(dtype="int64")
    shown = np.flatnonzero(np.arange(n) - starts[group] < LINES_SHOWN)
    number = _texts(elig, F.INVOICE_NO)
    lines = _lines(elig, shown, number, cents, cur)
    line_at = np.searchsorted(shown, starts)
    first = {
        name: _firsts(elig, name, group, starts)
        for name in (F.CUSTOMER_NAME, F.CONTACT, F.EMAIL, F.CC, F.LANGUAGE, F.OWNER, Q.ROUTED_TO)
    }
    stage_codes, stage_keys = pd.factorize(elig[Q.STAGE])
    ranks = np.array([rank[k] for k in stage_keys.tolist()], dtype="int64")[stage_codes]
    stages = np.maximum.reduceat(ranks, starts).tolist()
    prio = np.maximum.reduceat(_numbers(elig, Q.CUSTOMER_PRIORITY).to_numpy("float64"), starts)
    prio = prio.tolist()
    numbers = number.tolist()
    cell = f"{quote_sheet(sheet)}!{column_letter(invoice_column)}"
    refs = list(map(str, _numbers(elig, F.ROW).to_numpy(dtype="int64").tolist()))
    totals_of = _totals(group, cur, cents, size)
    bounds = zip(starts.tolist(), ends.tolist(), line_at.tolist(), strict=True)
    letters = Letters(
        as_of.isoformat(),
        _sender(policy),
        policy.sender.payment_instructions,
        lines,
        prior,
        last_contact,
    )
    for g, (key, (s, e, ls)) in enumerate(zip(keys, bounds, strict=True)):
        totals = totals_of[g]
        currency, amount = headline(totals)
        name = first[F.CUSTOMER_NAME][g] or key
        yield Packet(
            customer_id=key,
            customer=name,
            stage=policy.stages[stages[g]],
            language=language_code(first[F.LANGUAGE][g], policy.default_language),
            to=first[F.EMAIL][g],
            cc=first[F.CC][g],
            owner=first[Q.ROUTED_TO][g] or first[F.OWNER][g] or policy.default_owner,
            invoices=tuple(numbers[s:e]),
            amount_cents=amount,
            currency=currency,
            source=cell + f", {cell}".join(refs[s:e]),
            priority=prio[g],
            contact=first[F.CONTACT][g] or name,
            totals=tuple(sorted(totals.items())),
            first_line=ls,
            letters=letters,
        )


def _sender(policy: Policy) -> dict[str, str]:
    s = policy.sender
    return {"name": s.name, "company": s.company, "email": s.email, "phone": s.phone}


def prior_outreach(activity: pd.DataFrame) -> dict[str, list[dict[str, str]]]:
    """Per customer, the reminders logged as sent, newest first (customer-facing only)."""
    done = activity[activity[A.TYPE].astype(str) == "sent"]
    done = done.sort_values(A.DATE, ascending=False, kind="stable")
    out: dict[str, list[dict[str, str]]] = {}
    for cust, dt, typ, det, ref in zip(
        done[A.CUSTOMER_ID], done[A.DATE], done[A.TYPE], done[A.DETAIL], done[A.REFERENCE],
        strict=True,
    ):  # fmt: skip
        entry = {"date": _iso(dt), "type": str(typ), "detail": str(det), "reference": str(ref)}
        out.setdefault(str(cust), []).append(entry)
    return out


def sample_context() -> dict[str, Any]:
    """A context of the real shape with made-up values, for trial renders."""
    line = {
        "number": "INV-1001",
        "invoice_date": "2026-09-01",
        "due_date": "2026-10-01",
        "days_overdue": 21,
        "amount": "$1,250.50",
        "amount_value": 1250.5,
        "currency": "USD",
    }
    return {
        "as_of": "2026-10-22",
        "stage": {"key": "friendly", "name": "Friendly reminder"},
        "customer": {"id": "C001", "name": "Sample Customer Ltd"},
        "contact": {"name": "Alex Sample", "email": "ap@example.org", "cc": ""},
        "owner": "Collections team",
        "invoices": [line, {**line, "number": "INV-1002", "currency": "EUR", "amount": "€80"}],
        "invoices_more": 0,
        "totals": [
            {"currency": "EUR", "amount": "€80", "amount_value": 80.0},
            {"currency": "USD", "amount": "$1,250.50", "amount_value": 1250.5},
        ],
        "total": "€80 + $1,250.50",
        "payment": {"reference": "INV-1001 INV-1002", "instructions": "Bank transfer."},
        "prior": [{"date": "2026-10-08", "type": "sent", "detail": "Friendly", "reference": "X"}],
        "last_contact": "2026-10-08",
        "sender": _sender(Policy()),
    }
