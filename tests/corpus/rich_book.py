"""Rich team workbooks: every Excel feature a team's aging book may carry.

A base is written with openpyxl (styles, a Table over the aging data, conditional
formats, validations, comments, names, outlines, panes, merged title, formulas on
another sheet, a chart and an image), then the parts openpyxl cannot write are
injected as raw XML into the zip: x14 data bar / icon set extensions, sparklines, a
threaded comment with its person list, a pivot cache and pivot table, an external
link, custom document properties and, for .xlsm, the VBA project and a custom ribbon
part copied from ``workbook_template.xlsm``. Output is deterministic (fixed zip
timestamps, fixed document dates) so the committed files can be regenerated.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import ColorScaleRule, DataBarRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from corpus.hostile import fix_modified
from dunning_core.sample_book import HEADERS as SAMPLE_HEADERS
from dunning_core.sample_book import SAMPLE_AS_OF, sample_rows

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "workbook_template.xlsm"
AS_OF = SAMPLE_AS_OF
AGING = "AR Aging"
HEADER_ROW = 4
TEAM_HEADERS = (
    "Customer No",
    "Customer Name",
    "Invoice #",
    "Invoice Date",
    "Due Date",
    "Currency",
    "Original Amount",
    "Open Balance",
    "Collector",
    "Email",
    "Notes",
    "Team check",
)
N_ROWS = 30
LAST_ROW = HEADER_ROW + N_ROWS
TABLE_NAME = "AgingData"
FIXED = datetime(2026, 11, 20, 9, 30, 0)
ZIP_TIME = (2026, 11, 20, 9, 30, 0)

X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
CF_EXT = "{78C0D931-6437-407d-A8EE-F0AAD7539E65}"
SPARK_EXT = "{05C60535-1F16-4fd2-B633-F4F36F0B64E0}"
DATABAR_ID = "{8E1A2B3C-0000-4000-8000-00000000D1B0}"


def team_rows() -> list[list[Any]]:
    """The first rows of the sample, in this book's column order (last one a formula)."""
    idx = [SAMPLE_HEADERS.index(h) for h in TEAM_HEADERS[:-1]]
    out = []
    for i, r in enumerate(sample_rows()[:N_ROWS]):
        n = HEADER_ROW + 1 + i
        out.append([r[j] for j in idx] + [f'=IF(H{n}<0,"credit",IF(H{n}>G{n},"check","ok"))'])
    return out


def _png() -> bytes:
    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.new("RGB", (24, 12), (31, 78, 120)).save(buf, format="PNG")
    return buf.getvalue()


