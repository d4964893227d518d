"""Cell XML: addresses, escaping, and values turned into ``<c>`` elements.

Every string is written as an inline string (``t="inlineStr"``), so text that starts
with ``=``, ``+``, ``-`` or ``@`` is stored as text and can never become a formula
(issue 6, point 4); characters XML 1.0 forbids are removed, not escaped. Whole
columns are converted at once for the managed block (a million rows) and the owned
sheets (:func:`value_tails`, same bytes as :func:`value_cell` per value).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
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
_EPOCH = pd.Timestamp("1899-12-30")
_TEXT_HEAD = ' t="inlineStr"><is><t xml:space="preserve">'
_TEXT_TAIL = "</t></is></c>"
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


def _s(style: int) -> str:
    return f' s="{style}"' if style else ""


def text_cell(ref: str, text: str, style: int = 0) -> str:
    """An inline-string cell; empty text gives no cell at all.

    >>> text_cell("A1", "=HYPERLINK(1)", 2)
    '<c r="A1" s="2" t="inlineStr"><is><t xml:space="preserve">=HYPERLINK(1)</t></is></c>'
    """
    if text == "":
        return ""
    body = escape_text(text)
    return f'<c r="{ref}"{_s(style)} t="inlineStr"><is><t xml:space="preserve">{body}</t></is></c>'


def number_cell(ref: str, number: float | int, style: int = 0) -> str:
    """A numeric cell (NaN and infinities give no cell: Excel cannot store them)."""
    if isinstance(number, float):
        if not math.isfinite(number):
            return ""
        if number.is_integer() and abs(number) < 1e15:
            return f'<c r="{ref}"{_s(style)}><v>{int(number)}</v></c>'
    return f'<c r="{ref}"{_s(style)}><v>{number!r}</v></c>'


def date_serial(value: date | datetime | pd.Timestamp) -> float:
    """Excel's 1900 date serial (days since 1899-12-30; time as the fraction).

    >>> date_serial(date(2026, 11, 22)), date_serial(pd.Timestamp("1900-03-01 12:00"))
    (46348, 61.5)
    """
    if isinstance(value, datetime):  # includes pd.Timestamp
        delta = pd.Timestamp(value).tz_localize(None) - _EPOCH
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
        return f'<c r="{ref}"{_s(style)} t="b"><v>{int(bool(value))}</v></c>'
    if isinstance(value, datetime | date):
        return number_cell(ref, date_serial(value), style)
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else number_cell(ref, date_serial(pd.Timestamp(value)), style)
    if isinstance(value, int | np.integer):
        return number_cell(ref, int(value), style)
    if isinstance(value, float | np.floating):
        return number_cell(ref, float(value), style)
    return text_cell(ref, str(value), style)


def cell_tails(values: pd.Series, kind: str) -> list[str]:
    """The part of each cell after its ``r`` and ``s`` attributes, for a whole column.

    ``kind`` is "date", "number" or "text". A missing value gives ``"/>"`` (an empty
    styled cell). Columns of the managed block have few distinct values, so each
    distinct value is converted once and the rows pick theirs by code: this is the
    hot path of writing a million-row sheet.

    >>> cell_tails(pd.Series(["a<", None, "a<"]), "text")[:2]
    [' t="inlineStr"><is><t xml:space="preserve">a&lt;</t></is></c>', '/>']
    >>> cell_tails(pd.Series([3.0, float("nan")]), "number")
    ['><v>3</v></c>', '/>']
    """
    return pick(*cell_codes(values, kind))


def cell_codes(values: pd.Series, kind: str) -> tuple[np.ndarray, list[str]]:
    """:func:`cell_tails` as a code per value into a table of tails (the last is "/>")."""
    return cell_coded(values, kind).chunk(slice(None))


def cell_coded(values: pd.Series, kind: str, latin: bool = False) -> Coded:
    """A managed block column factorised once, its tails made as chunks need them.

    With ``latin`` the tails are the UTF-8 bytes of the cells as latin-1 text (one
    character per byte), as the managed block's rows are joined.
    """
    if kind == "date":
        ts = pd.to_datetime(values, errors="coerce")
        values = pd.Series((ts - _EPOCH) / pd.Timedelta(days=1), dtype="float64")
        kind = "number"
    if kind == "number":
        nums = pd.to_numeric(values, errors="coerce").astype("float64")
        # ASCII: latin-1 as it is
        return _coded(nums, _number_cells, "/>", Split(_number_split, "><v>", "</v></c>"))
    text = _latin_text_cells if latin else _text_cells
    split = Split(_latin_text_split, _TEXT_HEAD, _TEXT_TAIL) if latin else None
    if isinstance(values.dtype, pd.StringDtype):
        return _coded(values, text, "/>", split)
    codes, uniques = pd.factorize(values.astype(object))  # equal values may differ in type
    return Coded(codes, uniques, text, "/>")


def _latin_text_cells(uniques: Any) -> list[str]:
    """:func:`_text_cells` as UTF-8 bytes in latin-1 text (one character per byte)."""
    texts, has = _latin_text_split(uniques)
    head, tail = _TEXT_HEAD, _TEXT_TAIL
    return [f"{head}{t}{tail}" if h else "/>" for t, h in zip(texts, has.tolist(), strict=True)]


def _latin_text_split(values: Any) -> tuple[list[str], np.ndarray]:
    """The text of each value's cell (escaped, as latin-1 text of its UTF-8 bytes) and
    whether it has one (escaping can leave nothing: then the cell is empty)."""
    texts = escape_texts(_as_texts(values))
    if not all(texts):
        has = np.fromiter(map(bool, texts), dtype=bool, count=len(texts))
    else:
        has = np.ones(len(texts), dtype=bool)
    joined = "\x00".join(texts)  # escaped: no text holds a NUL
    if not joined.isascii():
        texts = joined.encode("utf-8").decode("latin-1").split("\x00")
    return texts, has


def _as_texts(values: Any) -> list[str]:
    """The values as texts (a value that is not text as ``str`` gives it)."""
    items: list[Any] = values.tolist()
    if set(map(type, items)) <= {str}:
        return items
    return [u if type(u) is str else str(u) for u in items]


def _number_cells(uniques: Any) -> list[str]:
    texts = number_texts(np.asarray(uniques, dtype="float64"))
    return [f"><v>{t}</v></c>" if t else "/>" for t in texts]


def _number_split(values: Any) -> tuple[list[str], np.ndarray]:
    nums = np.asarray(values, dtype="float64")
    return number_texts(nums), np.isfinite(nums)


def _text_cells(uniques: Any) -> list[str]:
    texts = escape_texts([u if type(u) is str else str(u) for u in uniques.tolist()])
    return [f"{_TEXT_HEAD}{t}</t></is></c>" if t else "/>" for t in texts]


@dataclass(frozen=True)
class Coded:
    """A column as a code per row into its distinct values, and how to make their tails.

    With few distinct values the tails are made once for the whole column; with many
    (invoice numbers, amounts, reasons) a chunk makes the tails of the values it
    uses, so a million distinct tails are never held at once. A column whose values
    nearly all differ is not factorised at all (``codes`` is None, ``uniques`` the
    column's values as an array): its chunks make a tail per row, ``valid`` says
    which rows have a value (None: all). Code -1 is missing.
    """

    codes: np.ndarray | None
    uniques: Any
    make: Callable[[Any], list[str]]
    missing: str
    split: Split | None = None
    valid: np.ndarray | None = None

    def _valid(self, rows: slice | np.ndarray) -> np.ndarray | None:
        return None if self.valid is None else self.valid[rows]

    @cached_property
    def table(self) -> list[str] | None:
        """Tails of all distinct values (+ missing last), or None when there are many."""
        if self.codes is None or 4 * len(self.uniques) > len(self.codes) + 64:
            return None
        return [*self.make(self.uniques), self.missing]

    def chunk(self, rows: slice | np.ndarray) -> tuple[np.ndarray, list[str]]:
        """(codes, table) of the rows ``rows``; the table's last entry is the missing tail."""
        if self.codes is None:
            values = self.uniques[rows]
            valid = self._valid(rows)
            if valid is None:
                return np.arange(len(values)), [*self.make(values), self.missing]
            codes = np.full(len(values), -1, dtype=np.int64)
            codes[valid] = np.arange(int(valid.sum()))
            return codes, [*self.make(values[valid]), self.missing]
        codes = np.asarray(self.codes[rows])
        if self.table is not None:
            return codes, self.table
        used, inverse = np.unique(codes, return_inverse=True)
        tails = self.make(self.uniques.take(used[used >= 0]))
        if len(used) and used[0] < 0:
            tails.insert(0, self.missing)
        return inverse.reshape(-1), [*tails, self.missing]

    def texts(self, rows: slice | np.ndarray) -> tuple[list[str], np.ndarray] | None:
        """For a column that is not factorised and has a :class:`Split`: the text of
        each row's tail between ``split.head`` and ``split.tail`` and whether the row
        has one (a row without takes ``missing``); None for the other columns.

        A tail made whole costs a string per row and a copy of every text; these
        pieces are laid out by :func:`join_rows` as they are."""
        if self.codes is not None or self.split is None:
            return None
        values = self.uniques[rows]
        valid = self._valid(rows)
        if valid is None:
            return self.split.texts(values)
        out = np.full(len(values), "", dtype=object)
        has = np.zeros(len(values), dtype=bool)
        if valid.any():
            texts, some = self.split.texts(values[valid])
            out[valid] = texts
            has[valid] = some
        return out.tolist(), has

    def slots(self, rows: slice | np.ndarray) -> list[Slot]:
        """The tails of the rows ``rows`` as :func:`join_rows` slots."""
        split = self.texts(rows)
        if split is None:
            return [self.chunk(rows)]
        assert self.split is not None
        texts, has = split
        head, tail = self.split.head, self.split.tail
        if has.all():
            return [head, texts, tail]
        codes = (~has).astype(np.int64)  # 1: no text, the missing tail
        return [(codes, [head, self.missing]), texts, (codes, [tail, ""])]

    def text_chars(self) -> int:
        """The characters of the column's texts (what :func:`text_bound` counts), from
        the distinct values and their counts rather than a pass over every row."""
        if self.codes is None:
            values = self.uniques if self.valid is None else self.uniques[self.valid]
            return int(_text_lengths(values).sum())
        counts = np.bincount(self.codes[self.codes >= 0], minlength=len(self.uniques))
        return int(counts @ _text_lengths(self.uniques))


def _text_lengths(values: Any) -> np.ndarray:
    """``len`` of each text, 0 for a value that is not text (a number or date)."""
    items = values.tolist() if hasattr(values, "tolist") else list(values)
    try:
        return np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    except TypeError:  # not all texts
        return np.array([len(v) if isinstance(v, str) else 0 for v in items], dtype=np.int64)


@dataclass(frozen=True)
class Split:
    """A tail as ``head + text + tail``: ``texts(values)`` gives each value's text
    and whether it has one (the others take the column's missing tail)."""

    texts: Callable[[Any], tuple[list[str], np.ndarray]]
    head: str
    tail: str


def _coded(
    values: pd.Series, make: Callable[[Any], list[str]], missing: str, split: Split | None = None
) -> Coded:
    """``values`` factorised, unless its first rows say nearly every value differs.

    A column of one chunk or less is not factorised either: its tails are made row
    by row, which costs less than hashing every value (draft bodies are long).
    """
    head = values.iloc[:4096]
    if len(values) <= 8192 or 4 * head.nunique() > len(head):
        array = values.to_numpy()
        return Coded(None, array, make, missing, split, _valid_rows(array))
    # strings or floats: the plain array factorises twice as fast as the Series
    codes, uniques = pd.factorize(values.to_numpy())
    return Coded(codes.astype(np.int32), uniques, make, missing)  # half the memory


def _valid_rows(values: np.ndarray) -> np.ndarray | None:
    """Which values are not missing, or None when none is (texts checked in one C
    pass, cheaper than ``isna``)."""
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) == "string":
        return None
    valid = ~pd.isna(values)
    return None if valid.all() else valid


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


