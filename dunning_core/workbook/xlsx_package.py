"""The OOXML package as parts: read lazily, change a few, copy the rest unchanged.

openpyxl's load-and-save drops parts it does not model (DESIGN.md, "Known facts
about writing workbooks"), so the writer never rebuilds a package. It opens the zip,
replaces or adds only the parts it owns, and streams every other part's bytes into
the new zip untouched, in the original order. Large new parts are streamed: their
producer yields the part in pieces, each deflated (by ISA-L, three times as fast as
zlib) into a temporary file as it comes, so a million-row sheet is never held
whole; those parts are deflated before the zip is assembled so that two cores can
share them (:mod:`.xlsx_deflate`), then copied in as compressed entries.
Relationship and content-type bookkeeping for the parts it adds or removes lives
here too.
"""

from __future__ import annotations

import copy
import functools
import os
import posixpath
import struct
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from isal import isal_zlib as _fast_zlib  # ISA-L: zlib's formats, 2-3x the speed
from lxml import etree

from dunning_core.workbook.xlsx_deflate import Deflated, Job, deflate_all
from dunning_core.workbook.xml_escape import quoteattr

NS_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

#: Parts above this size are deflated at the fastest level: they are large sheets,
#: where compression time dominates the write and the ratio barely differs.
_FAST_DEFLATE_BYTES = 4 << 20

#: A part produced at write time: called once per write, yields the part's bytes in pieces.
Producer = Callable[[], Iterable[bytes]]


@dataclass(frozen=True)
class Rel:
    """One relationship: ``target`` is resolved to a package part name (no leading /)."""

    id: str
    type: str
    target: str
    external: bool = False

    @property
    def kind(self) -> str:
        """The last segment of the type URI ("worksheet", "table", "drawing", ...)."""
        return self.type.rsplit("/", 1)[-1]


