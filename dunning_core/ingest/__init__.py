"""Read the team's aging export as it is: locate, map, parse, derive, explain.

One call, :func:`ingest`, turns a :class:`BookSnapshot` into the canonical invoice
frame (one row per open item, every ``columns.ALL_FIELDS`` column) and a full
:class:`IngestReport`, with everything skipped, derived or unreadable returned as
problems located to a cell. Stages, each in its own module:

``locate`` (sheet and header row) -> ``mapping`` (headers -> fields, confirmed by
content) -> ``rows`` (data rows vs titles/totals/blanks) -> ``values`` (vectorised
parsing) -> ``buckets`` (due dates and bucket-only layouts) -> ``frame`` (typed
output).
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from dunning_core.columns import ALL_FIELDS, AMOUNT_FIELDS, DATE_FIELDS, F
from dunning_core.ingest import buckets, frame, locate, rows, values
from dunning_core.ingest.mapping import map_headers
from dunning_core.policy import Policy
from dunning_core.records import (
    BookSnapshot,
    FieldMatch,
    Ingested,
    IngestReport,
    Problem,
    Severity,
    UserError,
)

__all__ = ["ingest"]

_ISO = r"\b(EUR|USD|GBP|CHF|CAD|AUD|NZD|JPY|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|INR|ZAR|SGD|HKD|CNY)\b"
_SYMBOL = {"€": "EUR", "£": "GBP", "$": "USD", "¥": "JPY", "R$": "BRL", "US$": "USD"}
_CREDIT = r"(?i)(?:credit|gutschrift|avoir|nota de cr|abono|^cm$|^cn$|^dg$|refund)"


def _block(table: locate.Table) -> pd.DataFrame:
    """The data rows under the header as an object frame with columns 0..ncols-1."""
    data = list(table.raw.rows[table.data_start :])
    n = table.ncols
    if any(len(r) != n for r in data):
        data = [(list(r) + [None] * n)[:n] for r in data]
    block = pd.DataFrame(data, dtype=object) if data else pd.DataFrame(dtype=object)
    block = block.reindex(columns=range(n))
    block = block.where(block.notna(), None)
    # trailing blank rows are not part of the table
    filled = block.notna().any(axis=1)
    last = int(filled[filled].index.max()) + 1 if filled.any() else 0
    return block.iloc[:last]


def _sample(block: pd.DataFrame, headers: tuple[str, ...]) -> pd.DataFrame:
    """The first rows that look like data, for profiling column content.

    Rows with too few cells (titles), a total label or header texts in their own
    columns (repeated headers) would make a date column look like text.
    """
    head = block.iloc[:3000]
    filled = head.notna().sum(axis=1)
    first = values.strings(head[0]) if head.shape[1] else pd.Series("", index=head.index)
    same = pd.Series(0, index=head.index)
    for c, h in enumerate(headers):
        if h:
            same += values.strings(head[c]).str.lower().eq(h.strip().lower()).astype(int)
    looks = filled.ge(min(3, max(2, block.shape[1] // 2))) & ~first.str.match(rows.TOTAL_RE)
    looks &= same.lt(2)
    return head[looks] if looks.any() else head


def _currency_hint(table: locate.Table, headers: list[str]) -> str | None:
    texts = [str(v) for row in table.raw.rows[: table.header_index] for v in row if v is not None]
    for t in [*headers, *texts]:
        m = re.search(_ISO, t.upper())
        if m:
            return m.group(1)
        m2 = re.search(r"\((€|£|\$|¥)\)|\bin (€|£|\$)", t)
        if m2:
            return _SYMBOL[m2.group(1) or m2.group(2)]
    return None


def _no_table(book: BookSnapshot, cands: tuple, what: str, found: list[str]) -> UserError:
    names = ", ".join(repr(r.name) for r in cands)
    return UserError(
        f"{book.source}: sheet {names}: {what}. Headers found: "
        f"{', '.join(repr(h) for h in found if h) or '(none)'}."
    )


def ingest(
    book: BookSnapshot, policy: Policy, as_of: dt.date, sheet: str | None = None
) -> tuple[Ingested, list[Problem]]:
    """Locate, map and parse the aging table of ``book`` (see module docstring)."""
    cands = book.aging
    if sheet is not None:
        cands = tuple(r for r in book.aging if r.name == sheet)
        if not cands:
            raise UserError(
                f"{book.source}: no sheet named {sheet!r}; sheets: {', '.join(book.sheets)}."
            )
    table, reason = locate.choose(cands)
    if sheet is not None:
        reason = f"requested with --sheet {sheet!r}"
    if table is None:
        texts = [str(v) for r in cands for row in r.rows[: locate.SCAN_ROWS] for v in row if v]
        raise _no_table(book, cands, "no header row in the first rows (expected headers such "
                        "as 'Invoice', 'Due Date', 'Open Balance')", texts[:30])  # fmt: skip
    name, headers = table.raw.name, table.headers
    block = _block(table)
    srow = pd.Series(table.header_row + 1 + block.index.to_numpy(), index=block.index)
    col0 = table.raw.first_col
    mp = map_headers(headers, _sample(block, headers), dict(policy.header_overrides), col0)
    problems: list[Problem] = [Problem(name, "", "", "", w) for w in mp.warnings]
    derived: list[str] = []
    cols = mp.columns
    if F.OPEN_CENTS not in cols and not mp.buckets and F.ORIGINAL_CENTS not in cols:
        raise _no_table(book, (table.raw,), f"no open-balance column under the header on row "
                        f"{table.header_row} (expected e.g. 'Open Balance', 'Amount Due', "
                        "'Outstanding', or aging-bucket columns)", list(headers))  # fmt: skip

    open_col = cols.get(F.OPEN_CENTS, cols.get(F.ORIGINAL_CENTS))
    matches = dict(mp.matches)
    if F.OPEN_CENTS not in cols and open_col is not None:
        m = matches[F.ORIGINAL_CENTS]
        why = "no open-balance column: the amount column is the open item"
        matches[F.OPEN_CENTS] = FieldMatch(F.OPEN_CENTS, m.header, m.column, why)
    open_parsed = values.amounts(block[open_col]) if open_col is not None else None
    dayfirst = True if open_parsed is not None and "comma" in open_parsed.note else None
    parsed = {f: frame.parse_field(f, block[c], dayfirst) for f, c in cols.items()}
    for f, p in parsed.items():
        if p.note and (f in DATE_FIELDS or f == F.OPEN_CENTS):
            derived.append(f"{headers[cols[f]]!r} read as {p.note}")
    bcents = {b.index: values.amounts(block[b.index]).values for b in mp.buckets}
    due_known = F.DUE_DATE in cols or F.DAYS_OVERDUE in cols
    bucket_mode = bool(mp.buckets) and not due_known and F.INVOICE_DATE not in cols
    if bucket_mode:
        bsum = pd.concat(list(bcents.values()), axis=1).sum(axis=1, min_count=1)
        has_amount = bsum.notna()
    else:
        has_amount = open_parsed.values.notna() if open_parsed is not None else pd.Series(False)
        if open_parsed is None:
            bsum = pd.concat(list(bcents.values()), axis=1).sum(axis=1, min_count=1)
            has_amount = bsum.notna()
        for b in mp.buckets:
            has_amount |= bcents[b.index].notna()
    label_cols = sorted(
        {0, *(cols[f] for f in (F.CUSTOMER_NAME, F.CUSTOMER_ID, F.INVOICE_NO) if f in cols)}
    )
    cl = rows.classify(block, headers, label_cols, has_amount, cols.get(F.INVOICE_NO))
    for pos, why, label in cl.skipped:
        problems.append(Problem(name, frame.a1(int(srow[pos]), col0), "", label,
                                f"row skipped: {why}", Severity.INFO))  # fmt: skip
    keep = cl.keep
    for f, c in cols.items():
        if c == open_col:
            continue  # an unreadable balance is an ERROR below, not also a warning
        problems += frame.cell_problems(parsed[f], block[c], keep, f, name, srow, col0 + c)

    hint = _currency_hint(table, [headers[c] for c in (open_col,) if c is not None]
                          + [b.header for b in mp.buckets])  # fmt: skip
    default_ccy = hint or policy.default_currency
    ccy_all = (
        parsed[F.CURRENCY].values.str.upper().replace(_SYMBOL)
        if F.CURRENCY in parsed
        else pd.Series("", index=block.index, dtype="str")
    )
    ccy_all = ccy_all.where(ccy_all.ne(""), default_ccy)

    # ---- the file's own total rows (control total)
    total_pos = cl.grand_totals or cl.section_totals
    row_amount = open_parsed.values if open_parsed is not None and not bucket_mode else bsum
    file_total: dict[str, int] = {}
    for pos in total_pos:
        v = row_amount[pos]
        if pd.notna(v):
            file_total[ccy_all[pos]] = file_total.get(ccy_all[pos], 0) + int(v)

    # ---- items: positions of source rows (bucket layouts: one per bucket cell)
    kept = block.index[keep]
    if bucket_mode:
        items = buckets.expand({i: s.loc[kept] for i, s in bcents.items()}, mp.buckets, as_of)
        pos = pd.Index(items["pos"].to_numpy())
        open_cents = pd.Series(items["open_cents"].to_numpy(), index=pos).astype("Int64")
        derived.append(
            f"open items from bucket columns {', '.join(b.header for b in mp.buckets)}: one per "
            "non-zero cell, due at the start of its bucket (as-of date minus its lowest day count)"
        )
        if F.OPEN_CENTS in cols and open_parsed is not None:
            tot = open_parsed.values.loc[kept]
            diff = kept[(tot.fillna(0) != bsum.loc[kept].fillna(0)).to_numpy()]
            for p in diff[: frame.MAX_CELL_PROBLEMS]:
                cell = frame.a1(int(srow[p]), col0 + open_col)
                msg = "row total differs from the sum of its bucket columns; bucket amounts used"
                problems.append(Problem(name, cell, F.OPEN_CENTS, str(block.at[p, open_col]), msg))
        zero_rows = kept.difference(pos.unique())
    else:
        amt = open_parsed.values if open_parsed is not None else bsum.astype("Int64")
        if open_parsed is None:
            derived.append("open balance = sum of the bucket columns")
        elif F.OPEN_CENTS not in cols:
            derived.append(
                f"open balance = {headers[open_col]!r} (no separate open-balance column)"
            )
        missing = kept[amt.loc[kept].isna().to_numpy()]
        for p in missing:
            problems.append(Problem(name, frame.a1(int(srow[p]), col0 + (open_col or 0)),
                                    F.OPEN_CENTS, str(block.at[p, open_col]) if open_col is not None
                                    else "", "no readable open balance; row left out",
                                    Severity.ERROR))  # fmt: skip
        zero_rows = kept[amt.loc[kept].eq(0).fillna(False).to_numpy()]
        pos = kept.difference(missing).difference(zero_rows)
        open_cents = amt.loc[pos]
    for p in zero_rows:
        problems.append(Problem(name, frame.a1(int(srow[p]), col0), F.OPEN_CENTS, "0",
                                "row skipped: zero open balance", Severity.INFO))  # fmt: skip

    out: dict[str, pd.Series] = {f: p.values.loc[pos] for f, p in parsed.items()}
    out[F.OPEN_CENTS] = open_cents
    out[F.CURRENCY] = ccy_all.loc[pos]
    if bucket_mode:
        out[F.DUE_DATE] = pd.Series(items["due"].to_numpy(), index=pos)
        out[F.BUCKET_LABEL] = pd.Series(items["bucket"].to_numpy(), index=pos, dtype="str")
    _derive(out, pos, as_of, derived, headers, cols)
    idx = pd.RangeIndex(len(pos))
    result = frame.assemble({f: s.set_axis(idx) for f, s in out.items()}, idx,
                            pd.Series(srow.loc[pos].to_numpy(), index=idx))  # fmt: skip
    problems += _after(result, name, col0, cols, derived)

    report = IngestReport(
        sheet=name,
        sheet_reason=reason,
        header_row=table.header_row,
        header_rows=table.header_rows,
        first_data_row=int(srow.iloc[0]) if len(srow) else table.header_row + 1,
        last_data_row=int(srow.iloc[-1]) if len(srow) else table.header_row,
        matches=matches,
        bucket_columns=tuple(b.header for b in mp.buckets),
        unmapped=tuple(
            h or f"(column {frame.a1(1, col0 + i)[:-1]})"
            for i, h in enumerate(headers)
            if i not in cols.values() and i not in {b.index for b in mp.buckets}
        ),
        derived=tuple(derived),
        rows_read=int(pd.Index(pos).nunique()),
        rows_skipped=int(len(block) - pd.Index(pos).nunique()),
        open_total_cents={
            str(k): int(v) for k, v in result.groupby(F.CURRENCY)[F.OPEN_CENTS].sum().items()
        },
        file_total_cents=file_total,
        currency_default=default_ccy,
        last_column=table.last_column,
    )
    assert set(ALL_FIELDS) <= set(result.columns)
    return Ingested(result, report), problems


def _derive(out: dict[str, pd.Series], pos: pd.Index, as_of: dt.date, derived: list[str],
            headers: tuple[str, ...], cols: dict[str, int]) -> None:  # fmt: skip
    """Fill due date, customer id/name fallbacks and credit-note signs in ``out``."""
    due = out.get(F.DUE_DATE, pd.Series(pd.NaT, index=pos, dtype="datetime64[ns]"))
    if F.DAYS_OVERDUE in out and due.isna().any():
        alt = buckets.due_from_days(out[F.DAYS_OVERDUE], as_of)
        n = int((due.isna() & alt.notna()).sum())
        if n:
            due = due.fillna(alt)
            derived.append(f"due date = as-of date - {headers[cols[F.DAYS_OVERDUE]]!r} ({n} rows)")
    if F.INVOICE_DATE in out and F.TERMS in out and due.isna().any():
        alt = buckets.due_from_terms(out[F.INVOICE_DATE], out[F.TERMS])
        n = int((due.isna() & alt.notna()).sum())
        if n:
            due = due.fillna(alt)
            derived.append(f"due date = invoice date + payment terms ({n} rows)")
    out[F.DUE_DATE] = due
    name = out.get(F.CUSTOMER_NAME, pd.Series("", index=pos, dtype="str"))
    cid = out.get(F.CUSTOMER_ID, pd.Series("", index=pos, dtype="str"))
    if F.CUSTOMER_ID not in cols and len(pos):
        derived.append("customer id = customer name (no customer id column)")
    if F.CUSTOMER_NAME not in cols and len(pos):
        derived.append("customer name = customer id (no customer name column)")
    out[F.CUSTOMER_ID] = cid.where(cid.ne(""), name)
    out[F.CUSTOMER_NAME] = name.where(name.ne(""), cid)
    if F.DOC_TYPE in out:
        credit = out[F.DOC_TYPE].str.contains(_CREDIT, regex=True) & out[F.OPEN_CENTS].gt(0)
        if credit.any():
            out[F.OPEN_CENTS] = out[F.OPEN_CENTS].where(~credit, -out[F.OPEN_CENTS])
            derived.append(
                f"{int(credit.sum())} credit notes with a positive balance made negative"
            )
    for f in AMOUNT_FIELDS:
        if f in out:
            out[f] = out[f].astype("Int64")


def _after(result: pd.DataFrame, sheet: str, col0: int, cols: dict[str, int],
           derived: list[str]) -> list[Problem]:  # fmt: skip
    """Problems about the finished frame: missing due dates, duplicate invoice numbers."""
    out: list[Problem] = []
    inv = result[F.INVOICE_NO]
    dup = inv.ne("") & inv.duplicated(keep="first")
    icol = col0 + cols.get(F.INVOICE_NO, 0)
    for i in result.index[dup][: frame.MAX_CELL_PROBLEMS * 4]:
        msg = "duplicate invoice number: kept as a separate item, not summed (stacked snapshots?)"
        cell = frame.a1(int(result.at[i, F.ROW]), icol)
        out.append(Problem(sheet, cell, F.INVOICE_NO, inv[i], msg, Severity.WARNING))
    no_due = result[F.DUE_DATE].isna()
    if no_due.any():
        out.append(Problem(sheet, "", F.DUE_DATE, "", f"{int(no_due.sum())} open items have no "
                           "due date and none could be derived", Severity.WARNING))  # fmt: skip
    for d in derived:
        out.append(Problem(sheet, "", "", "", f"derived: {d}", Severity.INFO))
    return out
