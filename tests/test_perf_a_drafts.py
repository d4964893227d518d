"""The drafts phase's faster paths give exactly what the straightforward ones gave."""

from __future__ import annotations

import re
import sys

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from test_drafts import AS_OF, make_queue

from dunning_core.activity import conform
from dunning_core.columns import DRAFT_COLUMNS, DRAFT_FORMATS, D, F
from dunning_core.draft_context import (
    LINES_SHOWN,
    _customers,
    _stripped,
    _texts,
    customer_key,
    packets,
)
from dunning_core.drafts import _norm, _records, generated_hash
from dunning_core.policy import DEFAULT_POLICY

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def reference_norm(s: str) -> str:
    """The normalisation as first written: CRs, XML-less characters, trailing blanks."""
    s = _NOT_IN_XML.sub("", s.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join([line.rstrip() for line in s.split("\n")]).strip()


_TRICKY = " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000\ufffe\ud800\x00\x7fa€"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=30) | st.text(max_size=30))
def test_norm_equals_the_reference_on_any_text(text: str) -> None:
    assert _norm(text) == reference_norm(text)


def test_every_blank_but_the_space_takes_the_slow_path() -> None:
    blanks = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c != "\n"]
    assert len(blanks) > 20
    for c in blanks:
        text = f"a{c}\nb"
        assert _norm(text) == reference_norm(text) == "a\nb"


def test_hash_of_a_letter_is_pinned() -> None:
    body = "Dear Ann,\n\n  INV-1  due 2026-10-01  21 days overdue  €1,250.50\n\nKind regards,\n"
    made = generated_hash("Reminder: €1,250.50", body, "ap@x.org", "")
    assert made == generated_hash("Reminder: €1,250.50 ", body.replace("\n", "\r\n"), "ap@x.org")
    assert made == "c576a7511f2f1564"  # as the split-and-strip normalisation made it


def test_a_context_is_built_afresh_and_each_customer_gets_its_own_first_lines() -> None:
    big = [{F.CUSTOMER_ID: "A", F.INVOICE_NO: f"A-{i:03d}", F.ROW: 10 + i} for i in range(205)]
    small = [{F.CUSTOMER_ID: "B", F.INVOICE_NO: f"B-{i}", F.ROW: 5 + i} for i in range(3)]
    got = list(packets(make_queue(small + big), DEFAULT_POLICY, AS_OF, {}, {}, sheet="Aging"))
    a, b = got
    first = a.context
    assert [line["number"] for line in first["invoices"]] == [f"A-{i:03d}" for i in range(200)]
    assert first["invoices_more"] == 205 - LINES_SHOWN and first["payment"]["reference"] == "A"
    assert [line["number"] for line in b.context["invoices"]] == ["B-0", "B-1", "B-2"]
    assert b.context["payment"]["reference"] == "B-0 B-1 B-2"
    first["invoices"].clear()  # what a render did to one context is not seen by the next
    assert a.context["invoices"][0]["number"] == "A-000" and a.context is not a.context
    assert a.source.startswith("Aging!A10, Aging!A11, ") and a.source.endswith("Aging!A214")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | st.text(alphabet=" \tab\xa0", max_size=4), max_size=12))
def test_text_columns_read_value_by_value_as_by_distinct_value(values: list[str | None]) -> None:
    col = pd.Series(values, dtype="str")
    codes, uniq = pd.factorize(col.fillna("").astype(str))  # the by-distinct reading
    want = [str(u).strip() for u in uniq.tolist()]
    got = _stripped(col).tolist()
    assert got == [want[c] for c in codes]
    assert _texts(pd.DataFrame({"c": col}), "c").tolist() == got
    frame = pd.DataFrame({F.CUSTOMER_ID: col, F.CUSTOMER_NAME: col.iloc[::-1].to_numpy()})
    keys = customer_key(frame)
    assert keys.dtype == "str"
    assert keys.tolist() == [i or n for i, n in zip(got, got[::-1], strict=True)]


def test_records_are_what_to_dict_gives_value_for_value() -> None:
    raw = pd.DataFrame(
        {
            D.ID: ["DR-1", None],
            D.CREATED: [pd.Timestamp("2026-11-20"), None],
            D.AMOUNT: [12.5, None],
            D.BODY: ["x", "y"],
        }
    )
    frame = conform(raw, DRAFT_COLUMNS, DRAFT_FORMATS)
    want, got = frame.to_dict("records"), _records(frame)
    assert [[(k, type(v), repr(v)) for k, v in r.items()] for r in got] == [
        [(k, type(v), repr(v)) for k, v in r.items()] for r in want
    ]
    assert repr(got[1][D.CREATED]) == "NaT" and got[0][D.AMOUNT] == 12.5
    assert _records(frame.iloc[:0]) == []


_CELL = (
    st.none() | st.sampled_from(["", " ", "C1", " C1", "c1", "Zeta", 7, 7.5]) | st.text(max_size=3)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_CELL, _CELL), max_size=10), st.booleans())
def test_customer_codes_number_the_customer_keys_in_sorted_order(
    rows: list[tuple[object, object]], text_dtype: bool
) -> None:
    frame = pd.DataFrame(rows, columns=[F.CUSTOMER_ID, F.CUSTOMER_NAME], dtype=object)
    if text_dtype:
        frame = frame.map(lambda v: v if v is None or isinstance(v, str) else str(v)).astype("str")
    codes, keys = _customers(frame)
    assert keys == sorted(set(keys))
    assert [keys[c] for c in codes] == customer_key(frame).tolist()
