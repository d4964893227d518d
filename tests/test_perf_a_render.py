"""Rendering stays the same when its per-call overheads are taken out."""

from __future__ import annotations

import jinja2
import pytest
from jinja2.sandbox import SecurityError

from dunning_core.draft_context import sample_context
from dunning_core.render import make_environment


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