def _base(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = AGING
    ws["A1"] = "Example Trading Ltd - receivables (team book)"
    ws["A1"].font = Font(bold=True, size=14, color="FF1F4E78")
    ws.merge_cells("A1:F1")
    ws["A2"] = "Maintained by the AR team; do not sort outside the table"
    ws["A2"].font = Font(italic=True, color="FF808080")
    for c, h in enumerate(TEAM_HEADERS, start=1):
        cell = ws.cell(HEADER_ROW, c, h)
        cell.font = Font(bold=True, name="Arial")
        cell.fill = PatternFill("solid", fgColor="FFD9E1F2")
        cell.alignment = Alignment(wrap_text=True)
        cell.border = Border(bottom=Side(style="thin"))
    for i, row in enumerate(team_rows()):
        n = HEADER_ROW + 1 + i
        for c, v in enumerate(row, start=1):
            ws.cell(n, c, v)
        for c in (4, 5):
            ws.cell(n, c).number_format = "dd/mm/yyyy"
        ws.cell(n, 7).number_format = "#,##0.00"
        ws.cell(n, 8).number_format = "#,##0.00 [$€-407];[Red]-#,##0.00 [$€-407]"
        if i % 4 == 0:
            ws.cell(n, 2).fill = PatternFill("solid", fgColor="FFFFF2CC")
    ref = f"A{HEADER_ROW}:{chr(64 + len(TEAM_HEADERS))}{LAST_ROW}"
    table = Table(displayName=TABLE_NAME, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.conditional_formatting.add(
        f"H{HEADER_ROW + 1}:H{LAST_ROW}",
        ColorScaleRule(
            start_type="min", start_color="FFF8696B", end_type="max", end_color="FF63BE7B"
        ),
    )
    ws.conditional_formatting.add(
        f"G{HEADER_ROW + 1}:G{LAST_ROW}",
        DataBarRule(start_type="min", end_type="max", color="FF638EC6"),
    )
    dv = DataValidation(
        type="list", formula1='"Ana Ruiz,Ben Okafor,Chloé Martin"', allow_blank=True
    )
    dv.add(f"I{HEADER_ROW + 1}:I{LAST_ROW}")
    ws.add_data_validation(dv)
    ws["B5"].comment = Comment("Key account: call before sending anything", "Ana Ruiz")
    ws["C6"].comment = Comment("[Threaded comment]\nCheck the PO number", "Ben Okafor")
    for r in (10, 11, 12):
        ws.row_dimensions[r].outlineLevel = 1
    ws.row_dimensions[12].hidden = True
    ws.column_dimensions.group("J", "K", outline_level=1, hidden=False)
    ws.column_dimensions["B"].width = 26
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    for n in range(HEADER_ROW + 1, HEADER_ROW + 4):
        ws.cell(n, 10).hyperlink = f"mailto:{ws.cell(n, 10).value}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    header = ws.oddHeader
    assert header is not None
    header.center.text = "AR aging &D"

    summary = wb.create_sheet("Summary")
    summary["A1"] = "Open balance"
    summary["B1"] = f"=SUM('{AGING}'!H{HEADER_ROW + 1}:H{LAST_ROW})"
    summary["A2"] = "Invoices"
    summary["B2"] = f"=COUNTA('{AGING}'!C{HEADER_ROW + 1}:C{LAST_ROW})"
    summary["A3"] = "EUR open"
    summary["B3"] = (
        f"=SUMIFS('{AGING}'!H{HEADER_ROW + 1}:H{LAST_ROW},"
        f"'{AGING}'!F{HEADER_ROW + 1}:F{LAST_ROW},\"EUR\")"
    )
    summary["A4"] = "Via table"
    summary["B4"] = f"=SUM({TABLE_NAME}[Open Balance])"
    summary["A5"] = "Named"
    summary["B5"] = "=SUM(OpenBalances)"
    for r in range(1, 6):
        summary.cell(r, 2).number_format = "#,##0.00"
        summary.cell(r, 1).font = Font(bold=True)
    chart = BarChart()
    chart.title = "Open balance, first ten invoices"
    chart.add_data(
        Reference(ws, min_col=8, min_row=HEADER_ROW, max_row=HEADER_ROW + 10), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=3, min_row=HEADER_ROW + 1, max_row=HEADER_ROW + 10))
    summary.add_chart(chart, "D8")
    summary.add_image(Image(io.BytesIO(_png())), "D2")

    lists = wb.create_sheet("Lists")
    lists.append(["Collector", "Region", "Phone"])
    for i, name in enumerate(("Ana Ruiz", "Ben Okafor", "Chloé Martin", "Dana Lee")):
        lists.append([name, ("North", "South", "East", "West")[i], f"+44 20 7946 00{i}"])
    lists.auto_filter.ref = "A1:C5"
    lists.column_dimensions["C"].hidden = True
    lists.row_dimensions[4].outlineLevel = 1
    lists.row_dimensions[5].outlineLevel = 1

    wb.create_sheet("Pivot")["A1"] = "Pivot of open balance by currency"
    wb.defined_names["OpenBalances"] = DefinedName(
        "OpenBalances", attr_text=f"'{AGING}'!$H${HEADER_ROW + 1}:$H${LAST_ROW}"
    )
    wb.defined_names["Collectors"] = DefinedName("Collectors", attr_text="Lists!$A$2:$A$5")
    wb.properties.title = "AR aging"
    wb.properties.subject = "Receivables"
    wb.properties.creator = "AR team"
    wb.properties.keywords = "aging; collections"
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    wb.save(path)


# -- raw parts openpyxl cannot write --------------------------------------------------------

_CF_X14 = (
    f'<ext uri="{CF_EXT}" xmlns:x14="{X14}"><x14:conditionalFormattings>'
    f'<x14:conditionalFormatting xmlns:xm="{XM}"><x14:cfRule type="dataBar" id="{DATABAR_ID}">'
    '<x14:dataBar minLength="0" maxLength="100" gradient="0" negativeBarColorSameAsPositive="0">'
    '<x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/><x14:negativeFillColor rgb="FFFF0000"/>'
    '<x14:axisColor rgb="FF000000"/></x14:dataBar></x14:cfRule>'
    f"<xm:sqref>G{HEADER_ROW + 1}:G{LAST_ROW}</xm:sqref></x14:conditionalFormatting>"
    f'<x14:conditionalFormatting xmlns:xm="{XM}"><x14:cfRule type="iconSet" priority="9" '
    'id="{8E1A2B3C-0000-4000-8000-00000000D1B1}"><x14:iconSet iconSet="3Triangles" custom="1">'
    '<x14:cfvo type="percent"><xm:f>0</xm:f></x14:cfvo><x14:cfvo type="percent"><xm:f>33</xm:f>'
    '</x14:cfvo><x14:cfvo type="percent"><xm:f>67</xm:f></x14:cfvo>'
    '<x14:cfIcon iconSet="3Flags" iconId="0"/><x14:cfIcon iconSet="3Flags" iconId="1"/>'
    '<x14:cfIcon iconSet="3Flags" iconId="2"/></x14:iconSet></x14:cfRule>'
    f"<xm:sqref>H{HEADER_ROW + 1}:H{LAST_ROW}</xm:sqref></x14:conditionalFormatting>"
    "</x14:conditionalFormattings></ext>"
)
_DATABAR_LINK = (
    '<extLst><ext uri="{B025F937-C7B1-47D3-B67F-A62EFF666E3E}" '
    f'xmlns:x14="{X14}"><x14:id>{DATABAR_ID}</x14:id></ext></extLst>'
)
_SPARKLINES = (
    f'<ext uri="{SPARK_EXT}" xmlns:x14="{X14}"><x14:sparklineGroups xmlns:xm="{XM}">'
    '<x14:sparklineGroup displayEmptyCellsAs="gap" markers="1">'
    '<x14:colorSeries rgb="FF376092"/><x14:colorNegative rgb="FFD00000"/>'
    '<x14:colorAxis rgb="FF000000"/><x14:colorMarkers rgb="FFD00000"/>'
    '<x14:colorFirst rgb="FFD00000"/><x14:colorLast rgb="FFD00000"/>'
    '<x14:colorHigh rgb="FFD00000"/><x14:colorLow rgb="FFD00000"/><x14:sparklines>'
    f"<x14:sparkline><xm:f>'{AGING}'!G{HEADER_ROW + 1}:H{HEADER_ROW + 1}</xm:f>"
    "<xm:sqref>C1</xm:sqref>"
    f"</x14:sparkline><x14:sparkline><xm:f>'{AGING}'!G{HEADER_ROW + 2}:H{HEADER_ROW + 2}</xm:f>"
    "<xm:sqref>C2</xm:sqref></x14:sparkline></x14:sparklines></x14:sparklineGroup>"
    "</x14:sparklineGroups></ext>"
)
_PERSONS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<person displayName="Ben Okafor" id="{6B1C5C1E-0000-4000-8000-0000000000B1}" '
    'userId="ben.okafor@example.com" providerId="None"/></personList>'
)
_THREADED = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    "<ThreadedComments "
    'xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<threadedComment ref="C6" dT="2026-11-19T10:00:00.00" '
    'personId="{6B1C5C1E-0000-4000-8000-0000000000B1}" id="{7A000000-0000-4000-8000-0000000000C1}">'
    "<text>Check the PO number</text></threadedComment>"
    '<threadedComment ref="C6" dT="2026-11-19T11:00:00.00" '
    'personId="{6B1C5C1E-0000-4000-8000-0000000000B1}" id="{7A000000-0000-4000-8000-0000000000C2}" '
    'parentId="{7A000000-0000-4000-8000-0000000000C1}"><text>Customer confirmed PO 4711</text>'
    "</threadedComment></ThreadedComments>"
)
_EXTERNAL = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<externalBook r:id="rId1"><sheetNames><sheetName val="Rates"/></sheetNames>'
    '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1" t="n"><v>1.08</v></cell></row>'
    "</sheetData></sheetDataSet></externalBook></externalLink>"
)
_EXTERNAL_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/externalLinkPath" Target="file:///C:/Finance/rates.xlsx" TargetMode="External"/>'
    "</Relationships>"
)
_DV_X14 = (
    '<ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    f'xmlns:x14="{X14}"><x14:dataValidations count="1" xmlns:xm="{XM}">'
    '<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
    "<x14:formula1><xm:f>Lists!$A$2:$A$5</xm:f></x14:formula1>"
    f"<xm:sqref>K{HEADER_ROW + 1}:K{LAST_ROW}</xm:sqref></x14:dataValidation>"
    "</x14:dataValidations></ext>"
)
_METADATA = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" '
    'copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" '
    'clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    '<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk>'
    '</futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>'
    "</metadata>"
)
#: A spilled dynamic-array formula (the cm attribute points into metadata.xml).
_SPILL_ROW = (
    '<row r="7"><c r="A7" cm="1" t="str"><f t="array" ref="A7:A9">'
    "_xlfn._xlws.SORT(Lists!A2:A4)</f><v>Ana Ruiz</v></c></row>"
    '<row r="8"><c r="A8" t="str"><v>Ben Okafor</v></c></row>'
    '<row r="9"><c r="A9" t="str"><v>Chloé Martin</v></c></row>'
)

