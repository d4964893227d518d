"""Assemble the template workbook (.xlsm) and the add-in (.xlam) from text sources.

Why this shape: openpyxl lays out the sheets (it is already a runtime dependency), and
then this module rewrites the zip package: it injects ``xl/vbaProject.bin`` (built by
:mod:`addin.packaging.vba_project`) and the ribbon ``customUI/customUI14.xml``, switches the
content type to macro-enabled, and replaces the one part with a clock in it
(``docProps/core.xml``). Every zip entry gets a fixed timestamp and a fixed order and
is stored uncompressed (deflate output depends on the zlib build), so the same
sources give the same bytes on any machine.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.worksheet.table import Table, TableStyleInfo

from addin.packaging.template_sheets import fill_template
from addin.packaging.vba_project import (
    VbaModule,
    build_vba_project,
    document_module,
    module_from_file,
)

VBA_DIR = Path(__file__).resolve().parents[1] / "vba"
CUSTOM_UI = Path(__file__).resolve().parents[1] / "customUI14.xml"
UI_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
VBA_CT = "application/vnd.ms-office.vbaProject"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MAIN_CT = {
    "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "xlam": "application/vnd.ms-excel.addin.macroEnabled.main+xml",
}
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:creator>dunning</dc:creator>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:modified>'
    "</cp:coreProperties>"
)


def vba_modules(kind: str, sheet_codenames: list[str]) -> list[VbaModule]:
    """The modules of each binary: document modules, xlwings, Dictionary, ours.

    The template embeds xlwings' standalone ``xlwings.bas``; the add-in embeds
    ``xlwings_custom_addin.bas``, which acts on the active workbook.
    """
    xlwings = "xlwings.bas" if kind == "xlsm" else "xlwings_custom_addin.bas"
    modules = [document_module("ThisWorkbook", workbook=True)]
    modules += [document_module(name, workbook=False) for name in sheet_codenames]
    for file in (xlwings, "Dictionary.cls", "DunningRibbon.bas"):
        modules.append(module_from_file((VBA_DIR / file).read_text(encoding="cp1252")))
    return modules


def _addin_book() -> openpyxl.Workbook:
    """The add-in's one (hidden, as in every add-in) sheet says what it is."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "About"
    ws["A1"] = "Dunning add-in: the Collections ribbon acts on the active workbook."
    table = Table(displayName="tblAbout", ref="A3:B4")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws["A3"], ws["B3"] = "Setting", "Value"
    ws["A4"], ws["B4"] = "Python module", "addin.dunning_addin"
    ws.add_table(table)
    return wb


def _patch_types(xml: str, kind: str) -> str:
    xml = xml.replace(XLSX_MAIN, MAIN_CT[kind])
    extra = f'<Override PartName="/xl/vbaProject.bin" ContentType="{VBA_CT}"/>'
    return xml.replace("</Types>", extra + "</Types>")


def _add_rel(xml: str, rel_id: str, rel_type: str, target: str) -> str:
    rel = f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"/>'
    return xml.replace("</Relationships>", rel + "</Relationships>")


def _zip(parts: dict[str, bytes]) -> bytes:
    """Deterministic zip: fixed order ([Content_Types].xml first), time and mode."""
    names = ["[Content_Types].xml", *sorted(n for n in parts if n != "[Content_Types].xml")]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_STORED  # no zlib version in the bytes
            info.create_system = 0
            info.external_attr = 0
            zf.writestr(info, parts[name])
    return buf.getvalue()


def build_package(kind: str) -> bytes:
    """The bytes of ``workbook_template.xlsm`` (kind "xlsm") or ``dunning.xlam`` ("xlam")."""
    if kind not in MAIN_CT:
        raise ValueError(f"kind must be one of {sorted(MAIN_CT)}, not {kind!r}")
    wb = _addin_book() if kind == "xlam" else fill_template(openpyxl.Workbook())
    wb.code_name = "ThisWorkbook"
    codenames = []
    for i, ws in enumerate(wb.worksheets, start=1):
        ws.sheet_properties.codeName = f"Sheet{i}"
        codenames.append(f"Sheet{i}")
    wb.properties.created = wb.properties.modified = datetime(2026, 1, 1)
    raw = io.BytesIO()
    wb.save(raw)
    with zipfile.ZipFile(raw) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    project = "DunningTemplate" if kind == "xlsm" else "DunningAddin"
    parts["xl/vbaProject.bin"] = build_vba_project(project, vba_modules(kind, codenames))
    parts["customUI/customUI14.xml"] = CUSTOM_UI.read_bytes()
    parts["docProps/core.xml"] = _CORE.format(title=project).encode()
    types = _patch_types(parts["[Content_Types].xml"].decode(), kind)
    parts["[Content_Types].xml"] = types.encode()
    rels = _add_rel(parts["_rels/.rels"].decode(), "rIdUI", UI_REL, "customUI/customUI14.xml")
    parts["_rels/.rels"] = rels.encode()
    wb_rels = parts["xl/_rels/workbook.xml.rels"].decode()
    if re.search(r'Id="rIdVBA"', wb_rels):
        raise ValueError("workbook relationships already hold rIdVBA")
    parts["xl/_rels/workbook.xml.rels"] = _add_rel(
        wb_rels, "rIdVBA", VBA_REL, "vbaProject.bin"
    ).encode()
    return _zip(parts)
