"""Saving a book safely: refuse when it is open, lock, back up, replace atomically.

The workbook is the team's system of record, so a save must never leave a half
written file (write a temp file beside it, then ``os.replace``), must keep the
previous version (a rotating backup), must not race a second run (an exclusive lock
file) and must not overwrite a book someone has open in Excel (Excel's ``~$`` file).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from dunning_core.records import UserError


def lock_name(book: Path) -> Path:
    """The tool's own lock file beside ``book``."""
    return book.with_name(f".{book.name}.dunning.lock")


def excel_lock_name(book: Path) -> Path:
    """Excel's owner file beside an open book (``~$`` + name)."""
    return book.with_name("~$" + book.name)


def check_writable(book: Path) -> None:
    """Raise :class:`UserError` when ``book`` cannot be saved now, saying why."""
    if excel_lock_name(book).exists():
        raise UserError(
            f"{book}: the workbook is open in Excel ({excel_lock_name(book).name} exists): "
            "close it and run again."
        )
    if book.exists() and (not os.access(book, os.W_OK) or not book.stat().st_mode & 0o222):
        # the mode bits as well: for root, access() says yes to every file
        raise UserError(f"{book}: the workbook is read-only: make it writable and run again.")
    if not os.access(book.parent, os.W_OK):
        raise UserError(f"{book.parent}: the folder is not writable: the book cannot be saved.")


@contextlib.contextmanager
def run_lock(book: Path) -> Iterator[None]:
    """Hold ``.<name>.dunning.lock`` for the duration, so two runs cannot interleave."""
    path = lock_name(book)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        raise UserError(
            f"{book}: another dunning run is working on this book ({path.name} exists); "
            "wait for it to finish, or delete the lock file if no run is active."
        ) from None
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
        os.close(fd)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def backup(book: Path, backup_dir: Path, keep: int, now: datetime | None = None) -> Path:
    """Copy ``book`` to ``backup_dir/<stem>.<YYYYmmdd-HHMMSS>.<ext>``; keep the newest ``keep``."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = backup_dir / f"{book.stem}.{stamp}{book.suffix}"
    n = 1
    while target.exists():
        target = backup_dir / f"{book.stem}.{stamp}-{n}{book.suffix}"
        n += 1
    shutil.copy2(book, target)
    pattern = re.compile(
        re.escape(book.stem) + r"\.(\d{8}-\d{6})(?:-(\d+))?" + re.escape(book.suffix)
    )
    found = []
    for p in backup_dir.iterdir():
        m = pattern.fullmatch(p.name)
        if m:
            found.append(((m.group(1), int(m.group(2) or 0)), p))
    found.sort()
    for _, old in found[: max(0, len(found) - keep)]:
        old.unlink()
    return target


def safe_write(
    dest: Path,
    write: Callable[[Path], object],
    backup_dir: Path | None = None,
    keep_backups: int = 10,
) -> Path:
    """Call ``write(temp_path)``, back up the current ``dest``, then replace it atomically."""
    dest = dest.resolve()
    check_writable(dest)
    with run_lock(dest):
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{dest.stem}.", suffix=dest.suffix, dir=dest.parent
        )
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            write(tmp)
            if dest.exists():
                backup(dest, backup_dir or dest.parent / ".dunning-backups", keep_backups)
                with contextlib.suppress(OSError):
                    shutil.copymode(dest, tmp)
            os.replace(tmp, dest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    return dest
