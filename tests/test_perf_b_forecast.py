"""The forecast's rule column is text, as it was before it was taken from six names."""

from __future__ import annotations

import pandas as pd

from dunning_core.columns import F


def test_forecast_rule_is_text() -> None:
    from datetime import date

    from dunning_core.columns import Q
    from dunning_core.forecast import forecast
    from dunning_core.policy import Policy

    queue = pd.DataFrame(
        {F.OPEN_CENTS: [100, -5], F.DUE_DATE: pd.to_datetime(["2026-11-01", None])}
    )
    out = forecast(queue, Policy(), date(2026, 11, 23))
    assert out[Q.FORECAST_RULE].tolist() == ["bucket", "credit"]
    assert out[Q.FORECAST_RULE].dtype == "str"
