"""Exclusion rules one by one, their precedence, reasons and the vectorised formatter."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from invoice_frames import invoice_frame

from dunning_core.columns import F, Q
from dunning_core.exclusions import (
    KNOWN_CODES,
    accounts,
    apply_exclusions,
    format_amounts,
    format_dates,
    group_max,
    group_sum,
)
from dunning_core.money import format_amount
from dunning_core.policy import DEFAULT_POLICY, ExclusionRule

AS_OF = date(2026, 11, 22)


def run(rows: list[dict[str, Any]], stage: str = "friendly", **kw: Any) -> pd.DataFrame:
    frame = invoice_frame(rows)
    frame[Q.STAGE] = stage
    policy = kw.pop("policy", DEFAULT_POLICY)
    return apply_exclusions(frame, policy, AS_OF, kw.pop("last_contact", {}))


@pytest.mark.parametrize(
    ("row", "code", "reason"),
    [
        ({F.LEGAL: True}, "LEGAL", "With legal: no collections contact"),
        ({F.DISPUTED: True, F.DISPUTE_REASON: "short"}, "DISPUTED", "Disputed: short"),
        ({F.DISPUTED: True}, "DISPUTED", "Disputed: no reason given"),
        ({F.DO_NOT_CONTACT: True}, "DO_NOT_CONTACT", "Do-not-contact flag set on the account"),
        ({F.STRATEGIC: True}, "STRATEGIC", "Strategic account: owner contacts"),
        ({F.PAYMENT_PLAN: True}, "PAYMENT_PLAN", "On a payment plan: follow the plan"),
        ({F.HOLD_UNTIL: "2026-12-01"}, "ON_HOLD", "On hold until 2026-12-01"),
        (
            {F.PROMISE_DATE: "2026-11-30", F.PROMISE_CENTS: 50_000},
            "PROMISE_OPEN",
            "Promise to pay $500 by 2026-11-30",
        ),
        (
            {F.IN_TRANSIT_CENTS: 12_345},
            "IN_TRANSIT",
            "Payment in transit / unapplied cash $123.45",
        ),
        ({F.OPEN_CENTS: -2_000}, "NET_CREDIT", "Customer in net credit -$20"),
        ({F.OPEN_CENTS: 4_999}, "BELOW_MIN", "Below minimum amount $50"),
        ({F.EMAIL: "no address"}, "NO_CONTACT", "No contact e-mail address"),
    ],
)
def test_each_rule_alone(row: dict[str, Any], code: str, reason: str) -> None:
    out = run([row])
    assert out[Q.EXCLUDED].tolist() == [True]
    assert out[Q.EXCLUSION_CODE].tolist() == [code]
    assert out[Q.EXCLUSION_REASON].tolist() == [reason]


def test_plain_invoice_is_not_excluded() -> None:
    out = run([{}])
    assert out[[Q.EXCLUDED, Q.EXCLUSION_CODE, Q.EXCLUSION_REASON]].iloc[0].tolist() == [
        False,
        "",
        "",
    ]


def test_every_default_rule_is_known() -> None:
    assert {r.code for r in DEFAULT_POLICY.exclusions} <= set(KNOWN_CODES)


def test_hold_and_promise_boundaries() -> None:
    grace = DEFAULT_POLICY.promise_grace_days
    out = run(
        [
            {F.HOLD_UNTIL: "2026-11-22"},  # hold ends today: contact allowed
            {F.HOLD_UNTIL: "2026-11-21"},
            {F.PROMISE_DATE: str(pd.Timestamp(AS_OF) - pd.Timedelta(days=grace))},  # in grace
            {F.PROMISE_DATE: str(pd.Timestamp(AS_OF) - pd.Timedelta(days=grace + 1))},  # broken
        ]
    )
    assert out[Q.EXCLUSION_CODE].tolist() == ["", "", "PROMISE_OPEN", ""]


def test_cadence_uses_latest_of_log_and_sheet_per_customer() -> None:
    rows = [{F.LAST_CONTACT: "2026-11-10"}, {F.CUSTOMER_ID: "C2", F.LAST_CONTACT: "2026-11-01"}]
    out = run(rows, last_contact={"C1": date(2026, 11, 20), "C2": date(2026, 11, 2)})
    # friendly cadence 7 days: C1 next touch 11-27 > as-of; C2 next touch 11-09 passed
    assert out[Q.EXCLUSION_CODE].tolist() == ["CADENCE", ""]
    assert out[Q.EXCLUSION_REASON][0] == "Contacted 2026-11-20; next touch from 2026-11-27"


def test_cadence_touches_whole_customer_via_sheet_column() -> None:
    out = run([{F.LAST_CONTACT: "2026-11-20"}, {}])
    assert out[Q.EXCLUSION_CODE].tolist() == ["CADENCE", "CADENCE"]


def test_send_rules_skip_items_not_in_a_stage() -> None:
    out = run([{F.OPEN_CENTS: 10, F.EMAIL: ""}], stage="", last_contact={"C1": AS_OF})
    assert out[Q.EXCLUDED].tolist() == [False]


def test_precedence_first_code_all_reasons() -> None:
    out = run([{F.LEGAL: True, F.DISPUTED: True, F.DISPUTE_REASON: "price", F.EMAIL: ""}])
    assert out[Q.EXCLUSION_CODE][0] == "LEGAL"
    assert out[Q.EXCLUSION_REASON][0] == (
        "With legal: no collections contact; Disputed: price; No contact e-mail address"
    )


def test_policy_order_is_the_precedence() -> None:
    rules = tuple(reversed(DEFAULT_POLICY.exclusions))
    out = run([{F.LEGAL: True, F.DISPUTED: True}], policy=replace(DEFAULT_POLICY, exclusions=rules))
    assert out[Q.EXCLUSION_CODE][0] == "DISPUTED"


def test_disabled_rule_does_not_match() -> None:
    rules = tuple(
        replace(r, enabled=False) if r.code == "DISPUTED" else r for r in DEFAULT_POLICY.exclusions
    )
    out = run([{F.DISPUTED: True}], policy=replace(DEFAULT_POLICY, exclusions=rules))
    assert out[Q.EXCLUDED].tolist() == [False]


def test_net_credit_is_per_customer_and_currency() -> None:
    rows = [
        {F.OPEN_CENTS: 100_000},
        {F.OPEN_CENTS: -150_000},
        {F.OPEN_CENTS: 100_000, F.CURRENCY: "EUR"},
    ]
    out = run(rows)
    assert out[Q.EXCLUSION_CODE].tolist() == ["NET_CREDIT", "NET_CREDIT", ""]
    assert out[Q.EXCLUSION_REASON][0] == "Customer in net credit -$500"


def test_below_min_sums_only_still_eligible_items() -> None:
    rows = [
        {F.OPEN_CENTS: 3_000},
        {F.OPEN_CENTS: 3_000},  # together 60.00 >= 50.00: not below minimum
        {F.CUSTOMER_ID: "C2", F.OPEN_CENTS: 3_000},
        {F.CUSTOMER_ID: "C2", F.OPEN_CENTS: 100_000, F.DISPUTED: True},  # not eligible
    ]
    out = run(rows)
    assert out[Q.EXCLUSION_CODE].tolist() == ["", "", "BELOW_MIN", "DISPUTED"]


def test_no_contact_is_per_customer_and_accepts_lists() -> None:
    rows = [
        {F.EMAIL: ""},
        {F.EMAIL: "Jo <jo@acme.example>; ap@acme.example"},
        {F.CUSTOMER_ID: "C2", F.EMAIL: "jo@"},
    ]
    assert run(rows)[Q.EXCLUSION_CODE].tolist() == ["", "", "NO_CONTACT"]


def test_custom_template_and_unknown_placeholder() -> None:
    rule = ExclusionRule("DISPUTED", True, "Desk", "{customer_name} {invoice_no} {nope} {")
    out = run([{F.DISPUTED: True}], policy=replace(DEFAULT_POLICY, exclusions=(rule,)))
    assert out[Q.EXCLUSION_REASON][0] == "{customer_name} {invoice_no} {nope} {"
    rule = ExclusionRule("DISPUTED", True, "Desk", "{customer_name}/{invoice_no}/{nope}")
    out = run([{F.DISPUTED: True}], policy=replace(DEFAULT_POLICY, exclusions=(rule,)))
    assert out[Q.EXCLUSION_REASON][0] == "Acme Ltd/INV0001/{nope}"


def test_keeps_rows_index_and_input() -> None:
    frame = invoice_frame([{F.DISPUTED: True}, {}])
    frame[Q.STAGE] = "friendly"
    frame.index = pd.Index([10, 10])
    before = frame.copy()
    out = apply_exclusions(frame, DEFAULT_POLICY, AS_OF, {})
    assert out.index.tolist() == [10, 10]
    assert out[Q.EXCLUDED].tolist() == [True, False]
    pd.testing.assert_frame_equal(frame, before)


@given(
    st.lists(
        st.tuples(
            st.integers(-(10**12), 10**12), st.sampled_from(["USD", "EUR", "JPY", "XYZ", ""])
        ),
        max_size=30,
    )
)
def test_format_amounts_matches_format_amount(values: list[tuple[int, str]]) -> None:
    cents = pd.Series([v for v, _ in values], dtype="Int64")
    cur = pd.Series([c for _, c in values], dtype="str")
    assert format_amounts(cents, cur).tolist() == [format_amount(v, c) for v, c in values]


def test_format_amounts_missing_is_blank() -> None:
    out = format_amounts(pd.Series([None, 5], dtype="Int64"), pd.Series(["USD", "USD"]))
    assert out.tolist() == ["", "$0.05"]


@pytest.mark.parametrize(
    "field, code",
    [(F.DO_NOT_CONTACT, "DO_NOT_CONTACT"), (F.LEGAL, "LEGAL"), (F.STRATEGIC, "STRATEGIC")],
)
def test_account_flags_on_one_row_cover_the_whole_customer(field: str, code: str) -> None:
    out = run(
        [
            {F.INVOICE_NO: "I1", F.CUSTOMER_ID: "C1", field: True},
            {F.INVOICE_NO: "I2", F.CUSTOMER_ID: "C1"},
            {F.INVOICE_NO: "I3", F.CUSTOMER_ID: "C2"},
        ]
    )
    assert out[Q.EXCLUSION_CODE].tolist()[:2] == [code, code]
    assert out[Q.EXCLUSION_CODE].iloc[2] != code


def test_group_helpers_match_pandas_groupby() -> None:
    cust = pd.Series(["B", "A", "B", "C", "A"], dtype="str")
    cur = pd.Series(["USD", "USD", "EUR", "USD", "USD"], dtype="str")
    groups = accounts(pd.DataFrame({F.CUSTOMER_ID: cust, F.CURRENCY: cur}))
    assert groups.customer.tolist() == [0, 1, 0, 2, 1]
    assert groups.account.tolist() == [0, 1, 2, 3, 1]  # B/USD and B/EUR are two accounts
    cents = np.array([2**62, 5, -3, 7, 9], dtype="int64")
    assert group_sum(cents, groups.account).tolist() == [2**62, 14, -3, 7, 14]
    when = pd.to_datetime(pd.Series(["2026-01-02", None, "2026-03-04", None, "2025-12-31"]))
    got = group_max(when.to_numpy(dtype="datetime64[ns]"), groups.customer)
    want = when.groupby(cust).transform("max").to_numpy(dtype="datetime64[ns]")
    np.testing.assert_array_equal(got, want)  # a missing date is skipped, all missing is NaT


def test_format_dates_formats_each_date_and_blanks_missing() -> None:
    stamps = ["2026-11-03", None, "2026-11-03T14:00"]
    when = pd.Series(pd.to_datetime(stamps, format="ISO8601"), index=[7, 8, 9])
    out = format_dates(when)
    assert out.tolist() == ["2026-11-03", "", "2026-11-03"] and list(out.index) == [7, 8, 9]
