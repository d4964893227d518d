"""Time ``dunning run`` against the straightforward cycle and the I/O floors, side by side.

Every measurement runs in a fresh process (``benchmarks.measure``) and its peak
memory is that process's own ``ru_maxrss``, read with ``os.wait4`` (not
``RUSAGE_CHILDREN``, which keeps the maximum over *all* children so far). Repeats
are interleaved (one of each kind, then again) so that a burst of load on a shared
machine spreads over all rows instead of spoiling one. Times are medians.

Usage (from the repository root)::

    python -m benchmarks.run --sizes 10k,100k,1m [--repeat 3] [--markdown] [--json F]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.generate import AS_OF, ensure_book, parse_size
from benchmarks.measure import PHASES

ROOT = Path(__file__).resolve().parent.parent
LARGE = 500_000  # sizes from here on run once (a 1M-row cycle is the long pole)


@dataclass
class Sample:
    """One process's measurement: its own timing JSON plus what the parent saw."""

    ok: bool
    proc: float  # whole-process wall seconds (start-up and imports included)
    cpu: float  # user + system seconds of the process
    peak_mb: float  # the process's ru_maxrss
    data: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def run_child(argv: Sequence[str], timeout: float, ok_codes: tuple[int, ...] = (0,)) -> Sample:
    """Run ``argv`` in a fresh process; wall time, CPU and peak RSS of that process alone."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err, cwd=ROOT)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
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
        data=data,
        error=error or ("" if code in ok_codes else f"exit code {code}"),
    )


def _measure(kind: str, book: Path, work: Path, timeout: float) -> Sample:
    """One measurement of ``kind`` on ``book``; writes go to copies under ``work``."""
    py = sys.executable
    if kind in ("phases", "cli", "rerun"):
        copy = work / f"{kind}-{book.name}"
        shutil.copyfile(book, copy)
        if kind == "phases":
            argv = [py, "-m", "benchmarks.measure", "phases", str(copy)]
            return run_child(argv, timeout)
        cli = [py, "-m", "dunning_core.cli", "run", str(copy), "--as-of"]
        first = run_child([*cli, AS_OF.isoformat()], timeout, ok_codes=(0, 3))  # 3: problems
        if kind == "cli" or not first.ok:
            return first
        # next week's run on this week's output: managed block, Snapshot, Drafts exist
        return run_child([*cli, (AS_OF + timedelta(days=7)).isoformat()], timeout, (0, 3))
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
    for r in range(repeat):
        for kind in kinds:
            with tempfile.TemporaryDirectory(prefix="dunning-bench-") as tmp:
                s = _measure(kind, book, Path(tmp), timeout)
            samples[kind].append(s)
            state = f"{s.proc:7.2f} s {s.peak_mb:7.0f} MB" if s.ok else f"FAILED {s.error}"
            log(f"  {rows:>9,} rows  run {r + 1}/{repeat}  {kind:<16}{state}")
    return samples


def _med(samples: list[Sample], get: Callable[[Sample], float | None]) -> float | None:
    values = [v for s in samples if s.ok and (v := get(s)) is not None]
    return statistics.median(values) if values else None


Row = tuple[str, float | None, float | None, float | None]  # label, wall s, CPU s, peak MB


def _key(*path: str) -> Callable[[Sample], float | None]:
    """A getter of a number nested in a sample's JSON (None when absent)."""

    def get(s: Sample) -> float | None:
        v: Any = s.data
        for k in path:
            v = v.get(k) if isinstance(v, dict) else None
        return v

    return get


def _proc(s: Sample) -> float:
    return s.proc


def _cpu(s: Sample) -> float:
    return s.cpu


def _peak(s: Sample) -> float:
    return s.peak_mb


def rows_for(samples: dict[str, list[Sample]]) -> list[Row]:
    """Table rows for one size: median wall and CPU seconds, median peak RSS.

    A phase's peak is the process's peak RSS at the end of that phase (so it only
    grows down the list); a whole process's peak is its ``ru_maxrss``.
    """
    ph, cli = samples["phases"], samples["cli"]
    sf = samples.get("straightforward", [])
    out: list[Row] = [
        (
            f"dunning run: {p}",
            _med(ph, _key("phases", p)),
            _med(ph, _key("phases_cpu", p)),
            _med(ph, _key("peaks", p)),
        )
        for p in PHASES
    ]
    out.append(
        (
            "dunning run: phases total",
            _med(ph, _key("op")),
            _med(ph, _key("op_cpu")),
            _med(ph, _peak),
        )
    )
    out.append(
        ("dunning run (CLI, whole process)", _med(cli, _proc), _med(cli, _cpu), _med(cli, _peak))
    )
    rerun = samples.get("rerun", [])
    out.append(
        (
            "dunning run next week, on its own output",
            _med(rerun, _proc),
            _med(rerun, _cpu),
            _med(rerun, _peak),
        )
    )
    for key, label in (
        ("read", "read_excel(openpyxl)"),
        ("logic", "pandas logic"),
        ("write", "openpyxl load+12 cols+save"),
    ):
        out.append(
            (
                f"straightforward: {label}",
                _med(sf, _key("phases", key)),
                _med(sf, _key("phases_cpu", key)),
                None,
            )
        )
    out.append(
        ("straightforward (whole process)", _med(sf, _proc), _med(sf, _cpu), _med(sf, _peak))
    )
    for kind, label in (
        ("calamine", "read floor: calamine sheet values"),
        ("inflate", "inflate sheet XML only"),
        ("write_floor", "write floor: replace sheet part"),
    ):
        ss = samples[kind]
        out.append((label, _med(ss, _key("op")), _med(ss, _key("op_cpu")), _med(ss, _peak)))
    return out