def rels_name(part: str) -> str:
    """The relationships part of ``part`` ("xl/workbook.xml" -> "xl/_rels/workbook.xml.rels")."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def relative(source: str, target: str) -> str:
    """``target`` as written in ``source``'s rels (relative to the source's folder)."""
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


class Package:
    """A zip package opened for selective rewriting.

    Unchanged parts are read from the source only when written out (or asked for),
    so a large sheet that is not touched is never held in memory twice.
    """

    def __init__(self, source: str | Path | IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(source)
        self._order = [i.filename for i in self._zip.infolist() if not i.is_dir()]
        self._changed: dict[str, bytes] = {}
        self._streams: dict[str, tuple[Producer, int]] = {}
        self._ready: dict[str, tuple[Deflated, IO[bytes]]] = {}
        self._later: list[Callable[[], None]] = []
        self._spent: set[str] = set()
        self._deleted: set[str] = set()

    def close(self) -> None:
        self._zip.close()

    def identity(self) -> tuple[int, int, int, int] | None:
        """(device, inode, size, mtime in ns) of the open source file; None for a
        source in memory. Two opens of the same unchanged file give the same."""
        fp = self._zip.fp
        try:
            st = os.fstat(fp.fileno()) if fp is not None else None
        except (OSError, AttributeError, ValueError):  # BytesIO: no file descriptor
            return None
        return None if st is None else (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def names(self) -> list[str]:
        """Part names in output order (original order, then added parts)."""
        kept = [n for n in self._order if n not in self._deleted]
        return kept + [n for n in self._changed if n not in self._order]

    def has(self, name: str) -> bool:
        return name in self._changed or (name in self._order and name not in self._deleted)

    def get(self, name: str) -> bytes | None:
        if name in self._streams:
            return b"".join(self._streams[name][0]())
        if name in self._ready:
            part, file = self._ready[name]
            return bytes(_fast_zlib.decompress(b"".join(_read_back(file, part)), -15))
        if name in self._spent:
            raise RuntimeError(f"{name}: a streamed part is gone once the package is written")
        if name in self._changed:
            return self._changed[name]
        if name in self._deleted or name not in self._order:
            return None
        info = self._zip.getinfo(name)
        raw = _raw_bytes(self._zip, info)
        if raw is None or info.compress_type != zipfile.ZIP_DEFLATED:
            return self._zip.read(name)
        data: bytes = _fast_zlib.decompress(raw, -15)  # twice as fast as zlib's inflate
        if len(data) != info.file_size or _fast_zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")
        return data

    def contains(self, name: str, needle: bytes) -> bool:
        """Whether part ``name`` holds ``needle``, inflating it only up to the first hit
        (a large old sheet is never held whole for this)."""
        if name in self._changed or name in self._deleted or name not in self._order:
            return needle in (self.get(name) or b"")
        keep = len(needle) - 1
        tail = b""
        with self._zip.open(name) as f:
            while piece := f.read(1 << 20):
                window = tail + piece
                if needle in window:
                    return True
                tail = window[len(window) - keep :] if keep else b""
        return False

    def set(self, name: str, data: bytes) -> None:
        self._deleted.discard(name)
        self._streams.pop(name, None)
        self._ready.pop(name, None)
        self._changed[name] = data

    def set_stream(self, name: str, produce: Producer, size_hint: int) -> None:
        """Set a large part as a producer of byte pieces, deflated piece by piece on write.

        The part is never held whole: ``produce()`` is called when the package is
        written and its pieces go to the compressor as they come. ``size_hint`` (an
        estimate of the uncompressed size) picks the deflate level and zip64.
        """
        self.set(name, b"")
        self._streams[name] = (produce, size_hint)

    def set_deflated(self, name: str, part: Deflated, file: IO[bytes]) -> None:
        """Set a part that is already deflated: ``part`` says where in ``file`` (which
        the caller keeps open until the package is written) and its CRC and sizes.
        The writer copies it in as it copies a deflated stream."""
        self.set(name, b"")
        self._ready[name] = (part, file)

    def delete(self, name: str) -> None:
        self._changed.pop(name, None)
        self._streams.pop(name, None)
        self._ready.pop(name, None)
        if name in self._order:
            self._deleted.add(name)

    def rels(self, part: str) -> list[Rel]:
        """Relationships of ``part`` (empty when it has none)."""
        data = self.get(rels_name(part))
        if data is None:
            return []
        folder = posixpath.dirname(part)
        out = []
        for el in etree.fromstring(data):
            target = el.get("Target", "")
            external = el.get("TargetMode") == "External"
            if not external:
                if target.startswith("/"):
                    target = target[1:]
                else:
                    target = posixpath.normpath(posixpath.join(folder, target))
            out.append(Rel(el.get("Id", ""), el.get("Type", ""), target, external))
        return out

    def set_rels(self, part: str, rels: list[Rel]) -> None:
        """Write ``part``'s rels (deleting the rels part when empty)."""
        if not rels:
            self.delete(rels_name(part))
            return
        lines = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
            f'<Relationships xmlns="{NS_PKG_RELS}">',
        ]
        for r in rels:
            target = r.target if r.external else relative(part, r.target)
            mode = ' TargetMode="External"' if r.external else ""
            lines.append(
                f"<Relationship Id={quoteattr(r.id)} Type={quoteattr(r.type)}"
                f" Target={quoteattr(target)}{mode}/>"
            )
        lines.append("</Relationships>")
        self.set(rels_name(part), "".join(lines).encode())

    def set_content_types(self, add: dict[str, str], remove: frozenset[str]) -> None:
        """Add ``Override`` entries (part -> content type) and drop those of removed parts."""
        root = etree.fromstring(self.get("[Content_Types].xml") or b"")
        for el in list(root):
            name = (el.get("PartName") or "").lstrip("/")
            if el.tag == f"{{{NS_CT}}}Override" and (name in remove or name in add):
                root.remove(el)
        for name, ctype in add.items():
            etree.SubElement(root, f"{{{NS_CT}}}Override", PartName="/" + name, ContentType=ctype)
        self.set("[Content_Types].xml", _xml_bytes(root))

    def later(self, settle: Callable[[], None]) -> None:
        """Run ``settle`` in :meth:`write`, after the large parts are deflated and
        before the zip is assembled; it may set parts already named here."""
        self._later.append(settle)

    def _jobs(self, names: list[str], done: Mapping[str, object]) -> list[Job]:
        """The parts to deflate ahead, in ``names``' order: streams (each let go of
        here, and by the deflater once deflated) and large changed parts, except those
        in ``done``."""
        jobs: list[Job] = []
        for name in names:
            if name in done:
                continue
            if name in self._streams:
                produce, size = self._streams.pop(name)
                self._spent.add(name)
                jobs.append((name, produce, size))
            elif name in self._changed and len(self._changed[name]) > _FAST_DEFLATE_BYTES:
                changed = self._changed[name]
                jobs.append((name, functools.partial(_one_piece, changed), len(changed)))
        return jobs

    def iter_parts(self) -> Iterator[tuple[str, bytes]]:
        for name in self.names():
            data = self.get(name)
            assert data is not None
            yield name, data

    def write(self, out: str | Path | IO[bytes]) -> None:
        """Write the package in order: unchanged parts as their compressed bytes, large
        new parts deflated first (on two cores where possible, see :mod:`.xlsx_deflate`)
        and then copied in as compressed entries, small new parts deflated here.

        The ``later`` callbacks run once those large parts are deflated and before the
        zip is assembled: they set the parts that were not ready before (the aging
        sheet's part made by the early writer's child, and its tables).
        """
        names = self.names()
        with ExitStack() as files, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            folder = os.path.dirname(os.path.abspath(out)) if isinstance(out, (str, Path)) else None
            deflated = deflate_all(self._jobs(names, {}), files, self._zip.fp, folder or None)
            later, self._later = self._later, []
            for settle in later:
                settle()
            if later:
                if self.names() != names:
                    raise RuntimeError("a later part must replace a part, not add or remove one")
                more = self._jobs(names, deflated)
                deflated.update(deflate_all(more, files, self._zip.fp, folder or None))
            deflated.update(self._ready)
            for name in names:
                old = self._zip.NameToInfo.get(name)
                if name not in self._changed and name in self._order:
                    assert old is not None
                    raw = _raw_bytes(self._zip, old)
                    if raw is not None:
                        new = copy.copy(old)
                        new.flag_bits &= ~0x08  # sizes go in the local header: no data descriptor
                        _append(dst, new, [raw])
                        continue
                if name in deflated:
                    part, file = deflated.pop(name)
                    _append(dst, _deflated_info(name, old, part), _read_back(file, part))
                    continue
                if name in self._changed or old is None:
                    info = zipfile.ZipInfo(name, date_time=old.date_time if old else _EPOCH)
                    info.compress_type = zipfile.ZIP_DEFLATED
                else:  # unchanged, but not copyable raw (encrypted or zip64-sized)
                    info = old
                data = self.get(name)
                assert data is not None
                dst.writestr(info, data, compress_type=info.compress_type, compresslevel=6)


