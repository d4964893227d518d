"""Regenerate the committed corpus files: ``cd tests && python -m corpus.build``.

The generators are deterministic, so a rebuild gives the same bytes (checked by
tests/test_lossless.py and tests/test_hostile.py).
"""

from __future__ import annotations

from pathlib import Path

from corpus.hostile import write_hostile_files
from corpus.rich_book import build_rich_book

FILES = Path(__file__).resolve().parent / "files"

RICH = {
    "rich.xlsx": {"macro": False, "databar_link": False},
    "rich.xlsm": {"macro": True, "databar_link": False},
    "rich_excel_databar.xlsm": {"macro": True, "databar_link": True},
}


def build(folder: Path = FILES) -> list[Path]:
    """Write every corpus file into ``folder``; return their paths."""
    (folder / "rich").mkdir(parents=True, exist_ok=True)
    out = [build_rich_book(folder / "rich" / name, **kw) for name, kw in RICH.items()]
    out += write_hostile_files(folder / "hostile")
    return out


if __name__ == "__main__":
    for p in build():
        print(p.relative_to(FILES), p.stat().st_size)
