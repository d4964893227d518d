"""File mode write-back: the cycle's results into the team's own .xlsx/.xlsm, losslessly.

Only the parts the tool owns are written: the aging sheet's part (its managed
block), the owned sheets with their tables and chart, and the small bookkeeping
parts (workbook.xml, its rels, content types, styles). Every other part is copied
byte for byte, which is what keeps VBA, text boxes, x14 extensions, slicers and the
rest intact (DESIGN.md, "Known facts about writing workbooks"), and is what makes a
million-row save take seconds. A source that is not a workbook package (csv, xls,
ods) is never touched: a new ``<stem>.dunning.xlsx`` is written beside it.
"""

from __future__ import annotations

import zipfile
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import IO

from dunning_core.layout import owned_sheets, start_sheet
from dunning_core.records import CycleResult, UserError
from dunning_core.workbook import xlsx_chart as chart
from dunning_core.workbook import xlsx_tables as tables
from dunning_core.workbook.aging_part import EMPTY_STYLES, aging_entry, book_styles, write_aging
from dunning_core.workbook.early_aging import EarlyAging
from dunning_core.workbook.xlsx_newbook import new_book, safe_sheet_name
from dunning_core.workbook.xlsx_owned import build_sheet
from dunning_core.workbook.xlsx_package import Package, Rel
from dunning_core.workbook.xlsx_save import safe_write
from dunning_core.workbook.xlsx_workbook import (
    SHEET_CT,
    Workbook,
    exclusive_parts,
    free_part,
    set_tab_selected,
)

PACKAGE_SUFFIXES = (".xlsx", ".xlsm")
STYLES_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"


def results_path(src: Path) -> Path:
    """Where the results of a csv/xls/ods source go: ``<stem>.dunning.xlsx`` beside it."""
    return src.with_name(f"{src.stem}.dunning.xlsx")


