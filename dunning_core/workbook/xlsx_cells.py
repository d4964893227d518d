"""Cell XML: addresses, escaping, and values turned into ``<c>`` elements.

Every string is written as an inline string (``t="inlineStr"``), so text that starts
with ``=``, ``+``, ``-`` or ``@`` is stored as text and can never become a formula
(issue 6, point 4); characters XML 1.0 forbids are removed, not escaped. Whole
columns are made of the same cells by :mod:`xlsx_coded` (per distinct value) and
:mod:`xlsx_join` (rows laid out in one join).
"""

from __future__ import annotations

import bisect
import math
import re
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from dunning_core.sheetaddr import column_index

#: Excel's limit on the characters in one cell; longer text makes Excel repair the file.
MAX_CELL_CHARS = 32767
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: Every character :func:`escape_text` changes.
_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff&<>\r]")
#: Every character :func:`escape_text` changes, but the lone surrogates.
_SPECIAL_CHARS = [chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))]
_SPECIAL_CHARS += ["&", "<", ">", "\r", "\ufffe", "\uffff"]
#: Day 0 of Excel's 1900 date serials.
EPOCH = pd.Timestamp("1899-12-30")
#: An inline-string cell's tail is TEXT_HEAD + escaped text + TEXT_TAIL.
TEXT_HEAD = ' t="inlineStr"><is><t xml:space="preserve">'
TEXT_TAIL = "</t></is></c>"
_EPOCH_DATE = date(1899, 12, 30)
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


def split_ref(ref: str) -> tuple[int, int]:
    """ "B12" -> (column 2, row 12).

    >>> split_ref("$AB$7")
    (28, 7)
    """
    m = _REF.fullmatch(ref)
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return column_index(m.group(1)), int(m.group(2))


def escape_text(text: str) -> str:
    """Text safe for an XML text node and an Excel cell.

    Characters XML forbids are dropped, ``& < >`` and CR escaped, and the text is cut
    at Excel's 32,767 characters per cell.

    >>> escape_text("=1+1 <b> & \\x01ok")
    '=1+1 &lt;b&gt; &amp; ok'
    """
    text = _ILLEGAL.sub("", text)[:MAX_CELL_CHARS]
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;")  # a raw CR would be read back as a line feed


def style_attr(xf: int) -> str:
    """A cell's style attribute (` s="3"`); nothing for the default style 0."""
    return f' s="{xf}"' if xf else ""


def text_cell(ref: str, text: str, style: int = 0) -> str:
    """An inline-string cell; empty text gives no cell at all.

    >>> text_cell("A1", "=HYPERLINK(1)", 2)
    '<c r="A1" s="2" t="inlineStr"><is><t xml:space="preserve">=HYPERLINK(1)</t></is></c>'
    """
    if text == "":
        return ""
    body = escape_text(text)
    head = f'<c r="{ref}"{style_attr(style)} t="inlineStr">'
    return f'{head}<is><t xml:space="preserve">{body}</t></is></c>'


def number_cell(ref: str, number: float | int, style: int = 0) -> str:
    """A numeric cell (NaN and infinities give no cell: Excel cannot store them)."""
    if isinstance(number, float):
        if not math.isfinite(number):
            return ""
        if number.is_integer() and abs(number) < 1e15:
            return f'<c r="{ref}"{style_attr(style)}><v>{int(number)}</v></c>'
    return f'<c r="{ref}"{style_attr(style)}><v>{number!r}</v></c>'


def date_serial(value: date | datetime | pd.Timestamp) -> float:
    """Excel's 1900 date serial (days since 1899-12-30; time as the fraction).

    >>> date_serial(date(2026, 11, 22)), date_serial(pd.Timestamp("1900-03-01 12:00"))
    (46348, 61.5)
    """
    if isinstance(value, datetime):  # includes pd.Timestamp
        delta = pd.Timestamp(value).tz_localize(None) - EPOCH
        days = delta.total_seconds() / 86400
        return int(days) if days.is_integer() else days
    return (value - _EPOCH_DATE).days


def value_cell(ref: str, value: Any, style: int = 0) -> str:
    """Any Python/pandas scalar as a cell: text, number, bool or date serial."""
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, str):
        return text_cell(ref, value, style)
    if isinstance(value, bool | np.bool_):
        return f'<c r="{ref}"{style_attr(style)} t="b"><v>{int(bool(value))}</v></c>'
    if isinstance(value, datetime | date):
        return number_cell(ref, date_serial(value), style)
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else number_cell(ref, date_serial(pd.Timestamp(value)), style)
    if isinstance(value, int | np.integer):
        return number_cell(ref, int(value), style)
    if isinstance(value, float | np.floating):
        return number_cell(ref, float(value), style)
    return text_cell(ref, str(value), style)


def number_texts(nums: np.ndarray) -> list[str]:
    """Shortest round-trip text per float; integers without ".0"; '' for NaN/inf.

    >>> number_texts(np.array([1.0, 0.85, np.nan, -3.0, 1e20]))
    ['1', '0.85', '', '-3', '1e+20']
    """
    finite = np.isfinite(nums)
    whole = finite & (np.abs(nums) < 1e15)
    whole[whole] = nums[whole] == np.floor(nums[whole])
    if whole.all():  # money as cents, day counts: str of each Python int
        return list(map(str, nums.astype(np.int64).tolist()))
    out = np.full(nums.shape, "", dtype=object)
    out[whole] = list(map(str, nums[whole].astype(np.int64).tolist()))
    frac = finite & ~whole
    out[frac] = list(map(repr, nums[frac].tolist()))
    return list(out)


def escape_texts(texts: list[str]) -> list[str]:
    """:func:`escape_text` of each text, looking for what needs escaping in all at once.

    Most texts (invoice numbers, names) need no escaping: they are joined with line
    feeds (which escaping keeps as they are, so nothing found spans two texts) and
    only the texts a special character falls in are escaped one by one.

    >>> escape_texts(["a", "b<c", "", "x\\x01"])
    ['a', 'b&lt;c', '', 'x']
    """
    out = list(texts)
    if not out:
        return out
    lengths = np.fromiter(map(len, out), dtype=np.int64, count=len(out))
    todo = set(np.flatnonzero(lengths > MAX_CELL_CHARS).tolist())
    joined = "\n".join(out)
    todo.update(_special_texts(joined, lengths))
    for i in todo:
        out[i] = escape_text(out[i])
    return out


def _special_texts(joined: str, lengths: np.ndarray) -> list[int]:
    """Which texts (joined by line feeds, of ``lengths``) hold a character that
    :func:`escape_text` changes.

    Each such character is looked for with ``str.find``, once per text holding it: a
    C scan of the text per character beats a regex looking at every character.
    Lone surrogates, which only a failed encode reveals, are left to the regex.
    """
    if not joined.isascii():
        try:
            joined.encode("utf-8")
        except UnicodeEncodeError:
            starts = [m.start() for m in _SPECIAL.finditer(joined)]
            return np.searchsorted(np.cumsum(lengths + 1), starts, side="right").tolist()
    found: list[int] = []
    ends: list[int] = []
    for ch in _SPECIAL_CHARS:
        at = joined.find(ch)
        if at >= 0 and not ends:
            ends = np.cumsum(lengths + 1).tolist()  # each text's end + 1
        while at >= 0:
            k = bisect.bisect_right(ends, at)
            found.append(k)
            at = joined.find(ch, ends[k])
    return found
