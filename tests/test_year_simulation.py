"""A year of weekly cycles on one book (issue 6, part 2).

Each week: the ERP ledger (tests/corpus/year.py) moves on and its fresh export is
pasted over the team's columns (sheet XML, never an openpyxl save); collectors type
promises, disputes, holds and notes into the aging sheet and a memo column of their
own right of the managed block, and edit drafts (bodies, statuses, reviewer notes);
then the cycle runs. After every week: no collector edit lost, no duplicate draft,
Activity append-only, every typed promise open/kept/broken as the ledger says,
Expected Cash reconciled per currency to the exported open balance; every few weeks
the same week is run twice and must give the same owned sheets.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from corpus.sheetxml import read_sheet, replace_rows, set_cells, table
from corpus.year import COL, Ledger, as_of

from dunning_core.columns import MANAGED_HEADERS, OWNED_SHEETS, A, D, M, P, S
from dunning_core.filemode import run_file
from dunning_core.promises import invoice_list
from dunning_core.sample_book import AGING_SHEET, HEADER_ROW, HEADERS, write_sample_book

WEEKS = 52
IDEMPOTENT_EVERY = 4
GRACE = 3  # Policy.promise_grace_days default
MEMO_COL = len(HEADERS) + len(MANAGED_HEADERS) + 2  # a collector's own column, one gap right
N_TEAM = len(HEADERS)


def _norm(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _team_view(rows: list[list[Any]]) -> list[list[Any]]:
    """The team's columns and the memo column of every row from the header on."""
    out = []
    for r in rows[HEADER_ROW - 1 :]:
        r = r + [""] * (MEMO_COL - len(r))
        out.append([_norm(v) for v in r[:N_TEAM]] + [_norm(r[MEMO_COL - 1])])
    while out and all(v in ("", None) for v in out[-1]):
        out.pop()  # rows only the old managed block reached (the export got shorter)
    return out


@dataclass
class Typed:
    """The latest value collectors typed per invoice (carried to later exports)."""

    notes: dict[str, str] = field(default_factory=dict)
    disputes: dict[str, str] = field(default_factory=dict)
    holds: dict[str, date] = field(default_factory=dict)


def _aging_edits(
    book: Path, ledger: Ledger, week: int, day: date, rng: np.random.Generator, carry: Typed
) -> dict[tuple[int, int], Any]:
    """Type this week's promises, disputes, holds, notes and memos into the aging sheet."""
    rows = read_sheet(book, AGING_SHEET)
    busy = {p.customer_id for p in ledger.promises.values() if p.paid_on is None}
    candidates = []
    for i, r in enumerate(rows[HEADER_ROW:], start=HEADER_ROW + 1):
        if len(r) < N_TEAM or not r[COL["Invoice #"]]:
            continue
        due, bal = _norm(r[COL["Due Date"]]), r[COL["Open Balance"]]
        if isinstance(due, date) and due < day and isinstance(bal, float) and bal > 100:
            candidates.append((i, r))
    rng.shuffle(candidates)
    typed: dict[tuple[int, int], Any] = {}
    used: set[int] = set()

    def pick(free_customer: bool = False) -> tuple[int, list[Any]] | None:
        for i, r in candidates:
            if i in used or r[COL["Promise Date"]] or r[COL["Dispute"]]:
                continue
            if free_customer and (r[COL["Customer No"]] in busy or r[COL["Hold Until"]]):
                continue
            used.add(i)
            return i, r
        return None

    got = pick(free_customer=True) if week < WEEKS - 6 else None
    if got:
        i, r = got
        on = day + timedelta(days=int(rng.integers(5, 13)))
        ledger.promise(r[COL["Invoice #"]], on, keep=bool(rng.random() < 0.6), week=week)
        typed[(i, COL["Promise Date"] + 1)] = on
        typed[(i, COL["Promise Amount"] + 1)] = r[COL["Open Balance"]]
        busy.add(r[COL["Customer No"]])
    if week % 3 == 0 and (got := pick()):
        typed[(got[0], COL["Dispute"] + 1)] = "Yes"
        reason = typed[(got[0], COL["Dispute Reason"] + 1)] = f"Price differs from PO (week {week})"
        carry.disputes[got[1][COL["Invoice #"]]] = reason
    if week % 4 == 1 and (got := pick(free_customer=True)):
        until = typed[(got[0], COL["Hold Until"] + 1)] = day + timedelta(days=14)
        carry.holds[got[1][COL["Invoice #"]]] = until
    for k in range(2):
        if got := pick():
            note = typed[(got[0], COL["Notes"] + 1)] = f"Called AP, week {week}, note {k}"
            carry.notes[got[1][COL["Invoice #"]]] = note
    if week and (got := pick()):  # from week 1, when the managed block is there
        typed[(got[0], MEMO_COL)] = f"memo: chase again after week {week}"
    if week == 1:
        typed[(HEADER_ROW, MEMO_COL)] = "Collector memo"
    set_cells(book, AGING_SHEET, typed)
    return typed


