"""vbaProject.bin: the compound file, the PROJECT stream, and olevba reading our sources back."""

from __future__ import annotations

import io
import warnings

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.packaging.cfb import write_cfb
from addin.packaging.ovba_compression import decompress
from addin.packaging.package import VBA_DIR, vba_modules
from addin.packaging.vba_project import (
    VbaModule,
    build_vba_project,
    decrypt,
    document_module,
    encrypt,
    module_from_file,
)

with warnings.catch_warnings():  # oletools uses deprecated pyparsing names
    warnings.simplefilter("ignore")
    from oletools.olevba import VBA_Parser

stream_names = st.text(alphabet="abcXYZ_0123456789", min_size=1, max_size=31)


@settings(max_examples=30, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(["", "VBA/", "VBA/Sub/"]), stream_names).map("".join),
        st.binary(max_size=9000),
        min_size=1,
        max_size=12,
    )
)
def test_cfb_round_trips_through_olefile(streams: dict[str, bytes]) -> None:
    """Mini-stream (< 4096 bytes) and regular-sector streams both read back exactly."""
    if any(a != b and b.startswith(a + "/") for a in streams for b in streams):
        return  # a path cannot be both a stream and a storage
    ole = olefile.OleFileIO(io.BytesIO(write_cfb(streams)))
    found = {"/".join(p): ole.openstream("/".join(p)).read() for p in ole.listdir()}
    assert found == streams


def test_cfb_rejects_long_names() -> None:
    with pytest.raises(ValueError, match="31 characters"):
        write_cfb({"x" * 32: b""})


def test_encryption_round_trips_and_reads_excel_written_values() -> None:
    pid = "{318BEE36-5BE1-492A-826D-473DB19B0F30}"
    # CMG and GC as written by Excel in xlwings' quickstart add-in (0.37.8).
    assert decrypt("5D5F8AADDAA8DEA8DEA8DEA8DE", pid) == bytes(4)
    assert decrypt("5D5F8AADDAADDBADDB52", pid) == b"\xff"
    for seed in (0x00, 0x5D, 0xFF):
        assert decrypt(encrypt(b"\x00\x01secret", pid, seed), pid) == b"\x00\x01secret"


def test_class_file_header_becomes_stream_attributes() -> None:
    text = (VBA_DIR / "Dictionary.cls").read_text(encoding="cp1252")
    module = module_from_file(text)
    assert module.kind == "class" and module.name == "Dictionary"
    lines = module.source.split("\r\n")
    assert lines[0] == 'Attribute VB_Name = "Dictionary"'
    assert lines[1].startswith("Attribute VB_Base")
    assert not any(ln.startswith(("VERSION", "BEGIN")) for ln in lines)


def _project(kind: str) -> tuple[list[VbaModule], bytes]:
    modules = vba_modules(kind, ["Sheet1", "Sheet2"])
    return modules, build_vba_project("TestProject", modules)


def test_project_streams_are_source_only() -> None:
    modules, blob = _project("xlsm")
    ole = olefile.OleFileIO(io.BytesIO(blob))
    assert ole.openstream("VBA/_VBA_PROJECT").read() == b"\xcc\x61\xff\xff\x00\x00\x00"
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert 'Name="TestProject"' in project
    assert "Document=ThisWorkbook/&H00000000" in project
    assert "Module=DunningRibbon" in project and "Class=Dictionary" in project
    for m in modules:  # MODULEOFFSET 0: the whole stream is the compressed source
        assert decompress(ole.openstream(f"VBA/{m.name}").read()).decode("cp1252") == m.source


@pytest.mark.parametrize("kind", ["xlsm", "xlam"])
def test_olevba_reads_every_module_back(kind: str) -> None:
    modules, blob = _project(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parser = VBA_Parser("vbaProject.bin", data=blob)
        found = {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    assert set(found) == {m.name for m in modules}
    for m in modules:
        assert found[m.name].replace("\r\n", "\n").strip() == m.source.replace("\r\n", "\n").strip()


def test_xlwings_copies_name_the_pinned_dll() -> None:
    """xlwings.bas must match the xlwings Python package version installed with it."""
    for name in ("xlwings.bas", "xlwings_custom_addin.bas"):
        text = (VBA_DIR / name).read_text(encoding="cp1252")
        assert 'XLWINGS_VERSION As String = "0.37.8"' in text
    custom = (VBA_DIR / "xlwings_custom_addin.bas").read_text(encoding="cp1252")
    assert 'PROJECT_NAME As String = "dunning"' in custom
    assert "ActiveWorkbook.FullName" in custom


def test_duplicate_module_names_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        build_vba_project("P", [document_module("Sheet1", False), document_module("sheet1", False)])
