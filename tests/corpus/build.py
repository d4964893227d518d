"""Regenerate the committed corpus files: ``cd tests && python -m corpus.build [--convert]``.

The generators are deterministic, so a rebuild gives the same bytes (checked by
tests/test_lossless.py and tests/test_hostile.py).
"""

from __future__ import annotations

from pathlib import Path

from corpus.hostile import write_hostile_files, xlsx
from corpus.rich_book import build_rich_book

FILES = Path(__file__).resolve().parent / "files"

RICH = {
    "rich.xlsx": {"macro": False, "databar_link": False},
    "rich.xlsm": {"macro": True, "databar_link": False},
    "rich_excel_databar.xlsm": {"macro": True, "databar_link": True},
}


#: Files LibreOffice converts from a plain book (not byte-reproducible, so only
#: rebuilt with ``--convert``): a real BIFF8 .xls and an OpenDocument sheet.
CONVERTED = {"legacy_biff8.xls": "xls", "team_book.ods": "ods"}


def convert_legacy(folder: Path) -> list[Path]:
    """Write the LibreOffice-converted files into ``folder`` (needs soffice)."""
    import tempfile

    from lo import convert

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "plain.xlsx"
        src.write_bytes(xlsx())
        for name, fmt in CONVERTED.items():
            made = convert(src, fmt, Path(tmp))
            target = folder / name
            target.write_bytes(made.read_bytes())
            out.append(target)
    return out


def build(folder: Path = FILES, *, legacy: bool = False) -> list[Path]:
    """Write every corpus file into ``folder``; return their paths."""
    (folder / "rich").mkdir(parents=True, exist_ok=True)
    out = [build_rich_book(folder / "rich" / name, **kw) for name, kw in RICH.items()]
    out += write_hostile_files(folder / "hostile")
    if legacy:
        out += convert_legacy(folder / "hostile")
    return out


if __name__ == "__main__":
    import sys

    for p in build(legacy="--convert" in sys.argv):
        print(p.relative_to(FILES), p.stat().st_size)
