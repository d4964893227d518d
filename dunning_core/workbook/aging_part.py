"""The aging sheet's part: the team's sheet with the managed block written into it.

Made in one of two places, by the same functions: by the file writer, or, during
a ``dunning`` run, by a forked child started as soon as the queue is final
(:mod:`.early_aging`), which deflates the part while this process makes the
drafts, the promises and Expected Cash. So everything the part depends on is an
argument here (the queue, the ingest report, the block's styles, the tab
selection), never the whole cycle result.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pandas as pd

from dunning_core.columns import MANAGED_HEADERS, M
from dunning_core.layout import managed_values
from dunning_core.records import CycleResult, IngestReport, UserError
from dunning_core.workbook import xlsx_tables as tables
from dunning_core.workbook.xlsx_blockfind import shared_strings
from dunning_core.workbook.xlsx_managed import BlockStyles, ManagedEdit, edit_sheet
from dunning_core.workbook.xlsx_package import REL_BASE, Package, Rel
from dunning_core.workbook.xlsx_styles import Styles
from dunning_core.workbook.xlsx_workbook import (
    SheetEntry,
    Workbook,
    new_rel_id,
    set_tab_selected_text,
)

if TYPE_CHECKING:
    from dunning_core.workbook.early_aging import EarlyAging, ReadyPart

_MANAGED_WIDTHS = {M.PRIORITY_REASON: 40.0, M.EXCLUSION_REASON: 36.0, M.NEXT_ACTION: 24.0}
_HEADER_FILL = "FF1F4E78"  # dark blue: marks the tool's columns apart from the team's


def write_aging(
    pkg: Package,
    book: Workbook,
    part: str,
    result: CycleResult,
    styles: Styles,
    selected: bool,
    source: str,
    early: EarlyAging | None,
) -> None:
    """The aging sheet's part with the managed block, and its tables extended.

    When ``early`` has a child making the part, it is settled last (:meth:`Package.later`):
    this process deflates the other large parts meanwhile, then takes the child's
    part if it was made from this same source file, part, styles and tab selection,
    and otherwise makes it here, as it does when there is no child.
    """
    bstyles = block_styles(styles)
    report = result.report

    def settle(ready: ReadyPart | None) -> None:
        if ready is not None:
            pkg.set_deflated(part, ready.part, ready.file)
            start, old_end = ready.start, ready.old_end
        else:
            edit = aging_edit(pkg, book, part, result.queue, report, bstyles, selected, source)
            pkg.set_stream(part, edit.pieces, edit.size)
            start, old_end = edit.start, edit.old_end
        for rel in pkg.rels(part):
            if rel.kind == "table" and pkg.has(rel.target):
                new = tables.extend_table(
                    pkg.get(rel.target) or b"", report.header_row, start, MANAGED_HEADERS, old_end
                )
                if new is not None:
                    pkg.set(rel.target, new)

    if early is None or not early.running:
        settle(None)
        return
    pkg.later(lambda: settle(early.take(part_key(pkg, part, bstyles, selected))))


def part_key(pkg: Package, part: str, bstyles: BlockStyles, selected: bool) -> str:
    """Everything the aging part is made from besides the queue, as one text: the
    source file's identity, the part, the block's styles and the tab selection. The
    writer takes a part made ahead only when its key is this one."""
    styles = [bstyles.header, sorted(bstyles.by_format.items()), bstyles.grey_dxf]
    return json.dumps([pkg.identity(), part, styles, selected])


def block_styles(styles: Styles) -> BlockStyles:
    """The managed block's cell styles, added to ``styles`` in a fixed order (so the
    early writer's child and this process number them alike)."""
    by_format = {f: styles.xf(fmt=f) for f in ("int", "date", "percent")}
    return BlockStyles(
        header=styles.xf(bold=True, color="FFFFFFFF", fill=_HEADER_FILL, wrap=True),
        by_format=by_format,
        grey_dxf=styles.grey_dxf(),
    )


def book_styles(pkg: Package, book: Workbook) -> tuple[str, Styles, bool]:
    """The styles part's name, its styles, and whether the part is new (then it is
    also added to the workbook's rels here)."""
    styles_part = next((r.target for r in book.rels if r.kind == "styles"), "")
    if styles_part:
        return styles_part, Styles(pkg.get(styles_part) or EMPTY_STYLES), False
    styles_part = "xl/styles.xml"
    book.rels.append(Rel(new_rel_id(book.rels), REL_BASE + "styles", styles_part))
    return styles_part, Styles(EMPTY_STYLES), True


def aging_entry(book: Workbook, pkg: Package, sheet: str, source: str) -> SheetEntry:
    """The aging sheet's entry in the workbook (Excel's names are case-blind)."""
    entry = next((s for s in book.sheets() if s.name.lower() == sheet.lower()), None)
    if entry is None or not pkg.has(entry.part):
        raise UserError(f"{source}: sheet {sheet!r} not found in the workbook.")
    return entry


def aging_edit(
    pkg: Package,
    book: Workbook,
    part: str,
    queue: pd.DataFrame,
    report: IngestReport,
    bstyles: BlockStyles,
    selected: bool,
    source: str,
) -> ManagedEdit:
    """The aging sheet's part edited: the managed block from the queue, the old one
    removed, the tab selected or not. Raises UserError when the part cannot be read."""
    sst_part = next((r.target for r in book.rels if r.kind == "sharedStrings"), None)

    def sst(wanted: set[int]) -> dict[int, str]:
        return shared_strings(pkg.get(sst_part) if sst_part else None, wanted)

    def refuse(exc: Exception) -> UserError:
        return UserError(
            f"{source}: sheet {report.sheet!r} cannot be updated ({exc}); "
            "save the workbook again in Excel and rerun."
        )

    block = managed_values(queue)
    widths = [_MANAGED_WIDTHS.get(h, max(10.0, len(h) + 3.0)) for h in block.headers]
    try:
        edit = edit_sheet(
            pkg.get(part) or b"",
            report.header_row,
            report.last_column,
            block,
            bstyles,
            sst,
            widths,
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise refuse(exc) from None
    edit.head = set_tab_selected_text(edit.head, selected)
    rows = edit.rows

    def checked_rows() -> Iterator[bytes]:
        try:
            yield from rows()
        except (ValueError, UnicodeDecodeError) as exc:
            raise refuse(exc) from None

    edit.rows = checked_rows
    return edit


#: A minimal valid stylesheet, for a package that has none (csv/xls sources, tests).
EMPTY_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
    b'<fill><patternFill patternType="gray125"/></fill></fills>'
    b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    b"</styleSheet>"
)
