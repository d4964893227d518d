"""Deflate the large new parts of a package, on both cores where the OS allows it.

Producing a large part (turning a column-wise sheet into XML) and deflating it is
the bulk of a write: 0.74 of 1.0 s at 100k rows, most of it in two parts (the
aging sheet's managed edit and the Snapshot). That work is pure Python, so threads
cannot share it. On Linux the parts are split in two groups of about equal size:
a forked child deflates one group into a temporary file while this process
deflates the other, and the package writer then copies both into the zip as
already-compressed entries. Everywhere else, and whenever the fork cannot be used
or the child fails, this process deflates every part itself. The bytes written
are the same either way (tests compare them), so the fork is a speed-up only.

The child never touches the destination zip or the standard streams: it writes
its own temporary file and reports through a pipe, and leaves with ``os._exit``.
It reads the source book through its own file description (a shared one would
share the read offset with this process), and garbage collection is off in the
child and frozen in this process while the child runs, so neither copies the
pages they share for the collector's sake.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from typing import IO, Any

from isal import isal_zlib as _fast_zlib

_log = logging.getLogger(__name__)

#: Below this many bytes in all (by size hint) a fork costs more than it saves.
FORK_MIN_BYTES = 8 << 20

#: Above this many, one core: the child's own pages (the heap it touches is copied)
#: grow with the book, about 90 MB at 100k rows (300 MB of parts) and 800 MB at a
#: million, and at that size memory is scarcer than the seconds a fork saves.
FORK_MAX_BYTES = 1 << 30

#: Tests turn the fork off to compare both ways; nothing else should.
fork_allowed = sys.platform.startswith("linux") and hasattr(os, "fork")


@dataclass(frozen=True)
class Deflated:
    """One part deflated (raw deflate, ISA-L level 1) into ``file`` at ``offset``."""

    name: str
    crc: int
    size: int
    compressed: int
    offset: int


Job = tuple[str, Callable[[], Iterable[bytes]], int]  # name, producer, size hint


def deflate_to(f: IO[bytes], name: str, pieces: Iterable[bytes]) -> Deflated:
    """Deflate ``pieces`` onto the end of ``f``; the CRC and sizes go in the result."""
    start = f.tell()
    comp = _fast_zlib.compressobj(1, zlib.DEFLATED, -15)
    crc = size = 0
    for piece in pieces:
        crc = _fast_zlib.crc32(piece, crc)
        size += len(piece)
        f.write(comp.compress(piece))
    f.write(comp.flush())
    return Deflated(name, crc, size, f.tell() - start, start)


def split(jobs: Sequence[Job]) -> tuple[list[Job], list[Job]]:
    """(ours, the child's), each in the jobs' order: largest first, each to the lighter
    side by size hint, ties to the child (this process also assembles the zip).

    >>> ours, theirs = split([("a", list, 10), ("b", list, 70), ("c", list, 30), ("d", list, 40)])
    >>> [j[0] for j in ours], [j[0] for j in theirs]
    (['c', 'd'], ['a', 'b'])
    """
    sides: tuple[list[Job], list[Job]] = ([], [])
    load = [0, 0]
    for job in sorted(jobs, key=lambda j: -j[2]):
        side = 1 if load[1] <= load[0] else 0
        sides[side].append(job)
        load[side] += job[2]
    order = {j[0]: i for i, j in enumerate(jobs)}
    ours, theirs = (sorted(s, key=lambda j: order[j[0]]) for s in sides)
    return ours, theirs


def deflate_all(
    jobs: list[Job],
    files: ExitStack,
    source: IO[bytes] | None = None,
    tmp_dir: str | None = None,
) -> dict[str, tuple[Deflated, IO[bytes]]]:
    """Deflate every job: each part's result and the temporary file holding its bytes.

    ``jobs`` is emptied: each producer (and the sheet data it holds) is let go once
    its part is deflated. The temporary files are made in ``tmp_dir`` (the writer
    passes the output's folder: where /tmp is a RAM disk, a million-row book's 200 MB
    of deflated parts would otherwise sit in memory) and closed, so deleted, with
    ``files``. ``source`` is the open source book, which the child re-opens (see the
    module docstring).
    """
    ours, theirs = split(jobs) if _may_fork(jobs) else (list(jobs), [])
    jobs.clear()
    child = None
    if theirs:
        child = Child.start(functools.partial(_deflate_jobs, theirs), files, source, tmp_dir)
    if child is None:
        ours, theirs = ours + theirs, []
    mine = files.enter_context(tempfile.TemporaryFile(dir=tmp_dir))  # noqa: SIM115 (closed with files)
    done: dict[str, tuple[Deflated, IO[bytes]]] = {}
    try:
        for group in (ours, theirs):
            if group is theirs and child is not None:
                got = child.wait()
                if got is not None:
                    done.update((d["name"], (Deflated(**d), child.file)) for d in got)
                    break
            while group:  # ours, or the child's when it failed
                name, produce, _ = group.pop(0)
                done[name] = (deflate_to(mine, name, produce()), mine)
                del produce
    except BaseException:
        if child is not None:
            child.stop()  # this write is abandoned: so is the child's half
        raise
    mine.flush()
    return done


def _deflate_jobs(jobs: Sequence[Job], file: IO[bytes]) -> list[dict[str, int | str]]:
    """The deflate child's work: ``jobs`` into ``file``, reported as plain dicts."""
    return [asdict(deflate_to(file, name, produce())) for name, produce, _ in jobs]


def _may_fork(jobs: Sequence[Job]) -> bool:
    """Two or more parts, a size where a fork pays and memory allows it, and a
    process where a fork is safe (:func:`may_fork`)."""
    return (
        len(jobs) > 1 and FORK_MIN_BYTES <= sum(j[2] for j in jobs) <= FORK_MAX_BYTES and may_fork()
    )


def may_fork() -> bool:
    """Linux, and no other thread alive: a fork copies only the calling thread, and a
    lock held by another would stay held in the child."""
    return fork_allowed and threading.active_count() == 1


class Child:
    """A forked process doing ``work`` into its own temporary ``file``.

    ``work(file)`` returns what the child reports: anything JSON can carry (the
    deflated parts' offsets and sizes, and for the aging sheet where its block went).

    While it runs, the heap it shares is frozen for this process's collector too: a
    full collection here would write to every object's header and so copy every page
    the two processes share. It is thawed when the child is reaped, unless something
    else (the ``dunning`` command) had frozen it before, in which case it stays so.
    """

    def __init__(self, pid: int, pipe: int, file: IO[bytes], thaw: bool) -> None:
        self.pid, self.pipe, self.file, self._thaw = pid, pipe, file, thaw

    @classmethod
    def start(
        cls,
        work: Callable[[IO[bytes]], object],
        files: ExitStack,
        source: IO[bytes] | None = None,
        tmp_dir: str | None = None,
    ) -> Child | None:
        """Fork a child doing ``work``; None when it cannot be forked (nothing runs)."""
        file = files.enter_context(tempfile.TemporaryFile(dir=tmp_dir))  # noqa: SIM115 (closed with files)
        read, write = os.pipe()
        thaw = gc.get_freeze_count() == 0
        gc.freeze()
        try:
            pid = os.fork()
        except OSError:
            if thaw:
                gc.unfreeze()
            os.close(read)
            os.close(write)
            return None
        if pid == 0:  # pragma: no cover - the child's coverage is not collected
            _run_child(work, file, write, source)
        os.close(write)
        return cls(pid, read, file, thaw)

    def _reaped(self) -> None:
        self.pid = 0
        if self._thaw:
            gc.unfreeze()

    def stop(self) -> None:
        """End the child now and reap it (no-op once it has been waited for)."""
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            os.close(self.pipe)
            self._reaped()

    def wait(self) -> Any:
        """What the child's ``work`` returned, or None (and the reason logged) when it failed."""
        chunks = []
        while chunk := os.read(self.pipe, 1 << 16):
            chunks.append(chunk)
        os.close(self.pipe)
        _, status = os.waitpid(self.pid, 0)
        self._reaped()
        report = b"".join(chunks)
        if os.waitstatus_to_exitcode(status) == 0:
            with contextlib.suppress(ValueError):
                return json.loads(report)
        reason = report.decode(errors="replace")[-300:] or f"exit status {status}"
        _log.warning("the parallel write fell back to one core (%s)", reason)
        return None


def _run_child(
    work: Callable[[IO[bytes]], object], file: IO[bytes], pipe: int, source: IO[bytes] | None
) -> None:
    """The child's whole life: work, report, ``os._exit`` (no cleanup of the parent's)."""
    code = 1
    try:
        gc.disable()  # short-lived: a collection would only copy shared pages
        if source is not None and getattr(source, "name", None):
            fd = source.fileno()  # same descriptor number, own offset from here on
            fresh = os.open(source.name, os.O_RDONLY)
            os.dup2(fresh, fd)
            os.close(fresh)
        out = work(file)
        file.flush()
        report = json.dumps(out).encode()
        code = 0
    except BaseException as exc:  # reported to the parent, which deflates these parts itself
        report = f"{type(exc).__name__}: {exc}".encode(errors="replace")
    try:
        view = memoryview(report)
        while view:
            view = view[os.write(pipe, view) :]
    finally:
        os._exit(code)
