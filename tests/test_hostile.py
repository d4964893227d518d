"""Hostile and broken input through the real CLI, in a subprocess (issue 6, part 3).

One row per file: the command, the expected outcome and a regex the message must
match. Outcomes:

* ``refused``: exit 2, exactly one line on stderr ``dunning: error: <file>: ...``
  matching the regex, no traceback, and the input file byte-identical afterwards;
* ``problems``: ``run`` succeeds, ``check`` exits 3 (0 for warnings only) and lists
  each problem with its sheet!cell (regex on stdout), and leaves the file unchanged;
* ``ok``: awkward but valid input is processed (exit 0); a non-package source
  (csv, xls) is never touched and a ``<stem>.dunning.xlsx`` appears beside it.

The committed files are in tests/corpus/files/hostile/ (``python -m corpus.build``
from tests/ regenerates them); file-system states (read-only, Excel's ``~$`` lock)
and the 1,048,576-row book are made at test time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from corpus.build import CONVERTED
from corpus.hostile import corpus, million_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[1]
FILES = Path(__file__).resolve().parent / "corpus" / "files" / "hostile"
AS_OF = "2026-11-23"
ZIP = r"not a readable spreadsheet \(invalid Zip archive.*expected an \.xlsx"


@dataclass(frozen=True)
class Case:
    name: str
    outcome: str  # refused / problems / ok
    pattern: str = ""
    reason: str = ""  # xfail reason when the product fails this case
    check: bool = False  # also run ``check`` (always done for "problems")
    check_rc: int = 3  # exit code of ``check``: 3 with errors, 0 with warnings only


CASES = (
    Case("empty.xlsx", "refused", ZIP),
    Case("truncated.xlsx", "refused", ZIP),
    Case("corrupt_zip.xlsx", "refused", ZIP),
    Case("text_named.xlsx", "refused", ZIP),
    Case("zip_not_workbook.xlsx", "refused", r"not a readable spreadsheet.*_rels/\.rels"),
    Case("no_workbook_part.xlsx", "refused", r"has no worksheets \(expected an aging table\)"),
    Case("broken_sheet_xml.xlsx", "refused", r"sheet 'AR Aging' could not be read \(syntax error"),
    Case("password_protected.xlsx", "refused", r"password protected; save an unprotected copy"),
    Case("legacy_cfb_without_workbook.xls", "refused", r"Cannot find Workbook stream.*expected"),
    Case("xlsx_renamed.xls", "refused", r"not a readable spreadsheet \(Cfb error.*expected an"),
    Case("workbook.xlsb", "refused", r"not a readable spreadsheet.*expected an \.xlsx"),
    Case("report.pdf", "refused", r"unsupported file type '\.pdf'; expected one of \.xlsx"),
    Case("empty.csv", "refused", r"holds no data \(expected an aging table with a header row\)"),
    Case("binary.csv", "refused", r"binary content in a text export \(expected delimited text\)"),
    Case(
        "no_header.xlsx", "refused", r"sheet 'AR Aging': no header row .*expected headers such as"
    ),
    Case("numbers_only.xlsx", "refused", r"sheet 'AR Aging': no header row .*Headers found"),
    Case("extra_sheets_no_aging.xlsx", "refused", r"'AR Aging', 'Notes': no header row"),
    Case(
        "missing_balance_column.xlsx",
        "refused",
        r"sheet 'AR Aging': no open-balance column under the header on row 3 \(expected e\.g\.",
    ),
    Case("error_cells.xlsx", "problems", r"ERROR AR Aging!G5 open_cents.*\n.*ERROR AR Aging!G7"),
    Case("non_numeric_balances.xlsx", "problems", r"ERROR AR Aging!G4 open_cents 'n/a'"),
    Case(
        "settings_invalid.xlsx",
        "problems",
        r"ERROR Settings!B4 Minimum amount 'lots'.*\n"
        r".*ERROR Settings!B5 Promise grace days.*\n.*ERROR Settings!B6 Forecast weeks",
    ),
    Case("dates_three_conventions.xlsx", "ok"),
    Case(
        "dates_free_text.xlsx",
        "problems",
        r"WARNING AR Aging!E8 due_date 'Sept 5th': expected a date",
        check_rc=0,  # warnings only
    ),
    Case("negative_and_zero_balances.xlsx", "ok"),
    Case("all_credit_notes.xlsx", "ok"),
    Case("duplicate_invoice_numbers.xlsx", "ok"),
    Case("header_only.xlsx", "ok"),
    Case("header_only.csv", "ok"),
    Case("notes.txt", "ok"),
    Case("text_amounts_and_dates.xlsx", "ok"),
    Case("german_latin1.csv", "ok"),
    Case("huge_text_cells.xlsx", "ok"),
    Case("missing_invoice_column.xlsx", "ok"),
    Case("missing_due_date.xlsx", "ok"),
    Case("unicode_text_export.txt", "ok"),  # Excel's "Unicode text": UTF-16, tab, CRLF
    Case("utf8_bom_semicolon.csv", "ok"),
    Case("apostrophe_sheet.xlsx", "ok"),
    Case("merged_group_header.xlsx", "ok"),
    Case("currency_symbols.csv", "ok", check=True),
    Case(
        "formula_balances_no_cache.xlsx",
        "problems",
        r"ERROR AR Aging!G4 open_cents 'None': no readable open balance",
    ),
    Case("legacy_biff8.xls", "ok"),
    Case("team_book.ods", "ok"),
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args: str | Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "dunning_core.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
        cwd=REPO,
    )


def assert_refused(path: Path, proc: subprocess.CompletedProcess[str], pattern: str) -> None:
    """Exit 2, one line on stderr naming the file and matching ``pattern``, no traceback."""
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("dunning: error: "), lines[0]
    assert str(path.parent.name) in lines[0] and path.name in lines[0], lines[0]
    assert _search(pattern, lines[0]), f"{lines[0]!r} does not match {pattern!r}"


def _search(pattern: str, text: str) -> bool:
    import re

    return re.search(pattern, text) is not None


@dataclass
class Outcome:
    """What happened to one corpus file: its digest before, each command and digest after."""

    path: Path
    before: str
    listing: list[str]
    procs: dict[str, subprocess.CompletedProcess[str]]
    after: dict[str, str]
    listing_after: list[str]


def execute(case: Case, folder: Path) -> Outcome:
    """Copy the file into its own folder and run its commands (check, then run)."""
    folder.mkdir(parents=True)
    path = folder / case.name
    shutil.copyfile(FILES / case.name, path)
    before, listing = digest(path), sorted(p.name for p in folder.iterdir())
    procs, after = {}, {}
    checked = case.outcome == "problems" or case.check
    for step in ("check", "run") if checked else ("run",):
        procs[step] = cli(step, path, "--as-of", AS_OF)
        after[step] = digest(path)
    return Outcome(path, before, listing, procs, after, sorted(p.name for p in folder.iterdir()))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every case through the CLI, four subprocesses at a time (each starts Python anew)."""
    root = tmp_path_factory.mktemp("hostile")
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {c.name: pool.submit(execute, c, root / f"case{i}") for i, c in enumerate(CASES)}
    return {name: f.result() for name, f in futures.items()}


