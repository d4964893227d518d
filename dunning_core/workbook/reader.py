"""Read a saved workbook or CSV into a :class:`BookSnapshot` of plain values.

Spreadsheets are read with python-calamine (Rust): values only, formula cells by
their cached value, fast enough for a million rows, and the file is opened read
only, so the team's book is never touched. CSV/TXT exports are decoded with a BOM
check and a utf-8 then cp1252 fallback (legacy ERP code pages), and their
delimiter is chosen among , ; tab | by which one splits the first lines most
consistently.

Cell addresses matter downstream (every problem names its cell), so each
:class:`RawSheet` carries the sheet position of its first row and column.
"""

from __future__ import annotations

import csv
import io
import pathlib
from collections import Counter
from collections.abc import Sequence

import numpy as np

from dunning_core.columns import OWNED_SHEETS, S
from dunning_core.ingest.grid import Grid
from dunning_core.records import BookSnapshot, RawSheet, UserError
from dunning_core.workbook.sheets_parse import SPREADSHEET_SUFFIXES, Prefetch, parse_sheets

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_NOT_AGING = (*OWNED_SHEETS, S.TEMPLATES)
_DELIMITERS = (",", ";", "\t", "|")


def read_book(
    path: pathlib.Path, sheet: str | None = None, prefetch: Prefetch | None = None
) -> BookSnapshot:
    """Read every candidate aging sheet and the tool's own sheets from ``path``.

    ``sheet`` restricts the aging candidates to that one sheet (a UserError lists
    the sheets when it does not exist). Raises UserError for a missing, corrupt,
    password-protected or empty file. ``prefetch``, a parse of this same file
    already running (see :mod:`.sheets_parse`), is used instead of parsing again.
    """
    path = pathlib.Path(path)
    if not path.exists():
        raise UserError(f"{path}: file not found (expected an aging workbook or CSV export).")
    if path.is_dir():
        raise UserError(f"{path}: is a folder, not an aging workbook or CSV export.")
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        raws = [_read_text(path)]
    elif suffix in SPREADSHEET_SUFFIXES:
        if prefetch is not None and prefetch.path != path:
            raise ValueError(f"prefetch of {prefetch.path} passed to read {path}")
        raws = _read_spreadsheet(path, prefetch)
    else:
        raise UserError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; expected one of "
            f"{', '.join(SPREADSHEET_SUFFIXES + TEXT_SUFFIXES)}."
        )
    names = tuple(r.name for r in raws)
    owned = {r.name: r for r in raws if r.name in _NOT_AGING}
    if sheet is not None:
        if sheet not in names:
            raise UserError(
                f"{path}: no sheet named {sheet!r}; the workbook has: {', '.join(names)}."
            )
        aging = tuple(r for r in raws if r.name == sheet)
    else:
        aging = tuple(r for r in raws if r.name not in _NOT_AGING)
    if not any(_has_values(r) for r in aging):
        where = f"sheet {sheet!r}" if sheet else "the workbook"
        raise UserError(
            f"{path}: {where} holds no data (expected an aging table with a header row); "
            f"sheets: {', '.join(names) or '(none)'}."
        )
    return BookSnapshot(source=str(path), sheets=names, aging=aging, owned=owned)


def _has_values(raw: RawSheet) -> bool:
    if isinstance(raw.rows, Grid):
        return raw.rows.has_values()
    return any(v is not None for row in raw.rows for v in row)


def _read_spreadsheet(path: pathlib.Path, prefetch: Prefetch | None) -> list[RawSheet]:
    parsed = prefetch.sheets() if prefetch is not None else parse_sheets(path)
    out = []
    for sheet in parsed:
        # One array, no per-cell Python: the aging sheet and the hidden Snapshot
        # can hold a million rows; the tool's small sheets read it as rows of lists.
        grid = Grid.from_rows(sheet.rows)
        out.append(
            RawSheet(
                name=sheet.name,
                rows=grid,
                first_row=sheet.first_row,
                first_col=sheet.first_col,
                merged=sheet.merged,
                tables=sheet.tables,
            )
        )
        del sheet  # let the sheet's Python rows go before the next one is parsed
    if not out:
        raise UserError(f"{path}: the workbook has no worksheets (expected an aging table).")
    return out


def decode(data: bytes) -> tuple[str, str]:
    """Decode exported text: BOM first, then utf-8, then cp1252 (never fails).

    >>> decode("Fällig".encode("cp1252")), decode(b"\\xef\\xbb\\xbfA;B")
    (('Fällig', 'cp1252'), ('A;B', 'utf-8-sig'))
    """
    for bom, enc in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(enc), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The delimiter among , ; tab | that splits the sample most consistently.

    >>> sniff_delimiter(["a;b;c", "1,5;2;3", "4;5,5;6"])
    ';'
    """
    best, best_score = ",", -1.0
    for d in _DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=d))) - 1 for line in lines if line.strip()]
        counts = [c for c in counts if c > 0]
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        score = freq * 1000 + mode
        if score > best_score:
            best, best_score = d, score
    return best


def _read_text(path: pathlib.Path) -> RawSheet:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc}).") from exc
    if data[:4] == b"PK\x03\x04" or (
        b"\x00" in data[:2048] and not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    ):
        raise UserError(f"{path}: binary content in a text export (expected delimited text).")
    text, _enc = decode(data)
    sample = text.splitlines()[:30]
    delimiter = sniff_delimiter(sample)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    grid = Grid.from_rows(rows)
    blank = np.frompyfunc(lambda v: isinstance(v, str) and not v.strip(), 1, 1)
    if grid.array.size:
        grid.array[blank(grid.array).astype(bool)] = None
    return RawSheet(name=path.stem, rows=grid)