_EPOCH = (1980, 1, 1, 0, 0, 0)


def _one_piece(data: bytes) -> list[bytes]:
    return [data]


def _deflated_info(name: str, old: zipfile.ZipInfo | None, part: Deflated) -> zipfile.ZipInfo:
    """The entry of a part deflated ahead (dated as the part it replaces, if any)."""
    info = zipfile.ZipInfo(name, date_time=old.date_time if old else _EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.CRC, info.file_size, info.compress_size = part.crc, part.size, part.compressed
    return info


def _read_back(file: IO[bytes], part: Deflated) -> Iterator[bytes]:
    """``part``'s compressed bytes from the temporary file that holds them, in pieces."""
    file.seek(part.offset)
    left = part.compressed
    while left:
        piece = file.read(min(left, 8 << 20))
        if not piece:
            raise OSError(f"{part.name}: its deflated bytes were cut short in the temporary file")
        left -= len(piece)
        yield piece


def _append(dst: zipfile.ZipFile, info: zipfile.ZipInfo, raw: Iterable[bytes]) -> None:
    """Append an entry whose compressed bytes, CRC and sizes are already known.

    zipfile has no public API for this, so it writes the local header with the
    documented ``ZipInfo.FileHeader`` (zip64 extra fields when the sizes need them)
    and keeps the writer's bookkeeping attributes, from which ``close`` writes the
    central directory.
    """
    out = dst.fp
    assert out is not None
    info.header_offset = out.tell()
    out.write(info.FileHeader(None))
    for piece in raw:
        out.write(piece)
    dst.filelist.append(info)
    dst.NameToInfo[info.filename] = info
    dst.start_dir = out.tell()
    dst._didModify = True  # type: ignore[attr-defined]


def _raw_bytes(src: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """``info``'s entry as stored (compressed), or None when it cannot be read raw
    (encrypted, zip64-sized, or a local header that does not match)."""
    if info.flag_bits & 0x1 or max(info.file_size, info.compress_size) >= zipfile.ZIP64_LIMIT:
        return None
    fp = src.fp
    if fp is None:
        return None
    fp.seek(info.header_offset)
    head = fp.read(30)
    if len(head) != 30 or head[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    raw = fp.read(info.compress_size)
    return raw if len(raw) == info.compress_size else None


def _xml_bytes(root: etree._Element) -> bytes:
    """Serialise a small part the way Excel does (declaration, UTF-8, standalone)."""
    body: bytes = etree.tostring(root, encoding="UTF-8")
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body


xml_bytes = _xml_bytes
