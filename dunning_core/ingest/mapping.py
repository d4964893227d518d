"""Map the located table's headers to canonical fields, confirmed by content.

Each header proposes fields from the vocabulary with a specificity score; a field
whose values must be dates or amounts only stands when a sample of the column's
values looks like that ("Due" is a due date in one export and an amount due in
another). Assignment is greedy by score, one column per field and one field per
column. A mapping pinned in Settings (``policy.header_overrides``) is applied
first and always wins. Aging-bucket amount columns are recognised separately.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from itertools import islice

import numpy as np
import pandas as pd

from dunning_core.columns import F
from dunning_core.ingest import values
from dunning_core.ingest.block import Block
from dunning_core.ingest.vocabulary import (
    AMOUNT_LIKE,
    DATE_LIKE,
    bucket_range,
    candidates,
    normalise,
)
from dunning_core.records import FieldMatch

SAMPLE = 500
_DATE_TEXT = r"^\s*(\d{1,4}[-/.]\d{1,2}[-/.]\d{2,4}|(?:19|20)\d{6})(\s.*)?$"
_MONTH_TEXT = r"^\s*([A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{1,2}[ -][A-Za-z]{3,9}\.?[ -]\d{2,4})\s*$"
_DATE_RE, _MONTH_RE = re.compile(_DATE_TEXT), re.compile(_MONTH_TEXT)
_PLAIN_NUMBER = re.compile(r"^\s*\d{1,3}([.,]\d{3})*([.,]\d{1,2})?\s*$")


@dataclass(frozen=True)
class Profile:
    """What a sample of a column's values looks like (shares of non-empty cells)."""

    filled: int
    dates: float
    amounts: float
    texts: float
    distinct: int


@dataclass(frozen=True)
class BucketColumn:
    """An aging-bucket amount column and its days-past-due range."""

    index: int  # 0-based column in the table
    header: str
    lo: int
    hi: int | None


@dataclass(frozen=True)
class Mapping:
    """Result of mapping: field -> column index, evidence, buckets, problems text."""

    columns: dict[str, int]
    matches: dict[str, FieldMatch]
    buckets: tuple[BucketColumn, ...]
    warnings: tuple[str, ...]


def profile(col: pd.Series | values.Column, text_amounts: bool = True) -> Profile:
    """Profile the first :data:`SAMPLE` non-empty values of a column.

    ``text_amounts=False`` counts only number cells as amounts (cheaper), for
    columns whose header proposes no amount field. A few hundred values: plain
    Python over a list costs less than a dozen pandas calls.
    """
    c = values.Column.of(col)
    s = list(islice((v for v in c.raw if _nonblank(v)), SAMPLE))
    n = len(s)
    if n == 0:
        return Profile(0, 0.0, 0.0, 0.0, 0)
    is_dt = [isinstance(v, dt.date) for v in s]
    date_txt = [isinstance(v, str) and _date_text(v) for v in s]
    if text_amounts:
        read = values.amounts(pd.Series(s, dtype=object)).values.notna().tolist()
        is_amount = [a and not d and not t for a, d, t in zip(read, is_dt, date_txt, strict=True)]
    else:
        is_amount = [isinstance(v, int | float) and not isinstance(v, bool) for v in s]
    texts = sum(
        isinstance(v, str) and bool(v) and not d and not a
        for v, d, a in zip(s, date_txt, is_amount, strict=True)
    )
    return Profile(
        filled=n,
        dates=sum(d or t for d, t in zip(is_dt, date_txt, strict=True)) / n,
        amounts=sum(is_amount) / n,
        texts=texts / n,
        distinct=_distinct_text(c),
    )


def _nonblank(v: object) -> bool:
    return v is not None and (not isinstance(v, str) or bool(v.strip()))


def _date_text(t: str) -> bool:
    """Text that reads as a date (and not as a number with thousands separators)."""
    if _DATE_RE.match(t) and not _PLAIN_NUMBER.match(t):
        return True
    return bool(_MONTH_RE.match(t))


def _distinct_text(col: values.Column) -> int:
    """How many distinct :func:`values.text` values the column's cells have.

    Numbers are written one text per float value, so for a column of numbers the
    distinct floats are counted (formatting them is the costly part).
    """
    if col.hashed_kind in values.NUMERIC:
        f = pd.to_numeric(col.with_none(), errors="coerce").astype("float64").to_numpy()[:-1]
        nan = np.isnan(f)
        blank = bool(nan.any() or (col.codes < 0).any())  # both read as ""
        return len(pd.unique(f[~nan])) + int(blank)
    table = col.text_table
    seen = set(table[:-1].tolist())
    if (col.codes < 0).any():
        seen.add(table[-1])
    return len(seen)


