"""Run real LibreOffice headless on the workbooks we write (not a fake of Excel).

LibreOffice opening a file, recalculating it and converting it proves the package is
well-formed enough for a real spreadsheet application; it does not prove Excel
renders it the same way (see docs/excel.md for what only real Excel can confirm).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def soffice() -> str:
    """Path of soffice; skips the test when absent, except in CI where it must exist."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI: scripts/bootstrap.sh --system")
        pytest.skip("LibreOffice (soffice) not installed")
    return exe


def convert(path: Path, fmt: str, outdir: Path, timeout: int = 180) -> Path:
    """Convert ``path`` with LibreOffice headless to ``fmt`` (e.g. "ods", "pdf") in ``outdir``.

    A private user profile per call keeps parallel or repeated runs independent.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        proc = subprocess.run(
            [
                soffice(),
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                fmt,
                "--outdir",
                str(outdir),
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    out = outdir / (path.stem + "." + fmt.split(":")[0])
    if proc.returncode != 0 or not out.exists():
        raise AssertionError(
            f"LibreOffice could not convert {path.name}: rc={proc.returncode}\n"
            f"{proc.stdout}\n{proc.stderr}"
        )
    return out


def sheet_names_via_libreoffice(path: Path, workdir: Path) -> list[str]:
    """The sheet names LibreOffice sees: converts to .ods and lists its tables."""
    from python_calamine import CalamineWorkbook

    ods = convert(path, "ods", workdir)
    return list(CalamineWorkbook.from_path(str(ods)).sheet_names)
