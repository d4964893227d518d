"""One measurement, run in a fresh process: ``python -m benchmarks.measure KIND BOOK [DST]``.

``benchmarks.run`` starts one process per measurement so that each peak memory
figure (``ru_maxrss`` of that process, read by the parent with ``os.wait4``) belongs
to that measurement alone. The child prints one JSON object on its last stdout
line: the operation's own wall time (``op``, without interpreter start-up) and, for
``phases``, each phase's time and the process's peak RSS at the end of that phase.

Kinds:

* ``phases BOOK``: ``dunning run`` as its functions, each phase timed: read_book,
  then run_cycle with its stage functions (ingest, build_queue, update_drafts,
  forecast) wrapped by timers, so the phases add up to exactly what
  ``dunning run`` computes ("rest" is run_cycle minus the timed stages), then
  write_book. BOOK is overwritten (the parent passes a copy).
* ``straightforward BOOK DST``: pandas.read_excel(openpyxl) + plain pandas logic +
  openpyxl load/add 12 columns/save to DST.
* ``calamine BOOK``: the read floor, calamine values of the aging sheet.
* ``inflate BOOK``: inflating the sheet XML alone.
* ``write_floor BOOK DST``: the write floor, the original package copied to DST
  with only the sheet part replaced by one with 12 more cells per row.
"""

from __future__ import annotations

import functools
import json
import resource
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.generate import AS_OF, SHEET, SHEET_PART

#: What a row's managed block costs in XML: 12 cells of typical content and style.
EXTRA_CELLS = (
    b'<c s="0"><v>37</v></c><c s="0" t="inlineStr"><is><t>31-60</t></is></c>'
    b'<c s="0" t="inlineStr"><is><t>Firm reminder</t></is></c><c s="0"><v>64</v></c>'
    b'<c s="0" t="inlineStr"><is><t>31-60 days; customer owes 12,345.67</t></is></c>'
    b'<c s="0" t="inlineStr"><is><t>No</t></is></c><c s="0" t="inlineStr"><is><t/></is></c>'
    b'<c s="0" t="inlineStr"><is><t>Ana Ruiz</t></is></c>'
    b'<c s="0" t="inlineStr"><is><t>Send firm reminder</t></is></c>'
    b'<c s="1"><v>46349</v></c><c s="1"><v>46370</v></c><c s="2"><v>0.8</v></c>'
)
STAGE_HOOKS = (  # (phase, module path, attribute) wrapped inside run_cycle
    ("ingest", "dunning_core.pipeline", "ingest"),
    ("queue", "dunning_core.pipeline", "build_queue"),
    ("drafts", "dunning_core.drafts", "update_drafts"),
    ("forecast", "dunning_core.pipeline", "forecast"),
)
PHASES = ("read", "ingest", "queue", "drafts", "forecast", "rest", "write")


def peak_mb() -> float:
    """This process's peak resident set so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(
    name: str,
    fn: Callable[..., Any],
    times: dict[str, float],
    cpu: dict[str, float],
    peaks: dict[str, float],
) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t, c = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            times[name] = times.get(name, 0.0) + time.perf_counter() - t
            cpu[name] = cpu.get(name, 0.0) + time.process_time() - c
            peaks[name] = peak_mb()

    return wrapper


def phases(book: Path) -> dict[str, Any]:
    """Time ``dunning run``'s phases on ``book`` (which is overwritten)."""
    import importlib

    from dunning_core.pipeline import run_cycle
    from dunning_core.workbook.reader import read_book
    from dunning_core.workbook.writer import write_book

    times: dict[str, float] = {}
    cpu: dict[str, float] = {}
    peaks: dict[str, float] = {}
    originals = []
    for name, module, attr in STAGE_HOOKS:
        mod = importlib.import_module(module)
        originals.append((mod, attr, getattr(mod, attr)))
        setattr(mod, attr, _timed(name, getattr(mod, attr), times, cpu, peaks))
    try:
        start, start_cpu = time.perf_counter(), time.process_time()
        snapshot = _timed("read", read_book, times, cpu, peaks)(book)
        result = _timed("cycle", run_cycle, times, cpu, peaks)(snapshot, AS_OF)
        for d in (times, cpu):
            d["rest"] = d.pop("cycle") - sum(d.get(n, 0.0) for n, _, _ in STAGE_HOOKS)
        peaks["rest"] = peaks.pop("cycle")
        _timed("write", write_book, times, cpu, peaks)(book, result)
    finally:  # leave the modules as found (tests call this in-process)
        for mod, attr, fn in originals:
            setattr(mod, attr, fn)
    return {
        "op": time.perf_counter() - start,
        "op_cpu": time.process_time() - start_cpu,
        "phases": {p: times.get(p) for p in PHASES},
        "phases_cpu": {p: cpu.get(p) for p in PHASES},
        "peaks": peaks,
        "rows": len(result.queue),
        "drafts": len(result.drafts),
        "problems": len(result.problems),
    }


def straightforward(book: Path, dst: Path) -> dict[str, Any]:
    from benchmarks.straightforward import cycle

    t, c = time.perf_counter(), time.process_time()
    parts = cycle(book, dst, AS_OF)
    return {"op": time.perf_counter() - t, "op_cpu": time.process_time() - c, **parts}


def calamine(book: Path) -> dict[str, Any]:
    import python_calamine as pc

    t, c = time.perf_counter(), time.process_time()
    wb = pc.CalamineWorkbook.from_path(str(book))
    rows = wb.get_sheet_by_name(SHEET).to_python(skip_empty_area=True)
    return {"op": time.perf_counter() - t, "op_cpu": time.process_time() - c, "rows": len(rows)}


def inflate(book: Path) -> dict[str, Any]:
    t, c = time.perf_counter(), time.process_time()
    with zipfile.ZipFile(book) as z:
        data = z.read(SHEET_PART)
    return {"op": time.perf_counter() - t, "op_cpu": time.process_time() - c, "bytes": len(data)}


def write_floor(book: Path, dst: Path) -> dict[str, Any]:
    """Copy the package to ``dst``, streaming a sheet part with 12 more cells per row.

    Small parts keep their zip metadata; the large sheet is deflated at level 1,
    as the tool's own package writer does for large parts.
    """
    t, c = time.perf_counter(), time.process_time()
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(dst, "w", compresslevel=1) as zout:
        for info in zin.infolist():
            if info.filename != SHEET_PART:
                zout.writestr(info, zin.read(info), compresslevel=6)
                continue
            out = zipfile.ZipInfo(SHEET_PART, date_time=info.date_time)
            out.compress_type = zipfile.ZIP_DEFLATED
            with zin.open(info) as src, zout.open(out, "w", force_zip64=True) as sink:
                tail = b""
                while chunk := src.read(4 << 20):
                    buf = tail + chunk
                    cut = buf.rfind(b"</row>")
                    if cut < 0:
                        tail = buf
                        continue
                    cut += len(b"</row>")
                    sink.write(buf[:cut].replace(b"</row>", EXTRA_CELLS + b"</row>"))
                    tail = buf[cut:]
                sink.write(tail)
    return {
        "op": time.perf_counter() - t,
        "op_cpu": time.process_time() - c,
        "bytes": dst.stat().st_size,
    }


KINDS: dict[str, Callable[..., dict[str, Any]]] = {
    "phases": phases,
    "straightforward": straightforward,
    "calamine": calamine,
    "inflate": inflate,
    "write_floor": write_floor,
}


def main(argv: list[str]) -> int:
    kind, *paths = argv
    out = KINDS[kind](*(Path(p) for p in paths))
    out["peak_mb"] = peak_mb()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