_CELL_HEAD = len('<c r="A1"')
#: Types whose equal values always give equal cells (not Decimal, not tz-aware times).
_PLAIN = (str, int, float, bool)


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


def _value_tail(value: Any) -> str:
    cell = value_cell("A1", value)
    return cell[_CELL_HEAD:] if cell else ""


def value_tails(values: pd.Series) -> list[str]:
    """What :func:`value_cell` writes after ``r`` and ``s`` for each value, "" for no cell.

    The same bytes as ``value_cell`` per value (the owned sheets, Snapshot above all,
    reach 100k+ rows), computed once per distinct value where the dtype makes equal
    values give equal cells; object columns, whose equal values may differ in type
    (``True == 1 == 1.0``), go value by value.

    >>> value_tails(pd.Series(["=1", "", None], dtype="str"))
    [' t="inlineStr"><is><t xml:space="preserve">=1</t></is></c>', '', '']
    >>> value_tails(pd.Series([2.5, float("nan"), 3.0]))
    ['><v>2.5</v></c>', '', '><v>3</v></c>']
    """
    codes, table = value_codes(values)
    return pick(codes, table)


def pick(codes: np.ndarray, table: list[str]) -> list[str]:
    """``table[code]`` for each code (-1 picks the last entry).

    >>> pick(np.array([1, -1, 0]), ["a", "b", ""]), pick(np.arange(2), ["a", "b", ""])
    (['b', '', 'a'], ['a', 'b'])
    """
    n = len(codes)
    if n == len(table) - 1 and n and codes[0] == 0 and bool((np.diff(codes) == 1).all()):
        return table[:n]  # a row per entry, in order (a column of distinct values)
    return np.array(table, dtype=object)[codes].tolist()


