"""Reminder drafts: one per customer and stage, merged with what collectors did.

The Drafts sheet is shared with people: collectors edit bodies, approve, mark sent
or skip. Re-running the cycle must never undo that, and must never duplicate a
draft. The merge rules, per (customer, stage):

* an open draft (Draft / Approved) is reused, never duplicated. If it is still a
  *Draft* and its Subject + Body hash equals the ``Generated hash`` we stored, nobody
  touched it, so it is regenerated with today's figures; otherwise (edited, or
  Approved) its Subject, Body, Status and Reviewer note are left alone;
* Sent and Skipped drafts are never changed; a new draft is not created while the
  last Sent/Skipped one of the same customer + stage is within the stage's cadence;
* an untouched Draft whose customer is no longer eligible (or moved to another
  stage) is Skipped with a reviewer note saying why; an edited or approved one is
  kept and reported as a problem, for a person to decide;
* an unknown status is treated like Approved (kept, blocks duplicates), and reported.

Which invoices a reminder covers is ``draft_context.eligible_invoices`` (credits are
never dunned; escalated invoices stay with their owner and are left out).

Amounts: the Drafts row's Amount/Currency is the total of the customer's largest
currency (see ``draft_context.headline``); the body lists every currency's total.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from dunning_core.activity import conform, last_contact_by_customer, new_activity, read_tool_sheet
from dunning_core.columns import DRAFT_COLUMNS, DRAFT_FORMATS, DRAFT_STATUSES, A, D, Q, S
from dunning_core.draft_context import Packet, customer_key, packets, prior_outreach
from dunning_core.money import to_units
from dunning_core.policy import Policy
from dunning_core.records import Problem, RawSheet, Severity
from dunning_core.render import Template, pick, render
from dunning_core.sheetaddr import cell_address

OPEN = ("Draft", "Approved")
CELL_LIMIT = 32_767  # Excel's maximum characters in one cell


def fit_cell(text: str, limit: int = CELL_LIMIT) -> str:
    """Text cut to fit one Excel cell, saying how much was left out.

    >>> fit_cell("x" * 100, limit=80)
    'xxxxxxxxxxxxxxxxxxxx… [80 more characters: Excel cell limit]'
    """
    if len(text) <= limit:
        return text
    keep = limit - 60
    return f"{text[:keep]}… [{len(text) - keep} more characters: Excel cell limit]"


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def generated_hash(subject: str, body: str, to: str = "", cc: str = "") -> str:
    """Fingerprint of a draft's text as generated: the edit detector.

    What a workbook round trip may change without anyone editing is normalised
    away: line endings, trailing blanks, and control characters XML cannot hold.

    >>> generated_hash("Hi", "Body\\r\\n") == generated_hash("Hi ", "Body\\x0b")
    True
    """

    text = "\x1f".join([_norm(str(subject)), _norm(str(body)), _norm(str(to)), _norm(str(cc))])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _norm(s: str) -> str:
    """``s`` without what a round trip may change: CRs, trailing blanks, XML-less characters.

    Most texts have none of that, and for them the answer is ``s.strip()``: with no
    CR and nothing unprintable but newlines, the only blank left is the space, so a
    line with trailing blanks shows as " \\n" (the last line's go with the strip).
    Three scans in C instead of a split, a strip per line and a join.

    >>> [_norm(t) for t in ("a \\r\\n b\\x0b \\n", " a\\n b ", "a\\u00a0\\nb")]
    ['a\\n b', 'a\\n b', 'a\\nb']
    """
    if "\r" not in s and " \n" not in s and s.replace("\n", "").isprintable():
        return s.strip()
    s = _NOT_IN_XML.sub("", s.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join([line.rstrip() for line in s.split("\n")]).strip()


def _edited(row: dict[str, Any]) -> bool:
    # a corrected address is an edit too: regenerating would put the old one back
    made = generated_hash(row[D.SUBJECT], row[D.BODY], row.get(D.TO, ""), row.get(D.CC, ""))
    return made != row[D.GENERATED_HASH]


def drafts_from_sheet(raw: RawSheet | None) -> tuple[pd.DataFrame, list[Problem]]:
    """The Drafts sheet as written by the tool, statuses normalised and checked."""
    frame, problems = read_tool_sheet(raw, DRAFT_COLUMNS, DRAFT_FORMATS)
    if raw is None or frame.empty:
        return frame, problems
    canon = {s.lower(): s for s in DRAFT_STATUSES}
    rows = [list(r) for r in raw.rows]
    want = [c.lower() for c in DRAFT_COLUMNS]  # the header rule of owned_table
    head = next(
        i for i, r in enumerate(rows[:30]) if sum(w in _norm_row(r) for w in want) >= len(want) // 2
    )
    if D.STATUS.lower() not in _norm_row(rows[head]):
        return frame, problems
    col = _norm_row(rows[head]).index(D.STATUS.lower())
    sheet_rows = [
        raw.first_row + i
        for i in range(head + 1, len(rows))
        if any(v is not None and str(v).strip() for v in rows[i])
    ]
    statuses = []
    if len(sheet_rows) != len(frame):  # cannot happen with owned_table's row rule; be safe
        sheet_rows = [0] * len(frame)
    for text, row_no in zip(frame[D.STATUS], sheet_rows, strict=True):
        key = text.strip().lower()
        if key in canon or not key:
            statuses.append(canon.get(key, "Draft"))
            continue
        statuses.append(text)
        message = f"Unknown status; expected one of {', '.join(DRAFT_STATUSES)}. Draft kept as is."
        cell = cell_address(row_no, raw.first_col + col) if row_no else ""
        problems.append(Problem(raw.name, cell, D.STATUS, text, message, Severity.WARNING))
    return frame.assign(**{D.STATUS: statuses}), problems


def _norm_row(row: list[Any]) -> list[str]:
    return ["" if v is None else " ".join(str(v).split()).lower() for v in row]


def _render(
    p: Packet, templates: dict[str, Template], policy: Policy, problems: list[Problem]
) -> tuple[str, str] | None:
    """Render with the best template; when one fails, report it and try the next."""
    pool, context = templates, p.context
    while True:
        stem = p.stage.template or p.stage.key
        try:
            template = pick(pool, stem, p.language, policy.default_language)
        except KeyError as exc:
            message = f"{exc}; no draft made for customer {p.customer_id}."
            problems.append(Problem("", "", "template", stem, message, Severity.ERROR))
            return None
        try:
            return render(template, context)
        except jinja2.TemplateError as exc:
            sheet, _, cell = template.origin.partition("!")
            message = f"Template failed for customer {p.customer_id}: {exc}; next one tried."
            problems.append(
                Problem(sheet, cell, "template", template.name, message, Severity.ERROR)
            )
            pool = dict(pool)
            if template.fallback is not None:
                pool[template.name] = template.fallback
            else:
                del pool[template.name]


def _fill(row: dict[str, Any], p: Packet, subject: str, body: str, today: pd.Timestamp) -> None:
    subject, body = fit_cell(subject, 1000), fit_cell(body)
    fields = {
        D.CUSTOMER: p.customer,
        D.TO: p.to,
        D.CC: p.cc,
        D.LANGUAGE: p.language,
        D.SUBJECT: subject,
        D.BODY: body,
        D.INVOICES: fit_cell(", ".join(p.invoices)),
        D.AMOUNT: to_units(p.amount_cents),
        D.CURRENCY: p.currency,
        D.OWNER: p.owner,
        D.SOURCE: fit_cell(p.source),
        D.GENERATED_HASH: generated_hash(subject, body, p.to, p.cc),
    }
    if any(row.get(k) != v for k, v in fields.items()):
        row.update(fields)
        row[D.UPDATED] = today


def update_drafts(
    queue: pd.DataFrame,
    drafts: pd.DataFrame,
    templates: dict[str, Template],
    policy: Policy,
    as_of: date,
    activity: pd.DataFrame,
    *,
    sheet: str = "Aging",
    invoice_column: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Merge today's reminders into the Drafts table; see the module docstring.

    ``sheet`` and ``invoice_column`` (1-based) locate the invoice numbers for the
    Source references. Returns (all drafts, new "drafted" activity rows, problems).
    """
    today = pd.Timestamp(as_of)
    rows = _records(conform(drafts, DRAFT_COLUMNS, DRAFT_FORMATS))
    problems: list[Problem] = []
    wanted = {
        (p.customer_id, p.stage.key): p
        for p in packets(
            queue, policy, as_of, prior_outreach(activity), last_contact_by_customer(activity),
            sheet=sheet, invoice_column=invoice_column,
        )
    }  # fmt: skip
    open_rows: dict[tuple[str, str], list[int]] = {}
    closed: dict[tuple[str, str], pd.Timestamp] = {}
    for i, r in enumerate(rows):
        key = (r[D.CUSTOMER_ID], r[D.STAGE])
        if r[D.STATUS] in ("Sent", "Skipped"):
            stamps = [t for t in (r[D.UPDATED], r[D.CREATED]) if not pd.isna(t)]
            if stamps:
                closed[key] = max([*stamps, closed.get(key, stamps[0])])
        else:
            open_rows.setdefault(key, []).append(i)
    ids = {r[D.ID] for r in rows}
    new_rows: list[dict[str, Any]] = []
    for key, p in sorted(wanted.items(), key=lambda kv: (-kv[1].priority, kv[0])):
        if key in open_rows:
            for i in open_rows[key]:
                if rows[i][D.STATUS] == "Draft" and not _edited(rows[i]):
                    text = _render(p, templates, policy, problems)
                    if text:
                        _fill(rows[i], p, *text, today)
            continue
        last = closed.get(key)
        draft_id = f"DR-{as_of:%Y%m%d}-{p.customer_id}-{p.stage.key}"
        if (last is not None and (today - last).days < p.stage.cadence_days) or draft_id in ids:
            continue
        text = _render(p, templates, policy, problems)
        if text is None:
            continue
        row: dict[str, Any] = {c: "" for c in DRAFT_COLUMNS}
        row.update({D.ID: draft_id, D.CREATED: today, D.CUSTOMER_ID: p.customer_id})
        row.update({D.STAGE: p.stage.key, D.STATUS: "Draft", D.REVIEWER_NOTE: ""})
        _fill(row, p, *text, today)
        new_rows.append(row)
    problems += _retire(rows, wanted, queue, policy, today)
    every = rows + new_rows
    out = pd.DataFrame({c: [r[c] for r in every] for c in DRAFT_COLUMNS}, columns=DRAFT_COLUMNS)
    return conform(out, DRAFT_COLUMNS, DRAFT_FORMATS), _drafted_activity(new_rows, today), problems


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")``, three times faster: built from whole columns.

    ``Series.tolist`` gives the same values ``to_dict`` does (Python floats and
    strings, ``Timestamp`` and ``NaT`` for dates).
    """
    names = list(frame.columns)
    columns = [frame[c].tolist() for c in names]
    return [dict(zip(names, r, strict=True)) for r in zip(*columns, strict=True)]


def _retire(
    rows: list[dict[str, Any]],
    wanted: dict[tuple[str, str], Packet],
    queue: pd.DataFrame,
    policy: Policy,
    today: pd.Timestamp,
) -> list[Problem]:
    """Skip untouched open drafts nobody needs any more; report edited/approved ones."""
    customers = {k[0]: p for k, p in wanted.items()}
    stale = [
        r for r in rows if r[D.STATUS] in OPEN and (r[D.CUSTOMER_ID], r[D.STAGE]) not in wanted
    ]
    if not stale:
        return []
    gone = {r[D.CUSTOMER_ID] for r in stale} - set(customers)  # the rest are superseded
    reasons = _ineligible_reasons(queue, gone, policy) if gone else {}
    problems = []
    for r in stale:
        cust = r[D.CUSTOMER_ID]
        if cust in customers:
            note = f"Superseded by the {customers[cust].stage.name.lower()} draft"
        else:
            note = f"No longer eligible: {reasons.get(cust, 'no open invoices')}"
        if r[D.STATUS] == "Draft" and not _edited(r):
            r.update({D.STATUS: "Skipped", D.REVIEWER_NOTE: note, D.UPDATED: today})
        else:
            message = (
                f"{r[D.STATUS]} draft kept as the collector left it. {note}: check before sending."
            )
            problems.append(Problem(S.DRAFTS, "", D.ID, r[D.ID], message, Severity.WARNING))
    return problems


def _ineligible_reasons(queue: pd.DataFrame, customers: set[str], policy: Policy) -> dict[str, str]:
    """Why each customer gets no reminder now, in words for the reviewer note.

    Per customer: the reasons of its excluded invoices, then its invoices at a stage
    that drafts nothing, each text once, in sheet order.
    """
    keys = customer_key(queue)
    mine = keys.isin(customers).to_numpy(dtype=bool)
    sub, cust = queue[mine], keys.to_numpy(dtype=object)[mine]
    excluded = sub[Q.EXCLUDED].astype(bool).to_numpy()
    held = {
        s.key: f"{s.name} stage: with the owner, no reminder" for s in policy.stages if not s.drafts
    }
    reason = sub[Q.EXCLUSION_REASON].to_numpy(dtype=object)[excluded]
    said = np.array([bool(x) for x in reason.tolist()], dtype=bool)
    stage_text = sub[Q.STAGE].astype(str).map(held).to_numpy(dtype=object)[~excluded]
    staged = pd.notna(stage_text)
    texts = pd.DataFrame(  # exclusion reasons first, then stages; each in sheet order
        {
            "cust": np.concatenate([cust[excluded][said], cust[~excluded][staged]]),
            "text": [str(x) for x in reason[said].tolist()] + stage_text[staged].tolist(),
        }
    )
    texts = texts.drop_duplicates(["cust", "text"])
    joined = texts.groupby("cust", sort=False)["text"].agg("; ".join)
    out = dict.fromkeys((str(c) for c in cust.tolist()), "nothing due for a reminder")
    out.update({str(c): str(t) for c, t in joined.items()})
    return out


def _drafted_activity(new_rows: list[dict[str, Any]], today: pd.Timestamp) -> pd.DataFrame:
    return new_activity(
        today,
        "drafted",
        customer_id=[r[D.CUSTOMER_ID] for r in new_rows],
        customer=[r[D.CUSTOMER] for r in new_rows],
        invoices=[r[D.INVOICES] for r in new_rows],
        amount=[r[D.AMOUNT] for r in new_rows],
        currency=[r[D.CURRENCY] for r in new_rows],
        owner=[r[D.OWNER] for r in new_rows],
        detail=[f"{r[D.STAGE]}: {r[D.SUBJECT]}" for r in new_rows],
        reference=[r[D.ID] for r in new_rows],
    )


def log_sent(
    drafts: pd.DataFrame, activity: pd.DataFrame, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Turn drafts marked Sent, not yet logged, into "sent" Activity rows.

    Idempotent: a draft whose id already has a "sent" row is skipped, so running
    it twice logs nothing new. Returns (drafts with Updated set on the newly
    logged ones, new activity rows, how many).
    """
    today = pd.Timestamp(as_of)
    drafts = conform(drafts, DRAFT_COLUMNS, DRAFT_FORMATS)
    logged = set(activity.loc[activity[A.TYPE].astype(str) == "sent", A.REFERENCE].astype(str))
    mask = (drafts[D.STATUS] == "Sent") & (drafts[D.ID] != "") & ~drafts[D.ID].isin(logged)
    mask &= ~drafts[D.ID].duplicated()
    sent = drafts[mask]
    new = new_activity(
        today,
        "sent",
        customer_id=sent[D.CUSTOMER_ID],
        customer=sent[D.CUSTOMER],
        invoices=sent[D.INVOICES],
        amount=sent[D.AMOUNT],
        currency=sent[D.CURRENCY],
        owner=sent[D.OWNER],
        detail=sent[D.SUBJECT],
        reference=sent[D.ID],
    )
    drafts.loc[mask, D.UPDATED] = today
    return drafts, new, int(mask.sum())
