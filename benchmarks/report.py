"""The benchmark's tables: medians side by side, ratios, and the issue's targets.

Kept apart from the measuring (``benchmarks.run``) so that a saved run can be
printed again (``--from-json``) and the arithmetic tested without running anything.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.generate import parse_size
from benchmarks.measure import PHASES


@dataclass
class Sample:
    """One process's measurement: its own timing JSON plus what the parent saw."""

    ok: bool
    proc: float  # whole-process wall seconds (start-up and imports included)
    cpu: float  # user + system seconds of the process
    peak_mb: float  # the process's ru_maxrss (the larger of its own and its children's)
    data: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    tree_peak_mb: float = 0.0  # sampled: the process and its children together (Linux)


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
    """The process's peak, or the sampled peak of it and its children together when
    that is larger (the write's forked child: see ``run.tree_rss_mb``)."""
    return max(s.peak_mb, s.tree_peak_mb)


def _memory(samples: dict[str, list[Sample]], kind: str) -> float | None:
    """The peak of a process that forks: from its memory pass (sampled with its
    children, untimed) when the run has one, else from the timed samples."""
    return _med(samples.get(f"{kind} memory") or samples.get(kind, []), _peak)


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
            _memory(samples, "phases"),
        )
    )
    out.append(
        (
            "dunning run (CLI, whole process)",
            _med(cli, _proc),
            _med(cli, _cpu),
            _memory(samples, "cli"),
        )
    )
    rerun = samples.get("rerun", [])
    out.append(
        (
            "dunning run next week, on its own output",
            _med(rerun, _proc),
            _med(rerun, _cpu),
            _memory(samples, "rerun"),
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
            "  the same, each round's own ratio (median)",
            _paired(samples, _proc, _key("op")),
            _paired(samples, _cpu, _key("op_cpu")),
            "",
        ),
        (
            "dunning run (phases, in-process) / (read + write floor)",
            _div(inproc[0], floor[0]),
            _div(inproc[1], floor[1]),
            "",
        ),
    ]


def _paired(
    samples: dict[str, list[Sample]],
    run: Callable[[Sample], float | None],
    floor: Callable[[Sample], float | None],
) -> float | None:
    """The median over rounds of each round's CLI / (read floor + write floor).

    The three are measured within seconds of each other in a round, so on a host
    whose speed drifts over minutes this ratio moves less than the ratio of the
    medians above it, which may pair a CLI run and floors from different rounds.
    """
    ratios = []
    for c, r, w in zip(samples["cli"], samples["calamine"], samples["write_floor"], strict=False):
        num, den = run(c) if c.ok else None, _add(floor(r), floor(w)) if r.ok and w.ok else None
        if num is not None and den:
            ratios.append(num / den)
    return statistics.median(ratios) if ratios else None


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
        (_, sf, sf_cpu, _), (_, fl, fl_cpu, _), (_, each, _, _), _ = ratios_for(samples)
        out.append(
            [
                "100k: straightforward / dunning run >= 10",
                f"{_fmt(sf)}x wall, {_fmt(sf_cpu)}x CPU",
                "yes" if sf is not None and sf >= 10 else "no",
            ]
        )
        out.append(
            [
                "100k: dunning run / (read + write floor) <= 2",
                f"{_fmt(fl)}x wall, {_fmt(fl_cpu)}x CPU (each round's own: {_fmt(each)}x wall)",
                "yes" if fl is not None and fl <= 2 else "no",
            ]
        )
    if rows >= parse_size("1m"):
        wall = _med(samples["cli"], _proc)
        peak = _memory(samples, "cli")
        out.append([f"{size}: end to end < 60 s", f"{_fmt(wall)} s", _yes(wall, 60)])
        out.append([f"{size}: peak memory < 4 GB", f"{_fmt(peak, 'MB')} MB", _yes(peak, 4096)])
    return out


def _yes(value: float | None, limit: float) -> str:
    return "n/a" if value is None else ("yes" if value < limit else "no")


def load_results(saved: dict[str, Any]) -> dict[str, dict[str, list[Sample]]]:
    """Samples saved by ``--json`` (size -> kind -> samples)."""
    return {s: {k: [Sample(**x) for x in v] for k, v in r.items()} for s, r in saved.items()}
