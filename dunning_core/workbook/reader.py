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
from typing import Any

import numpy as np
import python_calamine as pc

from dunning_core.columns import OWNED_SHEETS, S
from dunning_core.ingest.grid import Grid
from dunning_core.records import BookSnapshot, RawSheet, UserError
from dunning_core.sheetaddr import cell_address

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_NOT_AGING = (*OWNED_SHEETS, S.TEMPLATES)
_DELIMITERS = (",", ";", "\t", "|")


def read_book(path: pathlib.Path, sheet: str | None = None) -> BookSnapshot:
    """Read every candidate aging sheet and the tool's own sheets from ``path``.

    ``sheet`` restricts the aging candidates to that one sheet (a UserError lists
    the sheets when it does not exist). Raises UserError for a missing, corrupt,
    password-protected or empty file.
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
        raws = _read_spreadsheet(path)
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


def _read_spreadsheet(path: pathlib.Path) -> list[RawSheet]:
    try:
        tables_ok = path.suffix.lower() in (".xlsx", ".xlsm")  # Excel Tables exist only there
        book = pc.CalamineWorkbook.from_path(str(path), load_tables=tables_ok)
    except pc.PasswordError as exc:
        raise UserError(
            f"{path}: the workbook is password protected; save an unprotected copy and retry."
        ) from exc
    except (pc.CalamineError, pc.ZipError, pc.XmlError, OSError, ValueError) as exc:
        raise UserError(
            f"{path}: not a readable spreadsheet ({exc}); expected an .xlsx, .xlsm, .xls or "
            f".ods workbook, or a CSV export."
        ) from exc
    except Exception as exc:  # calamine raises some format errors as plain Exception
        raise UserError(f"{path}: not a readable spreadsheet ({exc}).") from exc
    try:
        out = _sheets(path, book)
    finally:
        book.close()
    if not out:
        raise UserError(f"{path}: the workbook has no worksheets (expected an aging table).")
    return out


def _sheets(path: pathlib.Path, book: pc.CalamineWorkbook) -> list[RawSheet]:
    tables: dict[str, dict[str, str]] = {}
    try:
        for name in book.table_names or ():
            t = book.get_table_by_name(name)
            if t.start is None or t.end is None:
                continue
            (r0, c0), (r1, c1) = t.start, t.end
            tables.setdefault(t.sheet, {})[name] = (
                f"{cell_address(r0, c0 + 1)}:{cell_address(r1 + 1, c1 + 1)}"
            )
    except Exception:  # tables are a hint only (not supported for every format)
        tables = {}
    out = []
    for meta in book.sheets_metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        try:
            sh = book.get_sheet_by_name(meta.name)
            rows: list[list[Any]] = sh.to_python(skip_empty_area=True)
            start: tuple[int, int] = sh.start or (0, 0)
            merged = tuple(
                f"{cell_address(a[0] + 1, a[1] + 1)}:{cell_address(b[0] + 1, b[1] + 1)}"
                for a, b in (sh.merged_cell_ranges or ())
            )
        except Exception as exc:
            raise UserError(f"{path}: sheet {meta.name!r} could not be read ({exc}).") from exc
        # One array, no per-cell Python: the aging sheet and the hidden Snapshot
        # can hold a million rows; the tool's small sheets read it as rows of lists.
        grid = Grid.from_rows(rows)
        del rows
        out.append(
            RawSheet(
                name=meta.name,
                rows=grid,
                first_row=start[0] + 1,
                first_col=start[1] + 1,
                merged=merged,
                tables=tables.get(meta.name, {}),
            )
        )
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
