"""Formula injection (issue 6, part 4): hostile text is written as text, never as a formula.

Customer names, contact names, collectors, notes, dispute reasons and the team's own
template output (a *Templates* sheet) start with ``=``, ``+``, ``-``, ``@``, tab or
carriage return. After a run the written sheet XML is parsed: no cell of an owned
sheet or of the managed block that holds such text has an ``<f>`` element, the text
reads back exactly as typed, and the exported .eml drafts carry it verbatim.
"""

from __future__ import annotations

import email
import email.policy
import zipfile
from datetime import date
from pathlib import Path

import pytest
from corpus.hostile import xlsx
from corpus.sheetxml import read_sheet, set_cells, sheet_part, table
from lxml import etree

from dunning_core.cli import main
from dunning_core.columns import MANAGED_HEADERS, OWNED_SHEETS, D, S

AS_OF = "2026-11-23"
Q = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
LEADS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = (
    "=1+2",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+2",
    "\r=1+2",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","click")',
)
HEADERS = ["Customer No", "Customer Name", "Contact", "Invoice #", "Invoice Date", "Due Date",
           "Currency", "Open Balance", "Email", "Collector", "Notes", "Dispute", "Dispute Reason",
           "Promise Date", "Promise Amount"]  # fmt: skip
SUBJECT = '=HYPERLINK("http://evil.example","{{ customer.name }}")'
BODY = "\t@SUM(1,2) {{ customer.name }}\n+{{ total }}\n-done"


def _rows() -> list[list[object]]:
    out: list[list[object]] = []
    for i, p in enumerate(PAYLOADS):
        name = f"{p} Co {i}"
        due = date(2026, 11, 1 + i)
        owner = "@collector" if i == 0 else "Ana"
        out.append([f"C{i:03d}", name, p, f"INV-{i}", date(2026, 10, 1), due, "EUR",
                    5000.0 + i, f"ap{i}@example.com", owner, p, "", "", None, None])  # fmt: skip
    old, due = date(2026, 7, 1), date(2026, 8, 1)
    out.append(["C100", "-Disputed Ltd", "x", "INV-100", old, due, "EUR", 900.0,
                "d@example.com", "Ana", "", "Yes", "=1+1 wrong price", None, None])  # fmt: skip
    out.append(["C101", "+Promising Ltd", "y", "INV-101", old, due, "EUR",
                800.0, "p@example.com", "Ana", "", "", "", date(2026, 12, 1), 800.0])  # fmt: skip
    return out


def _templates(wb: object) -> None:
    ws = wb.create_sheet("Templates")  # type: ignore[attr-defined]
    ws.append(["Name", "Subject", "Body"])
    for stage in ("pre_due", "friendly", "firm", "final"):
        ws.append([f"{stage}.en", SUBJECT, BODY])
    for sheet in wb.worksheets:  # type: ignore[attr-defined]
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # typed text, as Excel keeps '=... entered as text


def _texts(z: zipfile.ZipFile, part: str, sst: list[str]) -> list[tuple[str, str, bool]]:
    """(cell ref, text, has formula) of every text-valued cell in ``part``."""
    out = []
    for c in etree.fromstring(z.read(part)).iter(f"{Q}c"):
        t = c.get("t")
        f = c.find(f"{Q}f")
        if t == "inlineStr":
            node = c.find(f"{Q}is")
            text = "" if node is None else "".join(map(str, node.itertext()))
        elif t == "s":
            text = sst[int(c.findtext(f"{Q}v") or 0)]
        elif t == "str":
            text = c.findtext(f"{Q}v") or ""
        else:
            text = ""
        if f is not None and not text:
            text = "=" + (f.text or "")
        out.append((c.get("r", ""), text, f is not None))
    return out


def _column(ref: str) -> int:
    n = 0
    for ch in ref:
        if ch.isalpha():
            n = n * 26 + ord(ch) - 64
    return n


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in z.namelist():
        return []
    root = etree.fromstring(z.read("xl/sharedStrings.xml"))
    return ["".join(map(str, si.itertext())) for si in root.iter(f"{Q}si")]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inject") / "aging.xlsx"
    path.write_bytes(xlsx(_rows(), headers=HEADERS, extra=_templates))
    assert main(["run", str(path), "--as-of", AS_OF]) == 0
    return path


def test_no_hostile_text_becomes_a_formula_in_any_owned_sheet(book: Path) -> None:
    found: dict[str, int] = {}
    with zipfile.ZipFile(book) as z:
        sst = _shared_strings(z)
        for sheet in (*OWNED_SHEETS, "AR Aging"):
            for ref, text, has_f in _texts(z, sheet_part(z, sheet), sst):
                if sheet == "AR Aging" and _column(ref) <= len(HEADERS):
                    assert not has_f, f"the input itself holds a formula at {ref}"
                    continue
                hostile = any(text.startswith(p) for p in LEADS) or "evil.example" in text
                assert not (has_f and (hostile or "cmd|" in text or "SUM(1,2)" in text)), (
                    f"{sheet}!{ref} holds {text!r} as a formula"
                )
                if hostile and not has_f:
                    found[sheet] = found.get(sheet, 0) + 1
    # the hostile text did reach the sheets (as text): drafts, activity, snapshot, managed block
    for sheet in (S.DRAFTS, S.ACTIVITY, S.PROMISES, S.EXPECTED_CASH, "AR Aging"):
        assert found.get(sheet, 0) > 0, (sheet, found)


