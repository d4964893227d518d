"""Whole columns as cell tails, made once per distinct value (:class:`Coded`).

The managed block (a million rows) and the owned sheets (the Snapshot has a row per
invoice) write columns, not cells: each column is factorised once and the tail of
each distinct value (what follows a cell's ``r`` and ``s`` attributes) is made
once, with the same bytes as :func:`xlsx_cells.value_cell` per value. A column of
nearly distinct values (invoice numbers, amounts, reasons) is not factorised: its
rows give their text between a constant head and tail (:class:`Split`), which
:func:`xlsx_join.join_rows` lays out without making a string per cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from dunning_core.workbook.xlsx_cells import (
    EPOCH,
    TEXT_HEAD,
    TEXT_TAIL,
    escape_text,
    escape_texts,
    number_texts,
    value_cell,
)
from dunning_core.workbook.xlsx_join import Slot, pick


@dataclass(frozen=True)
class Split:
    """A tail as ``head + text + tail``: ``texts(values)`` gives each value's text
    and whether it has one (the others take the column's missing tail)."""

    texts: Callable[[Any], tuple[list[str], np.ndarray]]
    head: str
    tail: str


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


def _text_lengths(values: Any) -> np.ndarray:
    """``len`` of each text, 0 for a value that is not text (a number or date)."""
    items = values.tolist() if hasattr(values, "tolist") else list(values)
    try:
        return np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    except TypeError:  # not all texts
        return np.array([len(v) if isinstance(v, str) else 0 for v in items], dtype=np.int64)


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
        values = pd.Series((ts - EPOCH) / pd.Timedelta(days=1), dtype="float64")
        kind = "number"
    if kind == "number":
        nums = pd.to_numeric(values, errors="coerce").astype("float64")
        # ASCII: latin-1 as it is
        return _coded(nums, _number_cells, "/>", Split(_number_split, "><v>", "</v></c>"))
    text = _latin_text_cells if latin else _text_cells
    split = Split(_latin_text_split, TEXT_HEAD, TEXT_TAIL) if latin else None
    if isinstance(values.dtype, pd.StringDtype):
        return _coded(values, text, "/>", split)
    codes, uniques = pd.factorize(values.astype(object))  # equal values may differ in type
    return Coded(codes, uniques, text, "/>")


def _latin_text_cells(uniques: Any) -> list[str]:
    """:func:`_text_cells` as UTF-8 bytes in latin-1 text (one character per byte)."""
    texts, has = _latin_text_split(uniques)
    head, tail = TEXT_HEAD, TEXT_TAIL
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
    return [f"{TEXT_HEAD}{t}</t></is></c>" if t else "/>" for t in texts]


_CELL_HEAD = len('<c r="A1"')
#: Types whose equal values always give equal cells (not Decimal, not tz-aware times).
_PLAIN = (str, int, float, bool)


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
        return _coded(values, _string_values, "", Split(_string_split, TEXT_HEAD, TEXT_TAIL))
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
        f"{TEXT_HEAD}{t}</t></is></c>" if u != "" else "" for t, u in zip(tails, texts, strict=True)
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
