"""Ingest's shortcuts give what hashing every cell gives."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dunning_core.codes import same_objects
from dunning_core.ingest import column
from dunning_core.ingest.column import Column

VALUES = [
    "a", " a", "b", "", None, float("nan"), 1, 1.0, True, 0, False, 2.5,
    dt.date(2026, 1, 2), dt.datetime(2026, 1, 2), dt.datetime(2026, 1, 2, 9),
]  # fmt: skip


def _column(seed: int, mean_run: float) -> np.ndarray:
    """A column in runs of equal cells (fresh objects, as a reader makes them)."""
    rng = np.random.default_rng(seed)
    cells: list[object] = []
    while len(cells) < 4 * column._RUN_SAMPLE + 500:
        v = VALUES[rng.integers(len(VALUES))]
        n = int(rng.geometric(1 / mean_run))
        cells += ["".join(list(v)) if isinstance(v, str) else v for _ in range(n)]
    arr = np.empty(len(cells), dtype=object)
    arr[:] = cells
    return arr


RUNS = [(0, 40.0), (1, 16.0), (2, 1.5), (3, 1000.0), (4, 5.0)]


@pytest.mark.parametrize(("seed", "mean_run"), RUNS)
def test_factorize_by_runs_matches_pandas(seed: int, mean_run: float) -> None:
    raw = _column(seed, mean_run)
    at = np.linspace(0, len(raw) - 2, column._RUN_SAMPLE).astype(np.intp)
    in_runs = np.count_nonzero(raw[at] != raw[at + 1]) * 8 < column._RUN_SAMPLE
    assert in_runs == (mean_run > 10)  # both ways are compared
    for arr in (raw, np.stack([raw, raw], axis=1)[:, 1]):  # also a strided view
        codes, uniques = column._factorize(arr)
        want_codes, want_uniques = pd.factorize(arr, use_na_sentinel=True)
        assert codes.tolist() == want_codes.tolist()
        # the same objects: where each value is first seen
        assert [id(u) for u in uniques] == [id(u) for u in want_uniques]


def test_column_kind_and_text_in_runs() -> None:
    raw = np.array(["x1 ", "x1 ", "y"] * 4000, dtype=object)
    col = Column.of(pd.Series(raw))
    assert col.hashed_kind == "string"
    assert col.text.tolist() == [v.strip() for v in raw]
    assert col.memo["strip_kept_all"] is False
    kept = Column.of(pd.Series(np.array(["x1", "x1", "y"] * 4000, dtype=object)))
    assert kept.text.tolist()[:3] == ["x1", "x1", "y"]
    assert kept.memo["strip_kept_all"] is True


def test_same_objects_compares_values_where_objects_differ() -> None:
    a = np.array(["ab", "c", None], dtype=object)
    b = np.array(["".join(["a", "b"]), "c", None], dtype=object)
    assert a[0] is not b[0] and same_objects(a, b)
    b[1] = "d"
    assert not same_objects(a, b)
