"""Safe saves: refusal when open or read-only, the run lock, backups, atomic replace."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from dunning_core.records import UserError
from dunning_core.workbook import xlsx_save


def book(tmp_path: Path, data: bytes = b"v1") -> Path:
    path = tmp_path / "aging.xlsx"
    path.write_bytes(data)
    return path


def test_replaces_atomically_and_backs_up_previous(tmp_path: Path) -> None:
    path = book(tmp_path)
    xlsx_save.safe_write(path, lambda tmp: tmp.write_bytes(b"v2"))
    assert path.read_bytes() == b"v2"
    backups = list((tmp_path / ".dunning-backups").iterdir())
    assert [b.read_bytes() for b in backups] == [b"v1"]
    assert backups[0].name.startswith("aging.") and backups[0].suffix == ".xlsx"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dunning-backups", "aging.xlsx"]


def test_failed_write_leaves_book_and_folder_untouched(tmp_path: Path) -> None:
    path = book(tmp_path)

    def boom(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        xlsx_save.safe_write(path, boom)
    assert path.read_bytes() == b"v1"
    assert [p.name for p in tmp_path.iterdir()] == ["aging.xlsx"]


def test_refuses_when_open_in_excel(tmp_path: Path) -> None:
    path = book(tmp_path)
    (tmp_path / "~$aging.xlsx").write_bytes(b"owner")
    with pytest.raises(UserError, match=r"open in Excel .*close it and run again"):
        xlsx_save.safe_write(path, lambda tmp: tmp.write_bytes(b"v2"))
    assert path.read_bytes() == b"v1"


def test_refuses_read_only_book(tmp_path: Path) -> None:
    path = book(tmp_path)
    path.chmod(0o444)
    with pytest.raises(UserError, match="read-only"):
        xlsx_save.safe_write(path, lambda tmp: tmp.write_bytes(b"v2"))


def test_read_only_check_uses_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = book(tmp_path)
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != path)
    with pytest.raises(UserError, match="read-only"):
        xlsx_save.check_writable(path)


def test_second_run_is_refused_while_locked_and_lock_is_removed(tmp_path: Path) -> None:
    path = book(tmp_path)
    seen = []

    def nested(tmp: Path) -> None:
        seen.append(xlsx_save.lock_name(path.resolve()).exists())
        with pytest.raises(UserError, match="another dunning run"):
            xlsx_save.safe_write(path, lambda t: t.write_bytes(b"x"))
        tmp.write_bytes(b"v2")

    xlsx_save.safe_write(path, nested)
    assert seen == [True]
    assert not xlsx_save.lock_name(path).exists()
    assert path.read_bytes() == b"v2"


def test_backups_rotate_keeping_newest(tmp_path: Path) -> None:
    path = book(tmp_path)
    folder = tmp_path / "bk"
    for minute in range(5):
        path.write_bytes(f"v{minute}".encode())
        xlsx_save.backup(path, folder, keep=3, now=datetime(2026, 11, 22, 6, minute))
    kept = sorted(p.read_bytes() for p in folder.iterdir())
    assert kept == [b"v2", b"v3", b"v4"]
    xlsx_save.backup(path, folder, keep=3, now=datetime(2026, 11, 22, 6, 4))  # same second
    assert len(list(folder.iterdir())) == 3
    assert (folder / "aging.20261122-060400-1.xlsx").exists()
