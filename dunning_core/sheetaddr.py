"""A1 cell addresses: every problem and source reference names a real cell.

>>> cell_address(12, 1), cell_address(3, 28), column_letter(16384), column_index("XFD")
('A12', 'AB3', 'XFD', 16384)
>>> sheet_ref("Aging 2026", 12, 1)
"'Aging 2026'!A12"
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=20_000)
def column_letter(col: int) -> str:
    """1-based column number to letters (1 -> A, 27 -> AA)."""
    if col < 1:
        raise ValueError(f"column must be >= 1, got {col}")
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@lru_cache(maxsize=20_000)
def column_index(letters: str) -> int:
    """Column letters to the 1-based column number (A -> 1, AA -> 27)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def cell_address(row: int, col: int) -> str:
    """1-based row and column to an A1 address."""
    return f"{column_letter(col)}{row}"


def quote_sheet(name: str) -> str:
    """Sheet name as Excel writes it in a reference (quoted when it needs to be)."""
    if name.replace("_", "").isalnum() and not name[0].isdigit():
        return name
    return "'" + name.replace("'", "''") + "'"


def sheet_ref(sheet: str, row: int, col: int) -> str:
    """A cell reference with its sheet, e.g. ``Aging!A12``."""
    return f"{quote_sheet(sheet)}!{cell_address(row, col)}"
