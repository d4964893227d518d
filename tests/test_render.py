"""Templates render in a sandbox, strictly, and the Templates sheet overrides the files."""

from __future__ import annotations

import jinja2
import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from dunning_core.draft_context import sample_context
from dunning_core.policy import DEFAULT_POLICY
from dunning_core.records import RawSheet, Severity
from dunning_core.render import (
    TEMPLATE_DIR,
    Template,
    load_templates,
    make_environment,
    pick,
    render,
    split_text,
    templates_from_sheet,
)


def run_source(source: str) -> str:
    return make_environment().from_string(source).render(sample_context())


def test_environment_is_an_immutable_sandbox_without_loader_or_escaping() -> None:
    env = make_environment()
    assert isinstance(env, ImmutableSandboxedEnvironment)
    assert env.loader is None and env.undefined is jinja2.StrictUndefined
    assert run_source("{{ '<b>&' }}") == "<b>&"  # plain text: no HTML escaping


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ customer.__class__ }}",
        "{{ invoices.append(1) }}",
        "{{ customer.update(name='x') }}",
        "{% include '/etc/passwd' %}",
        "{% import 'x.j2' as x %}",
        "{{ 'a' * 10000000 }}",
        "{{ 10 ** 100000 }}",
        "{{ range(10 ** 9) | list }}",
        "{{ lipsum() }}",
        "{{ '{0.__class__}'.format(customer) }}",
    ],
)
def test_sandbox_refuses_python_internals_files_and_huge_output(source: str) -> None:
    with pytest.raises((jinja2.TemplateError, TypeError, OverflowError)):
        run_source(source)


def test_attribute_to_internals_raises_security_error() -> None:
    with pytest.raises(SecurityError):
        run_source("{{ ''.__class__.__mro__ }}")


def test_undefined_variable_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(jinja2.UndefinedError, match="nmae"):
        run_source("Dear {{ customer.nmae }}")
    with pytest.raises(jinja2.UndefinedError):
        run_source("{% if nothing %}x{% endif %}")


def test_dict_fields_read_like_attributes_but_never_shadow_dict_methods() -> None:
    # the fast item lookup for plain dicts must give what jinja's own lookup gives
    source = "{% set d = dict(items='x', name='n') %}"
    source += "{{ d.name }} {{ d['items'] }} {{ d.items is callable }}"
    assert run_source(source) == "n x True"
    assert (
        run_source("{{ invoices[0].number }} {{ sender.name }}") == "INV-1001 Accounts Receivable"
    )
    with pytest.raises(jinja2.UndefinedError, match="nmae"):
        run_source("{{ invoices[0].nmae }}")


def test_render_folds_the_subject_and_wraps_any_failure() -> None:
    env = make_environment()
    t = Template("t", "A\n  {{ customer.name }}", "B", "x", env=env)
    assert render(t, sample_context()) == ("A Sample Customer Ltd", "B\n")
    bad = Template("t", "{{ 1 / 0 }}", "", "x", env=env)
    with pytest.raises(jinja2.TemplateError, match="ZeroDivisionError"):
        render(bad, sample_context())


def test_a_runaway_loop_stops_at_the_output_cap_instead_of_filling_memory() -> None:
    """Nested loops are not capped by the sandbox (``*`` and ``**`` are): 10^10 lines
    would be hundreds of gigabytes. The render stops once its output passes the cap."""
    from dunning_core.render import MAX_OUTPUT_CHARS

    env = make_environment()
    loop = "{% for a in range(100000) %}{% for b in range(100000) %}line {{ b }}\n{% endfor %}"
    runaway = Template("t", "S", loop + "{% endfor %}", "x", env=env)
    with pytest.raises(jinja2.TemplateError, match="passed 1,000,000 characters"):
        render(runaway, sample_context())
    long = Template("t", "S", "{% for a in range(20000) %}0123456789{% endfor %}", "x", env=env)
    assert len(render(long, sample_context())[1]) == 200_001 < MAX_OUTPUT_CHARS  # kept whole


