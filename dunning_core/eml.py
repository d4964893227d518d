"""Approved drafts as .eml files the collector opens in their own mail client.

Nothing is ever sent from here: the tool writes files, the collector reviews and
presses Send in Outlook/Thunderbird/Apple Mail. ``X-Unsent: 1`` makes Outlook open
the file as an editable draft instead of a received message; no ``From`` header is
written, so the mail client uses the collector's own account.

Header values come from workbook cells a person (or an export) typed, so CR/LF are
replaced by spaces before they reach a header: a cell cannot inject a ``Bcc:``.
File names come from the draft id with anything outside ``[A-Za-z0-9._-]``
replaced, so an id cannot point outside the folder.
"""

from __future__ import annotations

import email.policy
import os
import re
from datetime import datetime, time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pandas as pd

from dunning_core.columns import D, F, Q

_POLICY = email.policy.default.clone(linesep="\r\n")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def header_value(value: Any) -> str:
    """A cell's text made safe for a header: no CR/LF/controls, blanks collapsed.

    >>> header_value("Hi\\r\\nBcc: evil@example.com")
    'Hi Bcc: evil@example.com'
    """
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def addresses(value: Any) -> str:
    """Address list as typed in a cell (``;`` or ``,`` separated) for a header.

    >>> addresses("a@x.com; b@y.org,,")
    'a@x.com, b@y.org'
    """
    parts = re.split(r"[;,]", header_value(value))
    return ", ".join(p.strip() for p in parts if p.strip())


def file_name(draft_id: str) -> str:
    """Safe .eml file name for a draft id.

    >>> file_name("DR-20261122-C/01-friendly"), file_name("..")
    ('DR-20261122-C_01-friendly.eml', 'draft.eml')
    """
    stem = _UNSAFE_NAME.sub("_", draft_id).strip("._") or "draft"
    return f"{stem}.eml"


def to_message(row: pd.Series) -> EmailMessage:
    """One Drafts row as an unsent e-mail message."""
    msg = EmailMessage(policy=_POLICY)
    msg["To"] = addresses(row.get(D.TO))
    cc = addresses(row.get(D.CC))
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = header_value(row.get(D.SUBJECT))
    stamp = row.get(D.UPDATED)
    if stamp is None or pd.isna(stamp):
        stamp = row.get(D.CREATED)
    when = (
        datetime.now().astimezone()
        if stamp is None or pd.isna(stamp)
        else datetime.combine(pd.Timestamp(stamp).date(), time(9)).astimezone()
    )
    msg["Date"] = format_datetime(when)
    msg["X-Unsent"] = "1"
    msg["X-Dunning-Draft-Id"] = header_value(row.get(D.ID))
    body = str(row.get(D.BODY) or "").replace("\r\n", "\n")
    msg.set_content(body, charset="utf-8")
    return msg


def export_drafts(drafts: pd.DataFrame, folder: Path) -> list[Path]:
    """Write every Approved draft to ``folder`` as ``<draft id>.eml``; return the paths.

    Files are rewritten on every export (the draft may have been edited since);
    drafts in any other status are not exported. Paths are in Drafts-table order.
    Two drafts whose ids sanitise to the same file name get a numeric suffix.
    """
    folder.mkdir(parents=True, exist_ok=True)
    approved = drafts[drafts[D.STATUS].astype(str).str.strip().str.lower() == "approved"]
    paths: list[Path] = []
    used: set[str] = set()
    for _, row in approved.iterrows():
        stem = file_name(str(row[D.ID])).removesuffix(".eml")
        name, n = f"{stem}.eml", 1
        while name.lower() in used:
            n += 1
            name = f"{stem}-{n}.eml"
        used.add(name.lower())
        path = folder / name
        tmp = path.with_suffix(".eml.tmp")
        tmp.write_bytes(to_message(row).as_bytes())
        tmp.replace(path)
        paths.append(path)
    return paths


#: Exclusions that forbid any contact: an Approved draft is not exported while one holds.
NO_CONTACT_CODES = ("DO_NOT_CONTACT", "LEGAL")


def blocked_customers(queue: pd.DataFrame) -> set[str]:
    """Customers that must not be contacted now (do-not-contact or legal, account-wide)."""
    hit = queue[queue[Q.EXCLUSION_CODE].isin(NO_CONTACT_CODES)]
    return set(hit[F.CUSTOMER_ID].astype(str))


def export_and_link(
    drafts: pd.DataFrame, folder: Path, base: Path, blocked: set[str] | None = None
) -> tuple[pd.DataFrame, list[Path], list[str]]:
    """Export Approved drafts and record each file in its row's ``Draft file`` column.

    The path is relative to ``base`` (the book's folder), so the link keeps working when
    the book and its drafts folder are moved or shared together. Approved drafts of
    ``blocked`` customers (flagged do-not-contact or legal since approval) are not
    exported; their ids are returned so the user is told.
    """
    out = drafts.copy()
    if D.FILE not in out.columns:
        out[D.FILE] = ""
    approved = out[D.STATUS].astype(str).str.strip().str.lower() == "approved"
    stopped = approved & out[D.CUSTOMER_ID].astype(str).isin(blocked or set())
    paths = export_drafts(out[~stopped], folder)
    sent_rows = approved & ~stopped
    out.loc[sent_rows, D.FILE] = [Path(os.path.relpath(p, base)).as_posix() for p in paths]
    out.loc[stopped, D.FILE] = ""
    return out, paths, out.loc[stopped, D.ID].astype(str).tolist()
