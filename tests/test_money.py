"""Exact money at the edges: rounding half away from zero, and what is not an amount."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dunning_core.money import cents_series


def test_cents_round_half_away_and_keep_missing() -> None:
    got = cents_series(pd.Series([12.345, -0.005, 0.1 + 0.2, np.nan]))
    assert got.tolist() == [1235, -1, 30, pd.NA]
    assert str(got.dtype) == "Int64"


def test_infinite_or_overflowing_amounts_are_missing_not_a_crash() -> None:
    got = cents_series(pd.Series([np.inf, -np.inf, 1e30, 9.2e16]))
    assert got.tolist() == [pd.NA, pd.NA, pd.NA, 9_200_000_000_000_000_000]
