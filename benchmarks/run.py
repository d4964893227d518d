"""Time ``dunning run`` against the straightforward cycle and the I/O floors, side by side.

Every measurement runs in a fresh process (``benchmarks.measure``) and its peak
memory is that process's own ``ru_maxrss``, read with ``os.wait4`` (not
``RUSAGE_CHILDREN``, which keeps the maximum over *all* children so far). The
write forks a child for a moment (``dunning_core.workbook.xlsx_deflate``), and
``ru_maxrss`` keeps the larger of the two, not their sum; so what the process
and its children hold is also sampled every 10 ms (their proportional set sizes
while a child runs, so that the pages they share count once), and the larger
figure is reported. Repeats
are interleaved (one of each kind, then again) so that a burst of load on a shared
machine spreads over all rows instead of spoiling one. Times are medians.

Usage (from the repository root)::

    python -m benchmarks.run --sizes 10k,100k,1m [--repeat 3] [--markdown] [--json F]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.generate import AS_OF, ensure_book, parse_size
from benchmarks.report import Sample, load_results, render

ROOT = Path(__file__).resolve().parent.parent
LARGE = 500_000  # sizes from here on run once (a 1M-row cycle is the long pole)


def tree_rss_mb(pid: int) -> float:
    """MB held by ``pid`` and its descendants now (0 where /proc cannot say).

    A process alone: its resident size. With children (the write's forked child):
    the sum of their proportional set sizes, which splits each page they share
    between them, so the pages shared after the fork count once, as the machine
    holds them; the sum of resident sizes would count them twice.
    """
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):  # gone already, or not Linux
            continue
        tree.append(p)
    if len(tree) == 1:
        try:
            with open(f"/proc/{pid}/statm") as f:
                return int(f.read().split()[1]) * _PAGE / (1 << 20)
        except (OSError, ValueError, IndexError):
            return 0.0
    kb = 0
    for p in tree:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                kb += next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
        except (OSError, ValueError, IndexError):
            continue
    return kb / 1024


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _sample_tree(pid: int, stop: threading.Event, peak: list[float]) -> None:
    while not stop.wait(0.01):
        peak[0] = max(peak[0], tree_rss_mb(pid))


def run_child(
    argv: Sequence[str], timeout: float, ok_codes: tuple[int, ...] = (0,), *, tree: bool = False
) -> Sample:
    """Run ``argv`` in a fresh process; wall time, CPU and peak RSS of that process alone,
    and with ``tree`` the sampled peak of it and its children together.

    ``tree`` is for memory passes only: while a child runs, one sample reads every
    process's ``smaps_rollup`` (16 ms of CPU at 100k rows), so sampling every 10 ms
    takes most of a core from the two the measured run is using.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err, cwd=ROOT)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        stop, tree_peak = threading.Event(), [0.0]
        sampler = threading.Thread(target=_sample_tree, args=(proc.pid, stop, tree_peak))
        if tree:
            sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            stop.set()
            if tree:
                sampler.join()
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = out.read().decode(errors="replace").strip().splitlines()
        error = "" if code in ok_codes else err.read().decode(errors="replace")[-600:]
    data: dict[str, Any] = {}
    if lines and lines[-1].startswith("{"):
        data = json.loads(lines[-1])
    return Sample(
        ok=code in ok_codes,
        proc=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mb=usage.ru_maxrss / 1024,
        tree_peak_mb=tree_peak[0],
        data=data,
        error=error or ("" if code in ok_codes else f"exit code {code}"),
    )


#: The measurements whose process forks (the write's deflate child, the early aging
#: part): their peak memory comes from a separate, untimed pass that samples the tree.
FORKING = ("phases", "cli", "rerun")


