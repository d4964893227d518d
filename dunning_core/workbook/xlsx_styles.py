"""The few cell styles the tool needs, appended to the book's own ``xl/styles.xml``.

Existing entries are never renumbered (every cell in the team's sheets points at
them by index); the tool only appends, and reuses an entry that is already there
byte for byte in canonical form, so a second run finds the first run's entries and
the styles part stops growing.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from dunning_core.workbook.xlsx_package import xml_bytes

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#: The default namespace map; lxml-stubs type nsmap keys as str, lxml takes None.
_DEFAULT_NS: dict[Any, str] = {None: NS}
_Q = f"{{{NS}}}"
#: Child order of <styleSheet> (ECMA-376), for inserting a missing collection.
_ORDER = [
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
]
_BUILTIN_FORMATS = {
    "General": 0,
    "0": 1,
    "0.00": 2,
    "#,##0": 3,
    "#,##0.00": 4,
    "0%": 9,
    "0.00%": 10,
}

#: Display format (records.FORMATS) -> number format code.
FORMAT_CODES = {
    "int": "#,##0",
    "money": "#,##0.00",
    "date": "yyyy-mm-dd",
    "percent": "0%",
    # mixed columns (Key figures: amounts, counts, days, percentages in one column):
    # thousands separators and cents for large values, the value as is for small ones
    "number": "[>=1000]#,##0.00;[<=-1000]-#,##0.00;General",
}


def _key(el: etree._Element) -> tuple[object, ...]:
    """A structural identity of a style entry (names, attributes, children, in order)."""
    return (
        etree.QName(el).localname,
        tuple(sorted(el.attrib.items())),
        tuple(_key(c) for c in el if isinstance(c.tag, str)),
    )


def _new(tag: str, **attrs: str) -> etree._Element:
    """A detached element in the styles namespace (no ``ns0:`` prefix once appended)."""
    return etree.Element(_Q + tag, attrs, nsmap=_DEFAULT_NS)


class Styles:
    """An editable view of ``xl/styles.xml`` that only ever appends."""

    def __init__(self, data: bytes) -> None:
        self.root = etree.fromstring(data)
        self.original = data
        self._changed = False

    def _collection(self, name: str) -> etree._Element:
        el = self.root.find(_Q + name)
        if el is None:
            el = _new(name, count="0")
            pos = _ORDER.index(name)
            index = 0
            for i, child in enumerate(self.root):
                local = etree.QName(child).localname
                if local in _ORDER and _ORDER.index(local) < pos:
                    index = i + 1
            self.root.insert(index, el)
            self._changed = True
        return el

    def _reuse_or_append(self, collection: str, new: etree._Element) -> int:
        coll = self._collection(collection)
        key = _key(new)
        for i, el in enumerate(coll):
            if _key(el) == key:
                return i
        coll.append(new)
        coll.set("count", str(len(coll)))
        self._changed = True
        return len(coll) - 1

    def num_fmt(self, code: str) -> int:
        """The numFmtId for ``code`` (builtin, existing custom, or a new custom one)."""
        if code in _BUILTIN_FORMATS:
            return _BUILTIN_FORMATS[code]
        coll = self._collection("numFmts")
        ids = [164]
        for el in coll:
            if el.get("formatCode") == code:
                return int(el.get("numFmtId", "0"))
            ids.append(int(el.get("numFmtId", "0")) + 1)
        new_id = max(ids)
        etree.SubElement(coll, _Q + "numFmt", numFmtId=str(new_id), formatCode=code)
        coll.set("count", str(len(coll)))
        self._changed = True
        return new_id

    def font(
        self,
        *,
        bold: bool = False,
        italic: bool = False,
        size: float | None = None,
        color: str | None = None,
    ) -> int:
        """A font like the book's default font (fonts[0]) with the given changes."""
        fonts = self._collection("fonts")
        base = fonts[0] if len(fonts) else None
        name = "Calibri"
        base_size = "11"
        if base is not None:
            n, s = base.find(_Q + "name"), base.find(_Q + "sz")
            name = n.get("val", name) if n is not None else name
            base_size = s.get("val", base_size) if s is not None else base_size
        if not (bold or italic or size or color) and base is not None:
            return 0
        font = _new("font")
        if bold:
            etree.SubElement(font, _Q + "b")
        if italic:
            etree.SubElement(font, _Q + "i")
        etree.SubElement(font, _Q + "sz", val=f"{size:g}" if size else base_size)
        if color:
            etree.SubElement(font, _Q + "color", rgb=color)
        etree.SubElement(font, _Q + "name", val=name)
        etree.SubElement(font, _Q + "family", val="2")
        return self._reuse_or_append("fonts", font)

    def solid_fill(self, rgb: str) -> int:
        fill = _new("fill")
        pattern = etree.SubElement(fill, _Q + "patternFill", patternType="solid")
        etree.SubElement(pattern, _Q + "fgColor", rgb=rgb)
        etree.SubElement(pattern, _Q + "bgColor", indexed="64")
        return self._reuse_or_append("fills", fill)

    def xf(
        self,
        *,
        fmt: str = "",
        bold: bool = False,
        italic: bool = False,
        size: float | None = None,
        color: str | None = None,
        fill: str | None = None,
        wrap: bool = False,
    ) -> int:
        """A cellXfs index for a display format plus font/fill/alignment choices.

        ``fmt`` is a records.FORMATS name ("money", "date", ...) or "" for General.
        """
        num = self.num_fmt(FORMAT_CODES[fmt]) if fmt in FORMAT_CODES else 0
        font_id = self.font(bold=bold, italic=italic, size=size, color=color)
        fill_id = self.solid_fill(fill) if fill else 0
        if self.root.find(_Q + "borders") is None or not len(self._collection("borders")):
            borders = self._collection("borders")
            border = etree.SubElement(borders, _Q + "border")
            for side in ("left", "right", "top", "bottom", "diagonal"):
                etree.SubElement(border, _Q + side)
            borders.set("count", "1")
        xf = _new(
            "xf",
            numFmtId=str(num),
            fontId=str(font_id),
            fillId=str(fill_id),
            borderId="0",
            xfId="0",
        )
        if num:
            xf.set("applyNumberFormat", "1")
        if font_id:
            xf.set("applyFont", "1")
        if fill_id:
            xf.set("applyFill", "1")
        if wrap:
            xf.set("applyAlignment", "1")
            etree.SubElement(xf, _Q + "alignment", vertical="top", wrapText="1")
        if not len(self._collection("cellXfs")):
            self._collection("cellXfs").append(
                _new("xf", numFmtId="0", fontId="0", fillId="0", borderId="0", xfId="0")
            )
        return self._reuse_or_append("cellXfs", xf)

    def grey_dxf(self) -> int:
        """A differential format for excluded rows: grey text on a light grey fill."""
        dxf = _new("dxf")
        font = etree.SubElement(dxf, _Q + "font")
        etree.SubElement(font, _Q + "color", rgb="FF7F7F7F")
        fill = etree.SubElement(dxf, _Q + "fill")
        pattern = etree.SubElement(fill, _Q + "patternFill")
        etree.SubElement(pattern, _Q + "bgColor", rgb="FFE7E6E6")
        return self._reuse_or_append("dxfs", dxf)

    def to_bytes(self) -> bytes:
        """The styles part: the original bytes when nothing had to be added."""
        return xml_bytes(self.root) if self._changed else self.original
