"""The ribbon: schema-valid XML, callbacks that exist in VBA, and ids that reach Python."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from fake_xlwings import FakeBook
from lxml import etree

import addin.dunning_addin as d
from addin.packaging.package import CUSTOM_UI, VBA_DIR, build_package

NS = {"ui": "http://schemas.microsoft.com/office/2009/07/customui"}
RIBBON_BAS = VBA_DIR / "DunningRibbon.bas"


def _buttons() -> list[etree._Element]:
    return etree.parse(str(CUSTOM_UI)).findall(".//ui:button", NS)


def test_custom_ui_validates_against_the_office_schema(shared_dir: Path) -> None:
    schema = xmlschema.XMLSchema(str(shared_dir / "schemas" / "customui14.xsd"))
    schema.validate(str(CUSTOM_UI))
    root = etree.parse(str(CUSTOM_UI)).getroot()
    assert root.tag == "{http://schemas.microsoft.com/office/2009/07/customui}customUI"
    assert root.find(".//ui:tab", NS).get("label") == "Collections"


def test_every_button_has_a_python_handler_and_back() -> None:
    ids = [b.get("id") for b in _buttons()]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(d.HANDLERS)
    assert {"refresh_queue", "draft_reminders", "log_sent", "update_forecast", "settings"} <= set(
        ids
    )


def _callbacks(source: str) -> dict[str, str]:
    """Sub name -> parameter list, for every Sub in a VBA module's source."""
    subs = re.findall(r"^(?:Public\s+)?Sub\s+(\w+)\s*\(([^)]*)\)", source, re.M | re.I)
    return {name: params.strip() for name, params in subs}


def _project_sources(kind: str) -> dict[str, str]:
    with warnings.catch_warnings():  # oletools uses deprecated pyparsing names
        warnings.simplefilter("ignore")
        from oletools.olevba import VBA_Parser

        parser = VBA_Parser(f"book.{kind}", data=build_package(kind))
        return {s.split("/")[-1]: code for _, s, _, code in parser.extract_macros()}


@pytest.mark.parametrize("kind", ["xlsm", "xlam"])
def test_every_on_action_names_a_ribbon_sub_in_the_built_project(kind: str) -> None:
    subs: dict[str, str] = {}
    for code in _project_sources(kind).values():
        subs.update(_callbacks(code))
    actions = {
        b.get(attr)
        for b in etree.parse(str(CUSTOM_UI)).iter()
        for attr in ("onAction", "getLabel", "getEnabled")
        if b.get(attr)
    }
    assert actions == {"DunningButton"}
    for name in actions:
        assert re.fullmatch(r"control\s+As\s+IRibbonControl", subs[name], re.I), subs[name]


@pytest.mark.parametrize(("kind", "project_name"), [("xlsm", "xlwings"), ("xlam", "dunning")])
def test_run_python_is_there_and_the_right_xlwings_variant_is_embedded(
    kind: str, project_name: str
) -> None:
    """The template embeds standalone xlwings.bas, the add-in the ActiveWorkbook variant."""
    xlwings = _project_sources(kind)["xlwings"]
    assert re.search(r"^Public Function RunPython\(PythonCommand As String\)", xlwings, re.M)
    assert f'PROJECT_NAME As String = "{project_name}"' in xlwings
    target = "ActiveWorkbook" if kind == "xlam" else "ThisWorkbook"
    assert f"Set wb = {target}" in xlwings


def _run_python_statement(button_id: str) -> str:
    """The exact string DunningButton hands to RunPython, built as the VBA builds it."""
    source = RIBBON_BAS.read_text(encoding="cp1252")
    const = re.search(r'DUNNING_ENTRY As String = "((?:[^"]|"")*)"', source)
    assert const is not None
    assert 'DunningCommand = DUNNING_ENTRY & buttonId & "\')"' in source
    assert re.search(r"RunPython DunningCommand\(control\.Id\)", source)
    return const.group(1).replace('""', '"') + button_id + "')"


def test_each_button_id_through_run_python_reaches_its_handler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = FakeBook.from_grids({"Aging": [["x"]]})
    calls: list[str] = []
    for button_id in list(d.HANDLERS):
        monkeypatch.setitem(
            d.HANDLERS, button_id, lambda _b, _a, _r, _id=button_id: calls.append(_id)
        )
    monkeypatch.setattr(d, "_caller", lambda: book)  # what xw.Book.caller() gives in Excel
    monkeypatch.setattr(d, "_run_cycle", lambda: None)
    ids = [b.get("id") for b in _buttons()]
    for button_id in ids:
        statement = _run_python_statement(button_id)
        namespace: dict[str, Any] = {}
        exec(statement, namespace)  # what xlwings' RunPython does with the string
    assert calls == ids
    assert book.app.status_bar is False  # the status bar is handed back to Excel


def test_unknown_button_says_so() -> None:
    book = FakeBook.from_grids({"Aging": [["x"]]})
    d.on_button("no_such_button", book)
    assert book.app.alerts == ["Unknown button 'no_such_button'."]
