"""Lossless write-back on rich team books (issue 6, part 1).

Each book in tests/corpus/files/rich/ carries the Excel features a team's aging book
may have (see tests/corpus/rich_book.py). After ``run_file`` twice, every part the
tool does not own is byte-identical, every non-cell element of the aging sheet is
still there, every team cell keeps value, formula, number format, font and fill, the
team's Table covers the managed block, and LibreOffice opens the result.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from compare_packages import (
    Comparison,
    compare_cells,
    compare_entries,
    compare_furniture,
    compare_parts,
    owned_parts,
    read_parts,
    sheet_parts,
)
from corpus.build import RICH
from corpus.rich_book import (
    AGING,
    AS_OF,
    HEADER_ROW,
    LAST_ROW,
    TABLE_NAME,
    TEAM_HEADERS,
    build_rich_book,
)
from lo import convert

from dunning_core.columns import MANAGED_HEADERS, OWNED_SHEETS
from dunning_core.filemode import run_file

FILES = Path(__file__).resolve().parent / "corpus" / "files" / "rich"
OTHER_SHEETS = ("Summary", "Lists", "Pivot")

BOOKS = list(RICH)
#: Fixed in 150d504: a data bar written by Excel carries an <extLst> inside its <cfRule>,
#: which xlsx_managed._edit_suffix once took for the sheet's extLst and wrote inside.


def compare(before: Path, after: Path) -> Comparison:
    """Parts, aging-sheet furniture and team cells of ``before`` against ``after``."""
    a, b = read_parts(before), read_parts(after)
    allowed = owned_parts(a, AGING, OWNED_SHEETS)
    out = compare_parts(before, after, allowed)
    aging_before, aging_after = sheet_parts(a)[AGING], sheet_parts(b)[AGING]
    out.add(compare_furniture(a[aging_before], b[aging_after], AGING))
    rels = aging_before.replace("worksheets/", "worksheets/_rels/") + ".rels"
    for part in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels", rels):
        out.add(compare_entries(a[part], b[part], part))
    sheets: dict[str, int | None] = {AGING: len(TEAM_HEADERS)}
    sheets.update({s: None for s in OTHER_SHEETS})
    out.add(compare_cells(before, after, sheets))
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path, Path]]:
    """Each book: (original, after one run, after two runs)."""
    out = {}
    for name in RICH:
        folder = tmp_path_factory.mktemp(Path(name).stem)
        book = folder / name
        shutil.copyfile(FILES / name, book)
        once = folder / f"once{book.suffix}"
        run_file(book, AS_OF)
        shutil.copyfile(book, once)
        run_file(book, AS_OF)
        out[name] = (FILES / name, once, book)
    return out


def test_committed_books_match_their_generator(tmp_path: Path) -> None:
    for name, kw in RICH.items():
        fresh = build_rich_book(tmp_path / name, **kw)
        assert fresh.read_bytes() == (FILES / name).read_bytes(), (
            f"rebuild {name}: python -m corpus.build"
        )


@pytest.mark.parametrize("name", BOOKS)
def test_nothing_the_team_owns_changes_over_two_runs(
    name: str, runs: dict[str, tuple[Path, Path, Path]]
) -> None:
    original, once, twice = runs[name]
    result = compare(original, twice)
    first = compare(original, once)
    print(
        f"{name}: {result.parts} parts, {result.elements} sheet elements, {result.cells} cells "
        f"compared; {len(result.differences)} differences"
    )
    assert result.parts >= 20 and result.cells >= 350 and result.elements >= 10
    assert first.differences == []
    assert result.differences == []


@pytest.mark.parametrize("name", list(RICH))
def test_rerun_rewrites_the_owned_parts_identically(
    name: str, runs: dict[str, tuple[Path, Path, Path]]
) -> None:
    _, once, twice = runs[name]
    a, b = read_parts(once), read_parts(twice)
    assert sorted(a) == sorted(b)
    changed = sorted(n for n in a if a[n] != b[n])
    assert changed == [], "a re-run on the same as-of date must give the same package"


@pytest.mark.parametrize("name", list(RICH))
def test_team_table_extends_over_the_managed_block(
    name: str, runs: dict[str, tuple[Path, Path, Path]]
) -> None:
    from lxml import etree

    _, _, twice = runs[name]
    parts = read_parts(twice)
    tables = [etree.fromstring(v) for k, v in parts.items() if k.startswith("xl/tables/")]
    team = [t for t in tables if t.get("displayName") == TABLE_NAME]
    assert len(team) == 1
    last = len(TEAM_HEADERS) + len(MANAGED_HEADERS)
    from dunning_core.sheetaddr import column_letter

    assert team[0].get("ref") == f"A{HEADER_ROW}:{column_letter(last)}{LAST_ROW}"
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    names = [c.get("name") for c in team[0].findall("m:tableColumns/m:tableColumn", ns)]
    assert names == [*TEAM_HEADERS, *MANAGED_HEADERS]
    ids = [c.get("id") for c in team[0].findall("m:tableColumns/m:tableColumn", ns)]
    assert len(set(ids)) == len(ids)
    auto = team[0].find("m:autoFilter", ns)
    assert auto is None or auto.get("ref") == team[0].get("ref")


@pytest.mark.parametrize("name", ["rich.xlsm", "rich_excel_databar.xlsm"])
def test_macro_book_keeps_vba_ribbon_and_macro_content_type(
    name: str, runs: dict[str, tuple[Path, Path, Path]]
) -> None:
    original, _, twice = runs[name]
    a, b = read_parts(original), read_parts(twice)
    assert b["xl/vbaProject.bin"] == a["xl/vbaProject.bin"]
    assert b["customUI/customUI14.xml"] == a["customUI/customUI14.xml"]
    assert b"customUI/customUI14.xml" in b["_rels/.rels"]
    ct = b["[Content_Types].xml"]
    assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in ct
    assert b"application/vnd.ms-office.vbaProject" in ct
    assert b"vbaProject" in b["xl/_rels/workbook.xml.rels"]


def test_workbook_level_features_survive(runs: dict[str, tuple[Path, Path, Path]]) -> None:
    """Names, external link, pivot cache and person list stay wired in workbook.xml/rels."""
    _, _, twice = runs["rich.xlsx"]
    parts = read_parts(twice)
    book = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    assert "OpenBalances" in book and "Collectors" in book
    assert "<externalReference " in book and "externalLinks/externalLink1.xml" in rels
    assert '<pivotCache cacheId="1"' in book and "pivotCacheDefinition1.xml" in rels
    assert "persons/person.xml" in rels
    with zipfile.ZipFile(twice) as z:
        assert z.testzip() is None


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", list(RICH))
def test_libreoffice_opens_every_output(
    name: str, runs: dict[str, tuple[Path, Path, Path]], tmp_path: Path
) -> None:
    from python_calamine import CalamineWorkbook

    _, _, twice = runs[name]
    ods = convert(twice, "ods", tmp_path)
    names = CalamineWorkbook.from_path(str(ods)).sheet_names
    assert AGING in names and all(s in names for s in OTHER_SHEETS)


def test_the_comparison_finds_each_kind_of_loss(tmp_path: Path) -> None:
    """The checker itself fails on a changed part, a lost element, a lost rel, a changed cell."""
    from corpus.sheetxml import set_cells

    original = FILES / "rich.xlsx"
    parts = read_parts(original)
    aging = sheet_parts(parts)[AGING]
    rels = aging.replace("worksheets/", "worksheets/_rels/") + ".rels"
    spoiled = dict(parts)
    spoiled["xl/vbaProject.bin" if "xl/vbaProject.bin" in parts else "xl/media/image1.png"] += b"x"
    spoiled[aging] = parts[aging].replace(b"<mergeCells", b"<!--").replace(b"</mergeCells>", b"-->")
    spoiled[rels] = parts[rels].replace(b"hyperlink", b"hyperlinkX", 1)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(bad, "w") as z:
        for name, data in spoiled.items():
            z.writestr(name, data)
    set_cells(bad, "Summary", {(1, 1): "Open balance (edited)"})
    result = compare(original, bad)
    kinds = {d.split(":")[0].split()[0] for d in result.differences}
    assert {"part", AGING.split()[0], rels, "Summary!A1"} <= kinds, result.differences