def write_book(
    src: Path,
    result: CycleResult,
    dest: Path | None = None,
    *,
    backup_dir: Path | None = None,
    keep_backups: int = 10,
    early: EarlyAging | None = None,
) -> Path:
    """Write ``result`` into ``src`` (or ``dest``) and return the path written.

    A .xlsx/.xlsm is updated in place by default; any other source gets a new
    ``<stem>.dunning.xlsx`` beside it holding the aging values plus the results.
    The save is atomic, backed up and locked (:mod:`xlsx_save`). ``early`` is the
    aging sheet's part started while the cycle ran (:mod:`.early_aging`); it is used
    only if it was made from this same file, and the caller closes it.
    """
    src = Path(src)
    if not src.exists():
        raise UserError(f"{src}: file not found.")
    is_package = src.suffix.lower() in PACKAGE_SUFFIXES
    if dest is None:
        dest = src if is_package else results_path(src)
    dest = Path(dest)
    if not is_package:
        sheet = safe_sheet_name(result.report.sheet)
        result = replace(result, report=replace(result.report, sheet=sheet))

    def write(tmp: Path) -> None:
        source: str | Path | IO[bytes] = (
            src if is_package else BytesIO(new_book(src, result.report.sheet))
        )
        try:
            pkg = Package(source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise UserError(f"{src}: cannot open the workbook package ({exc}).") from None
        try:
            apply_result(pkg, result, str(src), early if is_package else None)
            pkg.write(tmp)
        finally:
            pkg.close()

    return safe_write(dest, write, backup_dir, keep_backups)


def apply_result(
    pkg: Package, result: CycleResult, source: str, early: EarlyAging | None = None
) -> None:
    """Edit ``pkg`` in memory: managed block, owned sheets, active tab, bookkeeping.

    ``early`` is the aging sheet's part written ahead, while the cycle ran (file mode).
    """
    book = Workbook(pkg, source)
    styles_part, styles, new_styles = book_styles(pkg, book)
    add_ct: dict[str, str] = {styles_part: STYLES_CT} if new_styles else {}
    entries = {s.name.lower(): s for s in book.sheets()}  # Excel names are case-blind
    aging = aging_entry(book, pkg, result.report.sheet, source)
    start = start_sheet(result)
    removed: set[str] = set()

    selected = start.lower() == aging.name.lower()
    write_aging(pkg, book, aging.part, result, styles, selected, source, early)

    specs = owned_sheets(result)
    replaced = {entries[s.name.lower()].part for s in specs if s.name.lower() in entries}
    drop = exclusive_parts(pkg, replaced) - replaced
    for name in sorted(drop):
        pkg.delete(name)
    removed |= drop
    used_ids: set[int] = set()
    used_names: set[str] = book.defined_names()  # table names share their namespace
    for name in pkg.names():
        if name.startswith("xl/tables/") and name.endswith(".xml"):
            tid, tname = tables.table_identity(pkg.get(name) or b"")
            used_ids.add(tid)
            used_names.add(tname.lower())

    def allocate(base: str) -> tuple[int, str]:
        tid = max(used_ids | {0}) + 1
        name, n = base, 2
        while name.lower() in used_names:
            name, n = f"{base}{n}", n + 1
        used_ids.add(tid)
        used_names.add(name.lower())
        return tid, name

    taken: set[str] = set()
    calc = next((r.target for r in book.rels if r.kind == "calcChain"), None)
    calc_dirty = False
    for spec in specs:
        entry = entries.get(spec.name.lower())
        if entry is None:
            part = free_part(pkg, "xl/worksheets/sheet{}.xml", taken)
            entry = book.add_sheet(spec.name, part)
            add_ct[part] = SHEET_CT
        else:
            # formulas of a replaced sheet leave Excel's calc chain stale (if there is one)
            calc_dirty = calc_dirty or (calc is not None and pkg.contains(entry.part, b"<f"))
            add_ct[entry.part] = SHEET_CT  # re-listed in order, so re-runs give the same bytes
        book.set_hidden(entry.name, spec.hidden)
        sheet = build_sheet(spec, styles, allocate, selected=spec.name.lower() == start.lower())
        pkg.set_stream(entry.part, sheet.produce, sheet.size)
        rels: list[Rel] = []
        for i, (_, _, xml) in enumerate(sheet.tables, start=1):
            tpart = free_part(pkg, "xl/tables/table{}.xml", taken)
            pkg.set(tpart, xml)
            add_ct[tpart] = tables.CONTENT_TYPE
            rels.append(Rel(f"rId{i}", tables.REL_TYPE, tpart))
        if sheet.charts:
            dpart = free_part(pkg, "xl/drawings/drawing{}.xml", taken)
            anchors, drels = [], []
            for j, spec_chart in enumerate(sheet.charts, start=1):
                cpart = free_part(pkg, "xl/charts/chart{}.xml", taken)
                pkg.set(cpart, chart.chart_xml(spec_chart))
                add_ct[cpart] = chart.CHART_CT
                drels.append(Rel(f"rId{j}", chart.CHART_REL, cpart))
                anchors.append((f"rId{j}", spec_chart.anchor, f"Chart {j}"))
            pkg.set(dpart, chart.drawing_xml(anchors))
            pkg.set_rels(dpart, drels)
            add_ct[dpart] = chart.DRAWING_CT
            rels.append(Rel(f"rId{len(sheet.tables) + 1}", chart.DRAWING_REL, dpart))
        pkg.set_rels(entry.part, rels)

    owned = {s.name.lower() for s in specs} | {aging.name.lower()}
    for entry in book.sheets():
        if entry.name.lower() not in owned and pkg.has(entry.part):
            data = pkg.get(entry.part) or b""
            new = set_tab_selected(data, False)
            if new is not data:
                pkg.set(entry.part, new)
    names = [s.name.lower() for s in book.sheets()]
    key = start.lower() if start.lower() in names else aging.name.lower()
    book.set_active(names.index(key))
    if calc_dirty and calc:
        pkg.delete(calc)
        book.drop_rel(calc)
        removed.add(calc)
    book.save()
    pkg.set(styles_part, styles.to_bytes())
    pkg.set_content_types(add_ct, frozenset(removed - set(add_ct)))


__all__ = ["EMPTY_STYLES", "PACKAGE_SUFFIXES", "apply_result", "results_path", "write_book"]
