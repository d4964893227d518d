"""The counting helpers of cash.py give what numpy/pandas hashing would."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning_core.cash import _distinct, _ranks, _sorted_factorize

codes = st.lists(st.integers(min_value=-5, max_value=40), max_size=60)


@settings(max_examples=60, deadline=None)
@given(values=codes)
def test_ranks_are_numpy_unique_with_inverse(values: list[int]) -> None:
    arr = np.array(values, dtype="int64")
    uniq, inverse = np.unique(arr, return_inverse=True)
    assert _distinct(arr).tolist() == uniq.tolist()
    got_uniq, got_rank = _ranks(arr)
    assert got_uniq.tolist() == uniq.tolist() and got_rank.tolist() == inverse.tolist()


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.sampled_from(["b", "a", "", "C", "a ", "é"]), max_size=30))
def test_sorted_factorize_is_pandas_sorted_factorize(values: list[str]) -> None:
    arr = np.array(values, dtype=object)
    code, uniq = pd.factorize(arr, sort=True)
    got_code, got_uniq = _sorted_factorize(arr)
    assert got_code.tolist() == code.tolist() and got_uniq.tolist() == list(uniq)


rows = st.lists(
    st.tuples(
        st.sampled_from(["USD", "EUR", "GBP"]),
        st.booleans(),
        st.integers(min_value=-3, max_value=3),
        st.sampled_from(["b", "a", "Other customers", "c (1)", ""]),
    ),
    max_size=25,
)


@settings(max_examples=80, deadline=None)
@given(data=rows)
def test_sort_is_sort_values_on_several_columns(data: list[tuple[str, bool, int, str]]) -> None:
    from dunning_core.codes import sort_order

    frame = pd.DataFrame(data, columns=["cur", "other", "neg", "key"])
    want = frame.sort_values(["cur", "other", "neg", "key"], kind="stable").index.to_numpy()
    cols = [frame[c].to_numpy(dtype=object if c in ("cur", "key") else None) for c in frame]
    assert sort_order(*cols).tolist() == want.tolist()
