"""One command builds both binaries, byte-reproducibly; LibreOffice opens them."""

from __future__ import annotations

import io
import json
import runpy
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from addin.packaging.package import UI_REL, VBA_REL, build_package
from addin.packaging.template_sheets import AGING_HEADERS, EXAMPLE_ROWS
from dunning_core.columns import DRAFT_COLUMNS, S

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "scripts" / "build_addin.py"
PROBE = REPO / "addin" / "packaging" / "lo_probe.py"
SYSTEM_PY = Path("/usr/bin/python3")


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    return {kind: build_package(kind) for kind in ("xlsm", "xlam")}


def test_build_is_byte_reproducible(built: dict[str, bytes]) -> None:
    assert build_package("xlsm") == built["xlsm"]
    assert build_package("xlam") == built["xlam"]


def test_committed_binaries_equal_a_fresh_build(built: dict[str, bytes]) -> None:
    assert (REPO / "workbook_template.xlsm").read_bytes() == built["xlsm"], (
        "run: python scripts/build_addin.py"
    )
    assert (REPO / "addin" / "dunning.xlam").read_bytes() == built["xlam"]


def test_build_script_check_mode_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    main = runpy.run_path(str(BUILD))["main"]
    assert main(["--check"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("xlsm", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
        ("xlam", "application/vnd.ms-excel.addin.macroEnabled.main+xml"),
    ],
)
def test_package_parts(built: dict[str, bytes], kind: str, content_type: str) -> None:
    with zipfile.ZipFile(io.BytesIO(built[kind])) as zf:
        names = zf.namelist()
        types = zf.read("[Content_Types].xml").decode()
        rels = zf.read("_rels/.rels").decode()
        wb_rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        infos = zf.infolist()
    assert names[0] == "[Content_Types].xml"
    assert {"xl/vbaProject.bin", "customUI/customUI14.xml"} <= set(names)
    assert content_type in types and "application/vnd.ms-office.vbaProject" in types
    assert f'Type="{UI_REL}" Target="customUI/customUI14.xml"' in rels
    assert f'Type="{VBA_REL}" Target="vbaProject.bin"' in wb_rels
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_template_sheets_and_example_table(built: dict[str, bytes]) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(built["xlsm"]), keep_vba=True)
    assert wb.sheetnames == [
        "Aging",
        S.SETTINGS,
        S.DRAFTS,
        S.ACTIVITY,
        S.PROMISES,
        S.EXPECTED_CASH,
        S.DATA_CHECK,
    ]
    aging = wb["Aging"]
    table = aging.tables["tblAging"]
    assert table.ref == f"A1:K{len(EXAMPLE_ROWS) + 1}"
    assert [c.value for c in aging[1]] == list(AGING_HEADERS)
    assert aging["E2"].is_date and aging["G2"].value == 1200.0
    assert tuple(c.value for c in wb[S.DRAFTS][1]) == DRAFT_COLUMNS
    assert wb.code_name == "ThisWorkbook"


@pytest.fixture(scope="module")
def probed() -> Any:
    """One LibreOffice start opening both committed binaries (real LibreOffice, not Excel)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) not installed")
    check = subprocess.run([str(SYSTEM_PY), "-c", "import uno"], capture_output=True, check=False)
    if not SYSTEM_PY.exists() or check.returncode:
        pytest.skip("python3-uno not installed for the system python3")
    files = [str(REPO / "workbook_template.xlsm"), str(REPO / "addin" / "dunning.xlam")]
    proc = subprocess.run(
        [str(SYSTEM_PY), str(PROBE), "DunningRibbon", *files],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.libreoffice
@pytest.mark.parametrize(
    ("path", "library", "sheets"),
    [
        ("workbook_template.xlsm", "DunningTemplate", 7),
        ("addin/dunning.xlam", "DunningAddin", 1),
    ],
)
def test_libreoffice_opens_and_lists_the_modules(
    probed: Any, path: str, library: str, sheets: int
) -> None:
    """LibreOffice opens the file, lists the modules, compiles and runs ours."""
    out = probed[str(REPO / path)]
    assert len(out["sheets"]) == sheets
    modules = out["libraries"][library]
    assert {"xlwings", "DunningRibbon", "Dictionary", "ThisWorkbook"} <= set(modules)
    # Our module's pure function, compiled by LibreOffice Basic: the RunPython string.
    assert out["compiled"]["DunningRibbon"] == (
        "import addin.dunning_addin as d; d.on_button('refresh_queue')"
    )