def test_shipped_templates_cover_every_drafting_stage_and_render() -> None:
    templates = load_templates()
    assert templates.problems == []
    for stage in DEFAULT_POLICY.stages:
        if stage.drafts:
            assert f"{stage.template}.en" in templates
    for name in ("friendly", "final"):
        assert {f"{name}.de", f"{name}.fr"} <= set(templates)
    for name, template in templates.items():
        subject, body = render(template, sample_context())
        assert subject and "\n" not in subject, name
        assert "INV-1001" in body and "Example Trading Ltd" in body, name
        assert template.origin == f"templates/{name}.j2"
    assert (TEMPLATE_DIR / "README.md").exists()


def test_split_text_requires_the_subject_line() -> None:
    assert split_text("subject: S\r\nline 1\nline 2") == ("S", "line 1\nline 2")
    with pytest.raises(ValueError, match="Subject"):
        split_text("Dear customer")


def templates_sheet(*rows: list[object], title: bool = True) -> RawSheet:
    head: list[list[object]] = [["Our reminder texts"], []] if title else []
    return RawSheet("Templates", [*head, ["Name", "Subject", "Body"], *rows], first_col=2)


def test_templates_sheet_rows_override_files() -> None:
    raw = templates_sheet(
        ["Friendly.DE.j2", "Erinnerung {{ total }}", "Hallo {{ contact.name }}\r\n"],
        [None, "ignored", "row without a name"],
        ["final", "Last call", "Pay {{ total }}"],
    )
    overrides, problems = templates_from_sheet(raw)
    assert problems == []
    assert dict(overrides) == {
        "friendly.de": ("Erinnerung {{ total }}", "Hallo {{ contact.name }}\n"),
        "final": ("Last call", "Pay {{ total }}"),
    }
    assert overrides.cells == {"friendly.de": "Templates!D4", "final": "Templates!D6"}
    templates = load_templates(overrides)
    de = templates["friendly.de"]
    assert de.origin == "Templates!D4" and de.fallback is not None
    assert de.fallback.origin == "templates/friendly.de.j2"
    assert render(de, sample_context()) == ("Erinnerung €80 + $1,250.50", "Hallo Alex Sample\n")
    assert pick(templates, "final", "en", "en").origin == "Templates!D6"
    assert pick(templates, "final", "de", "en").origin == "templates/final.de.j2"


def test_broken_sheet_template_is_a_problem_naming_its_cell() -> None:
    raw = templates_sheet(
        ["friendly", "Hi {{ customer.name ", "fine"],
        ["firm", "ok", "{{ customer.__class__ }}"],
        ["final", "ok", "{{ no_such_thing }}"],
        ["pre_due", "ok", "{% for x in invoices %}"],
    )
    overrides, problems = templates_from_sheet(raw)
    assert dict(overrides) == {}
    assert [(p.sheet, p.cell, p.value) for p in problems] == [
        ("Templates", "C4", "friendly"),
        ("Templates", "D5", "firm"),
        ("Templates", "D6", "final"),
        ("Templates", "D7", "pre_due"),
    ]
    assert all(p.severity is Severity.ERROR for p in problems)
    assert "file used" in problems[0].message


def test_templates_sheet_without_header_or_absent() -> None:
    assert templates_from_sheet(None) == ({}, [])
    overrides, problems = templates_from_sheet(RawSheet("Templates", [["just notes"]]))
    assert overrides == {} and problems[0].severity is Severity.WARNING


def test_load_templates_refuses_an_override_that_does_not_compile() -> None:
    templates = load_templates({"friendly.en": ("{{ broken", "body")})
    assert templates["friendly.en"].origin == "templates/friendly.en.j2"
    assert [p.value for p in templates.problems] == ["friendly.en"]