def _draft_edits(book: Path, week: int, rng: np.random.Generator) -> dict[tuple[str, str], Any]:
    """Edit a body, approve, mark sent, skip, and annotate open drafts."""
    if week == 0:
        return {}  # no Drafts sheet before the first run
    row0, heads, body = table(read_sheet(book, S.DRAFTS), D.ID)
    open_rows = [
        (row0 + 1 + i, r) for i, r in enumerate(body) if r[heads.index(D.STATUS)] == "Draft"
    ]
    rng.shuffle(open_rows)
    col = {h: heads.index(h) + 1 for h in heads}
    cells: dict[tuple[int, int], Any] = {}
    edits: dict[tuple[str, str], Any] = {}
    plan: list[list[tuple[str, str]]] = [
        [(D.BODY, "{body}\n-- edited by the collector in week {week}")],
        [(D.STATUS, "Approved"), (D.REVIEWER_NOTE, "ok to send (week {week})")],
        [(D.STATUS, "Sent")],
        [(D.STATUS, "Skipped"), (D.REVIEWER_NOTE, "customer called, skip (week {week})")],
        [(D.SUBJECT, "Re: {subject} [week {week}]"), (D.STATUS, "Approved")],
    ]
    for (r, row), actions in zip(open_rows, plan, strict=False):
        did = row[heads.index(D.ID)]
        for column, template in actions:
            value = template.format(
                body=row[heads.index(D.BODY)], subject=row[heads.index(D.SUBJECT)], week=week
            )
            cells[(r, col[column])] = value
            edits[(did, column)] = value
    set_cells(book, S.DRAFTS, cells)
    return edits


