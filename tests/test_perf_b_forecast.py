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


def test_week_index_on_nanoseconds_is_the_pandas_days() -> None:
    from datetime import date

    import numpy as np

    from dunning_core.forecast import week_index, week_start

    rng = np.random.default_rng(1)
    day = 86_400 * 10**9
    ns = np.datetime64("2026-11-23", "ns").astype("int64") + rng.integers(-400, 400, 3000) * day
    ns += rng.integers(-(10**13), 10**13, 3000)  # times of day, before and after midnight
    dates = pd.Series(ns.view("datetime64[ns]"))
    dates[::7] = pd.NaT
    for as_of in (date(2026, 11, 23), date(2026, 11, 25), date(1969, 12, 31)):
        days = (dates - week_start(as_of)).dt.days.to_numpy(dtype="float64", na_value=np.nan)
        for weeks in (0, 1, 13):
            idx = np.floor(np.clip(days, 0, None) / 7.0)
            want = np.where(np.isnan(idx), weeks, np.minimum(idx, weeks)).astype("int64")
            assert week_index(dates, as_of, weeks).tolist() == want.tolist()
            assert week_index(dates.astype(object), as_of, weeks).tolist() == want.tolist()