def _div(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _add(a: float | None, b: float | None) -> float | None:
    return a + b if a is not None and b is not None else None


def ratios_for(
    samples: dict[str, list[Sample]],
) -> list[tuple[str, float | None, float | None, str]]:
    """(label, ratio of wall times, ratio of CPU times, target) for one size."""
    m = {label: (wall, cpu) for label, wall, cpu, _ in rows_for(samples)}
    cli, inproc = m["dunning run (CLI, whole process)"], m["dunning run: phases total"]
    sf = m["straightforward (whole process)"]
    rd, wr = m["read floor: calamine sheet values"], m["write floor: replace sheet part"]
    floor = (_add(rd[0], wr[0]), _add(rd[1], wr[1]))
    return [
        (
            "straightforward / dunning run (whole processes)",
            _div(sf[0], cli[0]),
            _div(sf[1], cli[1]),
            ">= 10 (100k)",
        ),
        (
            "dunning run (whole process) / (read + write floor)",
            _div(cli[0], floor[0]),
            _div(cli[1], floor[1]),
            "<= 2 (100k)",
        ),
        (
            "dunning run (phases, in-process) / (read + write floor)",
            _div(inproc[0], floor[0]),
            _div(inproc[1], floor[1]),
            "",
        ),
    ]


def _fmt(v: float | None, unit: str = "s") -> str:
    if v is None:
        return "n/a"
    if unit == "MB":
        return f"{v:.0f}"
    return f"{v:.3f}" if v < 1 else f"{v:.2f}"


def _table(head: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        rule = "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"
        return "\n".join(
            ["| " + " | ".join(r) + " |" for r in [head]]
            + [rule]
            + ["| " + " | ".join(r) + " |" for r in rows]
        )
    w = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w[0]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(r))
        for r in [head, *rows]
    )


def render(sizes: list[str], results: dict[str, dict[str, list[Sample]]], markdown: bool) -> str:
    """The side-by-side table (wall, CPU and peak memory per size) and the ratios."""
    tables = {s: rows_for(results[s]) for s in sizes}
    head = ["measurement"] + [f"{s} {u}" for s in sizes for u in ("wall s", "CPU s", "peak MB")]
    body = [
        [label]
        + [
            _fmt(v, u)
            for s in sizes
            for v, u in zip(tables[s][i][1:], ("s", "s", "MB"), strict=True)
        ]
        for i, (label, *_) in enumerate(tables[sizes[0]])
    ]
    ratios = {s: ratios_for(results[s]) for s in sizes}
    rhead = ["ratio", *[f"{s} {u}" for s in sizes for u in ("wall", "CPU")], "target"]
    rbody = [
        [label, *[_fmt(v, "x") for s in sizes for v in ratios[s][i][1:3]], target]
        for i, (label, _, _, target) in enumerate(ratios[sizes[0]])
    ]
    out = _table(head, body, markdown) + "\n\n" + _table(rhead, rbody, markdown)
    checks = [c for s in sizes for c in checks_for(s, results[s])]
    if checks:
        out += "\n\n" + _table(["issue 5 target", "measured", "met"], checks, markdown)
    return out


def checks_for(size: str, samples: dict[str, list[Sample]]) -> list[list[str]]:
    """The issue's targets that apply to this size: (target, measured, met)."""
    rows = parse_size(size)
    out: list[list[str]] = []
    if rows == parse_size("100k"):
        (_, sf, sf_cpu, _), (_, fl, fl_cpu, _), _ = ratios_for(samples)
        for label, v, c, ok in (
            ("100k: straightforward / dunning run >= 10", sf, sf_cpu, sf is not None and sf >= 10),
            (
                "100k: dunning run / (read + write floor) <= 2",
                fl,
                fl_cpu,
                fl is not None and fl <= 2,
            ),
        ):
            out.append([label, f"{_fmt(v)}x wall, {_fmt(c)}x CPU", "yes" if ok else "no"])
    if rows >= parse_size("1m"):
        wall = _med(samples["cli"], _proc)
        peak = _med(samples["cli"], _peak)
        out.append([f"{size}: end to end < 60 s", f"{_fmt(wall)} s", _yes(wall, 60)])
        out.append([f"{size}: peak memory < 4 GB", f"{_fmt(peak, 'MB')} MB", _yes(peak, 4096)])
    return out


def _yes(value: float | None, limit: float) -> str:
    return "n/a" if value is None else ("yes" if value < limit else "no")


def load_results(saved: dict[str, Any]) -> dict[str, dict[str, list[Sample]]]:
    """Samples saved by ``--json`` (size -> kind -> samples)."""
    return {s: {k: [Sample(**x) for x in v] for k, v in r.items()} for s, r in saved.items()}


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
