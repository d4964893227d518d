"""Build a source-only ``vbaProject.bin`` (MS-OVBA) from VBA module text.

Why source-only: the compiled "performance cache" is version-specific binary that
only Office can write. MS-OVBA lets a project carry just the compressed source, with
``_VBA_PROJECT`` version 0xFFFF; Office then recompiles it on open. That is what lets
the add-in and the template be built on Linux from the ``.bas``/``.cls`` text in git.

Deterministic on purpose: the project GUID is derived from the project name and the
encryption seed of the PROJECT stream's CMG/DPB/GC values is fixed, so a rebuild of
the same text gives the same bytes.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from addin.packaging.cfb import write_cfb
from addin.packaging.ovba_compression import compress

CODEPAGE = 1252
ENCODING = "cp1252"
LCID = 0x0409
ModuleKind = Literal["module", "class", "document"]

#: Type libraries every Excel project references: OLE Automation (stdole) and the
#: Office library, which defines ``IRibbonControl`` for the ribbon callback.
REFERENCES: tuple[tuple[str, str], ...] = (
    (
        "stdole",
        r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
        r"C:\Windows\System32\stdole2.tlb#OLE Automation",
    ),
    (
        "Office",
        r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
        r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL"
        r"#Microsoft Office 16.0 Object Library",
    ),
)
_WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
_SHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
_CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"
_SEED = 0x5D  # fixed, for reproducible bytes


@dataclass(frozen=True)
class VbaModule:
    """One module: its name, kind and the source exactly as stored (CRLF lines)."""

    name: str
    kind: ModuleKind
    source: str


def _crlf(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    return "\r\n".join(lines) + "\r\n"


def module_from_file(text: str) -> VbaModule:
    """A module from an exported ``.bas``/``.cls`` file (class header dropped).

    Exported class files start with ``VERSION 1.0 CLASS``/``BEGIN``/``END``; the
    stored stream starts at ``Attribute VB_Name`` and also names the class base.
    """
    lines = _crlf(text).split("\r\n")[:-1]
    is_class = lines[0].startswith("VERSION ")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Attribute VB_Name"))
    lines = lines[start:]
    name = lines[0].split("=", 1)[1].strip().strip('"')
    if not is_class:
        return VbaModule(name, "module", "\r\n".join(lines) + "\r\n")
    out = [lines[0], f'Attribute VB_Base = "{_CLASS_BASE}"']
    for ln in lines[1:]:
        out.append(ln)
        if ln.startswith("Attribute VB_Exposed"):
            out += ["Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = False"]
    return VbaModule(name, "class", "\r\n".join(out) + "\r\n")


def document_module(name: str, workbook: bool) -> VbaModule:
    """The (empty) code module behind ThisWorkbook or one worksheet."""
    attrs = [
        f'Attribute VB_Name = "{name}"',
        f'Attribute VB_Base = "{_WORKBOOK_BASE if workbook else _SHEET_BASE}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",
        "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = True",
    ]
    return VbaModule(name, "document", "\r\n".join(attrs) + "\r\n")


def _rec(record_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def _text_pair(record_id: int, unicode_id: int, text: str) -> bytes:
    return _rec(record_id, text.encode(ENCODING)) + _rec(unicode_id, text.encode("utf-16-le"))


def _dir_stream(project: str, modules: Sequence[VbaModule]) -> bytes:
    """The decompressed ``dir`` stream (MS-OVBA 2.3.4.2)."""
    out = bytearray()
    out += _rec(0x0001, struct.pack("<I", 1))  # SysKind: 32-bit Windows
    out += _rec(0x0002, struct.pack("<I", LCID))
    out += _rec(0x0014, struct.pack("<I", LCID))
    out += _rec(0x0003, struct.pack("<H", CODEPAGE))
    out += _rec(0x0004, project.encode(ENCODING))
    out += _text_pair(0x0005, 0x0040, "")
    out += _text_pair(0x0006, 0x003D, "")
    out += _rec(0x0007, struct.pack("<I", 0))
    out += _rec(0x0008, struct.pack("<I", 0))
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION 1.0
    out += _text_pair(0x000C, 0x003C, "")
    for ref_name, libid in REFERENCES:
        out += _text_pair(0x0016, 0x003E, ref_name)
        lib = libid.encode(ENCODING)
        out += _rec(0x000D, struct.pack("<I", len(lib)) + lib + b"\x00" * 6)
    out += _rec(0x000F, struct.pack("<H", len(modules)))
    out += _rec(0x0013, struct.pack("<H", 0xFFFF))
    for m in modules:
        out += _rec(0x0019, m.name.encode(ENCODING))
        out += _rec(0x0047, m.name.encode("utf-16-le"))
        out += _text_pair(0x001A, 0x0032, m.name)
        out += _text_pair(0x001C, 0x0048, "")
        out += _rec(0x0031, struct.pack("<I", 0))  # source starts at offset 0
        out += _rec(0x001E, struct.pack("<I", 0))
        out += _rec(0x002C, struct.pack("<H", 0xFFFF))
        out += _rec(0x0021 if m.kind == "module" else 0x0022, b"")
        out += _rec(0x002B, b"")
    out += _rec(0x0010, b"")
    return bytes(out)


def encrypt(data: bytes, project_id: str, seed: int = _SEED) -> str:
    """MS-OVBA 2.4.3.2 data encryption, as hex (for CMG, DPB and GC)."""
    proj_key = sum(project_id.encode(ENCODING)) & 0xFF
    out = [seed, seed ^ 2, seed ^ proj_key]
    unencrypted1, encrypted1, encrypted2 = proj_key, out[2], out[1]
    plain = b"\x00" * ((seed & 6) // 2) + struct.pack("<I", len(data)) + data
    for byte in plain:
        enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    return bytes(out).hex().upper()


def decrypt(hex_text: str, project_id: str) -> bytes:
    """Inverse of :func:`encrypt` (used by tests and for reading back)."""
    raw = bytes.fromhex(hex_text)
    seed = raw[0]
    proj_key = sum(project_id.encode(ENCODING)) & 0xFF
    unencrypted1, encrypted1, encrypted2 = proj_key, raw[2], raw[1]
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        plain.append(byte)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    plain = plain[(seed & 6) // 2 :]
    length = struct.unpack("<I", plain[:4])[0]
    return bytes(plain[4 : 4 + length])


def _project_stream(project: str, modules: Sequence[VbaModule]) -> bytes:
    """The text PROJECT stream (MS-OVBA 2.3.1): module list, name, protection."""
    project_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "dunning:" + project)).upper() + "}"
    lines = [f'ID="{project_id}"']
    for m in modules:
        if m.kind == "document":
            lines.append(f"Document={m.name}/&H00000000")
        else:
            lines.append(f"{'Module' if m.kind == 'module' else 'Class'}={m.name}")
    lines += [
        f'Name="{project}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(bytes(4), project_id)}"',  # not protected
        f'DPB="{encrypt(bytes(1), project_id)}"',  # no password
        f'GC="{encrypt(bytes([255]), project_id)}"',  # visible
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
    ]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return ("\r\n".join(lines) + "\r\n\r\n").encode(ENCODING)


def _projectwm(modules: Sequence[VbaModule]) -> bytes:
    out = bytearray()
    for m in modules:
        out += m.name.encode(ENCODING) + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00"
    return bytes(out + b"\x00\x00")


def build_vba_project(project: str, modules: Sequence[VbaModule]) -> bytes:
    """The bytes of ``vbaProject.bin`` for ``modules`` (names must be unique)."""
    names = [m.name.lower() for m in modules]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate module names in {names}")
    streams = {
        "PROJECT": _project_stream(project, modules),
        "PROJECTwm": _projectwm(modules),
        "VBA/_VBA_PROJECT": bytes([0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x00, 0x00]),
        "VBA/dir": compress(_dir_stream(project, modules)),
    }
    for m in modules:
        streams["VBA/" + m.name] = compress(m.source.encode(ENCODING))
    return write_cfb(streams)
