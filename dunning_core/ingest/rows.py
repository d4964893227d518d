"""Tell data rows from the rows reports put between them.

Exports interleave invoices with section titles ("31 - 60 days past due"),
"Total for X" rows, grand totals (read as a customer, a TOTAL row doubles the
book), "Percents" footers, repeated headers per block, blank separators and
timestamp footers. Candidates are found with masks over the label columns, each
label test run once per distinct label (a column's codes map it back to rows);
blank and title rows can only be rows without an amount, so cells are counted
there only. Just the candidates go through a short Python check. Every skipped
row is returned with its reason, and total rows are kept aside as the file's own
control total.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dunning_core.ingest.block import Block
from dunning_core.ingest.column import Column
from dunning_core.ingest.vocabulary import normalise

TOTAL_RE = _TOTAL = re.compile(
    r"^\s*(\*+|totals?\b|grand\s*total|sub-?\s*totals?\b|summe|gesamt|zwischensumme|"
    r"total\s+general|total\s+geral|somme|report total|balance total)",
    re.IGNORECASE,
)
_GRAND = re.compile(
    r"^\s*(\*{2,}|totals?|grand\s*totals?|gesamtsumme|summe|gesamt|total\s+general|"
    r"total\s+geral|report\s+total|total\s+receivables?|totals?\s*:)\s*$",
    re.IGNORECASE,
)
_SECTION_TOTAL = re.compile(r"^\s*(\*|total\s+(for|of|de|für|fur)\b|sub-?\s*total)", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*(percents?|percentage|%|prozent|pourcentage)\s*$", re.IGNORECASE)
_FLAGGED = re.compile(f"(?:{_TOTAL.pattern})|(?:{_PERCENT.pattern})", re.IGNORECASE)
_FOOTER = re.compile(
    r"(\d{1,2}:\d{2}|printed|generated|run date|page \d|accrual basis|cash basis|gmt|utc)",
    re.IGNORECASE,
)


@dataclass
class Classified:
    """Row classification of a data block (positions are 0-based block rows)."""

    keep: np.ndarray  # bool, True for rows that may be invoices
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # pos, reason, label
    grand_totals: list[int] = field(default_factory=list)
    section_totals: list[int] = field(default_factory=list)
    titles: dict[int, str] = field(default_factory=dict)  # section title rows: pos -> text


def _per_row(
    col: Column, fn: Callable[[list[str]], Iterable[Any]], rows: np.ndarray | None = None
) -> np.ndarray:
    """Truth of ``fn`` (over a list of texts) for the stripped text of each row's cell
    (of ``rows`` only, when given), evaluated once per distinct value that occurs."""
    codes = col.codes if rows is None else col.codes[rows]
    table = col.stripped
    seen = np.zeros(len(table), dtype=bool)
    seen[codes] = True  # code -1 marks the last slot: the text of a missing cell
    used = np.flatnonzero(seen)
    hit = np.zeros(len(table), dtype=bool)
    hit[used] = [bool(x) for x in fn(table[used].tolist())]
    return hit[codes]


def _first_label(block: Block, label_cols: list[int]) -> np.ndarray:
    """Per row, the first label column with text (-1 when none has any)."""
    src = np.full(len(block), -1, dtype=np.int64)
    todo = None  # rows without a label so far (None: all rows)
    for c in label_cols:
        col = block[c]
        has = col.stripped != ""
        if todo is None:
            src[has[col.codes]] = c
        else:
            src[todo[has[col.codes[todo]]]] = c
        todo = np.flatnonzero(src < 0)
        if not len(todo):
            break
    return src


def _label(block: Block, c: int, pos: int) -> str:
    """The stripped text of cell (``pos``, ``c``); "" when ``c`` is -1 (no label)."""
    if c < 0:
        return ""
    col = block[c]
    return str(col.stripped[col.codes[pos]])


def _header_hits(
    block: Block, label_cols: list[int], header_low: set[str], need: int
) -> np.ndarray:
    """True where at least ``need`` label cells repeat a header text (case-insensitive).

    The column with the most distinct values is looked at last, and only on rows that
    the others brought to ``need - 1`` hits.
    """
    hits = np.zeros(len(block), dtype=np.int64)
    order = sorted(label_cols, key=lambda c: len(block[c].uniques))
    for i, c in enumerate(order):
        rows = None if i < len(order) - 1 or need <= 1 else np.flatnonzero(hits >= need - 1)
        got = _per_row(block[c], lambda ts: map(header_low.__contains__, map(str.lower, ts)), rows)
        if rows is None:
            hits += got
        else:
            hits[rows] += got
    return hits >= need


def classify(
    block: Block,
    headers: tuple[str, ...],
    label_cols: list[int],
    has_amount: np.ndarray,
    invoice_col: int | None,
) -> Classified:
    """Classify every row of ``block`` (see module docstring).

    ``label_cols`` are the columns where a row's label may stand (first column,
    customer and invoice columns); ``has_amount`` is True where any amount column
    holds a number; ``invoice_col`` is the invoice-number column, if mapped.
    Rows without an amount are the only ones that can be blank or titles, so cells
    are counted on those rows only.
    """
    n = len(block)
    no_amount_rows = np.flatnonzero(~has_amount)
    filled = block.filled_count(no_amount_rows)
    blank_rows = no_amount_rows[filled == 0]
    keep = np.ones(n, dtype=bool)
    keep[blank_rows] = False
    result = Classified(keep)
    src = _first_label(block, label_cols)
    candidate = np.zeros(n, dtype=bool)
    for c in label_cols:
        on = np.flatnonzero(src == c)
        candidate[on] = _per_row(block[c], lambda ts: map(_FLAGGED.match, ts), on)
    header_norm = {normalise(h) for h in headers if h}
    header_low = {h.strip().lower() for h in headers if h}
    if header_norm:
        candidate |= _header_hits(block, label_cols, header_low, min(2, len(label_cols)))
    no_invoice = ~block[invoice_col].filled if invoice_col is not None else np.ones(n, dtype=bool)
    few = (filled <= 1) | (no_invoice[no_amount_rows] & (filled <= 2))
    title = np.zeros(n, dtype=bool)
    title[no_amount_rows[(filled > 0) & few]] = True
    candidate |= title
    for pos in blank_rows:
        result.skipped.append((int(pos), "blank separator row", ""))
    sections: set[str] = set()
    candidate[blank_rows] = False
    for pos in np.flatnonzero(candidate):
        label = _label(block, int(src[pos]), int(pos))
        reason = ""
        cells = block.row(int(pos))
        row_norm = {normalise(v) for v in cells if isinstance(v, str) and v.strip()}
        if header_norm and len(row_norm & header_norm) >= max(2, len(row_norm) // 2):
            reason = "repeated header row"
        elif _PERCENT.match(label):
            reason = "percentages footer"
        elif _GRAND.match(label):
            reason = "grand total row"
            result.grand_totals.append(int(pos))
        elif _SECTION_TOTAL.match(label) or (
            _TOTAL.match(label)
            and ((invoice_col is not None and no_invoice[pos]) or _rest(label) in sections)
        ):
            reason = "subtotal row"
            result.section_totals.append(int(pos))
        elif title[pos]:
            text = " ".join(str(v) for v in cells if v is not None)
            reason = "timestamp or report footer" if _FOOTER.search(text) else "section title"
            sections.add(normalise(label))
            if reason == "section title":
                result.titles[int(pos)] = label or text.strip()
        if reason:
            keep[pos] = False
            result.skipped.append((int(pos), reason, label))
    result.skipped.sort()
    return result


def _rest(label: str) -> str:
    """'Total Acme Corp' -> 'acme corp' (to match a section title seen before)."""
    return normalise(re.sub(r"^\s*totals?\s*", "", label, flags=re.IGNORECASE))