def test_hostile_text_reads_back_exactly_as_typed(book: Path) -> None:
    _, heads, drafts = table(read_sheet(book, S.DRAFTS), D.ID)
    customers = {r[heads.index(D.CUSTOMER)] for r in drafts}
    # ingest trims surrounding whitespace (tab, CR) from names; what is left stays text
    assert {f"{p} Co {i}".strip() for i, p in enumerate(PAYLOADS)} <= customers
    subjects = [r[heads.index(D.SUBJECT)] for r in drafts]
    bodies = [r[heads.index(D.BODY)] for r in drafts]
    assert all(s.startswith('=HYPERLINK("http://evil.example","') for s in subjects), subjects
    assert all(b.startswith("\t@SUM(1,2) ") for b in bodies), bodies[0][:40]
    aging = read_sheet(book, "AR Aging")
    head = aging[2]
    owner = head.index("Owner")
    assert aging[3][owner] == "@collector"
    reasons = [r[head.index("Exclusion reason")] for r in aging[3:]]
    assert "Disputed: =1+1 wrong price" in reasons
    assert head[len(HEADERS) : len(HEADERS) + len(MANAGED_HEADERS)] == list(MANAGED_HEADERS)


def test_exported_drafts_carry_the_text_verbatim(book: Path, tmp_path: Path) -> None:
    row0, heads, drafts = table(read_sheet(book, S.DRAFTS), D.ID)
    status = heads.index(D.STATUS) + 1
    set_cells(book, S.DRAFTS, {(row0 + 1 + i, status): "Approved" for i in range(len(drafts))})
    out = tmp_path / "eml"
    assert main(["export-drafts", str(book), "--to", str(out)]) == 0
    files = sorted(out.glob("*.eml"))
    assert len(files) == len(drafts)
    seen = set()
    for f in files:
        msg = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        subject = str(msg["Subject"]).strip()  # the parser keeps the folding blank
        assert subject.startswith('=HYPERLINK("http://evil.example","'), subject
        body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert body.startswith("\t@SUM(1,2) "), body[:80]
        assert "\n+" in body and "\n-done" in body
        assert "\r" not in subject and "\n" not in subject
        seen.add(subject)
    assert len(seen) == len(files)


@pytest.mark.libreoffice
def test_libreoffice_shows_the_text_not_a_result(book: Path, tmp_path: Path) -> None:
    """A spreadsheet application opening the book sees the typed text, not 3 or a link."""
    from lo import convert
    from python_calamine import CalamineWorkbook

    ods = convert(book, "ods", tmp_path)
    rows = CalamineWorkbook.from_path(str(ods)).get_sheet_by_name(S.DRAFTS).to_python()
    _, heads, drafts = table([list(r) for r in rows], D.ID)
    customers = {r[heads.index(D.CUSTOMER)] for r in drafts}
    assert "=1+2 Co 0" in customers and "@SUM(1,2) Co 3" in customers
    subjects = {r[heads.index(D.SUBJECT)] for r in drafts}
    assert all(s.startswith('=HYPERLINK("http://evil.example"') for s in subjects), subjects


BROKEN_TEMPLATES = {
    "firm.en": ("{{ customer.__class__.__mro__ }}", "{{ ''.__class__.__subclasses__() }}"),
    "final.en": ("Hello {{ no_such_variable }}", "x"),
    "friendly.en": ("{% include '/etc/passwd' %}", "y"),
}


def test_templates_sheet_cannot_reach_python_or_files(tmp_path: Path, capsys: object) -> None:
    """Sandbox escapes, undefined variables and includes in the team's Templates sheet are
    reported with their cell, and the shipped file template is used instead."""

    def templates(wb: object) -> None:
        ws = wb.create_sheet("Templates")  # type: ignore[attr-defined]
        ws.append(["Name", "Subject", "Body"])
        for name, (subject, body) in BROKEN_TEMPLATES.items():
            ws.append([name, subject, body])

    path = tmp_path / "aging.xlsx"
    path.write_bytes(xlsx(_rows()[:4], headers=HEADERS, extra=templates))
    assert main(["check", str(path), "--as-of", AS_OF]) in (0, 3)
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    for row in (2, 3, 4):
        assert f"Templates!B{row}" in out or f"Templates!C{row}" in out, out[-1500:]
    assert main(["run", str(path), "--as-of", AS_OF]) == 0
    _, heads, drafts = table(read_sheet(path, S.DRAFTS), D.ID)
    assert drafts, "drafts still made from the shipped templates"
    for r in drafts:
        text = r[heads.index(D.SUBJECT)] + r[heads.index(D.BODY)]
        assert "class" not in text and "root:" not in text and "Hello " not in text
        assert r[heads.index(D.SUBJECT)].strip()
