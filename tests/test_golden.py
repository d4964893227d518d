"""The demo book's queue, drafts and forecast match the golden files exactly."""

from __future__ import annotations

import pytest
from golden import GOLDEN, diff, goldens


@pytest.mark.parametrize("name", ["demo_queue.csv", "demo_drafts.csv", "demo_forecast.csv"])
def test_matches_golden(name: str) -> None:
    assert (GOLDEN / name).exists(), "missing golden: run python -m tests.golden"
    delta = diff(name, goldens()[name])
    assert delta == "", f"{name} differs from its golden (regenerate on purpose only):\n{delta}"
