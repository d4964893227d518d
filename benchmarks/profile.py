"""Where ``dunning run`` spends its time: a sampling profile summed per function and line.

``python -m benchmarks.profile --size 100k`` runs read_book, run_cycle and write_book
on a copy of the cached book under py-spy (``pip install py-spy``), which samples
without slowing the code down, and prints two lists over the ``dunning_core``
frames of every sample: inclusive share per function, and the deepest
``dunning_core`` line of each stack (the line of ours that is responsible for the
library time under it). The "What dominates" table of docs/performance.md comes
from this.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from benchmarks.generate import ensure_book, parse_size

ROOT = Path(__file__).resolve().parent.parent
_SCRIPT = """
import sys
from pathlib import Path
from benchmarks.generate import AS_OF
from dunning_core.pipeline import run_cycle
from dunning_core.workbook.reader import read_book
from dunning_core.workbook.writer import write_book
book = Path(sys.argv[1])
write_book(book, run_cycle(read_book(book), AS_OF))
"""
_OURS = re.compile(r"^(?P<fn>.*?) \((?:.*/)?(?P<file>dunning_core/[^:]+):(?P<line>\d+)\)$")


def summarise(lines: Iterable[str], top: int = 25) -> str:
    """Inclusive share per dunning_core function and per deepest dunning_core line.

    ``lines`` are py-spy ``--format raw`` lines: ``frame;frame;... count``.

    >>> raw = ["main (x.py:1);run (/r/dunning_core/a.py:5);f (/r/dunning_core/b.py:9) 3",
    ...        "main (x.py:1);run (/r/dunning_core/a.py:6) 1"]
    >>> print(summarise(raw))
    samples: 4
    inclusive per function:
     100.0%  run (dunning_core/a.py)
      75.0%  f (dunning_core/b.py)
    deepest dunning_core line:
      75.0%  f (dunning_core/b.py:9)
      25.0%  run (dunning_core/a.py:6)
    """
    total = 0
    inclusive: collections.Counter[str] = collections.Counter()
    deepest: collections.Counter[str] = collections.Counter()
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        ours = [m for f in stack.split(";") if (m := _OURS.match(f))]
        if not ours:
            continue
        last = ours[-1]
        deepest[f"{last['fn']} ({last['file']}:{last['line']})"] += n
        for name in {f"{m['fn']} ({m['file']})" for m in ours}:
            inclusive[name] += n
    out = [f"samples: {total}", "inclusive per function:"]
    out += [f"{100 * v / total:6.1f}%  {k}" for k, v in inclusive.most_common(top)]
    out.append("deepest dunning_core line:")
    out += [f"{100 * v / total:6.1f}%  {k}" for k, v in deepest.most_common(top)]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sampling profile of dunning run on a book.")
    parser.add_argument("--size", default="100k", help="10k, 100k, 1m or a row count")
    parser.add_argument("--rate", type=int, default=50, help="samples per second")
    parser.add_argument("--top", type=int, default=25, help="entries per list")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy")
    if spy is None:
        print("py-spy not found: pip install py-spy", file=sys.stderr)
        return 2
    book = ensure_book(parse_size(args.size))
    with tempfile.TemporaryDirectory(prefix="dunning-profile-") as tmp:
        copy = Path(tmp) / book.name
        shutil.copyfile(book, copy)
        raw = Path(tmp) / "profile.txt"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [spy, "record", "-r", str(args.rate), "-f", "raw", "-o", str(raw), "--"]
        subprocess.run(
            [*cmd, sys.executable, "-c", _SCRIPT, str(copy)],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        print(summarise(raw.read_text().splitlines(), args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
