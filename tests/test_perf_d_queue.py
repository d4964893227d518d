"""The queue's shortcuts give what the straightforward code gives.

Codes by object address against ``pd.factorize``, first rows against ``np.unique``,
reason patterns by pairwise comparison against a row-wise sort, stage codes against
the stage texts, and the promise join restricted to customers with a promise.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from invoice_frames import invoice_frame, promise_frame

from dunning_core.codes import factorize, first_rows
from dunning_core.columns import F, P, Q
from dunning_core.exclusions import StageCodes, accounts, apply_exclusions
from dunning_core.policy import DEFAULT_POLICY
from dunning_core.priority import _TOP, _patterns, score
from dunning_core.queue import _promise_keys, build_queue

AS_OF = date(2026, 11, 22)
CELLS = st.one_of(
    st.sampled_from(["a", "b", " a", "", "1"]),
    st.none(),
    st.just(float("nan")),
    st.sampled_from([1, 1.0, True, 0, False, 2.5]),
)


def _same_factorize(values: pd.Series | np.ndarray, use_na_sentinel: bool) -> None:
    want_codes, want_uniq = pd.factorize(values, use_na_sentinel=use_na_sentinel)
    codes, uniq = factorize(values, use_na_sentinel=use_na_sentinel)
    assert codes.tolist() == want_codes.tolist()
    assert type(uniq) is type(want_uniq)
    assert pd.Series(uniq, dtype=object).equals(pd.Series(want_uniq, dtype=object))


@settings(max_examples=150, deadline=None)
@given(st.lists(CELLS, max_size=30), st.booleans(), st.booleans())
def test_factorize_by_address_matches_pandas(cells: list[object], shared: bool, na: bool) -> None:
    # shared: equal values as one object (as ingest leaves them), else fresh copies
    fresh = [c if not isinstance(c, str) or shared else "".join(list(c)) for c in cells]
    arr = np.empty(len(fresh), dtype=object)
    arr[:] = fresh
    _same_factorize(arr, na)
    _same_factorize(pd.Series(arr, dtype=object), na)
    text = [c for c in fresh if isinstance(c, str) or c is None]
    _same_factorize(pd.Series(text, dtype="str"), na)


def test_factorize_leaves_other_dtypes_to_pandas() -> None:
    for s in (pd.Series([3, 1, 3]), pd.Series([1, None, 1], dtype="Int64")):
        _same_factorize(s, True)
        _same_factorize(s, False)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-1, 5), max_size=40))
def test_first_rows_matches_np_unique(codes: list[int]) -> None:
    arr = np.array(codes, dtype=np.int64)
    uniq, at = np.unique(arr, return_index=True)
    assert first_rows(arr).tolist() == at[uniq >= 0].tolist()
    dense = pd.factorize(arr)[0]  # first-appearance order: the quick path
    assert first_rows(dense).tolist() == np.unique(dense, return_index=True)[1].tolist()


def _patterns_by_sort(merged: np.ndarray) -> np.ndarray:
    """The reason pattern as :func:`priority._reasons` computed it with a sort per row."""
    order = np.argsort(-np.round(merged, 12), axis=1, kind="stable")[:, :_TOP]
    chosen = np.where(merged[np.arange(len(merged))[:, None], order] > 0, order, -1)
    width = merged.shape[1] + 1
    return np.asarray(((chosen + 1) * width ** np.arange(chosen.shape[1])).sum(axis=1))


@pytest.mark.parametrize("seed", range(5))
def test_patterns_match_a_stable_sort_per_row(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # few distinct values, so ties, zeros and values equal after rounding are common
    levels = np.array([0.0, 1e-13, 2e-13, 0.1, 0.1 + 1e-14, 0.3, 0.5])
    merged = levels[rng.integers(0, len(levels), size=(2000, 4))]
    assert _patterns(merged).tolist() == _patterns_by_sort(merged).tolist()
    merged[::7, 2] = np.nan  # not finite: sorted as before
    assert _patterns(merged).tolist() == _patterns_by_sort(merged).tolist()


def _frame() -> pd.DataFrame:
    rows = [
        {F.CUSTOMER_ID: f"C{i % 7}", F.OPEN_CENTS: 1000 * (i % 11) - 2000, F.DUE_DATE: d}
        for i, d in enumerate(pd.date_range("2026-06-01", periods=60, freq="5D").date)
    ]
    rows[3][F.EMAIL] = ""
    rows[5][F.CURRENCY] = "EUR"
    return invoice_frame(rows)


def test_stage_codes_give_what_the_stage_texts_give() -> None:
    out, _ = build_queue(_frame(), DEFAULT_POLICY, AS_OF, promise_frame(), {})
    keys = {s.key: i for i, s in enumerate(DEFAULT_POLICY.stages)}
    index = out[Q.STAGE].map(keys).fillna(-1).astype("int64").to_numpy()
    stages = StageCodes.of(DEFAULT_POLICY, index)
    assert stages.per_row(stages.keys).tolist() == out[Q.STAGE].tolist()
    base = out.drop(columns=[Q.PRIORITY, Q.PRIORITY_REASON, Q.CUSTOMER_PRIORITY])
    groups = accounts(base)
    pd.testing.assert_frame_equal(
        score(base, DEFAULT_POLICY, AS_OF, groups, stages), score(base, DEFAULT_POLICY, AS_OF)
    )
    base = base.drop(columns=[Q.EXCLUDED, Q.EXCLUSION_CODE, Q.EXCLUSION_REASON])
    pd.testing.assert_frame_equal(
        apply_exclusions(base, DEFAULT_POLICY, AS_OF, {}, groups, stages),
        apply_exclusions(base, DEFAULT_POLICY, AS_OF, {}),
    )


def test_promise_join_only_matches_the_promising_customer() -> None:
    # the same invoice number at two customers: a promise covers only its own
    inv = invoice_frame(
        [
            {F.CUSTOMER_ID: "C1", F.INVOICE_NO: "X1"},
            {F.CUSTOMER_ID: "C2", F.INVOICE_NO: "X1"},
            {F.CUSTOMER_ID: "C2", F.INVOICE_NO: "X2"},
            {F.CUSTOMER_ID: "C3", F.INVOICE_NO: "X3"},
            {F.CUSTOMER_ID: "C1", F.INVOICE_NO: "X4"},
        ]
    )
    sheet = promise_frame(
        [
            {P.CUSTOMER_ID: "C2", P.INVOICES: "X1; X9", P.PROMISE_DATE: "2026-12-01",
             P.STATUS: "open"},
            {P.CUSTOMER_ID: "C1", P.INVOICES: "", P.PROMISE_DATE: "2026-12-02",
             P.STATUS: "broken"},
            {P.CUSTOMER_ID: "C9", P.INVOICES: "X3", P.PROMISE_DATE: "2026-12-03",
             P.STATUS: "open"},
        ]
    )  # fmt: skip
    keys = _promise_keys(sheet, inv, accounts(inv).customer)
    got = sorted(zip(keys["pos"], keys["status"], strict=True))
    assert got == [(0, "broken"), (1, "open"), (4, "broken")]
