"""Build ``addin/dunning.xlam`` and ``workbook_template.xlsm`` from their text sources.

Usage::

    python scripts/build_addin.py            # write both binaries
    python scripts/build_addin.py --check    # exit 1 if a committed binary differs

The build is byte-reproducible: run it twice and the files are identical, so the
committed binaries can be checked against a fresh build in CI.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from addin.packaging.package import build_package  # noqa: E402

TARGETS = {"xlam": ROOT / "addin" / "dunning.xlam", "xlsm": ROOT / "workbook_template.xlsm"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    stale = []
    for kind, path in TARGETS.items():
        data = build_package(kind)
        rel = path.relative_to(ROOT)
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(str(rel))
            continue
        path.write_bytes(data)
        print(f"wrote {rel} ({len(data)} bytes)")
    if stale:
        print("out of date (run python scripts/build_addin.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