def check_outcome(case: Case, out: Outcome) -> None:
    path = out.path
    if case.outcome == "refused":
        assert_refused(path, out.procs["run"], case.pattern)
        assert out.after["run"] == out.before, "a refused input must stay byte-identical"
        assert out.listing_after == out.listing, "nothing written beside it"
        return
    if case.outcome == "problems":
        proc = out.procs["check"]
        assert "Traceback" not in proc.stderr + proc.stdout
        assert proc.returncode == case.check_rc, (proc.returncode, proc.stderr)
        assert _search(case.pattern, proc.stdout), proc.stdout[-2000:]
        assert out.after["check"] == out.before, "check must not write"
    proc = out.procs["run"]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("As of 2026-11-23: "), proc.stdout
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        assert out.after["run"] == out.before, "a non-package source is never touched"
        assert f"{path.stem}.dunning.xlsx" in out.listing_after


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.reason)] if case.reason else []
    return pytest.param(case, id=case.name, marks=marks)


def test_corpus_has_thirty_cases_and_matches_its_generator() -> None:
    files = corpus()
    assert len(CASES) + 4 >= 30 + 4  # + lock file, read-only, missing file, million rows
    assert {c.name for c in CASES} == set(files) | set(CONVERTED)
    for name, data in files.items():
        assert (FILES / name).read_bytes() == data, (
            f"{name}: regenerate with python -m corpus.build"
        )


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_hostile_file(case: Case, outcomes: dict[str, Outcome]) -> None:
    check_outcome(case, outcomes[case.name])


def test_amounts_with_symbols_and_mixed_separators_are_read_or_reported(
    outcomes: dict[str, Outcome],
) -> None:
    """Each amount is read right (€3,234.56 in all) or its cell is reported, never misread."""
    out = outcomes["currency_symbols.csv"]
    assert out.procs["run"].returncode == 0
    summary = out.procs["run"].stdout
    flagged = out.procs["check"].stdout if "check" in out.procs else ""
    assert "open balance €3,234.56" in summary or (
        "currency_symbols!G2" in flagged and "currency_symbols!G5" in flagged
    ), summary


