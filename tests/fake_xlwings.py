"""An in-memory FAKE of the few xlwings calls the add-in adapter makes.

This is not Excel and proves nothing about Excel's behaviour: it stores cell values
in dicts, so the adapter's logic (what is read, what is written where, how many range
transfers) can be tested on Linux. It counts every range value read and write, which
is what proves the number of round trips does not grow with the row count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Cell = tuple[int, int]


@dataclass
class Counter:
    """Range value transfers (the expensive calls in real Excel) and other calls."""

    reads: int = 0
    writes: int = 0
    formats: int = 0
    clears: int = 0


class FakeRange:
    def __init__(self, sheet: FakeSheet, first: Cell, last: Cell | None = None) -> None:
        self.sheet, self.first = sheet, first
        self.last = last or first
        self._ndim = 0

    @property
    def row(self) -> int:
        return self.first[0]

    @property
    def column(self) -> int:
        return self.first[1]

    def options(self, ndim: int = 0) -> FakeRange:
        self._ndim = ndim
        return self

    @property
    def value(self) -> Any:
        self.sheet.book.counter.reads += 1
        (r0, c0), (r1, c1) = self.first, self.last
        grid = [
            [self.sheet.cells.get((r, c)) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)
        ]
        if self._ndim == 2 or (len(grid) > 1 and len(grid[0]) > 1):
            return grid
        return grid[0][0] if (r0, c0) == (r1, c1) else [v for row in grid for v in row]

    @value.setter
    def value(self, data: Any) -> None:
        """Like xlwings: a 2D list written at a cell fills the rectangle from there."""
        self.sheet.book.counter.writes += 1
        rows = data if isinstance(data, list) and data and isinstance(data[0], list) else [[data]]
        r0, c0 = self.first
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.sheet.put(r0 + i, c0 + j, v)

    def add_hyperlink(self, address: str, text_to_display: str | None = None) -> None:
        """Recorded in ``sheet.links`` (this is a fake: nothing is opened)."""
        self.sheet.links[self.first] = address
        self.sheet.put(*self.first, text_to_display or address)

    @property
    def number_format(self) -> str:
        return self.sheet.formats.get(self.first, "General")

    @number_format.setter
    def number_format(self, code: str) -> None:
        self.sheet.book.counter.formats += 1
        for r in range(self.first[0], self.last[0] + 1):
            for c in range(self.first[1], self.last[1] + 1):
                self.sheet.formats[(r, c)] = code

    @property
    def data_validation(self) -> FakeValidation:
        return FakeValidation(self)

    @property
    def last_cell(self) -> FakeRange:
        return FakeRange(self.sheet, self.last)

    def clear_contents(self) -> None:
        self.sheet.book.counter.clears += 1
        for r, c in list(self.sheet.cells):
            if self.first[0] <= r <= self.last[0] and self.first[1] <= c <= self.last[1]:
                del self.sheet.cells[(r, c)]


class FakeValidation:
    def __init__(self, rng: FakeRange) -> None:
        self.rng = rng

    def set_list(self, source: list[Any], *, in_cell_dropdown: bool = True) -> None:
        self.rng.sheet.validations[(self.rng.first, self.rng.last)] = list(source)


class FakePanes:
    def __init__(self, sheet: FakeSheet) -> None:
        self.sheet = sheet

    def freeze_at(self, where: str) -> None:
        self.sheet.frozen = where


@dataclass
class FakeChart:
    name: str
    source: tuple[Cell, Cell]
    anchor: Cell
    charts: FakeCharts

    def delete(self) -> None:
        self.charts.remove(self)


class FakeCharts(list[FakeChart]):
    def add(self, *, source: FakeRange, anchor: FakeRange, name: str = "", **_: Any) -> FakeChart:
        chart = FakeChart(name, (source.first, source.last), anchor.first, self)
        self.append(chart)
        return chart


@dataclass
class FakeTable:
    name: str
    sheet: FakeSheet
    ref: tuple[Cell, Cell]

    @property
    def range(self) -> FakeRange:
        return FakeRange(self.sheet, *self.ref)

    def resize(self, rng: FakeRange) -> None:
        self.ref = (rng.first, rng.last)


class FakeTables(list[FakeTable]):
    def add(self, source: FakeRange, name: str | None = None, **_: Any) -> FakeTable:
        table = FakeTable(
            name or f"Table{len(self) + 1}", source.sheet, (source.first, source.last)
        )
        self.append(table)
        return table


@dataclass
class FakeSheet:
    name: str
    book: FakeBook
    cells: dict[Cell, Any] = field(default_factory=dict)
    formats: dict[Cell, str] = field(default_factory=dict)
    formulas: dict[Cell, str] = field(default_factory=dict)  # strings Excel would parse
    links: dict[Cell, str] = field(default_factory=dict)  # hyperlinks added
    tables: FakeTables = field(default_factory=FakeTables)
    visible: bool = True
    validations: dict[tuple[Cell, Cell], list[Any]] = field(default_factory=dict)
    frozen: str = ""
    charts: FakeCharts = field(default_factory=FakeCharts)

    @property
    def freeze_panes(self) -> FakePanes:
        return FakePanes(self)

    def put(self, r: int, c: int, v: Any) -> None:
        """Store a value as Excel would parse a typed/assigned one (this is a fake).

        A leading apostrophe marks text and is not part of the value; any other string
        starting with ``=`` becomes a formula, recorded in ``formulas`` so tests can
        prove the adapter never lets text from the book become one.
        """
        if v is None:
            self.cells.pop((r, c), None)
            return
        if isinstance(v, str) and v.startswith("'"):
            v = v[1:]
        elif isinstance(v, str) and v.startswith(("=", "+", "-", "@")) and len(v) > 1:
            self.formulas[(r, c)] = v
        self.cells[(r, c)] = v

    def range(self, first: Cell, last: Cell | None = None) -> FakeRange:
        return FakeRange(self, first, last)

    @property
    def used_range(self) -> FakeRange:
        if not self.cells:
            return FakeRange(self, (1, 1))
        rows = [r for r, _ in self.cells]
        cols = [c for _, c in self.cells]
        return FakeRange(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def clear_contents(self) -> None:
        self.book.counter.clears += 1
        self.cells.clear()

    def activate(self) -> None:
        self.book.active_name = self.name

    def grid(self) -> list[list[Any]]:
        """Test helper (not xlwings): the used range's values, without counting."""
        used = self.used_range
        (r0, c0), (r1, c1) = used.first, used.last
        return [[self.cells.get((r, c)) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book
        self._sheets: list[FakeSheet] = []

    def __iter__(self) -> Any:
        return iter(list(self._sheets))

    def __len__(self) -> int:
        return len(self._sheets)

    def __getitem__(self, key: str | int) -> FakeSheet:
        if isinstance(key, int):
            return self._sheets[key]
        for s in self._sheets:
            if s.name == key:
                return s
        raise KeyError(key)

    @property
    def active(self) -> FakeSheet:
        return self[self.book.active_name]

    def add(self, name: str, after: FakeSheet | None = None) -> FakeSheet:
        sheet = FakeSheet(name, self.book)
        at = self._sheets.index(after) + 1 if after is not None else 0
        self._sheets.insert(at, sheet)
        self.book.active_name = name
        return sheet


@dataclass
class FakeApp:
    status_bar: str | bool = False
    screen_updating: bool = True
    statuses: list[str | bool] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)

    def __setattr__(self, key: str, value: Any) -> None:
        if key == "status_bar" and "statuses" in self.__dict__:
            self.statuses.append(value)
        object.__setattr__(self, key, value)

    def alert(self, prompt: str, title: str | None = None, **_: Any) -> None:
        self.alerts.append(prompt)


class FakeBook:
    """A fake workbook: ``FakeBook.from_grids({"Aging": [[...], ...]}, "/tmp/x.xlsm")``."""

    def __init__(self, fullname: str = "/tmp/fake.xlsm") -> None:
        self.fullname = fullname
        self.name = fullname.rsplit("/", 1)[-1]
        self.counter = Counter()
        self.app = FakeApp()
        self.sheets = FakeSheets(self)
        self.active_name = ""

    @classmethod
    def from_grids(
        cls, grids: dict[str, list[list[Any]]], fullname: str = "/tmp/fake.xlsm"
    ) -> FakeBook:
        book = cls(fullname)
        last = None
        for name, rows in grids.items():
            last = book.sheets.add(name, after=last)
            for i, row in enumerate(rows, start=1):
                for j, v in enumerate(row, start=1):
                    last.put(i, j, v)
        book.active_name = next(iter(grids))
        book.counter = Counter()
        return book
