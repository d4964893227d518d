"""Package bookkeeping: exclusive parts, tab selection, relationships, content types."""

from __future__ import annotations

import io
import zipfile

from dunning_core.workbook.xlsx_package import Package, Rel, rels_name
from dunning_core.workbook.xlsx_workbook import exclusive_parts, set_tab_selected

CT = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/xl/a.xml" ContentType="x"/></Types>'
)
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
T = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def rels(*targets: str) -> bytes:
    body = "".join(
        f'<Relationship Id="rId{i}" Type="{T}x" Target="{t}"/>' for i, t in enumerate(targets, 1)
    )
    return f'<Relationships xmlns="{RELS}">{body}</Relationships>'.encode()


def package() -> Package:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", rels("xl/workbook.xml"))
        z.writestr("xl/workbook.xml", "<w/>")
        z.writestr("xl/_rels/workbook.xml.rels", rels("worksheets/s1.xml", "worksheets/s2.xml"))
        z.writestr("xl/worksheets/s1.xml", "<s/>")
        z.writestr("xl/worksheets/_rels/s1.xml.rels", rels("../tables/t1.xml", "../media/img.png"))
        z.writestr("xl/worksheets/s2.xml", "<s/>")
        z.writestr("xl/worksheets/_rels/s2.xml.rels", rels("../media/img.png"))
        z.writestr("xl/tables/t1.xml", "<t/>")
        z.writestr("xl/media/img.png", b"\x89PNG")
    buf.seek(0)
    return Package(buf)


def test_exclusive_parts_keep_what_others_share() -> None:
    pkg = package()
    drop = exclusive_parts(pkg, {"xl/worksheets/s1.xml"})
    assert drop == {"xl/worksheets/s1.xml", "xl/tables/t1.xml", "xl/worksheets/_rels/s1.xml.rels"}


def test_rels_round_trip_and_content_types() -> None:
    pkg = package()
    assert [r.target for r in pkg.rels("xl/worksheets/s1.xml")] == [
        "xl/tables/t1.xml",
        "xl/media/img.png",
    ]
    pkg.set_rels("xl/worksheets/s2.xml", [Rel("rId1", T + "table", "xl/tables/t9.xml")])
    assert b'Target="../tables/t9.xml"' in (pkg.get(rels_name("xl/worksheets/s2.xml")) or b"")
    pkg.set_content_types({"xl/b.xml": "y"}, frozenset({"xl/a.xml"}))
    ct = pkg.get("[Content_Types].xml") or b""
    assert b'PartName="/xl/b.xml"' in ct and b"/xl/a.xml" not in ct
    out = io.BytesIO()
    pkg.write(out)
    with zipfile.ZipFile(out) as z:
        assert z.read("xl/media/img.png") == b"\x89PNG"


def test_tab_selected_is_a_minimal_edit() -> None:
    xml = b'<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews><x/>'
    cleared = set_tab_selected(xml, False)
    assert cleared == xml.replace(b' tabSelected="1"', b"")
    assert set_tab_selected(cleared, False) is cleared
    assert set_tab_selected(cleared, True) == xml


def test_unchanged_parts_are_copied_compressed_and_verify() -> None:
    buf = io.BytesIO()
    big = b"<x>" + b"team data " * 5000 + b"</x>"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("stored.bin", b"\x00raw", compress_type=zipfile.ZIP_STORED)
        z.writestr("big.xml", big)
        z.writestr("changed.xml", b"<a/>")
    buf.seek(0)
    pkg = Package(buf)
    pkg.set("changed.xml", b"<b/>")
    out = io.BytesIO()
    pkg.write(out)
    with zipfile.ZipFile(buf) as a, zipfile.ZipFile(out) as b:
        assert b.testzip() is None
        assert b.read("big.xml") == big and b.read("changed.xml") == b"<b/>"
        for name in ("stored.bin", "big.xml"):
            x, y = a.getinfo(name), b.getinfo(name)
            assert (x.compress_type, x.compress_size, x.CRC) == (
                y.compress_type,
                y.compress_size,
                y.CRC,
            )