def value_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """:func:`value_tails` as a code per value into a table of tails (the last is "").

    Rows then pick their tail by code, so text common to every cell of a column
    (its address head, style) can be added to each distinct tail once, not per row.

    A short column (one chunk) is not factorised: its rows have a code each.

    >>> codes, table = value_codes(pd.Series(["b", None, "c"], dtype="str"))
    >>> codes.tolist(), [t[-16:] for t in table]
    ([0, -1, 1], ['">b</t></is></c>', '">c</t></is></c>', ''])
    """
    coded = value_coded(values)
    if coded is not None:
        return coded.chunk(slice(None))
    cache: dict[tuple[type, Any], str] = {}
    tails = []
    for v in values:
        if type(v) in _PLAIN:
            key = (type(v), v)
            tail = cache.get(key)
            if tail is None:
                tail = cache[key] = _value_tail(v)
        else:
            tail = _value_tail(v)
        tails.append(tail)
    return np.arange(len(tails)), [*tails, ""]  # code -1 (missing) picks the last


def value_coded(values: pd.Series) -> Coded | None:
    """An owned sheet column factorised once (None for object columns, whose equal
    values may differ in type, ``True == 1 == 1.0``, and go value by value)."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        return _coded(values, _string_values, "", Split(_string_split, _TEXT_HEAD, _TEXT_TAIL))
    if isinstance(dtype, np.dtype) and dtype == np.float64:
        return _coded(values, _float_values, "", Split(_number_split, "><v>", "</v></c>"))
    if getattr(dtype, "kind", "O") in "biufmM" and not isinstance(dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(values)
        return Coded(codes, uniques, _scalar_values, "")
    return None


def _string_values(uniques: Any) -> list[str]:
    texts = uniques.tolist()
    tails = escape_texts(texts)
    return [
        f"{_TEXT_HEAD}{t}</t></is></c>" if u != "" else ""
        for t, u in zip(tails, texts, strict=True)
    ]


def _string_split(values: Any) -> tuple[list[str], np.ndarray]:
    """:func:`_string_values` as (escaped text, whether a cell) per value."""
    texts = values.tolist()
    has = np.fromiter(map(bool, texts), dtype=bool, count=len(texts))
    return escape_texts(texts), has


def _float_values(uniques: Any) -> list[str]:
    texts = number_texts(np.asarray(uniques, dtype="float64"))
    return [f"><v>{t}</v></c>" if t else "" for t in texts]


def _scalar_values(uniques: Any) -> list[str]:
    return [_value_tail(u) for u in uniques]


#: One piece of every row: a constant, one text per row, or (codes, table).
Slot = str | list[str] | tuple[np.ndarray, list[str]]


def join_rows(n: int, slots: list[Slot]) -> str:
    """The concatenation, row by row, of ``n`` rows made of ``slots``, as one string.

    Constants are folded into a neighbouring table (added to each distinct entry
    once), then the pieces of all rows are laid out in one list and joined in C:
    several times as fast as formatting each row, for the same text.

    >>> join_rows(2, ["<r>", (np.array([1, 0]), ["a", "b"]), ["1", "2"], "</r>"])
    '<r>b1</r><r>a2</r>'
    """
    merged: list[Slot] = []
    for slot in slots:
        prev = merged[-1] if merged else None
        if isinstance(slot, str) and isinstance(prev, str):
            merged[-1] = prev + slot
        elif not isinstance(slot, str) or slot:
            merged.append(slot)
    # a constant goes into a small table beside it (a table about as long as the
    # rows gains nothing: the constant then stays a piece of its own)
    small = [isinstance(x, tuple) and 4 * len(x[1]) <= n for x in merged]
    folded: list[Slot] = []
    for i, slot in enumerate(merged):
        if isinstance(slot, tuple) and small[i]:
            head = merged[i - 1] if i and isinstance(merged[i - 1], str) else ""
            tail = merged[i + 1] if i + 1 < len(merged) and isinstance(merged[i + 1], str) else ""
            if head and folded and folded[-1] is head:
                folded.pop()
            if head or tail:
                slot = (slot[0], [f"{head}{t}{tail}" for t in slot[1]])
                if tail:
                    merged[i + 1] = ""  # used up
        if not (isinstance(slot, str) and not slot):
            folded.append(slot)
    flat: list[str] = [""] * (n * len(folded))
    for k, slot in enumerate(folded):
        flat[k :: len(folded)] = _values(n, slot)
    return "".join(flat)


def _values(n: int, slot: Slot) -> list[str]:
    if isinstance(slot, str):
        return [slot] * n
    if isinstance(slot, tuple):
        return pick(*slot)
    return slot


#: Excel's HYPERLINK takes at most 255 characters per argument.
_MAX_LINK = 255


def link_tails(values: pd.Series, label: str = "Open draft") -> list[str]:
    """Cell tails for a "link" column: ``=HYPERLINK("path","label")`` per relative path.

    This is the one place the tool writes a formula into an owned sheet, and it is
    built only from a file path: double quotes are doubled (Excel's string escape) and
    the text XML-escaped, so a path edited into something odd stays a string literal
    inside HYPERLINK and cannot become a formula of its own. Empty values give no
    cell; a path too long for HYPERLINK is written as plain text.

    >>> link_tails(pd.Series(['d/"x".eml', None]))
    [' t="str"><f>HYPERLINK("d/""x"".eml","Open draft")</f><v>Open draft</v></c>', '']
    """
    out: list[str] = []
    for v in values.astype(object).where(values.notna(), ""):
        path = str(v).strip()
        if not path:
            out.append("")
        elif len(path) > _MAX_LINK:
            out.extend(value_tails(pd.Series([path], dtype=object)))
        else:
            formula = 'HYPERLINK("' + path.replace('"', '""') + '","' + label + '")'
            out.append(f' t="str"><f>{escape_text(formula)}</f><v>{escape_text(label)}</v></c>')
    return out


def text_bound(columns: Iterable[pd.Series], coded: Sequence[Coded | None] = ()) -> int:
    """An upper bound of the XML bytes the text in ``columns`` can take.

    The writer streams a part before knowing its size and must decide zip64 up front,
    so row counts alone are not enough: a column of long notes can be gigabytes. Each
    character becomes at most 6 bytes (``&quot;``; UTF-8 needs at most 4).
    ``coded[i]``, where given and not None, is column ``i`` factorised as its own
    values: its texts are counted once per distinct value (a pass over every row of
    every column cost more than the rest of building the Snapshot's head).

    >>> text_bound([pd.Series(["ab", None, "c"]), pd.Series([1.5, 2.0])])
    18
    """
    chars = 0
    for i, col in enumerate(columns):
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            known = coded[i] if i < len(coded) else None
            if known is not None:
                chars += known.text_chars()
                continue
            try:
                chars += int(col.str.len().sum())
            except AttributeError:  # an object column of numbers or dates: no text
                continue
    return 6 * chars
