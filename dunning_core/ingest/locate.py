"""Find the aging table in a sheet: which sheet, which header row(s), which columns.

Real exports put titles, "as of" lines, filters and legends above the header, so
the header is searched in the first :data:`SCAN_ROWS` rows only (cheap at any book
size): each row is scored by how many of its cells are known header words or
aging-bucket labels, alone and joined with the row above (two-row headers such as
"Invoice / Date"). The best-scoring row wins. A previous run's managed block at the
right edge (headers ``columns.MANAGED_HEADERS``) is cut off, so it is never read
back as input nor counted in the team's table width.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from dunning_core.columns import MANAGED_HEADERS
from dunning_core.ingest.vocabulary import bucket_range, candidates
from dunning_core.records import RawSheet

SCAN_ROWS = 25
_MANAGED = set(MANAGED_HEADERS)


@dataclass(frozen=True)
class Table:
    """Where the team's table sits in a raw sheet.

    ``headers[i]`` is the (joined) header text of the sheet column
    ``raw.first_col + i``; ``data_start`` indexes ``raw.rows``.
    """

    raw: RawSheet
    header_index: int  # index into raw.rows of the last header row
    header_rows: int
    headers: tuple[str, ...]
    data_start: int
    ncols: int  # team columns (managed block excluded)
    score: float
    known: int  # header cells recognised

    @property
    def header_row(self) -> int:
        """1-based sheet row of the last header row."""
        return self.raw.first_row + self.header_index

    @property
    def last_column(self) -> int:
        """1-based sheet column of the team's last column."""
        return self.raw.first_col + self.ncols - 1


@functools.lru_cache(maxsize=4096)
def _cell_score(text: str) -> float:
    """How header-like one cell's text is (0 = not at all)."""
    if not text or len(text) > 60:
        return 0.0
    if bucket_range(text) is not None and re.search(r"[a-zA-Z<>≤+]|\d\s*-\s*\d", text):
        return 1.0
    cands = candidates(text)
    return cands[0][1] / 10.0 if cands else 0.0


def _row_texts(row: object, width: int) -> list[str]:
    cells = list(row) if isinstance(row, list | tuple) else []
    cells += [None] * (width - len(cells))
    return [c.strip() if isinstance(c, str) else "" for c in cells[:width]]


def _score(texts: list[str]) -> tuple[float, int]:
    seen: set[str] = set()
    total, known = 0.0, 0
    for t in texts:
        key = t.lower()
        if not t or key in seen:
            continue
        seen.add(key)
        s = _cell_score(t)
        if s:
            total += s
            known += 1
    return total, known


def _fill_merged(raw: RawSheet, grid: list[list[str]]) -> None:
    """Copy a merged header cell's text across its merged columns (within the scan)."""
    for ref in raw.merged:
        m = re.match(r"([A-Z]+)(\d+):([A-Z]+)(\d+)", ref)
        if not m:
            continue
        c0, r0, c1, r1 = _col(m.group(1)), int(m.group(2)), _col(m.group(3)), int(m.group(4))
        ri = r0 - raw.first_row
        if r0 != r1 or not 0 <= ri < len(grid):
            continue
        lo, hi = c0 - raw.first_col, c1 - raw.first_col
        row = grid[ri]
        if 0 <= lo < len(row):
            for ci in range(max(lo + 1, 0), min(hi + 1, len(row))):
                if not row[ci]:
                    row[ci] = row[lo]


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _all_text(row: object) -> bool:
    """True when a row holds only text (a header row never holds numbers or dates)."""
    cells = row if isinstance(row, list | tuple) else []
    return all(c is None or isinstance(c, str) for c in cells)


def managed_start(headers: list[str] | tuple[str, ...]) -> int | None:
    """Index where a previous run's managed block starts, or None.

    >>> managed_start(["Invoice", "Balance", "Owner", *MANAGED_HEADERS[:5]])
    3
    """
    for i in range(len(headers)):
        run = 0
        while i + run < len(headers) and run < len(MANAGED_HEADERS):
            if headers[i + run].strip() != MANAGED_HEADERS[run]:
                break
            run += 1
        if run >= 3:
            return i
    return None


def _table_header_rows(raw: RawSheet) -> set[int]:
    """Row indexes (into ``raw.rows``) of the header rows of the sheet's Excel Tables."""
    out = set()
    for ref in raw.tables.values():
        m = re.match(r"\$?[A-Z]+\$?(\d+)", ref)
        if m and 0 <= int(m.group(1)) - raw.first_row < min(len(raw.rows), 10_000):
            out.add(int(m.group(1)) - raw.first_row)
    return out


def locate(raw: RawSheet) -> Table | None:
    """Find the header row and table width in ``raw``; None when nothing looks like one."""
    tables = _table_header_rows(raw)
    scan = max([SCAN_ROWS, *(t + 1 for t in tables)])
    width = max((len(r) for r in raw.rows[: SCAN_ROWS + 200]), default=0)
    grid = [_row_texts(r, width) for r in raw.rows[:scan]]
    _fill_merged(raw, grid)
    best: tuple[float, int, int, list[str], int] | None = None  # score, idx, nrows, texts, known
    for i, texts in enumerate(grid):
        if i >= SCAN_ROWS and i not in tables:
            continue
        cut = managed_start(texts)
        texts = texts[:cut] if cut is not None else texts
        score, known = _score(texts)
        score += 2.0 if i in tables else 0.0  # an Excel Table's header row is a header
        if known >= (1 if i in tables else 2) and (best is None or score > best[0] + 1e-9):
            best = (score, i, 1, texts, known)
        upper_n = sum(1 for t in grid[i - 1] if t) if i else 0
        lower_n = sum(1 for t in texts if t)
        if upper_n >= 2 and lower_n >= 2 and _all_text(raw.rows[i]):
            above = grid[i - 1][: len(texts)]
            joined = [
                f"{a} {b}".strip() if a != b else a for a, b in zip(above, texts, strict=True)
            ]
            js, jk = _score(joined)
            if jk >= 2 and js > score + 0.5 and (best is None or js > best[0] + 1e-9):
                best = (js, i, 2, joined, jk)
    if best is None:
        return None
    score, idx, nrows, texts, known = best
    cut = managed_start(grid[idx])
    limit = cut if cut is not None else width
    ncols = 0
    for c in range(limit):
        if texts[c] if c < len(texts) else "":
            ncols = c + 1
    for row in raw.rows[idx + 1 : idx + 201]:
        for c in range(min(len(row), limit) - 1, ncols - 1, -1):
            if row[c] is not None and str(row[c]).strip():
                ncols = c + 1
                break
    headers = tuple((texts + [""] * ncols)[:ncols])
    return Table(raw, idx, nrows, headers, idx + 1, ncols, score, known)


def choose(sheets: tuple[RawSheet, ...]) -> tuple[Table | None, str]:
    """Pick the sheet whose header is most recognisable, and say why."""
    found = [(t, raw) for raw in sheets if (t := locate(raw)) is not None]
    if not found:
        return None, "no sheet has a recognisable header row"
    found.sort(key=lambda tr: -tr[0].score)
    table = found[0][0]
    if len(sheets) == 1:
        return table, f"only candidate sheet ({table.known} known headers)"
    others = ", ".join(f"{t.raw.name!r} ({t.known})" for t, _ in found[1:]) or "none"
    return table, (
        f"most recognisable header among {len(sheets)} sheets: {table.known} known headers; "
        f"other sheets with headers: {others}"
    )