def test_header_only_gives_an_empty_queue_and_a_zero_forecast(tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    path = tmp_path / "header_only.xlsx"
    shutil.copyfile(FILES / path.name, path)
    proc = cli("run", path, "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    assert "0 open items" in proc.stdout and "Queue: 0 to chase" in proc.stdout
    cash = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Expected Cash").to_python()
    numbers = [
        v for row in cash for v in row if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    assert all(v == 0 for v in numbers), numbers


def test_excel_lock_file_refuses_and_leaves_the_book(tmp_path: Path) -> None:
    path = tmp_path / "aging.xlsx"
    shutil.copyfile(FILES / "negative_and_zero_balances.xlsx", path)
    (tmp_path / "~$aging.xlsx").write_bytes(b"\x0bsomeone")
    before = digest(path)
    assert_refused(
        path, cli("run", path, "--as-of", AS_OF), r"open in Excel \(~\$aging\.xlsx exists\)"
    )
    assert digest(path) == before


def test_a_second_run_on_the_same_book_is_refused(tmp_path: Path) -> None:
    """Another run's lock file beside the book: refused, book and lock left alone."""
    path = tmp_path / "aging.xlsx"
    shutil.copyfile(FILES / "negative_and_zero_balances.xlsx", path)
    lock = tmp_path / ".aging.xlsx.dunning.lock"
    lock.write_text("12345\n")
    before = digest(path)
    assert_refused(path, cli("run", path, "--as-of", AS_OF), r"another dunning run is working")
    assert digest(path) == before and lock.read_text() == "12345\n"


def test_missing_file_and_folder_are_refused(tmp_path: Path) -> None:
    assert_refused(tmp_path / "nope.xlsx", cli("run", tmp_path / "nope.xlsx"), r"not found|no such")
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    assert_refused(folder, cli("run", folder), r"folder\.xlsx")


def test_read_only_book_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "aging.xlsx"
    shutil.copyfile(FILES / "negative_and_zero_balances.xlsx", path)
    path.chmod(0o444)
    before = digest(path)
    try:
        assert_refused(path, cli("run", path, "--as-of", AS_OF), r"read-only")
        assert digest(path) == before
    finally:
        path.chmod(0o644)


@pytest.mark.slow
def test_million_rows_is_processed_or_refused_clearly(tmp_path: Path) -> None:
    """A sheet filling all 1,048,576 rows: ``check`` reads it all, no traceback."""
    path = million_rows(tmp_path / "million.xlsx")
    before = digest(path)
    proc = cli("check", path, "--as-of", AS_OF, timeout=900)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode in (0, 2, 3), proc.stderr
    if proc.returncode == 2:
        assert_refused(path, proc, r"rows|memory|too large")
    else:
        assert "data rows 2-1048576" in proc.stdout, proc.stdout[:2000]
    assert digest(path) == before


_HEADS = ["Customer No", "Customer Name", "Invoice #", "Invoice Date", "Due Date", "Currency",
          "Open Balance", "Amount Due", "Email", "Notes", "Dispute", "Promise Date", "Kunde",
          "Fälligkeitsdatum", "Offener Betrag", ""]  # fmt: skip


def _cells() -> st.SearchStrategy[str]:
    numbers = st.decimals(-1e7, 1e7, places=2, allow_nan=False, allow_infinity=False)
    dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31))
    return st.one_of(
        st.text(max_size=12),
        numbers.map(str),
        numbers.map(lambda d: f"{d:,}"),
        numbers.map(lambda d: f"{d:,}".replace(",", "X").replace(".", ",").replace("X", ".")),
        dates.map(str),
        dates.map(lambda d: d.strftime("%d.%m.%Y")),
        dates.map(lambda d: d.strftime("%m/%d/%y")),
        st.sampled_from(["#N/A", "#REF!", "=1/0", "-", "n/a", "", " ", "EUR", "Yes", "(12.50)"]),
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    heads=st.one_of(
        st.lists(st.sampled_from(_HEADS), min_size=1, max_size=8),
        st.lists(st.sampled_from(_HEADS), max_size=4).map(
            lambda extra: ["Customer Name", "Invoice #", "Due Date", "Open Balance", *extra]
        ),
    ),
    body=st.lists(st.lists(_cells(), max_size=9), max_size=6),
    sep=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]),
)
def test_fuzzed_exports_are_processed_or_refused_with_a_user_error(
    tmp_path: Path, heads: list[str], body: list[list[str]], sep: str, encoding: str
) -> None:
    """Whatever a delimited export holds, ``check`` returns a result or raises UserError."""
    import csv
    import io

    from dunning_core.filemode import run_file
    from dunning_core.records import UserError

    buf = io.StringIO()
    csv.writer(buf, delimiter=sep).writerows([heads, *body])
    path = tmp_path / "fuzz.csv"
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    before = digest(path)
    try:
        result, written = run_file(path, date(2026, 11, 23), action="check")
    except UserError as e:
        assert str(e).startswith(str(path)), str(e)
    else:
        assert written is None
        assert all(p.message for p in result.problems)
    assert digest(path) == before