_CUSTOM_PROPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Department">'
    "<vt:lpwstr>Accounts receivable</vt:lpwstr></property>"
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="Reviewed">'
    "<vt:bool>true</vt:bool></property></Properties>"
)


def _pivot_cache() -> str:
    fields = []
    for h in TEAM_HEADERS:
        if h == "Currency":
            items = "".join(f'<s v="{c}"/>' for c in ("EUR", "GBP", "USD"))
            fields.append(
                f'<cacheField name="{h}" numFmtId="0"><sharedItems count="3">{items}'
                "</sharedItems></cacheField>"
            )
        else:
            fields.append(f'<cacheField name="{h}" numFmtId="0"><sharedItems/></cacheField>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<pivotCacheDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'saveData="0" refreshOnLoad="1" createdVersion="6" refreshedVersion="6" '
        'minRefreshableVersion="3" recordCount="0"><cacheSource type="worksheet">'
        f'<worksheetSource ref="A{HEADER_ROW}:L{LAST_ROW}" '
        f'sheet="{AGING}"/></cacheSource><cacheFields count="{len(fields)}">{"".join(fields)}'
        "</cacheFields></pivotCacheDefinition>"
    )


def _pivot_table() -> str:
    cur = TEAM_HEADERS.index("Currency")
    bal = TEAM_HEADERS.index("Open Balance")
    fields = []
    for i in range(len(TEAM_HEADERS)):
        if i == cur:
            fields.append(
                '<pivotField axis="axisRow" showAll="0"><items count="4"><item x="0"/><item x="1"/>'
                '<item x="2"/><item t="default"/></items></pivotField>'
            )
        elif i == bal:
            fields.append('<pivotField dataField="1" showAll="0"/>')
        else:
            fields.append('<pivotField showAll="0"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<pivotTableDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'name="OpenByCurrency" cacheId="1" applyNumberFormats="0" applyBorderFormats="0" '
        'applyFontFormats="0" applyPatternFormats="0" applyAlignmentFormats="0" '
        'applyWidthHeightFormats="1" dataCaption="Values" updatedVersion="6" '
        'minRefreshableVersion="3" '
        'createdVersion="6" indent="0" outline="1" outlineData="1">'
        '<location ref="A3:B7" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/>'
        f'<pivotFields count="{len(fields)}">{"".join(fields)}</pivotFields>'
        f'<rowFields count="1"><field x="{cur}"/></rowFields>'
        '<rowItems count="4"><i><x/></i><i><x v="1"/></i><i><x v="2"/></i>'
        '<i t="grand"><x/></i></rowItems>'
        '<colItems count="1"><i/></colItems>'
        '<dataFields count="1"><dataField name="Sum of Open Balance" '
        f'fld="{bal}" baseField="0" baseItem="0"/>'
        "</dataFields></pivotTableDefinition>"
    )


