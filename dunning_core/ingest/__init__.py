"""Read the team's aging export as it is: locate, map, parse, derive, explain.

One call, :func:`ingest`, turns a :class:`BookSnapshot` into the canonical invoice
frame (one row per open item, every ``columns.ALL_FIELDS`` column) and a full
:class:`IngestReport`, with everything skipped, derived or unreadable returned as
problems located to a cell. Stages, each in its own module:

``locate`` (sheet and header row) -> ``mapping`` (headers -> fields, confirmed by
content) -> ``rows`` (data rows vs titles/totals/blanks) -> ``values`` (vectorised
parsing) -> ``items`` (open items, bucket layouts, file totals) -> ``finish``
(derived due dates, fallbacks, duplicates) -> ``frame`` (typed output).

The data rows stay one object array (``block``, a view of the sheet's grid), read
column by column: each column is hashed once (``column``) and every stage works
on its distinct values, so a 100,000-row sheet costs about one pass per column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dunning_core.codes import factorize
from dunning_core.columns import DATE_FIELDS, F
from dunning_core.ingest import finish, frame, items, locate, prepare, rows, values
from dunning_core.ingest.column import Column, objects, str_take
from dunning_core.ingest.mapping import Mapping, map_headers
from dunning_core.ingest.vocabulary import bucket_range
from dunning_core.policy import Policy
from dunning_core.records import (
    BookSnapshot,
    FieldMatch,
    Ingested,
    IngestReport,
    Problem,
    RawSheet,
    Severity,
    UserError,
)
from dunning_core.sheetaddr import cell_address

__all__ = ["ingest"]


def _no_table(source: str, sheets: Sequence[RawSheet], what: str, found: list[str]) -> UserError:
    names = ", ".join(repr(r.name) for r in sheets)
    listed = ", ".join(repr(h) for h in found if h) or "(none)"
    return UserError(f"{source}: sheet {names}: {what}. Headers found: {listed}.")


def _choose(book: BookSnapshot, sheet: str | None) -> tuple[locate.Table, str]:
    cands = book.aging
    if sheet is not None:
        cands = tuple(r for r in book.aging if r.name == sheet)
        if not cands:
            listed = ", ".join(book.sheets)
            raise UserError(f"{book.source}: no sheet named {sheet!r}; sheets: {listed}.")
    table, reason = locate.choose(cands)
    if table is None:
        texts = [str(v) for r in cands for row in r.rows[: locate.SCAN_ROWS] for v in row if v]
        what = (
            "no header row in the first rows (expected headers such as 'Invoice', "
            "'Due Date', 'Open Balance')"
        )
        raise _no_table(book.source, cands, what, texts[:30])
    return table, reason if sheet is None else f"requested with --sheet {sheet!r}"


def _amounts(src: prepare.Source, mp: Mapping) -> items.Amounts:
    cols = mp.columns
    open_col = cols.get(F.OPEN_CENTS, cols.get(F.ORIGINAL_CENTS))
    open_cents = values.amounts(src.block[open_col]).values if open_col is not None else None
    by_bucket = {b.index: values.amounts(src.block[b.index]).values for b in mp.buckets}
    bucket_sum = None
    if by_bucket:
        bucket_sum = pd.concat(list(by_bucket.values()), axis=1).sum(axis=1, min_count=1)
        bucket_sum = bucket_sum.astype("Int64")
    due_known = F.DUE_DATE in cols or F.DAYS_OVERDUE in cols or F.INVOICE_DATE in cols
    bucket_mode = bool(mp.buckets) and not due_known
    return items.Amounts(open_cents, open_col, by_bucket, bucket_sum, bucket_mode)


def _customer_from_titles(
    titles: dict[int, str], index: pd.Index, cols: dict[str, int]
) -> pd.Series | None:
    """Reports grouped per customer (a title row, its invoices, a subtotal) often have
    no customer column: the title above each row names the customer."""
    if F.CUSTOMER_NAME in cols or F.CUSTOMER_ID in cols:
        return None
    named = {p: t for p, t in titles.items() if bucket_range(t) is None}
    if not named:
        return None
    s = pd.Series(named, dtype="str").reindex(index).ffill().fillna("")
    return s.astype("str")


def _dayfirst(open_note: str, hint: str | None, ccy: Column | None) -> bool | None:
    """Whether ambiguous slashed dates (all parts <= 12) are read day first.

    Month-first is a US habit: a decimal comma or a currency other than USD (in the
    title or the currency column) suggests the rest of the world's day-first order.
    """
    if "comma" in open_note:
        return True
    if ccy is not None:
        common = _most_common_upper(ccy)
        hint = common if common is not None else hint
    return None if hint in (None, "USD") else True


def _most_common_upper(col: Column) -> str | None:
    """The most frequent non-empty upper-cased text of a column (ties: first seen)."""
    counts: dict[str, int] = {}
    for t, n in zip(col.text_table, col.counts, strict=False):  # the missing slot is ""
        if t:
            key = t.upper()
            counts[key] = counts.get(key, 0) + int(n)
    return max(counts, key=lambda k: counts[k]) if counts else None


def _currency(col: Column, default: str) -> pd.Series:
    """The currency column's codes, upper-cased, symbols as ISO codes ("€" -> "EUR"),
    ``default`` where blank."""
    table = objects([prepare.SYMBOLS.get(t.upper(), t.upper()) or default for t in col.text_table])
    return str_take(table, col)


def _totals(currency: pd.Series, cents: pd.Series) -> dict[str, int]:
    """Open cents per currency, currencies sorted (``groupby(currency).sum()``), from
    the currency codes: the column holds a few text objects, hashed once each."""
    codes, uniq = factorize(currency)
    kept = codes >= 0
    total = np.zeros(len(uniq), dtype=np.int64)
    np.add.at(total, codes[kept], cents.to_numpy(dtype=np.int64)[kept])
    return {str(k): int(total[i]) for i, k in sorted(enumerate(uniq), key=lambda t: t[1])}


class _Take:
    """Block columns -> item rows (positions ``pos``, repeated for bucket items),
    on a fresh RangeIndex; no copy when every block row is one item, in order."""

    def __init__(self, pos: pd.Index, n: int) -> None:
        self.index = pd.RangeIndex(len(pos))
        every = len(pos) == n and bool((pos.to_numpy() == np.arange(n)).all())
        self.pos = None if every else pos.to_numpy()

    def __call__(self, s: pd.Series) -> pd.Series:
        return (s if self.pos is None else s.iloc[self.pos]).set_axis(self.index)

    def array(self, a: np.ndarray) -> np.ndarray:
        return a if self.pos is None else a[self.pos]


def ingest(
    book: BookSnapshot, policy: Policy, as_of: dt.date, sheet: str | None = None
) -> tuple[Ingested, list[Problem]]:
    """Locate, map and parse the aging table of ``book`` (see module docstring)."""
    table, reason = _choose(book, sheet)
    src = prepare.source(table)
    name, headers, block = src.sheet, src.headers, src.block
    sample = prepare.sample(block, headers)
    mp = map_headers(headers, sample, dict(policy.header_overrides), src.col0)
    cols = mp.columns
    if F.OPEN_CENTS not in cols and not mp.buckets and F.ORIGINAL_CENTS not in cols:
        what = (
            f"no open-balance column under the header on row {table.header_row} (expected "
            "e.g. 'Open Balance', 'Amount Due', 'Outstanding', or aging-bucket columns)"
        )
        raise _no_table(book.source, (table.raw,), what, list(headers))
    problems: list[Problem] = [Problem(name, "", "", "", w) for w in mp.warnings]
    derived: list[str] = []
    amounts = _amounts(src, mp)
    matches = dict(mp.matches)
    if F.OPEN_CENTS not in cols and F.ORIGINAL_CENTS in cols:
        m = matches[F.ORIGINAL_CENTS]
        why = "no open-balance column: the amount column is the open item"
        matches[F.OPEN_CENTS] = FieldMatch(F.OPEN_CENTS, m.header, m.column, why)
        derived.append(f"open balance = {m.header!r} (no separate open-balance column)")

    open_note = (
        values.amounts(sample[amounts.open_col]).note if amounts.open_col is not None else ""
    )
    amount_headers = [headers[c] for c in (amounts.open_col,) if c is not None]
    hint = prepare.currency_hint(table, amount_headers + [b.header for b in mp.buckets])
    ccy_col = block[cols[F.CURRENCY]] if F.CURRENCY in cols else None
    dayfirst = _dayfirst(open_note, hint, ccy_col)
    parsed = {f: frame.parse_field(f, block[c], dayfirst) for f, c in cols.items()}
    if open_note and amounts.open_col is not None:
        derived.append(f"{headers[amounts.open_col]!r} read with {open_note}")
    for f, p in parsed.items():
        if p.note and f in DATE_FIELDS:
            derived.append(f"{headers[cols[f]]!r} read as {p.note}")

    label_cols = sorted(
        {0, *(cols[f] for f in (F.CUSTOMER_NAME, F.CUSTOMER_ID, F.INVOICE_NO) if f in cols)}
    )
    present = amounts.present(block.index).to_numpy()
    cl = rows.classify(block, headers, label_cols, present, cols.get(F.INVOICE_NO))
    for at, why, label in cl.skipped:
        msg = f"row skipped: {why}"
        problems.append(Problem(name, src.cell(at), "", label, msg, Severity.INFO))
    for f, c in cols.items():
        if c != amounts.open_col:  # an unreadable balance is an ERROR, not also a warning
            problems += frame.cell_problems(parsed[f], block[c], cl.keep, f, src, c)

    default_ccy = hint or policy.default_currency
    if ccy_col is not None:
        ccy = _currency(ccy_col, default_ccy)
    elif amounts.open_col is not None and values.infer(block[amounts.open_col]) != "floating":
        ccy = values.currency_marks(block[amounts.open_col])  # "€1.234,50" says EUR
        if ccy.ne("").any():
            derived.append(f"currency from the symbols in {headers[amounts.open_col]!r}")
        ccy = ccy.where(ccy.ne(""), default_ccy)
    else:
        ccy = pd.Series(default_ccy, index=block.index, dtype="str")
    file_total = items.file_total(amounts, ccy, cl.grand_totals, cl.section_totals)

    grouped = _customer_from_titles(cl.titles, block.index, cols)
    if grouped is not None:
        parsed[F.CUSTOMER_NAME] = values.Parsed(grouped, pd.Series(False, index=block.index))
        example = next(iter(cl.titles.values()))
        derived.append(f"customer name = the section title above each row (e.g. {example!r})")
    kept = block.index[cl.keep]
    sel = items.select(src, amounts, kept, mp.buckets, as_of)
    problems += sel.problems
    derived += sel.derived
    pos = sel.pos
    take = _Take(pos, len(block))
    out: dict[str, pd.Series] = {f: take(p.values) for f, p in parsed.items()}
    out.update({f: s.set_axis(take.index) for f, s in sel.extra.items()})
    out[F.OPEN_CENTS] = sel.open_cents.set_axis(take.index)
    out[F.CURRENCY] = take(ccy)
    bucket_due = None if amounts.bucket_mode else items.due_from_buckets(amounts, mp.buckets, as_of)
    bucket_due = None if bucket_due is None else take(bucket_due)
    ids = (F.CUSTOMER_ID, F.CUSTOMER_NAME)
    no_blank = frozenset(f for f in ids if f in cols and not block[cols[f]].has_blank_text)
    finish.derive(out, take.index, as_of, derived, headers, cols, bucket_due, no_blank)
    result = frame.assemble(out, take.index, take(src.srow))
    inv_key = None
    if F.INVOICE_NO in cols:  # equal exactly where the invoice numbers are
        inv_col = block[cols[F.INVOICE_NO]]
        inv_key = take.array(inv_col.text_key[inv_col.codes])
    problems += finish.after(result, name, src.col0, cols, derived, inv_key)

    bucket_idx = {b.index for b in mp.buckets}
    n_read = len(pos) if take.pos is None else int(pos.nunique())  # None: rows 0..n-1
    if not n_read:
        msg = f"no open items under the header on row {table.header_row}"
        problems.append(Problem(name, "", F.OPEN_CENTS, "", msg, Severity.WARNING))
    report = IngestReport(
        sheet=name,
        sheet_reason=reason,
        header_row=table.header_row,
        header_rows=table.header_rows,
        first_data_row=int(src.srow.iloc[0]) if len(src.srow) else table.header_row + 1,
        last_data_row=int(src.srow.iloc[-1]) if len(src.srow) else table.header_row,
        matches=matches,
        bucket_columns=tuple(b.header for b in mp.buckets),
        unmapped=tuple(
            h or f"(column {cell_address(1, src.col0 + i)[:-1]})"
            for i, h in enumerate(headers)
            if i not in cols.values() and i not in bucket_idx
        ),
        derived=tuple(derived),
        rows_read=n_read,
        rows_skipped=len(block) - n_read,
        open_total_cents=_totals(result[F.CURRENCY], result[F.OPEN_CENTS]),
        file_total_cents=file_total,
        currency_default=default_ccy,
        last_column=table.last_column,
    )
    return Ingested(result, report), problems
