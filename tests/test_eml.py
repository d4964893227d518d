"""Approved drafts become .eml files that parse back field for field; nothing is sent."""

from __future__ import annotations

import email.policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import pandas as pd

from dunning_core.activity import conform
from dunning_core.columns import DRAFT_COLUMNS, DRAFT_FORMATS, D
from dunning_core.eml import export_drafts, file_name

BODY = "Guten Tag Frau Müller,\n\n=SUM(A1) bleibt Text.\n  INV-1  €1.250,50\n"


def drafts() -> pd.DataFrame:
    base = {
        D.ID: "DR-20261120-C1-friendly",
        D.CREATED: pd.Timestamp("2026-11-20"),
        D.CUSTOMER_ID: "C1",
        D.TO: "Jürgen Müller <ap@acme.example>; finance@acme.example",
        D.CC: "alice@us.example",
        D.SUBJECT: "Zahlungserinnerung: €1.250,50 überfällig",
        D.BODY: BODY,
        D.STATUS: "Approved",
    }
    rows = [
        base,
        {**base, D.ID: "DR-20261120-C2-firm", D.STATUS: "Draft"},
        {**base, D.ID: "DR-20261120-C3-final", D.STATUS: "Sent"},
        {
            **base,
            D.ID: "DR-20261120-../../C4-final",
            D.SUBJECT: "Hi\r\nBcc: thief@evil.example",
            D.TO: "x@y.example\nBcc: thief@evil.example",
            D.CC: "",
            D.UPDATED: pd.Timestamp("2026-11-21"),
        },
    ]
    return conform(pd.DataFrame(rows), DRAFT_COLUMNS, DRAFT_FORMATS)


def parse(path: Path) -> email.message.EmailMessage:
    msg = BytesParser(policy=email.policy.default).parsebytes(path.read_bytes())
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def test_only_approved_drafts_are_exported_and_parse_back(tmp_path: Path) -> None:
    paths = export_drafts(drafts(), tmp_path / "out")
    assert [p.name for p in paths] == [
        "DR-20261120-C1-friendly.eml",
        "DR-20261120-.._.._C4-final.eml",
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)
    msg = parse(paths[0])
    assert msg["To"] == "Jürgen Müller <ap@acme.example>, finance@acme.example"
    assert [a.addr_spec for a in msg["To"].addresses] == ["ap@acme.example", "finance@acme.example"]
    assert msg["To"].addresses[0].display_name == "Jürgen Müller"
    assert msg["Cc"] == "alice@us.example"
    assert msg["Subject"] == "Zahlungserinnerung: €1.250,50 überfällig"
    assert msg["X-Unsent"] == "1"
    assert msg["X-Dunning-Draft-Id"] == "DR-20261120-C1-friendly"
    assert msg["From"] is None  # the mail client fills in the collector's account
    assert parsedate_to_datetime(msg["Date"]).date().isoformat() == "2026-11-20"
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content().replace("\r\n", "\n") == BODY  # CRLF on the wire


def test_header_injection_is_neutralised(tmp_path: Path) -> None:
    path = export_drafts(drafts(), tmp_path)[1]
    raw = path.read_bytes()
    assert path.parent == tmp_path
    msg = parse(path)
    assert msg["Bcc"] is None and b"\nBcc:" not in raw
    assert msg["Subject"] == "Hi Bcc: thief@evil.example"
    assert msg["Cc"] is None
    assert parsedate_to_datetime(msg["Date"]).date().isoformat() == "2026-11-21"
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF throughout


def test_export_rewrites_files_and_never_clashes(tmp_path: Path) -> None:
    frame = drafts()
    frame.loc[1, D.STATUS] = "approved"
    frame.loc[1, D.ID] = "DR-20261120-C1-friendly?"  # sanitises to the same name as row 0
    first = export_drafts(frame, tmp_path)
    second = export_drafts(frame, tmp_path)
    assert first == second and len(set(first)) == len(first) == 3
    assert first[1].name == "DR-20261120-C1-friendly-2.eml"
    assert not list(tmp_path.glob("*.tmp"))
    assert file_name("") == "draft.eml"
