"""Rendering stays the same when its per-call overheads are taken out."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from jinja2.sandbox import SecurityError
from test_drafts import make_queue, run

from dunning_core import render as render_module
from dunning_core.columns import F, Q
from dunning_core.draft_context import sample_context
from dunning_core.records import UserError
from dunning_core.render import TEMPLATE_DIR, load_templates, make_environment, render


def test_template_globals_are_one_plain_dict_of_the_environment_globals() -> None:
    env = make_environment()
    template = env.from_string("{{ range(3) | list }} {{ dict(a=1) }}")
    assert type(template.globals) is dict
    assert template.globals == env.globals
    assert template.render(sample_context()) == "[0, 1, 2] {'a': 1}"


def test_template_globals_given_at_compile_time_overlay_the_environment() -> None:
    env = make_environment()
    template = env.from_string("{{ range }}", globals={"range": "mine"})
    assert template.render() == "mine"
    assert "range" in env.globals and env.globals["range"] != "mine"


@pytest.mark.parametrize("source", ["{{ range.__globals__ }}", "{{ dict.__subclasses__() }}"])
def test_the_globals_are_still_behind_the_sandbox(source: str) -> None:
    with pytest.raises((SecurityError, jinja2.TemplateError)):
        make_environment().from_string(source).render()


def test_file_templates_are_compiled_only_when_first_rendered() -> None:
    templates = load_templates()
    assert len(templates) == 12
    assert not any("subject" in t.__dict__ or "body" in t.__dict__ for t in templates.values())
    friendly = templates["friendly.en"]
    assert render(friendly, sample_context())[0].startswith("Friendly reminder")
    assert [n for n, t in templates.items() if "body" in t.__dict__] == ["friendly.en"]
    assert friendly.subject is friendly.subject  # compiled once


def _files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    for src in TEMPLATE_DIR.glob("*.j2"):
        (tmp_path / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "firm.de.j2"
    broken.write_text(text, encoding="utf-8")
    monkeypatch.setattr(render_module, "TEMPLATE_DIR", tmp_path)
    return broken


def test_a_file_that_does_not_parse_stops_the_load_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _files(tmp_path, monkeypatch, "Subject: Hi\n\n{% for x in invoices %}\n")
    with pytest.raises(UserError, match=r"firm\.de\.j2: broken reminder template: Unexpected end"):
        load_templates()
    path.write_text("Dear customer\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"firm\.de\.j2: broken reminder template: the first"):
        load_templates()


def test_a_file_that_parses_but_does_not_compile_stops_the_run_when_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _files(tmp_path, monkeypatch, "Subject: Hi\n\n{{ total | no_such_filter }}\n")
    templates = load_templates()  # parsed only
    with pytest.raises(jinja2.TemplateError) as direct:
        make_environment().from_string("{{ total | no_such_filter }}\n")
    with pytest.raises(UserError) as got:
        render(templates["firm.de"], sample_context())
    assert str(got.value) == f"{path}: broken reminder template: {direct.value}"
    assert str(direct.value) == "No filter named 'no_such_filter'."
    assert render(templates["firm.en"], sample_context())[0]  # the others still render


def test_a_broken_override_is_still_refused_when_loaded() -> None:
    templates = load_templates({"firm": ("ok", "{{ x | no_such_filter }}"), "final": ("A", "B")})
    assert [p.value for p in templates.problems] == ["firm"]
    assert "firm" not in templates and "body" in templates["final"].__dict__
    assert templates["final"].fallback is None and templates["final"].origin == "Templates"


def test_update_drafts_does_not_swallow_a_file_that_does_not_compile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _files(tmp_path, monkeypatch, "Subject: Hi\n\n{{ total | no_such_filter }}\n")
    german = make_queue([{F.LANGUAGE: "de", Q.STAGE: "firm"}])
    with pytest.raises(UserError, match="broken reminder template"):
        run(german, templates=load_templates())
    drafts, _, problems = run(make_queue([{Q.STAGE: "firm"}]), templates=load_templates())
    assert problems == [] and len(drafts) == 1  # English customers never touch the file
