"""Smoke test of benchmarks/: the generator makes a valid book and every measurement runs.

No timing is asserted (timings belong in docs/performance.md, not in a test on a
shared machine); what is asserted is that the book is what the benchmark claims to
measure (layout, types, blanks, a full package) and that each measuring function
produces its output on it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import generate, measure, profile, report, run, straightforward

ROWS = 200


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.generate(tmp_path_factory.mktemp("bench") / "aging.xlsx", ROWS)


def _values(path: Path) -> list[list[Any]]:
    wb = pc.CalamineWorkbook.from_path(str(path))
    return wb.get_sheet_by_name(generate.SHEET).to_python()


def test_sizes_fill_at_most_one_sheet() -> None:
    assert generate.parse_size("1m") + generate.HEADER_ROW == generate.EXCEL_MAX_ROWS
    assert generate.parse_size("10k") == 10_000
    with pytest.raises(ValueError, match="rows must be"):
        generate.generate(Path("unused.xlsx"), generate.EXCEL_MAX_ROWS)


def test_book_layout_and_types(book: Path) -> None:
    rows = _values(book)
    assert len(rows) == generate.HEADER_ROW + ROWS
    assert rows[0][0].startswith("Accounts receivable aging")
    assert tuple(rows[generate.HEADER_ROW - 1]) == generate.HEADERS
    data = rows[generate.HEADER_ROW :]
    assert all(isinstance(r[0], str) and len(r[0]) == 7 and r[0][0] == "0" for r in data)
    assert all(isinstance(r[3], date) for r in data)
    assert {r[5] for r in data} <= {"USD", "EUR", "GBP"}
    assert all(isinstance(r[7], float) and abs(r[7]) <= abs(r[6]) for r in data)
    assert len({r[2] for r in data}) == ROWS  # invoice numbers are unique
    assert sum(r[11] == "" for r in data) > ROWS * 0.9  # promise dates are rare


def test_book_is_a_package_openpyxl_reads(book: Path) -> None:
    with zipfile.ZipFile(book) as z:
        assert generate.SHEET_PART in z.namelist()
        assert "xl/sharedStrings.xml" in z.namelist()
    ws = openpyxl.load_workbook(book)[generate.SHEET]
    assert ws.max_row == generate.HEADER_ROW + ROWS
    assert ws.cell(generate.HEADER_ROW + 1, 4).number_format == "yyyy\\-mm\\-dd"


def test_floors_run(book: Path, tmp_path: Path) -> None:
    assert measure.calamine(book)["rows"] == generate.HEADER_ROW + ROWS
    assert measure.inflate(book)["bytes"] > ROWS * 100
    dst = tmp_path / "floor.xlsx"
    measure.write_floor(book, dst)
    rows = _values(dst)
    assert len(rows) == generate.HEADER_ROW + ROWS
    assert len(rows[generate.HEADER_ROW]) == len(generate.HEADERS) + 12


def test_straightforward_cycle_adds_the_managed_block(book: Path, tmp_path: Path) -> None:
    dst = tmp_path / "straight.xlsx"
    out = straightforward.cycle(book, dst, generate.AS_OF)
    assert set(out["phases"]) == {"read", "logic", "write"}
    header = _values(dst)[generate.HEADER_ROW - 1]
    assert tuple(header[len(generate.HEADERS) :]) == straightforward.MANAGED


def test_dunning_phases_run_on_the_book(book: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.xlsx"
    shutil.copyfile(book, copy)
    out = measure.phases(copy)
    assert out["rows"] == ROWS
    assert all(out["phases"][p] is not None for p in measure.PHASES)
    header = _values(copy)[generate.HEADER_ROW - 1]
    assert "Days past due" in header  # write_book wrote the managed block into the copy


def test_run_child_and_render(tmp_path: Path) -> None:
    code = 'print(\'{"op": 0.5, "op_cpu": 0.25}\')'
    s = run.run_child([sys.executable, "-c", code], timeout=60)
    assert s.ok and s.data == {"op": 0.5, "op_cpu": 0.25} and s.peak_mb > 1
    assert s.tree_peak_mb == 0  # timed runs are not sampled
    failed = run.run_child([sys.executable, "-c", "raise SystemExit(4)"], timeout=60)
    assert not failed.ok and "4" in failed.error
    samples = {k: [s] for k in ("phases", "cli", "calamine", "inflate", "write_floor")}
    text = report.render(["10k"], {"10k": samples}, markdown=True)
    assert "| read floor: calamine sheet values | 0.500 | 0.250 |" in text
    assert "| dunning run (phases, in-process) / (read + write floor) | 0.500 | 0.500 |" in text


def _sample(op: float, proc: float, peak_mb: float) -> report.Sample:
    return report.Sample(
        ok=True, proc=proc, cpu=proc, peak_mb=peak_mb, data={"op": op, "op_cpu": op}
    )


def test_targets_and_saved_runs_print(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fast = {k: [_sample(1.0, 1.0, 100)] for k in ("phases", "calamine", "inflate", "write_floor")}
    small = {**fast, "cli": [_sample(0, 2.0, 100)], "straightforward": [_sample(0, 30.0, 900)]}
    big = {**fast, "cli": [_sample(0, 90.0, 5000)]}
    assert report.checks_for("100k", small) == [
        ["100k: straightforward / dunning run >= 10", "15.00x wall, 15.00x CPU", "yes"],
        [
            "100k: dunning run / (read + write floor) <= 2",
            "1.00x wall, 1.00x CPU (each round's own: 1.00x wall)",
            "yes",
        ],
    ]
    assert [c[2] for c in report.checks_for("1m", big)] == ["no", "no"]
    assert report.checks_for("10k", small) == []
    saved = tmp_path / "run.json"
    dump = {"100k": {k: [vars(x) for x in v] for k, v in small.items()}}
    saved.write_text(json.dumps({"header": "# saved", "results": dump}))
    assert run.main(["--from-json", str(saved), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# saved") and "| straightforward (whole process) | 30.00 |" in out


def test_profile_summary_attributes_library_time_to_our_line() -> None:
    raw = [
        "main (x.py:1);build (/w/dunning_core/w.py:7);join (pandas/x.py:3) 9",
        "main (x.py:1);read (/w/dunning_core/r.py:2) 1",
        "garbage line",
    ]
    text = profile.summarise(raw)
    assert "samples: 10" in text
    assert "  90.0%  build (dunning_core/w.py:7)" in text


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="/proc")
def test_tree_rss_counts_the_children() -> None:
    """The peak of a run that forks is summed over the process tree, not the larger one."""
    code = "import time; b = bytearray(80 << 20); time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 10
        while (alone := run.tree_rss_mb(child.pid)) < 80 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert alone > 80  # the bytearray is resident
        assert run.tree_rss_mb(os.getpid()) > alone + 5  # this process plus the child
    finally:
        child.kill()
        child.wait()
    assert run.tree_rss_mb(child.pid) == 0  # gone: nothing, no error


def test_peaks_of_forking_runs_come_from_their_memory_pass() -> None:
    """The timed CLI runs are not sampled (sampling takes a core from them); their
    peak is the memory pass's, the process and its children together."""
    fast = {k: [_sample(1.0, 1.0, 100)] for k in ("phases", "calamine", "inflate", "write_floor")}
    samples = {**fast, "cli": [_sample(0, 2.0, 300), _sample(0, 2.2, 310)]}
    assert dict((r[0], r[3]) for r in report.rows_for(samples))[
        "dunning run (CLI, whole process)"
    ] == pytest.approx(305)
    tree = report.Sample(ok=True, proc=2.5, cpu=2.5, peak_mb=300, tree_peak_mb=450)
    samples["cli memory"] = [tree]
    rows = {r[0]: r[1:] for r in report.rows_for(samples)}
    assert rows["dunning run (CLI, whole process)"] == (2.1, 2.1, 450)  # times: the timed runs