def _open_by_currency(export: list[list[Any]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = Counter()  # type: ignore[assignment]
    for r in export:
        out[r[COL["Currency"]]] += Decimal(str(r[COL["Open Balance"]]))
    return {k: v for k, v in out.items() if v}


def _expected_cash(book: Path) -> dict[str, Decimal]:
    _, heads, body = table(read_sheet(book, S.EXPECTED_CASH), "Currency")
    i_open = heads.index("Open balance")
    out = {}
    for r in body:
        numbers = [v for v in r[1:i_open] if isinstance(v, int | float)]  # skip text columns
        parts = sum((Decimal(str(v)) for v in numbers), Decimal(0))
        total = Decimal(str(r[i_open]))
        assert parts.quantize(Decimal("0.01")) == total.quantize(Decimal("0.01")), r
        out[r[0]] = total
    return {k: v for k, v in out.items() if v}


def _owned_values(book: Path) -> dict[str, list[list[Any]]]:
    """Every owned sheet's values (a repeated week must not change any of them)."""
    return {s: read_sheet(book, s) for s in OWNED_SHEETS}


def _check_carry_over(
    rows: list[list[Any]], carry: Typed, day: date, gone: set[str], book: Path
) -> int:
    """Typed values of earlier weeks still act on their invoice after fresh exports."""
    head = rows[HEADER_ROW - 1]
    reason, excluded, carried = (
        head.index(h) for h in (M.EXCLUSION_REASON, M.EXCLUDED, M.CARRIED_NOTE)
    )
    by_invoice = {r[COL["Invoice #"]]: r for r in rows[HEADER_ROW:] if len(r) > N_TEAM}
    checked = 0
    for inv, why in carry.disputes.items():
        if inv in by_invoice:
            assert str(by_invoice[inv][reason]).startswith(f"Disputed: {why}"), (day, inv)
            checked += 1
    for inv, until in carry.holds.items():
        if inv in by_invoice and until > day:
            assert by_invoice[inv][excluded] == "Yes", (day, inv, until)
            checked += 1
    for inv, note in carry.notes.items():
        if inv in by_invoice and not by_invoice[inv][COL["Notes"]]:
            assert by_invoice[inv][carried] == note, (day, inv)
            checked += 1
    reported = " ".join(" ".join(map(str, r)) for r in read_sheet(book, S.DATA_CHECK))
    for inv in gone & set(carry.notes):
        assert f"Invoice {inv} is no longer in the book" in reported, (day, inv)
        checked += 1
    return checked


def _check_promises(book: Path, ledger: Ledger, day: date, stats: dict[str, int]) -> None:
    _, heads, body = table(read_sheet(book, S.PROMISES), P.ID)
    seen: dict[str, str] = {}
    for p in ledger.promises.values():
        rows = [
            r for r in body
            if p.invoice in invoice_list(r[heads.index(P.INVOICES)])
            and _norm(r[heads.index(P.PROMISE_DATE)]) == p.date
        ]  # fmt: skip
        assert len(rows) == 1, f"promise on {p.invoice} for {p.date}: {len(rows)} rows"
        status = rows[0][heads.index(P.STATUS)]
        if p.paid_on is not None and p.paid_on <= day:
            want = "kept"
        elif not p.keep and p.date + timedelta(days=GRACE) < day:
            want = "broken"
        else:
            want = "open"
        assert status == want, (
            f"{day}: promise on {p.invoice} due {p.date} is {status}, want {want}"
        )
        seen[p.invoice] = want
    stats.update({f"promises {k}": v for k, v in Counter(seen.values()).items()})


@pytest.mark.slow
def test_a_year_of_weekly_cycles(tmp_path: Path) -> None:
    book = write_sample_book(tmp_path / "book", fresh=True)
    ledger = Ledger()
    draft_edits: dict[tuple[str, str], Any] = {}
    previous_activity: list[list[Any]] = []
    stats: Counter[str] = Counter()
    carry = Typed()
    invoices: set[str] = set()
    for week in range(WEEKS):
        day = as_of(week)
        rng = np.random.default_rng(1000 + week)
        if week:
            ledger.advance(day, week)
            export = ledger.export()
            replace_rows(book, AGING_SHEET, HEADER_ROW, N_TEAM, export)
        else:
            export = [r[:N_TEAM] for r in read_sheet(book, AGING_SHEET)[HEADER_ROW:]]
        typed = _aging_edits(book, ledger, week, day, rng, carry)
        draft_edits.update(_draft_edits(book, week, rng))
        before = _team_view(read_sheet(book, AGING_SHEET))

        action = "log_sent" if week % 4 == 2 else "run"  # the ribbon's Log sent, now and then
        run_file(book, day, action=action)

        rows = read_sheet(book, AGING_SHEET)
        assert _team_view(rows) == before, f"week {week}: the team's cells changed"
        for (r, c), v in typed.items():
            assert _norm(rows[r - 1][c - 1]) == _norm(v), f"week {week}: typed cell lost"
        stats["aging cells typed"] += len(typed)
        assert rows[HEADER_ROW - 1][N_TEAM : N_TEAM + len(MANAGED_HEADERS)] == list(MANAGED_HEADERS)

        _, heads, drafts = table(read_sheet(book, S.DRAFTS), D.ID)
        ids = [r[0] for r in drafts]
        assert len(ids) == len(set(ids)), f"week {week}: duplicate draft ids"
        by_id = {r[0]: r for r in drafts}
        for (did, column), value in draft_edits.items():
            assert by_id[did][heads.index(column)] == value, f"week {week}: {did} {column} lost"
        stats["draft edits checked"] += len(draft_edits)

        _, a_heads, activity = table(read_sheet(book, S.ACTIVITY), A.ID)
        assert activity[: len(previous_activity)] == previous_activity, f"week {week}"
        previous_activity = activity
        if action == "log_sent":
            sent = {d for (d, c), v in draft_edits.items() if c == D.STATUS and v == "Sent"}
            logged = Counter(
                r[a_heads.index(A.REFERENCE)]
                for r in activity
                if r[a_heads.index(A.TYPE)] == "sent"
            )
            assert set(logged) == sent and set(logged.values()) <= {1}, f"week {week}: log sent"
            stats["sent drafts logged"] = len(logged)

        promise_stats: dict[str, int] = {}
        _check_promises(book, ledger, day, promise_stats)
        now = {str(r[COL["Invoice #"]]) for r in export if r[COL["Invoice #"]]}
        stats["carried values checked"] += _check_carry_over(rows, carry, day, invoices - now, book)
        invoices = now
        assert _expected_cash(book) == _open_by_currency(export), f"week {week}: cash"

        if week % IDEMPOTENT_EVERY == 0 or week == WEEKS - 1:
            again = tmp_path / f"again{week}.xlsx"
            shutil.copyfile(book, again)
            run_file(again, day)
            assert _owned_values(again) == _owned_values(book), f"week {week}: not idempotent"
            assert _team_view(read_sheet(again, AGING_SHEET)) == _team_view(rows)
            again.unlink()
            stats["weeks run twice"] += 1
        stats["weeks"] += 1
    kept = sum(1 for p in ledger.promises.values() if p.paid_on is not None)
    assert kept >= 10 and len(ledger.promises) - kept >= 5
    assert ledger.renumbered is not None
    assert stats["weeks"] == WEEKS
    assert promise_stats.get("promises kept", 0) >= 10
    assert promise_stats.get("promises broken", 0) >= 5
    print({**stats, **promise_stats}, "edits lost: 0")


def _two_weeks(tmp_path: Path, drop: tuple[str, ...] = ()) -> tuple[Path, dict[str, str], Ledger]:
    """Week 0: collectors type on four invoices; week 1: a fresh export (rows re-sorted)."""
    book = write_sample_book(tmp_path / "book", fresh=True)
    ledger = Ledger()
    rows = read_sheet(book, AGING_SHEET)
    day0, day1 = as_of(0), as_of(1)
    picks = [
        (i, r)
        for i, r in enumerate(rows[HEADER_ROW:], start=HEADER_ROW + 1)
        if _norm(r[COL["Due Date"]]) < day0 and not r[COL["Promise Date"]] and not r[COL["Dispute"]]
        and not r[COL["Hold Until"]] and not r[COL["Notes"]] and r[COL["Open Balance"]] > 0
    ][:4]  # fmt: skip
    (n_i, n_r), (p_i, p_r), (h_i, h_r), (d_i, d_r) = picks
    typed = {
        (n_i, COL["Notes"] + 1): "Collector note: customer moved offices",
        (p_i, COL["Promise Date"] + 1): day1 + timedelta(days=10),
        (p_i, COL["Promise Amount"] + 1): p_r[COL["Open Balance"]],
        (h_i, COL["Hold Until"] + 1): day1 + timedelta(days=14),
        (d_i, COL["Dispute"] + 1): "Yes",
        (d_i, COL["Dispute Reason"] + 1): "Short shipment",
    }
    set_cells(book, AGING_SHEET, typed)
    run_file(book, day0)
    which = {
        "note": n_r[COL["Invoice #"]],
        "promise": p_r[COL["Invoice #"]],
        "hold": h_r[COL["Invoice #"]],
        "dispute": d_r[COL["Invoice #"]],
    }
    gone = {which[k] for k in drop}  # the ERP no longer lists them (paid, or written off)
    ledger.rows = [r for r in ledger.rows if r[COL["Invoice #"]] not in gone]
    export = ledger.export()
    replace_rows(book, AGING_SHEET, HEADER_ROW, N_TEAM, export)
    run_file(book, day1)
    return book, which, ledger


def test_collector_columns_carry_over_to_the_fresh_export(tmp_path: Path) -> None:
    book, which, _ = _two_weeks(tmp_path)
    rows = read_sheet(book, AGING_SHEET)
    head = rows[HEADER_ROW - 1]
    by_invoice = {r[COL["Invoice #"]]: r for r in rows[HEADER_ROW:] if len(r) > N_TEAM}
    reason = head.index("Exclusion reason")
    assert "Collector note: customer moved offices" in by_invoice[which["note"]]
    assert "Promise" in by_invoice[which["promise"]][reason]
    assert "hold" in by_invoice[which["hold"]][reason].lower()
    assert "Disputed" in by_invoice[which["dispute"]][reason]


def test_typed_notes_of_vanished_invoices_are_reported(tmp_path: Path) -> None:
    book, which, _ = _two_weeks(tmp_path, drop=("note",))
    check = read_sheet(book, S.DATA_CHECK)
    assert any(which["note"] in " ".join(map(str, r)) for r in check), "not reported"


def test_typed_disputes_and_holds_of_vanished_invoices_are_reported(tmp_path: Path) -> None:
    book, which, _ = _two_weeks(tmp_path, drop=("dispute", "hold"))
    check = " ".join(" ".join(map(str, r)) for r in read_sheet(book, S.DATA_CHECK))
    assert which["dispute"] in check and which["hold"] in check
