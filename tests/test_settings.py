"""Settings sheet: written from the policy, read back identically, bad cells reported."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dunning_core.policy import DEFAULT_POLICY, Policy
from dunning_core.records import RawSheet, Severity
from dunning_core.settings import settings_blocks
from dunning_core.settings_read import policy_from_sheet


def sheet_from_blocks(blocks, first_row: int = 1) -> RawSheet:
    """Lay the blocks out as the writer does: title, note, header, rows, blank."""
    rows: list[list[Any]] = []
    for b in blocks:
        rows.append([b.title])
        if b.note:
            rows.append([b.note])
        rows.append(list(b.frame.columns))
        for rec in b.frame.itertuples(index=False):
            rows.append([None if (isinstance(v, float) and pd.isna(v)) else v for v in rec])
        rows.append([])
    return RawSheet("Settings", rows, first_row=first_row)


def test_default_policy_round_trips_through_the_sheet() -> None:
    policy, problems = policy_from_sheet(sheet_from_blocks(settings_blocks(DEFAULT_POLICY)))
    assert problems == []
    assert policy == DEFAULT_POLICY


def test_edited_values_are_read() -> None:
    raw = sheet_from_blocks(settings_blocks(DEFAULT_POLICY))
    rows = [list(r) for r in raw.rows]
    for r in rows:
        if r and r[0] == "Minimum amount":
            r[1] = "125.50"
        if r and r[0] == "friendly":
            r[3] = 10
        if r and r[0] == "customer_name":
            r[1] = "Kunde"
    policy, problems = policy_from_sheet(RawSheet("Settings", rows))
    assert problems == []
    assert policy.min_amount_cents == 12550
    assert policy.stage("friendly").cadence_days == 10
    assert policy.header_overrides == {"customer_name": "Kunde"}


def test_invalid_value_names_its_cell_and_keeps_default() -> None:
    raw = sheet_from_blocks(settings_blocks(DEFAULT_POLICY), first_row=3)
    rows = [list(r) for r in raw.rows]
    target = next(i for i, r in enumerate(rows) if r and r[0] == "Promise grace days")
    rows[target][1] = "three"
    policy, problems = policy_from_sheet(RawSheet("Settings", rows, first_row=3))
    assert policy.promise_grace_days == DEFAULT_POLICY.promise_grace_days
    assert len(problems) == 1
    p = problems[0]
    assert (p.sheet, p.cell, p.field, p.value) == (
        "Settings",
        f"B{target + 3}",
        "Promise grace days",
        "three",
    )
    assert p.severity is Severity.ERROR and "default" in p.message


def test_broken_bucket_ladder_keeps_default_buckets() -> None:
    rows = [list(r) for r in sheet_from_blocks(settings_blocks(DEFAULT_POLICY)).rows]
    i = next(i for i, r in enumerate(rows) if r and r[0] == "31-60")
    rows[i][1] = 35  # gap between 1-30 and 35
    policy, problems = policy_from_sheet(RawSheet("Settings", rows))
    assert policy.buckets == DEFAULT_POLICY.buckets
    assert any("start the day after" in p.message for p in problems)


def test_no_sheet_gives_defaults() -> None:
    assert policy_from_sheet(None) == (Policy(), [])


def test_mistyped_rule_code_keeps_every_default_rule_on() -> None:
    rows = [list(r) for r in sheet_from_blocks(settings_blocks(DEFAULT_POLICY)).rows]
    i = next(i for i, r in enumerate(rows) if r and r[0] == "DISPUTED")
    rows[i][0] = "DISPUTE"
    policy, problems = policy_from_sheet(RawSheet("Settings", rows))
    assert policy.exclusions == DEFAULT_POLICY.exclusions
    assert any("unknown code(s) DISPUTE" in p.message for p in problems)


def test_deleted_rule_row_is_reported_not_silently_off() -> None:
    rows = [list(r) for r in sheet_from_blocks(settings_blocks(DEFAULT_POLICY)).rows]
    rows = [r for r in rows if not (r and r[0] == "DO_NOT_CONTACT")]
    policy, problems = policy_from_sheet(RawSheet("Settings", rows))
    assert policy.rule("DO_NOT_CONTACT").enabled
    assert any("DO_NOT_CONTACT missing" in p.message for p in problems)
