"""The aging part made early, by a real forked child, while the cycle finishes.

Each test runs the sample book through ``run_file`` twice, with the early start and
without it, and compares every uncompressed part: the early path must change
nothing but the time. What these cannot show is the time saved, which
``python -m benchmarks.run`` measures.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dunning_core import pipeline
from dunning_core.filemode import run_file
from dunning_core.records import Problem, Severity
from dunning_core.sample_book import SAMPLE_AS_OF, write_sample_book
from dunning_core.workbook import early_aging, xlsx_deflate
from dunning_core.workbook.early_aging import EarlyAging, ReadyPart
from dunning_core.workbook.xlsx_package import Package

pytestmark = pytest.mark.skipif(not xlsx_deflate.fork_allowed, reason="forks on Linux only")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_book(tmp_path_factory.mktemp("early"), fresh=True)


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[bool, ReadyPart | None]]]:
    """Forks for any size; records for each :meth:`EarlyAging.take` whether a child
    was running and what it returned."""
    monkeypatch.setattr(early_aging, "EARLY_MIN_ROWS", 0)
    seen: list[tuple[bool, ReadyPart | None]] = []
    real = EarlyAging.take

    def take(self: EarlyAging, key: str) -> ReadyPart | None:
        running = self.running
        got = real(self, key)
        seen.append((running, got))
        return got

    monkeypatch.setattr(EarlyAging, "take", take)
    yield seen


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _run(sample: Path, folder: Path, early: bool, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the sample after a run and a next-week run, with or without the early start."""
    folder.mkdir()
    book = folder / sample.name
    shutil.copy(sample, book)
    with monkeypatch.context() as m:
        if not early:
            m.setattr(early_aging, "EARLY_MAX_ROWS", -1)
        run_file(book, SAMPLE_AS_OF)
        run_file(book, date.fromordinal(SAMPLE_AS_OF.toordinal() + 7))
    return book


