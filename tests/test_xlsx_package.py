"""The package writer: streamed parts, fast inflate with its CRC check, early-exit search."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest

from dunning_core.workbook.xlsx_package import Package

BIG = b"<row>" + b"x" * (5 << 20) + b"<f>1</f></row>"  # above the fast-deflate size


def _zip(parts: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    buf.seek(0)
    return buf


def test_streamed_part_is_written_piece_by_piece_and_reads_back() -> None:
    pkg = Package(_zip({"a.xml": b"<a/>", "big.xml": BIG}))
    calls: list[int] = []

    def produce() -> Iterator[bytes]:
        calls.append(1)
        for i in range(0, len(BIG), 1 << 20):
            yield BIG[i : i + (1 << 20)]

    pkg.set_stream("big.xml", produce, len(BIG))
    out = io.BytesIO()
    pkg.write(out)
    assert calls == [1]  # produced once, at write time
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None  # CRCs right
        assert z.read("big.xml") == BIG and z.read("a.xml") == b"<a/>"
        assert z.getinfo("big.xml").compress_size < len(BIG) // 50
    with pytest.raises(RuntimeError):  # the producer (and what it holds) is let go
        pkg.get("big.xml")


def test_get_inflates_and_checks_the_crc() -> None:
    buf = _zip({"big.xml": BIG})
    assert Package(buf).get("big.xml") == BIG
    raw = bytearray(buf.getvalue())
    raw[raw.index(b"PK\x01\x02") + 16] ^= 0xFF  # the central directory's CRC
    with pytest.raises(zipfile.BadZipFile):
        Package(io.BytesIO(bytes(raw))).get("big.xml")


def test_contains_stops_at_the_first_hit_and_sees_across_pieces() -> None:
    straddle = b"y" * ((1 << 20) - 1) + b"<f>" + b"y" * 100  # across two 1 MB reads
    pkg = Package(_zip({"big.xml": BIG, "small.xml": b"<a><f/></a>", "s.xml": straddle}))
    assert pkg.contains("big.xml", b"<f>") and not pkg.contains("big.xml", b"<g>")
    assert pkg.contains("s.xml", b"<f>")
    assert pkg.contains("small.xml", b"<f")
    pkg.set("small.xml", b"<a/>")
    assert not pkg.contains("small.xml", b"<f")
    assert not pkg.contains("missing.xml", b"<f")
