"""The Settings sheet: the policy as editable tables, and back.

Writing and reading are two views of one declaration (``_KNOBS`` and the table
specs below), so a knob added here appears on the sheet, is read back, and is
validated in the same way. Reading never fails: an invalid value becomes a
:class:`~dunning_core.records.Problem` naming its cell, and the default is used, so a
typo in Settings cannot stop the weekly run (the Data Check sheet shows it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dunning_core.columns import ALL_FIELDS
from dunning_core.money import to_cents, to_units
from dunning_core.policy import (
    Policy,
)
from dunning_core.records import Block

SHEET = "Settings"


@dataclass(frozen=True)
class Knob:
    """One scalar setting: its policy attribute, label, meaning and converters."""

    attr: str
    label: str
    meaning: str
    parse: Callable[[Any], Any]
    show: Callable[[Any], Any] = lambda v: v


def to_int(v: Any) -> int:
    if isinstance(v, bool):
        raise ValueError("expected a whole number")
    f = float(str(v).strip())
    if f != int(f):
        raise ValueError("expected a whole number")
    return int(f)


def to_nonneg_int(v: Any) -> int:
    n = to_int(v)
    if n < 0:
        raise ValueError("expected a whole number of 0 or more")
    return n


def to_text(v: Any) -> str:
    s = "" if v is None else str(v).strip()
    if not s:
        raise ValueError("expected some text")
    return s


def to_opt_text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def to_share(v: Any) -> float:
    s = str(v).strip().rstrip("%")
    f = float(s) / (100.0 if str(v).strip().endswith("%") else 1.0)
    if not 0.0 <= f <= 1.0:
        raise ValueError("expected a share between 0 and 1 (or 0% to 100%)")
    return f


def to_yes_no(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in {"yes", "y", "true", "1", "x", "on"}:
        return True
    if s in {"no", "n", "false", "0", "", "off"}:
        return False
    raise ValueError("expected Yes or No")


def to_weight(v: Any) -> float:
    f = float(str(v).strip())
    if f < 0:
        raise ValueError("expected a weight of 0 or more")
    return f


def _yn(b: bool) -> str:
    return "Yes" if b else "No"


GENERAL: tuple[Knob, ...] = (
    Knob(
        "min_amount_cents",
        "Minimum amount",
        "No reminder below this open total per customer and currency.",
        lambda v: to_cents(float(str(v).strip())),
        to_units,
    ),
    Knob("default_owner", "Default owner", "Owner of invoices with no collector.", to_text),
    Knob("default_currency", "Default currency", "Currency of rows without one.", to_text),
    Knob("default_language", "Default language", "Template language (en, de, fr).", to_text),
    Knob(
        "promise_grace_days",
        "Promise grace days",
        "Days after a promise date before the promise counts as broken.",
        to_nonneg_int,
    ),
    Knob("horizon_weeks", "Forecast weeks", "Weekly columns on Expected Cash.", to_nonneg_int),
    Knob(
        "top_customers",
        "Top customers",
        "Customers listed one by one on Expected Cash.",
        to_nonneg_int,
    ),
)
SENDER: tuple[Knob, ...] = (
    Knob("name", "Sender name", "Signs the reminders.", to_text),
    Knob("company", "Company", "Your company name in reminders.", to_text),
    Knob("email", "Sender e-mail", "Reply address shown in reminders.", to_text),
    Knob("phone", "Phone", "Phone number shown in reminders.", to_opt_text),
    Knob("payment_instructions", "Payment instructions", "How to pay, in reminders.", to_opt_text),
)
WEIGHTS: tuple[Knob, ...] = (
    Knob("balance", "Balance", "Weight of the invoice's open balance.", to_weight),
    Knob("days", "Days past due", "Weight of how late the invoice is.", to_weight),
    Knob("stage", "Stage", "Weight of the dunning stage reached.", to_weight),
    Knob(
        "broken_promise", "Broken promise", "Weight of a broken promise on the account.", to_weight
    ),
    Knob("exposure", "Customer exposure", "Weight of the customer's overdue total.", to_weight),
    Knob("days_cap", "Days cap", "Days past due at which the days factor is full.", to_nonneg_int),
)

#: (title, headers, parsers) of the list tables; parsers map a row to a record.
BUCKET_HEADERS = ("Label", "From days", "To days", "Collect probability", "Lateness days")
STAGE_HEADERS = ("Key", "Name", "From days", "Cadence days", "Action", "Drafts", "Template")
RULE_HEADERS = ("Code", "Enabled", "Route to", "Reason")
KNOB_HEADERS = ("Setting", "Value", "Meaning")
MAPPING_HEADERS = ("Field", "Source header")

T_GENERAL, T_SENDER, T_BUCKETS, T_STAGES = "General", "Sender", "Aging buckets", "Stages"
T_RULES, T_WEIGHTS, T_MAPPING = "Exclusion rules", "Priority weights", "Header mapping"
TITLES = (T_GENERAL, T_SENDER, T_BUCKETS, T_STAGES, T_RULES, T_WEIGHTS, T_MAPPING)


def _knob_frame(knobs: Sequence[Knob], obj: Any) -> pd.DataFrame:
    return pd.DataFrame(
        [(k.label, k.show(getattr(obj, k.attr)), k.meaning) for k in knobs],
        columns=list(KNOB_HEADERS),
        dtype=object,
    )


def settings_blocks(policy: Policy) -> tuple[Block, ...]:
    """The policy as the Settings sheet's tables (what the writer puts on the sheet)."""
    buckets = pd.DataFrame(
        [(b.label, b.min_days, b.max_days, b.probability, b.lateness_days) for b in policy.buckets],
        columns=list(BUCKET_HEADERS),
        dtype=object,
    )
    stages = pd.DataFrame(
        [
            (s.key, s.name, s.min_days, s.cadence_days, s.action, _yn(s.drafts), s.template)
            for s in policy.stages
        ],
        columns=list(STAGE_HEADERS),
        dtype=object,
    )
    rules = pd.DataFrame(
        [(r.code, _yn(r.enabled), r.route_to, r.reason) for r in policy.exclusions],
        columns=list(RULE_HEADERS),
        dtype=object,
    )
    mapping = pd.DataFrame(
        [(f, policy.header_overrides.get(f, "")) for f in ALL_FIELDS],
        columns=list(MAPPING_HEADERS),
        dtype=object,
    )
    return (
        Block(
            T_GENERAL,
            _knob_frame(GENERAL, policy),
            note="Edit the Value column; "
            "an invalid value is listed on Data Check and the default is used.",
        ),
        Block(T_SENDER, _knob_frame(SENDER, policy.sender)),
        Block(
            T_BUCKETS,
            buckets,
            {"Collect probability": "percent"},
            note="Days past due per bucket (blank To days = no upper end); probability and "
            "lateness drive Expected Cash when no paid history is calibrated.",
        ),
        Block(
            T_STAGES,
            stages,
            note="From days = days past due where the stage starts "
            "(negative = before due). Cadence = minimum days between touches.",
        ),
        Block(
            T_RULES,
            rules,
            note="First enabled match is the exclusion code; blank Route to "
            "= the invoice's collector. {placeholders} are filled per invoice.",
        ),
        Block(T_WEIGHTS, _knob_frame(WEIGHTS, policy.weights)),
        Block(
            T_MAPPING,
            mapping,
            note="Pin a source column for a field by typing its header "
            "text; a pinned mapping always wins over automatic recognition.",
        ),
    )
