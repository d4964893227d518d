"""The aging sheet as the managed edit first reads it: its header texts, the block a
previous run left, and the checks that let the edit work on the part's bytes.

The header row's cells may hold shared, inline or formula strings; the previous
block is recognised by its header texts alone. A part in prefixed SpreadsheetML is
renamed to the default namespace, and a part that is not UTF-8 is refused where
decoding it would fail, without decoding a million rows.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from io import BytesIO

import numpy as np
from lxml import etree

from dunning_core.sheetaddr import column_index

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)
_T = re.compile(r"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
_V = re.compile(r"<v>(.*?)</v>", re.S)


def shared_strings(data: bytes | None, wanted: set[int]) -> dict[int, str]:
    """Texts of the shared strings ``wanted`` (parsing stops after the largest index)."""
    out: dict[int, str] = {}
    if not data or not wanted:
        return out
    last = max(wanted)
    for i, (_, si) in enumerate(etree.iterparse(BytesIO(data), tag=f"{{{NS}}}si")):
        if i in wanted:
            out[i] = "".join(
                t.text or ""
                for t in si.iter(f"{{{NS}}}t")
                if etree.QName(t.getparent()).localname != "rPh"
            )
        si.clear()
        if i >= last:
            break
    return out


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def header_cells(row_xml: str, sst: Callable[[set[int]], dict[int, str]]) -> dict[int, str]:
    """Column -> text of the header row's cells (shared, inline and formula strings)."""
    cells: dict[int, tuple[str, str]] = {}
    for m in _CELL.finditer(row_xml):
        tag = m.group(0)
        t = re.search(r'\bt="(\w+)"', tag[: tag.find(">") + 1])
        cells[column_index(m.group(1))] = (t.group(1) if t else "n", tag)
    wanted = set()
    for kind, tag in cells.values():
        v = _V.search(tag)
        if kind == "s" and v and v.group(1).strip().isdigit():
            wanted.add(int(v.group(1)))
    table = sst(wanted)
    out = {}
    for col, (kind, tag) in cells.items():
        if kind == "inlineStr":
            out[col] = _unescape("".join(t or "" for t in _T.findall(tag)))
        elif kind in ("s", "str"):
            v = _V.search(tag)
            raw = v.group(1).strip() if v else ""
            out[col] = table.get(int(raw), "") if kind == "s" and raw.isdigit() else _unescape(raw)
    return out


def find_block(headers: dict[int, str], managed: tuple[str, ...]) -> tuple[int, int]:
    """(first, last) column of the previous run's block, or (0, 0).

    The block is the longest run of adjacent header cells spelling the managed
    headers in order from the first one (two or more), so a team column that merely
    shares a name ("Owner") is never mistaken for it.

    >>> heads = {1: "Owner", 5: "Days past due", 6: "Bucket", 7: "x"}
    >>> find_block(heads, ("Days past due", "Bucket"))
    (5, 6)
    """
    best = (0, 0)
    for col, text in headers.items():
        if text.strip() != managed[0]:
            continue
        n = 1
        while n < len(managed) and headers.get(col + n, "").strip() == managed[n]:
            n += 1
        if n >= 2 and n > best[1] - best[0] + 1:
            best = (col, col + n - 1)
    return best


def unprefix_main(text: str) -> str:
    """The sheet with SpreadsheetML as the default namespace instead of a prefix.

    Some generators (the .NET Open XML SDK among them) write ``<x:worksheet>``,
    ``<x:row>``, ``<x:c>``. Renaming those elements to the default namespace is the
    same XML to every reader, and lets the streaming edit look for plain tags.
    """
    m = re.search(r"<(?:(\w+):)?worksheet\b[^>]*>", text)
    if not m or not m.group(1):
        return text
    prefix, root = m.group(1), m.group(0)
    if not re.search(rf'xmlns:{prefix}="{re.escape(NS)}"', root):
        return text
    if re.search(r'\sxmlns="', root):
        raise ValueError("worksheet with both a default and a prefixed SpreadsheetML namespace")
    text = re.sub(rf"<(/?){prefix}:", r"<\1", text)
    return text.replace("<worksheet", f'<worksheet xmlns="{NS}"', 1)


def plain_tags(body: bytes) -> bytes:
    """:func:`unprefix_main` for bytes: only a prefixed sheet is decoded and re-encoded."""
    m = re.search(rb"<(?:(\w+):)?worksheet\b", body[:65536])
    if m and m.group(1):
        return unprefix_main(body.decode("utf-8")).encode("utf-8")
    return body


def check_utf8(body: bytes) -> None:
    """Raise UnicodeDecodeError where the part is not UTF-8, as decoding it would.

    Only the non-ASCII bytes are looked at, with numpy (a re-run's sheet holds the
    previous block's "€" on every row): each lead byte must be followed by its
    continuation bytes, in range (no overlong forms, surrogates or code points
    above U+10FFFF), and no continuation byte may stand alone. A failure is
    located by decoding the piece around it.
    """
    if body.isascii():
        return
    arr = np.frombuffer(body, dtype=np.uint8)
    step = 1 << 24
    at = np.concatenate(
        [np.flatnonzero(arr[i : i + step] >= 0x80) + i for i in range(0, len(arr), step)]
    )
    b = arr[at]
    need = np.select([b >= 0xF0, b >= 0xE0, b >= 0xC0], [3, 2, 1], 0)
    lead = np.flatnonzero(need > 0)
    ok = bool(((b >= 0x80) & (b < 0xC0) | ((b >= 0xC2) & (b <= 0xF4))).all())
    ok = ok and int(need.sum()) == len(at) - len(lead)  # every continuation claimed
    if ok and len(lead):
        pos, want = at[lead], need[lead]
        ok = int((pos + want).max()) < len(arr)
        for k in (1, 2, 3):
            if not ok:
                break
            has = want >= k
            nxt = arr[pos[has] + k]
            ok = bool(((nxt & 0xC0) == 0x80).all())
        if ok:
            first, second = b[lead], arr[np.minimum(pos + 1, len(arr) - 1)]
            ok = not bool(
                ((first == 0xE0) & (second < 0xA0)).any()
                or ((first == 0xED) & (second > 0x9F)).any()
                or ((first == 0xF0) & (second < 0x90)).any()
                or ((first == 0xF4) & (second > 0x8F)).any()
            )
    if not ok:
        decoder = codecs.getincrementaldecoder("utf-8")()
        for i in range(0, len(body), step):
            decoder.decode(body[i : i + step])
        decoder.decode(b"", final=True)
