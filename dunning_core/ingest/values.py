"""Vectorised parsers for the cell values real aging exports contain.

Every parser takes a whole column (an ``object`` Series of raw cell values as a
reader gives them: None, str, int, float, bool, date, datetime) and returns the
parsed column plus a mask of cells that held something but could not be read, so
the caller can report them with their cell address. Conventions that are
ambiguous cell by cell (decimal comma or point, day-first or month-first dates)
are decided once per column from all of its values, and the decision is returned
as a sentence for the explanation.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from dunning_core.ingest.cells import (
    DATES,
    NUMERIC,
    PURE,
    Column,
    Parsed,
    infer,
    per_unique,
    strings,
    text,
)
from dunning_core.money import cents_series

__all__ = [
    "DATES", "NUMERIC", "Column", "Parsed", "amounts", "currency_marks", "dates", "flags", "infer",
    "integers", "per_unique", "strings", "text",
]  # fmt: skip

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_NONE_TEXT = {"", "-", "–", "—", "n/a", "na", "none", "null", "nan", "nat", "#n/a"}
_FALSE = {"no", "n", "false", "f", "0", "off", "nein", "non", "não", "nao", "", "-", "none"}


# --------------------------------------------------------------------------- amounts

_MONEY_WORDS = (
    r"\b(eur|usd|gbp|chf|cad|aud|nzd|jpy|sek|nok|dkk|pln|czk|brl|mxn|inr|zar|sgd|hkd|cny|"
    r"cr|dr|us|ca|r|kr|fr|sfr|dm)\b\.?"
)
_EU_DEC = r"(?:^|\d)\.?\d*,\d{1,2}$"  # decimal comma: "12,50", "1.234,5"
_US_DEC = r"(?:^|\d),?\d*\.\d{1,2}$"  # decimal point: "12.50", "1,234.5"


def amounts(raw: pd.Series | Column) -> Parsed:
    """Amount cells to integer cents (``Int64``; blank stays missing).

    Understands currency symbols and codes, both thousands conventions (decided
    per column: a decimal comma anywhere with no decimal point means comma
    decimals), spaces and apostrophes as thousands separators, parentheses, a
    leading or trailing minus and a "CR" suffix as negatives, and "-" as zero.

    >>> amounts(pd.Series(["$1,234.50", "(12.00)", "300-", "-", None, 7])).values.tolist()
    [123450, -1200, -30000, 0, <NA>, 700]
    >>> amounts(pd.Series(["1.234,50 €", "12,5"])).values.tolist()
    [123450, 1250]
    """
    col = Column.of(raw)
    if "amounts" not in col.memo:
        col.memo["amounts"] = _amounts(col)
    got: Parsed = col.memo["amounts"]
    return got


def _amounts(col: Column) -> Parsed:
    inferred = col.kind
    if inferred in NUMERIC or inferred == "empty":  # per cell: cheaper than hashing floats
        floats = _floats(col)
        cents = cents_series(floats)
        return Parsed(cents, _out_of_range(floats, cents))
    if inferred == "string":  # per distinct text, the convention weighted by cells
        got = _amounts_of(col.with_none(), "string", np.append(col.counts, 0))
        return Parsed(col.spread(got.values), col.spread(got.bad), got.note)
    return _amounts_of(col.series, inferred, None)


def _floats(col: Column) -> pd.Series:
    """The cells of a column of numbers (and blanks: NaN) as float64."""
    if col.kind != "decimal":
        try:  # numpy's own cast: ints and floats as float() reads them, None as NaN
            return pd.Series(col.raw.astype(np.float64), index=col.index)
        except (TypeError, ValueError, OverflowError):
            pass
    return pd.to_numeric(col.series, errors="coerce").astype("float64")


def _amounts_of(obj: pd.Series, inferred: str, weights: np.ndarray | None) -> Parsed:
    """:func:`amounts` of cells (or of distinct values, each counting ``weights`` cells)."""
    if inferred == "string":
        kind = pd.Series(2, index=obj.index).where(obj.notna(), 0)
    else:
        kind = obj.map(_kind)
    is_num = kind.eq(1)
    value = pd.to_numeric(obj.where(is_num), errors="coerce").astype("float64")
    bad = pd.Series(False, index=obj.index)
    note = ""
    is_str = kind.eq(2)
    if is_str.any():
        txt = obj[is_str].astype("str").str.strip()
        txt = txt[~txt.str.lower().isin(_NONE_TEXT - {"-", "–", "—"})]
        if len(txt):
            w = None if weights is None else weights[txt.index.to_numpy()]
            parsed, comma_decimal = _text_amounts(txt, w)
            value[txt.index] = parsed
            bad[txt.index] = parsed.isna()
            note = "decimal comma (1.234,56)" if comma_decimal else "decimal point (1,234.56)"
    cents = cents_series(value)
    return Parsed(cents, bad | _out_of_range(value, cents), note)


def _out_of_range(value: pd.Series, cents: pd.Series) -> pd.Series:
    """Cells that read as a number no amount can be (infinite, or beyond int64 cents).

    ``cents_series`` leaves them missing; flagging them here makes the row's problem
    say which cell could not be read instead of the amount silently vanishing.
    """
    return pd.Series(value.notna().to_numpy() & cents.isna().to_numpy(), index=value.index)


def _kind(v: object) -> int:
    """0 = empty/other, 1 = number, 2 = text."""
    if isinstance(v, str):
        return 2
    if isinstance(v, int | float | np.number) and not isinstance(v, bool):
        return 0 if v != v else 1
    return 0


def _text_amounts(txt: pd.Series, weights: np.ndarray | None) -> tuple[pd.Series, bool]:
    """Parse non-blank amount texts; returns floats (NaN = unreadable) and the convention.

    The convention is the one most cells follow: ``weights`` counts the cells of
    each text when ``txt`` holds distinct texts.
    """
    low = txt.str.lower()
    dash = low.isin({"-", "–", "—"})
    neg = (
        txt.str.match(r"^\(.*\)$")
        | txt.str.match(r"^[^\d]*[-−]")
        | txt.str.match(r".*\d[^\d]*-$")
        | low.str.match(r".*\d\s*cr\.?$")
    )
    wordy = low.str.replace(_MONEY_WORDS, "", regex=True).str.contains(r"[a-z]", regex=True)
    core = txt.str.replace(r"[^\d.,]", "", regex=True).str.strip(".,")
    core = core.where(~wordy, "")
    eu_dec = core.str.contains(_EU_DEC, regex=True)
    us_dec = core.str.contains(_US_DEC, regex=True)
    if weights is None:
        comma_decimal = int(eu_dec.sum()) > int(us_dec.sum())
    else:
        eu_n, us_n = weights[eu_dec.to_numpy()].sum(), weights[us_dec.to_numpy()].sum()
        comma_decimal = int(eu_n) > int(us_n)
    eu = core.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    # "1,234" and "1.234" with no decimal part are thousands either way; a single
    # separator followed by 1-2 digits is the decimal point.
    us = core.str.replace(",", "", regex=False)
    several_dots = us.str.count(r"\.") > 1
    us = us.where(~several_dots, us.str.replace(".", "", regex=False))
    thousands_dot = us.str.match(r"^\d{1,3}\.\d{3}$")
    us = us.where(~thousands_dot, us.str.replace(".", "", regex=False))
    # the column's convention decides ambiguous values; a value whose own decimal
    # separator is plain ("1.234,56" in a mostly "1,234.56" column) is read as written
    use_eu = eu_dec | (comma_decimal & ~us_dec)
    plain = eu.where(use_eu, us)
    parsed = pd.to_numeric(plain.where(plain.ne(""), None), errors="coerce").astype("float64")
    parsed = parsed.where(~neg, -parsed)
    return parsed.where(~dash, 0.0), comma_decimal


_ISO_RE = re.compile(r"\b(EUR|USD|GBP|CHF|CAD|AUD|NZD|JPY|SEK|NOK|DKK|PLN|CZK|BRL|MXN|INR|ZAR)\b")
_SYMBOL_RE = re.compile(r"(R\$|US\$|€|£|\$|¥)")
_SYMBOL_ISO = {"€": "EUR", "£": "GBP", "$": "USD", "¥": "JPY", "R$": "BRL", "US$": "USD"}


def currency_marks(raw: pd.Series | Column) -> pd.Series:
    """The currency an amount cell's text names ("€1.234,50" -> "EUR"), else "".

    >>> currency_marks(pd.Series(["€ 12,50", "USD 3", "£1", 4.0, "12"])).tolist()
    ['EUR', 'USD', 'GBP', '', '']
    """

    def one(v: object) -> str:
        if not isinstance(v, str):
            return ""
        m = _ISO_RE.search(v.upper())
        if m:
            return m.group(1)
        s = _SYMBOL_RE.search(v)
        return _SYMBOL_ISO[s.group(1)] if s else ""

    return per_unique(raw, one).astype("str")


# --------------------------------------------------------------------------- dates

_ISO = r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[ T].*)?$"
_DOTTED = r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{2,4})(?:\s.*)?$"
_SLASHED = r"^(?P<a>\d{1,2})[/-](?P<b>\d{1,2})[/-](?P<y>\d{2,4})(?:\s.*)?$"
_COMPACT = r"^(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)$"


def _ymd(y: pd.Series, m: pd.Series, d: pd.Series) -> pd.Series:
    """Assemble dates from string parts; impossible dates become NaT."""
    yy = pd.to_numeric(y, errors="coerce")
    yy = yy.where(yy >= 100, yy + 2000)
    yy = yy.where(yy.between(1900, 2200))  # "0999-01-01" or "Sept 5th" -> year 1: no date
    frame = pd.DataFrame(
        {"year": yy, "month": pd.to_numeric(m, errors="coerce"), "day": pd.to_numeric(d)}
    )
    return pd.to_datetime(frame, errors="coerce")


def dates(raw: pd.Series | Column, dayfirst: bool | None = None) -> Parsed:
    """Date cells to ``datetime64[ns]`` at midnight (NaT when missing).

    Reads date/datetime cells, Excel serial numbers, ISO text, dd.mm.yyyy,
    yyyymmdd, and slashed text whose order (M/D/Y or D/M/Y) is decided for the
    whole column: a first part above 12 proves day-first, a second part above 12
    proves month-first; with no proof ``dayfirst`` (or month-first) is assumed and
    the note says so. 0, "-" and "00.00.0000" mean no date.

    >>> dates(pd.Series(["31/01/2024", "02/03/2024", 45292, 0])).values.dt.strftime("%F").tolist()
    ['2024-01-31', '2024-03-02', '2024-01-01', nan]
    """
    col = Column.of(raw)
    key = f"dates:{dayfirst}"
    if key not in col.memo:
        if col.hashed_kind in PURE:  # per distinct value
            got = _dates_of(col.with_none(), col.kind, dayfirst)
            got = Parsed(col.spread(got.values), col.spread(got.bad), got.note)
        else:
            got = _dates_of(col.series, col.kind, dayfirst)
        col.memo[key] = got
    parsed: Parsed = col.memo[key]
    return parsed


def _dates_of(obj: pd.Series, inferred: str, dayfirst: bool | None) -> Parsed:
    """:func:`dates` of cells, or of distinct values (the text order is decided over
    distinct texts either way)."""
    if inferred in DATES:
        out = pd.to_datetime(obj, errors="coerce").astype("datetime64[ns]").dt.normalize()
        return Parsed(out, pd.Series(False, index=obj.index))
    out = pd.Series(pd.NaT, index=obj.index, dtype="datetime64[ns]")
    if inferred in NUMERIC or inferred == "string":
        is_dt = pd.Series(False, index=obj.index)
        is_num = obj.notna() if inferred in NUMERIC else is_dt
    else:
        is_dt = obj.map(lambda v: isinstance(v, dt.date))
        is_num = obj.map(
            lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool)
        )
    if is_dt.any():
        out[is_dt] = pd.to_datetime(obj[is_dt].map(lambda v: dt.datetime(v.year, v.month, v.day)))
    num = pd.to_numeric(obj.where(is_num), errors="coerce")
    serial = is_num & num.between(1, 109_574) & ~num.between(19000101, 21001231)  # to 2199
    if serial.any():
        days = np.floor(num[serial].astype("float64"))
        out[serial] = _EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
    compact_num = is_num & num.between(19000101, 21001231)
    txt = strings(obj)
    txt = txt.where(~compact_num, num.where(compact_num).astype("Int64").astype("str"))
    empty = txt.str.lower().isin(_NONE_TEXT | {"0", "00.00.0000", "0000-00-00", "00/00/0000"})
    todo = (txt.ne("") & ~empty & ~is_dt) & (~is_num | compact_num)
    note = ""
    if todo.any():
        codes, uniques = pd.factorize(txt[todo])
        got_u, note = _text_dates(pd.Series(uniques, dtype="str"), dayfirst)
        out[todo] = got_u.to_numpy()[codes]
    out = out.dt.normalize()
    bad = (todo | (is_num & ~serial & ~compact_num & num.ne(0))) & out.isna()
    return Parsed(out.astype("datetime64[ns]"), bad.astype(bool), note)


def _text_dates(t: pd.Series, dayfirst: bool | None) -> tuple[pd.Series, str]:
    """Parse distinct date texts; the slashed order is decided over all of them."""
    note = ""
    got = pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]")
    for pattern in (_ISO, _DOTTED, _COMPACT):
        p = t.str.extract(pattern)
        hit = p["y"].notna() & got.isna()
        if hit.any():
            got[hit] = _ymd(p.loc[hit, "y"], p.loc[hit, "m"], p.loc[hit, "d"])
    s = t.str.extract(_SLASHED)
    hit = s["y"].notna() & got.isna()
    if hit.any():
        a = pd.to_numeric(s.loc[hit, "a"])
        b = pd.to_numeric(s.loc[hit, "b"])
        day_proof, month_proof = int((a > 12).sum()), int((b > 12).sum())
        if day_proof and not month_proof:
            first, note = True, "day first (D/M/Y): some first parts exceed 12"
        elif month_proof and not day_proof:
            first, note = False, "month first (M/D/Y): some second parts exceed 12"
        else:
            first = bool(dayfirst) if day_proof == month_proof else day_proof > month_proof
            order = "D/M/Y" if first else "M/D/Y"
            note = f"{order} assumed: the column's text dates do not prove the order"
        a_txt, b_txt = s.loc[hit, "a"], s.loc[hit, "b"]
        dd, mm = (a_txt, b_txt) if first else (b_txt, a_txt)
        got[hit] = _ymd(s.loc[hit, "y"], mm, dd)
    rest = got.isna()
    if rest.any():  # month names, "Jan 5, 2024", "5 janvier"...: slow path, few cells
        slow = pd.to_datetime(
            t[rest], errors="coerce", format="mixed", dayfirst=bool(dayfirst), utc=True
        )
        slow = slow.where(slow.dt.year.between(1900, 2200))  # out of range: not a date
        got[rest] = slow.dt.tz_localize(None).astype("datetime64[ns]")
    return got, note


# --------------------------------------------------------------------------- others


def flags(raw: pd.Series | Column) -> Parsed:
    """Flag cells to bool: yes/y/true/x/1/"disputed"... and any other non-empty text.

    A dispute column often holds a case id or a reason rather than "yes", so any
    value that is not a recognised "no" counts as set.

    >>> flags(pd.Series(["Yes", "no", None, 1, 0, "case 4711", "-"])).values.tolist()
    [True, False, False, True, False, True, False]
    """
    col = Column.of(raw)
    low = pd.Series(col.text_table, dtype=object).str.lower()
    on = col.spread(~low.isin(_FALSE).to_numpy())
    return Parsed(pd.Series(on, index=col.index), pd.Series(False, index=col.index))


def integers(raw: pd.Series | Column) -> Parsed:
    """Whole numbers such as days overdue ("45", 45.0, "45 days") to ``Int64``.

    >>> integers(pd.Series(["45 days", 12.0, None, "x"])).values.tolist()
    [45, 12, <NA>, <NA>]
    """
    col = Column.of(raw)
    if col.kind not in PURE:
        return _integers_of(col.series, col.kind, text(col))
    txt = pd.Series(col.text_table, dtype="str")
    got = _integers_of(col.with_none(), col.kind, txt)
    return Parsed(col.spread(got.values), col.spread(got.bad))


def _integers_of(obj: pd.Series, inferred: str, txt: pd.Series) -> Parsed:
    if inferred in NUMERIC or inferred == "empty":
        num = pd.to_numeric(obj, errors="coerce")
    else:
        num = pd.to_numeric(obj.map(lambda v: v if isinstance(v, int | float) else None))
    from_txt = pd.to_numeric(txt.str.extract(r"^\s*(-?\d+(?:\.\d+)?)")[0], errors="coerce")
    val = num.where(num.notna(), from_txt)
    bad = val.isna() & txt.ne("") & ~txt.str.lower().isin(_NONE_TEXT)
    return Parsed(val.round().astype("Int64"), bad.astype(bool))
