"""Which source rows become open items, with which balance; and the file's own total.

Detail layouts give one open balance per row (a missing balance is an ERROR, a
zero balance is skipped). Summary layouts with aging-bucket columns and no due
date give one item per non-zero bucket cell (see :mod:`buckets`). The file's own
total rows (grand totals when it has them, else the sum of subtotals) give the
control total that ``dunning check`` compares with what was read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from dunning_core.columns import F
from dunning_core.ingest import buckets, frame
from dunning_core.ingest.mapping import BucketColumn
from dunning_core.ingest.prepare import Source
from dunning_core.records import Problem, Severity


@dataclass(frozen=True)
class Amounts:
    """The balance sources of every block row."""

    open: pd.Series | None  # Int64 cents of the open-balance (or amount) column
    open_col: int | None
    by_bucket: dict[int, pd.Series]  # bucket column -> Int64 cents
    bucket_sum: pd.Series | None  # Int64 sum over bucket columns (NA when all blank)
    bucket_mode: bool  # items come from bucket cells

    def present(self, index: pd.Index) -> pd.Series:
        """True where a row holds any amount (a row with none is a title, not an invoice)."""
        has = pd.Series(False, index=index)
        if self.open is not None:
            has |= self.open.notna()
        for s in self.by_bucket.values():
            has |= s.notna()
        return has

    def row_total(self) -> pd.Series:
        """Each row's balance as the file states it (for total rows)."""
        if self.open is not None and not self.bucket_mode:
            return self.open
        assert self.bucket_sum is not None
        return self.bucket_sum


@dataclass
class Items:
    """Open items: source positions (repeated for bucket items) and their balances."""

    pos: pd.Index
    open_cents: pd.Series  # Int64, index = pos
    extra: dict[str, pd.Series] = field(default_factory=dict)  # due date / bucket label
    problems: list[Problem] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)


def file_total(
    amounts: Amounts, ccy: pd.Series, grand: list[int], sub: list[int]
) -> dict[str, int]:
    """Per currency, the sum of the grand-total rows (or of the subtotal rows)."""
    total: dict[str, int] = {}
    row_total = amounts.row_total()
    for pos in grand or sub:
        v = row_total[pos]
        if pd.notna(v):
            total[str(ccy[pos])] = total.get(str(ccy[pos]), 0) + int(v)
    return total


def select(
    src: Source, amounts: Amounts, kept: pd.Index, bcols: tuple[BucketColumn, ...], as_of: dt.date
) -> Items:
    """Open items of the kept rows (see module docstring)."""
    if amounts.bucket_mode:
        return _from_buckets(src, amounts, kept, bcols, as_of)
    amt = amounts.open if amounts.open is not None else amounts.bucket_sum
    assert amt is not None
    col = amounts.open_col if amounts.open_col is not None else 0
    sub = amt if len(kept) == len(amt) else amt.iloc[kept.to_numpy()]  # block positions
    na = sub.isna().to_numpy()
    nil = sub.eq(0).fillna(False).to_numpy()
    missing, zero = kept[na], kept[nil]
    ok = ~na & ~nil  # kept is sorted, so kept[ok] is kept - missing - zero, in order
    items = Items(kept, sub) if ok.all() else Items(kept[ok], sub[ok])
    if amounts.open is None:
        items.derived.append("open balance = sum of the bucket columns")
    msg = "no readable open balance (empty, text or an Excel error); row left out"
    for p in missing:
        value = "" if amounts.open_col is None else str(src.block.arr[p, amounts.open_col])
        items.problems.append(
            Problem(src.sheet, src.cell(p, col), F.OPEN_CENTS, value, msg, Severity.ERROR)
        )
    if len(kept) and len(missing) == len(kept):
        header = src.headers[col] if amounts.open_col is not None else "the bucket columns"
        hint = (
            f"no balance in {header!r} could be read; if they are formulas, the file was saved "
            "without calculated values (open and save it in Excel or LibreOffice, then retry)"
        )
        items.problems.append(Problem(src.sheet, "", F.OPEN_CENTS, "", hint, Severity.ERROR))
    items.problems += _zero(src, zero)
    return items


def _zero(src: Source, zero: pd.Index) -> list[Problem]:
    msg = "row skipped: zero open balance"
    return [Problem(src.sheet, src.cell(p), F.OPEN_CENTS, "0", msg, Severity.INFO) for p in zero]


def _from_buckets(
    src: Source, amounts: Amounts, kept: pd.Index, bcols: tuple[BucketColumn, ...], as_of: dt.date
) -> Items:
    got = buckets.expand({i: s.loc[kept] for i, s in amounts.by_bucket.items()}, bcols, as_of)
    pos = pd.Index(got["pos"].to_numpy())
    items = Items(pos, pd.Series(got["open_cents"].to_numpy(), index=pos).astype("Int64"))
    items.extra[F.DUE_DATE] = pd.Series(got["due"].to_numpy(), index=pos)
    items.extra[F.BUCKET_LABEL] = pd.Series(got["bucket"].to_numpy(), index=pos, dtype="str")
    items.derived.append(
        f"open items from bucket columns {', '.join(b.header for b in bcols)}: one per "
        "non-zero cell, due at the start of its bucket (as-of date minus its lowest day count)"
    )
    if amounts.open is not None and amounts.open_col is not None and amounts.bucket_sum is not None:
        tot = amounts.open.loc[kept].fillna(0)
        diff = kept[(tot != amounts.bucket_sum.loc[kept].fillna(0)).to_numpy()]
        msg = "row total differs from the sum of its bucket columns; bucket amounts used"
        for p in diff[: frame.MAX_CELL_PROBLEMS]:
            value = str(src.block.arr[p, amounts.open_col])
            cell = src.cell(p, amounts.open_col)
            items.problems.append(Problem(src.sheet, cell, F.OPEN_CENTS, value, msg))
    items.problems += _zero(src, kept.difference(pos.unique()))
    return items


def due_from_buckets(
    amounts: Amounts, bcols: tuple[BucketColumn, ...], as_of: dt.date
) -> pd.Series | None:
    """Per row, a due date inside the first bucket column holding a non-zero amount.

    For detail layouts that have bucket columns but miss a due date on some rows.
    """
    if not bcols:
        return None
    due: pd.Series | None = None
    for b in reversed(bcols):  # the leftmost non-zero bucket wins
        cents = amounts.by_bucket[b.index]
        day = pd.Timestamp(as_of) - pd.Timedelta(days=max(b.lo, 0))
        this = pd.Series(day, index=cents.index).where(cents.fillna(0).ne(0))
        due = this if due is None else this.fillna(due)
    assert due is not None
    return due.astype("datetime64[ns]")
