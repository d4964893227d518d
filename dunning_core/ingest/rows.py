"""Tell data rows from the rows reports put between them.

Exports interleave invoices with section titles ("31 - 60 days past due"),
"Total for X" rows, grand totals (read as a customer, a TOTAL row doubles the
book), "Percents" footers, repeated headers per block, blank separators and
timestamp footers. Blank rows and rows with nothing in any label column are found
vectorised; only rows whose label looks like a total / header / title go through
a short Python check. Every skipped row is returned with its reason, and total
rows are kept aside as the file's own control total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from dunning_core.ingest.values import strings
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
_FOOTER = re.compile(
    r"(\d{1,2}:\d{2}|printed|generated|run date|page \d|accrual basis|cash basis|gmt|utc)",
    re.IGNORECASE,
)


@dataclass
class Classified:
    """Row classification of a data block (positions are 0-based block rows)."""

    keep: pd.Series  # bool, True for rows that may be invoices
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # pos, reason, label
    grand_totals: list[int] = field(default_factory=list)
    section_totals: list[int] = field(default_factory=list)
    titles: dict[int, str] = field(default_factory=dict)  # section title rows: pos -> text


def _labels(block: pd.DataFrame, cols: list[int]) -> pd.DataFrame:
    return pd.DataFrame({c: strings(block[c]) for c in cols}, index=block.index)


def classify(
    block: pd.DataFrame,
    headers: tuple[str, ...],
    label_cols: list[int],
    has_amount: pd.Series,
    invoice_col: int | None,
) -> Classified:
    """Classify every row of ``block`` (see module docstring).

    ``label_cols`` are the columns where a row's label may stand (first column,
    customer and invoice columns); ``has_amount`` is True where any amount column
    holds a number; ``invoice_col`` is the invoice-number column, if mapped.
    """
    filled = block.notna().sum(axis=1)
    blank = filled.eq(0)
    keep = ~blank
    result = Classified(keep)
    labels = _labels(block, label_cols)
    first_label = pd.Series("", index=block.index, dtype="str")
    for c in label_cols:
        first_label = first_label.where(first_label.ne(""), labels[c])
    flagged = {v for v in first_label.unique() if _TOTAL.match(v) or _PERCENT.match(v)}
    candidate = first_label.isin(flagged)
    header_norm = {normalise(h) for h in headers if h}
    header_low = {h.strip().lower() for h in headers if h}
    if header_norm:
        hits = pd.Series(0, index=block.index)
        for c in label_cols:
            hits += labels[c].str.lower().isin(header_low).astype(int)
        candidate |= hits >= min(2, len(label_cols))
    no_amount = ~has_amount & ~blank
    no_invoice = (
        block[invoice_col].isna() if invoice_col is not None else pd.Series(True, index=block.index)
    )
    title = no_amount & (filled.le(1) | (no_invoice & filled.le(2)))
    candidate |= title
    for pos in block.index[blank]:
        result.skipped.append((int(pos), "blank separator row", ""))
    sections: set[str] = set()
    for pos in block.index[candidate & ~blank]:
        label = first_label[pos]
        reason = ""
        row_norm = {normalise(v) for v in block.loc[pos] if isinstance(v, str) and v.strip()}
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
            text = " ".join(str(v) for v in block.loc[pos] if v is not None)
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