def _measure(kind: str, book: Path, work: Path, timeout: float, tree: bool = False) -> Sample:
    """One measurement of ``kind`` on ``book``; writes go to copies under ``work``."""
    py = sys.executable
    if kind in FORKING:
        copy = work / f"{kind}-{book.name}"
        shutil.copyfile(book, copy)
        if kind == "phases":
            argv = [py, "-m", "benchmarks.measure", "phases", str(copy)]
            return run_child(argv, timeout, tree=tree)
        cli = [py, "-m", "dunning_core.cli", "run", str(copy), "--as-of"]
        if kind == "cli":
            return run_child([*cli, AS_OF.isoformat()], timeout, (0, 3), tree=tree)  # 3: problems
        first = run_child([*cli, AS_OF.isoformat()], timeout, ok_codes=(0, 3))
        if not first.ok:
            return first
        # next week's run on this week's output: managed block, Snapshot, Drafts exist
        week = (AS_OF + timedelta(days=7)).isoformat()
        return run_child([*cli, week], timeout, (0, 3), tree=tree)
    dst = work / f"{kind}-out.xlsx"
    argv = [py, "-m", "benchmarks.measure", kind, str(book)]
    return run_child(
        argv + ([str(dst)] if kind in ("straightforward", "write_floor") else []), timeout
    )


def measure_size(
    rows: int, repeat: int, straightforward: bool, timeout: float, log: Callable[[str], None]
) -> dict[str, list[Sample]]:
    """All samples for one book size, repeats interleaved across kinds."""
    book = ensure_book(rows)
    kinds = ["calamine", "inflate", "write_floor", "phases", "cli", "rerun"]
    if straightforward:
        kinds.append("straightforward")
    samples: dict[str, list[Sample]] = {k: [] for k in kinds}
    rounds = [(f"run {r + 1}/{repeat}", kind, kind) for r in range(repeat) for kind in kinds]
    rounds += [("memory", kind, f"{kind} memory") for kind in FORKING]
    for label, kind, key in rounds:
        with tempfile.TemporaryDirectory(prefix="dunning-bench-") as tmp:
            s = _measure(kind, book, Path(tmp), timeout, tree=key != kind)
        samples.setdefault(key, []).append(s)
        state = (
            f"{s.proc:7.2f} s {max(s.peak_mb, s.tree_peak_mb):7.0f} MB"
            if s.ok
            else f"FAILED {s.error}"
        )
        log(f"  {rows:>9,} rows  {label:<9} {kind:<16}{state}")
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark dunning run against the baseline and the I/O floors."
    )
    parser.add_argument(
        "--sizes", default="10k,100k", help="comma list of 10k,100k,1m or row counts"
    )
    parser.add_argument("--repeat", type=int, default=3, help="repeats below 500k rows (larger: 1)")
    parser.add_argument(
        "--straightforward-max",
        type=parse_size,
        default=parse_size("100k"),
        help="largest size to run the pandas+openpyxl baseline on (default 100k; "
        "at 1m it takes minutes and ~8 GB)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per process")
    parser.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    parser.add_argument("--json", type=Path, help="also save every sample (and the header) here")
    parser.add_argument(
        "--from-json", type=Path, help="print the tables of a saved --json run; measure nothing"
    )
    args = parser.parse_args(argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        results = load_results(saved["results"])
        print(saved["header"] + "\n")
        print(render(list(results), results, args.markdown))
        return 0
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    # As an installed package has them: without byte-code files (a fresh checkout,
    # or PYTHONDONTWRITEBYTECODE set) every run would compile the core's sources
    # again, a few tenths of a second that no user pays.
    compileall.compile_dir(ROOT / "dunning_core", quiet=1)
    load0 = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results = {}

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    for size in sizes:
        rows = parse_size(size)
        repeat = args.repeat if rows < LARGE else 1
        results[size] = measure_size(
            rows, repeat, rows <= args.straightforward_max, args.timeout, log
        )
    load1 = os.getloadavg()
    import pandas as pd

    header = (
        f"# {started}; {os.cpu_count()} CPUs; Python {platform.python_version()}; pandas "
        f"{pd.__version__}; load average {load0[0]:.1f} at start, {load1[0]:.1f} at end"
    )
    print(header + "\n")
    print(render(sizes, results, args.markdown))
    if args.json:
        dump = {s: {k: [vars(x) for x in v] for k, v in r.items()} for s, r in results.items()}
        args.json.write_text(json.dumps({"header": header, "results": dump}, indent=1))
    failed = [
        f"{s}/{k}: {x.error}"
        for s, r in results.items()
        for k, v in r.items()
        for x in v
        if not x.ok
    ]
    for f in failed:
        print(f"FAILED {f}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
