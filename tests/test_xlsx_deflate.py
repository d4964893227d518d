"""Large parts deflated on two cores (a real fork on Linux): the same bytes as on one.

These fork real processes; what they cannot show is the wall-clock gain, which
``python -m benchmarks.run`` measures.
"""

from __future__ import annotations

import os
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dunning_core.workbook import xlsx_deflate
from dunning_core.workbook.xlsx_package import Package

pytestmark = pytest.mark.skipif(not xlsx_deflate.fork_allowed, reason="forks on Linux only")

ROW = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Acme %d</t></is></c></row>'


def _rows(n: int, salt: int) -> Iterator[bytes]:
    for start in range(0, n, 5000):
        yield b"".join(ROW % (i, i, i * salt) for i in range(start, min(n, start + 5000)))


def _source(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("old/one.xml", b"".join(_rows(60_000, 3)))
        z.writestr("old/two.xml", b"".join(_rows(60_000, 5)))
        z.writestr("kept.xml", b"<kept/>")
        z.writestr("a.xml", b"<a/>")
        z.writestr("b.xml", b"<b/>")
    return path


def _write(
    src: Path,
    dst: Path,
    fork: bool,
    monkeypatch: pytest.MonkeyPatch,
    forked: list[int] | None = None,
) -> list[int]:
    """Write ``src`` with two large streamed parts (each reading the source as it goes)
    and one small one; returns (and adds to ``forked``) the pids of the children."""
    monkeypatch.setattr(xlsx_deflate, "fork_allowed", fork)
    monkeypatch.setattr(xlsx_deflate, "FORK_MIN_BYTES", 1 << 20)
    forked = [] if forked is None else forked
    real_fork = os.fork

    def counting_fork() -> int:
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(xlsx_deflate.os, "fork", counting_fork)
    pkg = Package(src)

    def reading(name: str, salt: int) -> Iterator[bytes]:
        # each producer reads the source book while the other process reads it too
        yield b"<copy%d/>" % salt
        with pkg._zip.open(name) as f:
            while piece := f.read(1 << 16):
                yield piece

    pkg.set_stream("a.xml", lambda: reading("old/one.xml", 1), 8 << 20)
    pkg.set_stream("b.xml", lambda: reading("old/two.xml", 2), 8 << 20)
    pkg.set("small.xml", b"<small/>")
    pkg.write(dst)
    pkg.close()
    return forked


def test_forked_write_is_byte_identical_to_one_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _source(tmp_path / "src.zip")
    assert _write(src, tmp_path / "one.zip", False, monkeypatch) == []
    assert len(_write(src, tmp_path / "two.zip", True, monkeypatch)) == 1
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "two.zip") as z:
        assert z.testzip() is None
        assert z.namelist() == [
            "[Content_Types].xml",
            "old/one.xml",
            "old/two.xml",
            "kept.xml",
            "a.xml",
            "b.xml",
            "small.xml",
        ]
        with zipfile.ZipFile(src) as s:
            for name, salt, old in (("a.xml", 1, "old/one.xml"), ("b.xml", 2, "old/two.xml")):
                assert z.read(name) == b"<copy%d/>" % salt + s.read(old)
            assert z.read("old/one.xml") == s.read("old/one.xml")
            assert z.getinfo("old/one.xml").compress_size == s.getinfo("old/one.xml").compress_size


def test_a_failing_child_falls_back_to_one_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    src = _source(tmp_path / "src.zip")
    _write(src, tmp_path / "one.zip", False, monkeypatch)
    parent = os.getpid()
    real = xlsx_deflate.deflate_to

    def fails_in_the_child(f, name, pieces):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise MemoryError("the child ran out")
        return real(f, name, pieces)

    monkeypatch.setattr(xlsx_deflate, "deflate_to", fails_in_the_child)
    assert len(_write(src, tmp_path / "two.zip", True, monkeypatch)) == 1
    assert "fell back to one core (MemoryError: the child ran out)" in caplog.text
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()


def test_no_fork_for_small_writes_or_with_other_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _source(tmp_path / "src.zip")
    monkeypatch.setattr(xlsx_deflate.threading, "active_count", lambda: 2)
    assert _write(src, tmp_path / "t.zip", True, monkeypatch) == []
    monkeypatch.undo()  # the module's own thresholds from here
    monkeypatch.setattr(xlsx_deflate.threading, "active_count", lambda: 1)
    jobs = [("a", list, 1 << 20), ("b", list, 1 << 20)]
    assert not xlsx_deflate._may_fork(jobs)  # 2 MB: not worth a fork
    assert xlsx_deflate._may_fork([("a", list, 300 << 20), ("b", list, 60 << 20)])
    assert not xlsx_deflate._may_fork([("a", list, 900 << 20), ("b", list, 200 << 20)])


def test_split_balances_by_size() -> None:
    jobs = [(f"p{i}", list, size) for i, size in enumerate([5, 300, 20, 80, 200, 1])]
    ours, theirs = xlsx_deflate.split(jobs)
    assert sorted(j[0] for j in ours + theirs) == sorted(j[0] for j in jobs)
    assert [j[0] for j in theirs] == ["p0", "p1"] and sum(j[2] for j in ours) == 301


def test_a_failing_parent_stops_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _source(tmp_path / "src.zip")
    parent = os.getpid()
    real = xlsx_deflate.deflate_to

    def fails_here(f, name, pieces):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            raise OSError("disk full")
        return real(f, name, pieces)

    monkeypatch.setattr(xlsx_deflate, "deflate_to", fails_here)
    forked: list[int] = []
    with pytest.raises(OSError, match="disk full"):
        _write(src, tmp_path / "o.zip", True, monkeypatch, forked)
    (pid,) = forked
    assert not Path(f"/proc/{pid}").exists()  # killed and reaped, not left running


@pytest.mark.skipif(sys.platform != "linux", reason="/proc")
def test_the_child_is_reaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (pid,) = _write(_source(tmp_path / "src.zip"), tmp_path / "o.zip", True, monkeypatch)
    assert not Path(f"/proc/{pid}").exists()


def test_the_heap_freeze_is_undone_unless_it_was_there_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    src = _source(tmp_path / "src.zip")
    assert gc.get_freeze_count() == 0
    _write(src, tmp_path / "a.zip", True, monkeypatch)
    assert gc.get_freeze_count() == 0  # thawed once the child was reaped
    gc.freeze()  # as the dunning command does after its imports
    try:
        before = gc.get_freeze_count()
        _write(src, tmp_path / "b.zip", True, monkeypatch)
        assert gc.get_freeze_count() >= before  # the command's freeze stays
    finally:
        gc.unfreeze()


def test_temporary_files_go_beside_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not /tmp, which may be a RAM disk: a million-row book's parts are 200 MB."""
    import tempfile

    dirs: list[str | None] = []
    real = tempfile.TemporaryFile

    def recording(*args, dir=None, **kwargs):  # type: ignore[no-untyped-def]
        dirs.append(dir)
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(xlsx_deflate.tempfile, "TemporaryFile", recording)
    out = tmp_path / "out"
    out.mkdir()
    _write(_source(tmp_path / "src.zip"), out / "book.zip", True, monkeypatch)
    assert dirs and set(dirs) == {str(out)}