def _sheet_part(parts: dict[str, bytes], name: str) -> str:
    book = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(name)}"[^>]*r:id="(rId\d+)"', book)
    assert rid, name
    target = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*/>', rels)
    assert target
    t = re.search(r'Target="([^"]+)"', target.group(0))
    assert t
    return t.group(1).lstrip("/") if t.group(1).startswith("/") else "xl/" + t.group(1)


def _add_rel(parts: dict[str, bytes], rels_part: str, rid: str, kind: str, target: str) -> None:
    rel = f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>'
    if rels_part in parts:
        parts[rels_part] = parts[rels_part].replace(
            b"</Relationships>", rel.encode() + b"</Relationships>"
        )
    else:
        parts[rels_part] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rel}</Relationships>"
        ).encode()


def _add_ct(parts: dict[str, bytes], part: str, ct: str) -> None:
    over = f'<Override PartName="/{part}" ContentType="{ct}"/>'
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", over.encode() + b"</Types>"
    )


def _append_ext(xml: bytes, ext: str) -> bytes:
    if xml.endswith(b"</extLst></worksheet>"):
        return xml[: -len(b"</extLst></worksheet>")] + ext.encode() + b"</extLst></worksheet>"
    return xml.replace(b"</worksheet>", f"<extLst>{ext}</extLst></worksheet>".encode())


