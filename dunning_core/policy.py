"""The collections policy: every knob declared once, with its default and meaning.

The policy is frozen. It is built from defaults, or from the workbook's Settings
sheet (``dunning_core.settings``), in exactly one place, and then passed to every
stage. Nothing in the core reads a module global or mutates the policy, so a run is
a pure function of (book, policy, as-of date).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Bucket:
    """An aging bucket and what it implies for the forecast.

    Attributes:
        label: shown in the Bucket column ("1-30").
        min_days: smallest days past due in the bucket (inclusive); may be negative
            (the "Current" bucket starts at -100000).
        max_days: largest days past due (inclusive), None for the open-ended last bucket.
        probability: share of the balance expected to be collected within the
            13-week horizon, used when there is no calibrated history.
        lateness_days: days after due date (or after the as-of date, when the
            invoice is already that late) at which payment is expected.
    """

    label: str
    min_days: int
    max_days: int | None
    probability: float
    lateness_days: int


@dataclass(frozen=True)
class Stage:
    """A dunning stage: when it applies and what happens in it.

    Attributes:
        key: stable identifier used in templates and draft ids ("friendly").
        name: display name ("Friendly reminder").
        min_days: days past due from which the stage applies (negative: before due).
        cadence_days: minimum days between two touches at this stage.
        action: next action text for the queue ("Send friendly reminder").
        drafts: whether the stage produces a customer reminder draft; an escalation
            stage routes the account to a person instead.
        template: template file stem in ``templates/`` (language suffix added).
    """

    key: str
    name: str
    min_days: int
    cadence_days: int
    action: str
    drafts: bool = True
    template: str = ""


@dataclass(frozen=True)
class ExclusionRule:
    """A reason not to contact the customer now, and who takes it instead.

    Attributes:
        code: reason code written to the queue ("DISPUTED").
        enabled: whether the rule applies.
        route_to: owner who must act on excluded work; "" means the invoice's own
            collector (or the default owner when it has none).
        reason: human-readable reason; ``{placeholders}`` are filled from the invoice
            (see ``dunning_core.exclusions`` for the names available).
    """

    code: str
    enabled: bool
    route_to: str
    reason: str


@dataclass(frozen=True)
class PriorityWeights:
    """Weights of the priority score's factors (they are normalised to sum to 1).

    Each factor is scaled 0..1 before weighting: balance (log-scaled against the
    largest open item), days past due (capped at ``days_cap``), stage (rank among
    stages), broken promise (0 or 1) and customer exposure (customer's overdue total
    against the largest customer's).
    """

    balance: float = 0.30
    days: float = 0.25
    stage: float = 0.15
    broken_promise: float = 0.15
    exposure: float = 0.15
    days_cap: int = 120


@dataclass(frozen=True)
class Sender:
    """Who the reminders come from; available to templates as ``sender``."""

    name: str = "Accounts Receivable"
    company: str = "Example Trading Ltd"
    email: str = "ar@example.com"
    phone: str = "+1 555 0100"
    payment_instructions: str = (
        "Bank transfer to IBAN GB00 EXMP 0000 0000 0000 00, quoting the invoice numbers."
    )


DEFAULT_BUCKETS: tuple[Bucket, ...] = (
    Bucket("Current", -100_000, 0, 0.95, 3),
    Bucket("1-30", 1, 30, 0.90, 14),
    Bucket("31-60", 31, 60, 0.80, 21),
    Bucket("61-90", 61, 90, 0.65, 28),
    Bucket("91-120", 91, 120, 0.45, 42),
    Bucket("120+", 121, None, 0.20, 60),
)

DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("pre_due", "Pre-due reminder", -5, 14, "Send pre-due reminder", True, "pre_due"),
    Stage("friendly", "Friendly reminder", 1, 7, "Send friendly reminder", True, "friendly"),
    Stage("firm", "Firm reminder", 15, 7, "Send firm reminder", True, "firm"),
    Stage("final", "Final notice", 45, 7, "Send final notice", True, "final"),
    Stage("escalation", "Escalation", 75, 14, "Escalate to owner", False, ""),
)

DEFAULT_EXCLUSIONS: tuple[ExclusionRule, ...] = (
    ExclusionRule("LEGAL", True, "Legal", "With legal: no collections contact"),
    ExclusionRule("DISPUTED", True, "Disputes desk", "Disputed: {dispute_reason}"),
    ExclusionRule("DO_NOT_CONTACT", True, "", "Do-not-contact flag set on the account"),
    ExclusionRule("STRATEGIC", True, "Account manager", "Strategic account: owner contacts"),
    ExclusionRule("PAYMENT_PLAN", True, "", "On a payment plan: follow the plan"),
    ExclusionRule("ON_HOLD", True, "", "On hold until {hold_until}"),
    ExclusionRule("PROMISE_OPEN", True, "", "Promise to pay {promise_amount} by {promise_date}"),
    ExclusionRule(
        "IN_TRANSIT", True, "Cash application", "Payment in transit / unapplied cash {in_transit}"
    ),
    ExclusionRule(
        "NET_CREDIT", True, "Cash application", "Customer in net credit {customer_balance}"
    ),
    ExclusionRule("BELOW_MIN", True, "", "Below minimum amount {min_amount}"),
    ExclusionRule("NO_CONTACT", True, "", "No contact e-mail address"),
    ExclusionRule("CADENCE", True, "", "Contacted {last_contact}; next touch from {next_touch}"),
)


@dataclass(frozen=True)
class Policy:
    """The whole collections policy.

    Attributes:
        buckets: aging buckets in ascending order, covering every day count.
        stages: dunning stages in ascending ``min_days`` order.
        exclusions: exclusion rules, in precedence order (first match is the code
            shown; all matches are listed in the reason).
        weights: priority weights.
        min_amount_cents: open balance below which no reminder is drafted (per
            customer and currency, in minor units).
        default_owner: owner for invoices with no collector.
        default_currency: currency for rows and books without one.
        default_language: template language when the customer has none.
        promise_grace_days: days after a promise date before it counts as broken.
        horizon_weeks: weekly columns in the Expected Cash sheet.
        top_customers: customers listed individually on Expected Cash.
        sender: reminder sender details.
        header_overrides: canonical field -> source header text, pinned in Settings;
            always wins over automatic mapping.
    """

    buckets: tuple[Bucket, ...] = DEFAULT_BUCKETS
    stages: tuple[Stage, ...] = DEFAULT_STAGES
    exclusions: tuple[ExclusionRule, ...] = DEFAULT_EXCLUSIONS
    weights: PriorityWeights = PriorityWeights()
    min_amount_cents: int = 5_000
    default_owner: str = "Collections team"
    default_currency: str = "USD"
    default_language: str = "en"
    promise_grace_days: int = 3
    horizon_weeks: int = 13
    top_customers: int = 15
    sender: Sender = Sender()
    header_overrides: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def stage(self, key: str) -> Stage:
        """Return the stage with ``key``; raises KeyError for an unknown key."""
        for s in self.stages:
            if s.key == key:
                return s
        raise KeyError(key)

    def rule(self, code: str) -> ExclusionRule:
        """Return the exclusion rule with ``code``; raises KeyError for an unknown code."""
        for r in self.exclusions:
            if r.code == code:
                return r
        raise KeyError(code)


DEFAULT_POLICY = Policy()
