"""What a reminder template sees: one packet per customer, built in one pass.

The queue can hold 100k+ invoices, so the frame is filtered and grouped once, its
columns are pulled out as plain lists once, and the loop runs over customers, not
invoices. Everything a template receives is plain data (str, int, dict, list), so
the sandbox has nothing to reach through. The variables are documented in
``templates/README.md``; :func:`sample_context` is the same shape with made-up
values, used to trial-render the team's own templates before trusting them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from dunning_core.columns import A, F, Q
from dunning_core.money import format_amount, to_units
from dunning_core.policy import Policy, Stage
from dunning_core.sheetaddr import column_letter, quote_sheet

PRIOR_SHOWN = 3  # prior outreach entries listed in a reminder
LINES_SHOWN = 200  # invoice lines listed in a reminder; the rest are counted in the totals


@dataclass(frozen=True)
class Packet:
    """One customer's reminder, before rendering: who, which stage, what, and context."""

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
    context: Mapping[str, Any]


def _text(v: Any) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()


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


def _column(frame: pd.DataFrame, name: str, default: Any = "") -> list[Any]:
    return frame[name].tolist() if name in frame.columns else [default] * len(frame)


def eligible_invoices(queue: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Invoices a reminder may cover: not excluded, at a stage that drafts, owed.

    A positive open balance is required: a credit note is never dunned (a
    customer's only "overdue" item being a credit would otherwise get a notice).
    Invoices at a stage that drafts nothing (escalation) are with their owner and
    are left out, while the customer's other invoices are still reminded.
    """
    drafting = [s.key for s in policy.stages if s.drafts]
    excluded = queue[Q.EXCLUDED].fillna(False).astype(bool)
    cents = pd.to_numeric(queue[F.OPEN_CENTS], errors="coerce").fillna(0)
    return queue[~excluded & queue[Q.STAGE].isin(drafting) & (cents > 0)]


def customer_key(frame: pd.DataFrame) -> pd.Series:
    """Customer id, or the name when an export has no ids."""
    ids = frame[F.CUSTOMER_ID].fillna("").astype(str).str.strip()
    names = frame[F.CUSTOMER_NAME].fillna("").astype(str).str.strip()
    return ids.where(ids != "", names)


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
    """Yield one packet per customer with eligible invoices, at its most advanced stage."""
    rank = {s.key: i for i, s in enumerate(policy.stages)}
    elig = eligible_invoices(queue, policy)
    elig = elig.assign(_key=customer_key(elig)).sort_values(["_key", F.ROW], kind="stable")
    c = {
        name: _column(elig, name)
        for name in (
            F.CUSTOMER_NAME, F.INVOICE_NO, F.CURRENCY, F.CONTACT, F.EMAIL, F.CC,
            F.LANGUAGE, F.OWNER, Q.ROUTED_TO, Q.STAGE, Q.CUSTOMER_PRIORITY,
        )
    }  # fmt: skip
    inv_dates, due_dates = _column(elig, F.INVOICE_DATE, None), _column(elig, F.DUE_DATE, None)
    cents = [0 if pd.isna(v) else int(v) for v in _column(elig, F.OPEN_CENTS, 0)]
    days = [0 if pd.isna(v) else int(v) for v in _column(elig, Q.DAYS_PAST_DUE, 0)]
    rows = _column(elig, F.ROW, 0)
    prio = [0.0 if pd.isna(v) or v == "" else float(v) for v in c[Q.CUSTOMER_PRIORITY]]
    cell = f"{quote_sheet(sheet)}!{column_letter(invoice_column)}"
    for key, pos in elig.groupby("_key", sort=True).indices.items():

        def first(name: str, pos: Any = pos) -> str:
            return next((t for t in (_text(c[name][i]) for i in pos) if t), "")

        stage = policy.stages[max(rank[c[Q.STAGE][i]] for i in pos)]
        totals: dict[str, int] = {}
        lines = []
        for i in pos:
            cur = _text(c[F.CURRENCY][i]) or policy.default_currency
            totals[cur] = totals.get(cur, 0) + cents[i]
            lines.append(
                {
                    "number": _text(c[F.INVOICE_NO][i]),
                    "invoice_date": _iso(inv_dates[i]),
                    "due_date": _iso(due_dates[i]),
                    "days_overdue": days[i],
                    "amount": format_amount(cents[i], cur),
                    "amount_value": to_units(cents[i]),
                    "currency": cur,
                }
            )
        currency, amount = headline(totals)
        name = first(F.CUSTOMER_NAME) or str(key)
        language = language_code(first(F.LANGUAGE), policy.default_language)
        owner = first(Q.ROUTED_TO) or first(F.OWNER) or policy.default_owner
        numbers = tuple(str(line["number"]) for line in lines)
        contact = {"name": first(F.CONTACT) or name, "email": first(F.EMAIL), "cc": first(F.CC)}
        seen = last_contact.get(str(key))
        context = {
            "as_of": as_of.isoformat(),
            "stage": {"key": stage.key, "name": stage.name},
            "customer": {"id": str(key), "name": name},
            "contact": contact,
            "owner": owner,
            "invoices": lines[:LINES_SHOWN],
            "invoices_more": max(len(lines) - LINES_SHOWN, 0),
            "totals": [
                {"currency": k, "amount": format_amount(v, k), "amount_value": to_units(v)}
                for k, v in sorted(totals.items())
            ],
            "total": " + ".join(format_amount(v, k) for k, v in sorted(totals.items())),
            "payment": {
                "reference": " ".join(numbers) if len(numbers) <= 3 else str(key),
                "instructions": policy.sender.payment_instructions,
            },
            "prior": prior.get(str(key), [])[:PRIOR_SHOWN],
            "last_contact": seen.isoformat() if seen else "",
            "sender": _sender(policy),
        }
        yield Packet(
            customer_id=str(key),
            customer=name,
            stage=stage,
            language=language,
            to=contact["email"],
            cc=contact["cc"],
            owner=owner,
            invoices=numbers,
            amount_cents=amount,
            currency=currency,
            source=", ".join(f"{cell}{int(rows[i])}" for i in pos),
            priority=max((prio[i] for i in pos), default=0.0),
            context=context,
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