_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_MS_REL = "http://schemas.microsoft.com/office/2017/10/relationships/"


def _inject(parts: dict[str, bytes], *, macro: bool, databar_link: bool) -> None:
    aging = _sheet_part(parts, AGING)
    summary = _sheet_part(parts, "Summary")
    pivot = _sheet_part(parts, "Pivot")
    xml = parts[aging]
    if databar_link:  # as Excel writes every data bar: the cfRule points at its x14 twin
        xml = re.sub(
            rb'(<cfRule type="dataBar"[^>]*>.*?</dataBar>)',
            lambda m: m.group(1) + _DATABAR_LINK.encode(),
            xml,
            count=1,
            flags=re.S,
        )
    parts[aging] = _append_ext(xml, _CF_X14)
    parts[aging] = _append_ext(parts[aging], _DV_X14)
    parts[summary] = _append_ext(parts[summary], _SPARKLINES)
    parts[summary] = parts[summary].replace(b"</sheetData>", _SPILL_ROW.encode() + b"</sheetData>")
    parts["xl/metadata.xml"] = _METADATA.encode()
    _add_ct(
        parts,
        "xl/metadata.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml",
    )
    _add_rel(
        parts, "xl/_rels/workbook.xml.rels", "rIdMeta1", _REL + "sheetMetadata", "metadata.xml"
    )

    parts["xl/persons/person.xml"] = _PERSONS.encode()
    _add_ct(parts, "xl/persons/person.xml", "application/vnd.ms-excel.person+xml")
    _add_rel(
        parts, "xl/_rels/workbook.xml.rels", "rIdPerson1", _MS_REL + "person", "persons/person.xml"
    )
    parts["xl/threadedComments/threadedComment1.xml"] = _THREADED.encode()
    _add_ct(
        parts,
        "xl/threadedComments/threadedComment1.xml",
        "application/vnd.ms-excel.threadedcomments+xml",
    )
    folder, name = aging.rsplit("/", 1)
    _add_rel(
        parts,
        f"{folder}/_rels/{name}.rels",
        "rIdTc1",
        "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment",
        "../threadedComments/threadedComment1.xml",
    )

    parts["xl/pivotCache/pivotCacheDefinition1.xml"] = _pivot_cache().encode()
    _add_ct(
        parts,
        "xl/pivotCache/pivotCacheDefinition1.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml",
    )
    _add_rel(
        parts,
        "xl/_rels/workbook.xml.rels",
        "rIdPc1",
        _REL + "pivotCacheDefinition",
        "pivotCache/pivotCacheDefinition1.xml",
    )
    parts["xl/pivotTables/pivotTable1.xml"] = _pivot_table().encode()
    _add_ct(
        parts,
        "xl/pivotTables/pivotTable1.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.pivotTable+xml",
    )
    _add_rel(
        parts,
        "xl/pivotTables/_rels/pivotTable1.xml.rels",
        "rId1",
        _REL + "pivotCacheDefinition",
        "../pivotCache/pivotCacheDefinition1.xml",
    )
    folder, name = pivot.rsplit("/", 1)
    _add_rel(
        parts,
        f"{folder}/_rels/{name}.rels",
        "rIdPt1",
        _REL + "pivotTable",
        "../pivotTables/pivotTable1.xml",
    )

    parts["xl/externalLinks/externalLink1.xml"] = _EXTERNAL.encode()
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = _EXTERNAL_RELS.encode()
    _add_ct(
        parts,
        "xl/externalLinks/externalLink1.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
    )
    _add_rel(
        parts,
        "xl/_rels/workbook.xml.rels",
        "rIdExt1",
        _REL + "externalLink",
        "externalLinks/externalLink1.xml",
    )

    book = parts["xl/workbook.xml"].decode()
    book = book.replace(
        "</sheets>",
        '</sheets><externalReferences><externalReference r:id="rIdExt1"/></externalReferences>',
        1,
    )
    pc = '<pivotCaches><pivotCache cacheId="1" r:id="rIdPc1"/></pivotCaches>'
    book = (
        re.sub(r"(<calcPr[^>]*/>)", lambda m: m.group(1) + pc, book, count=1)
        if "<calcPr" in book
        else book.replace("</workbook>", pc + "</workbook>")
    )
    if "xmlns:r=" not in book.split(">", 2)[1]:
        book = book.replace("<workbook ", f'<workbook xmlns:r="{_REL[:-1]}" ', 1)
    parts["xl/workbook.xml"] = book.encode()

    parts["docProps/custom.xml"] = _CUSTOM_PROPS.encode()
    _add_ct(
        parts,
        "docProps/custom.xml",
        "application/vnd.openxmlformats-officedocument.custom-properties+xml",
    )
    _add_rel(parts, "_rels/.rels", "rIdCustom", _REL + "custom-properties", "docProps/custom.xml")

    with zipfile.ZipFile(TEMPLATE) as z:
        ui = z.read("customUI/customUI14.xml")
        vba = z.read("xl/vbaProject.bin")
    parts["customUI/customUI14.xml"] = ui
    _add_rel(
        parts,
        "_rels/.rels",
        "rIdUI",
        "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility",
        "customUI/customUI14.xml",
    )
    if macro:
        parts["xl/vbaProject.bin"] = vba
        _add_ct(parts, "xl/vbaProject.bin", "application/vnd.ms-office.vbaProject")
        _add_rel(
            parts,
            "xl/_rels/workbook.xml.rels",
            "rIdVBA",
            "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
            "vbaProject.bin",
        )
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )


def build_rich_book(path: Path, *, macro: bool = False, databar_link: bool = False) -> Path:
    """Write the rich team book to ``path`` (.xlsx, or .xlsm with ``macro``); return it.

    ``databar_link`` adds the ``extLst`` inside the data bar's ``cfRule`` that Excel
    writes to tie it to its x14 twin (kept apart: the writer mishandles it, see
    tests/test_lossless.py).
    """
    base = path.with_name(path.stem + ".base.xlsx")
    _base(base)
    with zipfile.ZipFile(base) as z:
        names = z.namelist()
        parts = {n: z.read(n) for n in names}
    base.unlink()
    parts["docProps/core.xml"] = fix_modified(parts["docProps/core.xml"])
    _inject(parts, macro=macro, databar_link=databar_link)
    order = names + [n for n in parts if n not in names]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n in order:
            info = zipfile.ZipInfo(n, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, parts[n])
    return path