def _fits(field: str, p: Profile, score: int = 0) -> bool:
    """Whether a column's content agrees with a field (a specific header needs less proof)."""
    if p.filled == 0:
        return True
    need = 0.3 if score >= 20 else 0.6
    if field in DATE_LIKE:
        return p.dates >= need
    if field in AMOUNT_LIKE:
        return p.amounts >= need
    if field in (F.CUSTOMER_NAME, F.EMAIL, F.TERMS, F.OWNER, F.CONTACT, F.DOC_TYPE, F.CURRENCY):
        return p.dates < 0.5 and (p.amounts < 0.9 or (field == F.CUSTOMER_NAME and p.texts > 0))
    return True


def _how(header: str, score: int) -> str:
    """Say in words how a header matched (see ``vocabulary.candidates`` scoring)."""
    kind = {
        0: "known header name",
        8: "header contains a known name",
        5: "close spelling of a known name",
    }.get(score % 10, "known but ambiguous header name")
    return f"{kind} {header!r}"


def _evidence(how: str, field: str, p: Profile) -> str:
    if p.filled == 0:
        return f"{how}; column empty in the sample"
    if field in DATE_LIKE:
        return f"{how}; {p.dates:.0%} of values are dates"
    if field in AMOUNT_LIKE:
        return f"{how}; {p.amounts:.0%} of values are numbers"
    return f"{how}; {p.distinct} distinct values"


def _wants_amounts(header: str) -> bool:
    if not header or bucket_range(header) is not None:
        return True
    return any(f in AMOUNT_LIKE for f, _ in candidates(header))


def find_buckets(headers: tuple[str, ...], profiles: list[Profile]) -> tuple[BucketColumn, ...]:
    """Aging-bucket amount columns, left to right (at least two, or none)."""
    found: list[BucketColumn] = []
    prev: int | None = None
    for i, h in enumerate(headers):
        r = bucket_range(h, prev)
        if r is None or (profiles[i].filled and profiles[i].amounts < 0.6):
            continue
        if found and r[0] <= (found[-1].hi if found[-1].hi is not None else 10**6) and r[0] > 0:
            r = (max(r[0], (found[-1].hi or 0) + 1), r[1])
        found.append(BucketColumn(i, h, r[0], r[1]))
        prev = r[1] if r[1] is not None else prev
    return tuple(found) if len(found) >= 2 else ()


def map_headers(
    headers: tuple[str, ...],
    data: Block,
    overrides: dict[str, str],
    first_col: int,
) -> Mapping:
    """Assign canonical fields to the table's columns (see module docstring)."""
    profiles = [profile(data[c], _wants_amounts(h)) for c, h in enumerate(headers)]
    buckets = find_buckets(headers, profiles)
    taken = {b.index for b in buckets}
    columns: dict[str, int] = {}
    matches: dict[str, FieldMatch] = {}
    warnings: list[str] = []

    def take(field: str, i: int, how: str) -> None:
        columns[field] = i
        taken.add(i)
        matches[field] = FieldMatch(
            field, headers[i], first_col + i, _evidence(how, field, profiles[i])
        )

    norm_headers = [normalise(h) for h in headers]
    for field, header in overrides.items():
        want = normalise(header)
        hits = [i for i, h in enumerate(norm_headers) if h == want]
        if hits:
            taken.discard(hits[0])
            buckets = tuple(b for b in buckets if b.index != hits[0])
            take(field, hits[0], f"pinned in Settings as {header!r}")
        else:
            warnings.append(
                f"Settings pin {field} -> {header!r}: no such header; mapped automatically"
            )

    proposals = []
    for i, h in enumerate(headers):
        for field, score in candidates(h):
            proposals.append((-score, i, field != F.OPEN_CENTS, field))  # ties: open balance
    proposals.sort()
    for neg, i, _, field in proposals:
        if field in columns or i in taken:
            continue
        if not _fits(field, profiles[i], -neg):
            continue
        take(field, i, _how(headers[i], -neg))

    if F.CUSTOMER_NAME not in columns:
        for i, h in enumerate(headers):
            p = profiles[i]
            if not h and i not in taken and p.filled and p.texts >= 0.6:
                take(F.CUSTOMER_NAME, i, "unnamed column of text values (customer names)")
                break
    if F.CUSTOMER_ID in columns and F.CUSTOMER_NAME in columns:
        pid, pname = profiles[columns[F.CUSTOMER_ID]], profiles[columns[F.CUSTOMER_NAME]]
        if pid.distinct == 1 and pname.distinct > 1:
            i = columns.pop(F.CUSTOMER_ID)
            matches.pop(F.CUSTOMER_ID)
            taken.discard(i)
            warnings.append(
                f"column {headers[i]!r} has one value for many customers: not used as customer id"
            )
    return Mapping(columns, matches, buckets, tuple(warnings))
