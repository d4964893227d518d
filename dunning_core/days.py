"""Date columns as whole days: what the core compares and sums dates as.

Ingest and the tool's own sheets give ``datetime64[ns]`` columns at midnight, and
stages downstream (Activity, Promises, the forecast) want the same. Checking that a
column already is one costs a modulo per cell; normalising it again through pandas
costs twenty times that, so each of them checks first, here.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

#: Nanoseconds in a day.
DAY_NS: Final = 86_400 * 10**9


def whole_days(values: pd.Series) -> bool:
    """Whether ``values`` is a ``datetime64[ns]`` column of midnights and NaT only
    (what ``.dt.normalize()`` would leave as it is).

    >>> days = pd.Series(pd.to_datetime(["2026-11-23", None])).astype("datetime64[ns]")
    >>> whole_days(days), whole_days(days + pd.Timedelta(hours=12)), whole_days(days.dt.date)
    (True, False, False)
    """
    if values.dtype != "datetime64[ns]":
        return False
    ns = values.to_numpy()
    return bool((np.isnat(ns) | (ns.view("int64") % DAY_NS == 0)).all())


def as_days(values: pd.Series, *, coerce: bool = False) -> pd.Series:
    """``values`` as ``datetime64[ns]`` at midnight; a column that already is one is
    returned as it is. ``coerce``: unreadable values become NaT instead of raising."""
    if whole_days(values):
        return values
    parsed = pd.to_datetime(values, errors="coerce" if coerce else "raise")
    return parsed.astype("datetime64[ns]").dt.normalize()