def _plain(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    return _parts(_run(sample, tmp_path / "plain", False, monkeypatch))


def _made_again_and_the_same(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, taken: list[Any]
) -> None:
    """Both runs had a child, neither's part was taken, and the book is as without one."""
    early = _parts(_run(sample, tmp_path / "early", True, monkeypatch))
    assert taken == [(True, None), (True, None)]
    assert early == _plain(sample, tmp_path, monkeypatch)


def test_the_childs_part_is_taken_and_the_book_is_the_same(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, taken: list[Any]
) -> None:
    early = _parts(_run(sample, tmp_path / "early", True, monkeypatch))
    assert len(taken) == 2 and all(running and isinstance(t, ReadyPart) for running, t in taken)
    assert early == _plain(sample, tmp_path, monkeypatch)
    assert not [p for p in (tmp_path / "early").iterdir() if p.name.startswith(".sample")]


def test_a_book_changed_after_the_fork_gets_its_part_made_again(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, taken: list[Any]
) -> None:
    real = EarlyAging.start

    def start_then_touch(self: EarlyAging, *args: Any) -> None:
        real(self, *args)
        if self._child is None:  # the plain run
            return
        os.waitid(os.P_PID, self._child.pid, os.WEXITED | os.WNOWAIT)  # done, not reaped
        st = os.stat(self.src)
        os.utime(self.src, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # as a save would

    monkeypatch.setattr(EarlyAging, "start", start_then_touch)
    _made_again_and_the_same(sample, tmp_path, monkeypatch, taken)


def test_an_error_found_after_the_fork_makes_the_part_again(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, taken: list[Any]
) -> None:
    """The child guesses the tab selection from the problems so far; a wrong guess
    (here: an error it was told of that the run does not have) is not taken."""
    real = EarlyAging.start
    error = Problem("Aging", "A1", "", "", "made up", Severity.ERROR)

    def start_with_error(self: EarlyAging, queue: Any, report: Any, problems: Any) -> None:
        real(self, queue, report, (*problems, error))

    monkeypatch.setattr(EarlyAging, "start", start_with_error)
    _made_again_and_the_same(sample, tmp_path, monkeypatch, taken)


def test_a_failing_child_leaves_the_part_to_the_writer(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, taken: list[Any]
) -> None:
    def broken(*args: Any) -> None:
        raise MemoryError("the child ran out")

    monkeypatch.setattr(early_aging, "_make_part", broken)
    _made_again_and_the_same(sample, tmp_path, monkeypatch, taken)


def test_a_cycle_that_fails_after_the_fork_stops_the_child_and_leaves_the_book(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, taken: list[Any]
) -> None:
    book = tmp_path / sample.name
    shutil.copy(sample, book)
    before = book.read_bytes()
    children: list[int] = []
    real_start = xlsx_deflate.Child.start.__func__  # type: ignore[attr-defined]

    def counting(cls: Any, *args: Any, **kwargs: Any) -> Any:
        child = real_start(cls, *args, **kwargs)
        children.append(child.pid)
        return child

    def fails(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the drafts broke")

    monkeypatch.setattr(xlsx_deflate.Child, "start", classmethod(counting))
    monkeypatch.setattr(pipeline.dr, "update_drafts", fails)
    with pytest.raises(RuntimeError, match="drafts broke"):
        run_file(book, SAMPLE_AS_OF)
    assert len(children) == 1 and taken == []
    with pytest.raises(ChildProcessError):  # reaped: no zombie left
        os.waitpid(children[0], os.WNOHANG)
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [book.name]


def test_no_fork_below_the_size_or_with_a_thread_alive(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    book = tmp_path / sample.name
    shutil.copy(sample, book)
    with EarlyAging(book) as early:
        early.start(_queue_of(300), None, ())  # type: ignore[arg-type]
        assert not early.running  # 300 rows: below EARLY_MIN_ROWS
    monkeypatch.setattr(early_aging, "EARLY_MIN_ROWS", 0)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with EarlyAging(book) as early:
            early.start(_queue_of(300), None, ())  # type: ignore[arg-type]
            assert not early.running
    finally:
        stop.set()
        thread.join()


def _queue_of(n: int) -> Any:
    import pandas as pd

    return pd.DataFrame({"x": range(n)})


def test_a_later_part_replaces_a_named_part_and_may_not_add_one(tmp_path: Path) -> None:
    src = tmp_path / "src.zip"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("a.xml", b"<a/>")
        z.writestr("b.xml", b"<b/>")
    pkg = Package(src)
    pkg.set("a.xml", b"")
    pkg.later(lambda: pkg.set_stream("a.xml", lambda: [b"<a>", b"late</a>"], 10))
    pkg.write(tmp_path / "out.zip")
    pkg.close()
    assert _parts(tmp_path / "out.zip") == {"a.xml": b"<a>late</a>", "b.xml": b"<b/>"}

    pkg = Package(src)
    pkg.later(lambda: pkg.set("c.xml", b"<c/>"))
    with pytest.raises(RuntimeError, match="replace a part"):
        pkg.write(tmp_path / "out2.zip")
    pkg.close()


def test_a_part_set_deflated_is_read_back_and_written_as_it_is(tmp_path: Path) -> None:
    import tempfile

    from dunning_core.workbook.xlsx_deflate import deflate_to

    src = tmp_path / "src.zip"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("a.xml", b"<a/>")
    body = b"<a>" + b"<r>deflated ahead</r>" * 1000 + b"</a>"
    with tempfile.TemporaryFile(dir=tmp_path) as f:
        f.write(b"other bytes first")
        part = deflate_to(f, "a.xml", [body[:100], body[100:]])
        pkg = Package(src)
        pkg.set_deflated("a.xml", part, f)
        assert pkg.get("a.xml") == body
        pkg.write(tmp_path / "out.zip")
        pkg.close()
    with zipfile.ZipFile(tmp_path / "out.zip") as z:
        assert z.testzip() is None and z.read("a.xml") == body
        assert z.getinfo("a.xml").compress_size == part.compressed


@pytest.mark.libreoffice
def test_libreoffice_reads_the_aging_part_the_child_wrote(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, taken: list[Any]
) -> None:
    """The part copied in from the child's temporary file, read by a real spreadsheet
    application: the managed block's header and a value in it as the writer made them."""
    from lo import convert
    from python_calamine import CalamineWorkbook

    from dunning_core.columns import M
    from dunning_core.sample_book import AGING_SHEET, HEADER_ROW

    book = _run(sample, tmp_path / "early", True, monkeypatch)
    assert taken and all(isinstance(t, ReadyPart) for _, t in taken)
    ods = convert(book, "ods", tmp_path / "lo")
    rows = CalamineWorkbook.from_path(str(ods)).get_sheet_by_name(AGING_SHEET).to_python()
    header = [str(v) for v in rows[HEADER_ROW - 1]]
    assert M.PRIORITY in header and M.STAGE in header
    ours = CalamineWorkbook.from_path(str(book)).get_sheet_by_name(AGING_SHEET).to_python()
    column = header.index(M.STAGE)
    assert [r[column] for r in rows] == [r[column] for r in ours]
    assert sum(1 for r in rows[HEADER_ROW:] if r[column]) > 100  # the sample's 328 rows
