"""Canonical names: the one vocabulary that readers, core and writers share.

Every module refers to a column or sheet through these constants, never through a
string literal of its own, so a rename happens here once (STYLE.md, point 1).

Three families live here:

* ``F``: canonical *input fields*, what ingest produces from the team's aging sheet,
  whatever the headers were called there. Amounts are integer minor units (cents)
  in columns ending ``_cents``; dates are ``datetime64[ns]`` normalised to midnight.
* ``M``: the *managed columns* the tool writes at the right edge of the aging sheet.
  Their header texts are the recognition key on the next run.
* ``S``: the names of the sheets the tool creates and owns.
"""

from __future__ import annotations

from typing import Final


class F:
    """Canonical invoice fields produced by ingest (one row per open item)."""

    ROW: Final = "_row"  # 1-based row number in the source sheet (for cell addresses)
    CUSTOMER_ID: Final = "customer_id"
    CUSTOMER_NAME: Final = "customer_name"
    INVOICE_NO: Final = "invoice_no"
    DOC_TYPE: Final = "doc_type"
    INVOICE_DATE: Final = "invoice_date"
    DUE_DATE: Final = "due_date"
    ORIGINAL_CENTS: Final = "original_cents"
    OPEN_CENTS: Final = "open_cents"
    PAID_CENTS: Final = "paid_cents"
    CURRENCY: Final = "currency"
    DAYS_OVERDUE: Final = "days_overdue"  # as given by the export, when it has one
    BUCKET_LABEL: Final = "bucket_label"  # as given by the export, when it has one
    TERMS: Final = "terms"
    OWNER: Final = "owner"  # collector / account owner
    CONTACT: Final = "contact"
    EMAIL: Final = "email"
    CC: Final = "cc"
    LANGUAGE: Final = "language"
    SEGMENT: Final = "segment"
    NOTES: Final = "notes"
    DISPUTED: Final = "disputed"  # bool
    DISPUTE_REASON: Final = "dispute_reason"
    PROMISE_DATE: Final = "promise_date"
    PROMISE_CENTS: Final = "promise_cents"
    HOLD_UNTIL: Final = "hold_until"
    DO_NOT_CONTACT: Final = "do_not_contact"  # bool
    STRATEGIC: Final = "strategic"  # bool
    PAYMENT_PLAN: Final = "payment_plan"  # bool
    LEGAL: Final = "legal"  # bool
    STAGE_OVERRIDE: Final = "stage_override"
    LAST_CONTACT: Final = "last_contact"
    IN_TRANSIT_CENTS: Final = "in_transit_cents"  # payment in transit / unapplied cash


#: Input fields that are free text (kept as str, never parsed as numbers).
TEXT_FIELDS: Final = (
    F.CUSTOMER_ID,
    F.CUSTOMER_NAME,
    F.INVOICE_NO,
    F.DOC_TYPE,
    F.CURRENCY,
    F.BUCKET_LABEL,
    F.TERMS,
    F.OWNER,
    F.CONTACT,
    F.EMAIL,
    F.CC,
    F.LANGUAGE,
    F.SEGMENT,
    F.NOTES,
    F.DISPUTE_REASON,
    F.STAGE_OVERRIDE,
)
DATE_FIELDS: Final = (
    F.INVOICE_DATE,
    F.DUE_DATE,
    F.PROMISE_DATE,
    F.HOLD_UNTIL,
    F.LAST_CONTACT,
)
AMOUNT_FIELDS: Final = (
    F.ORIGINAL_CENTS,
    F.OPEN_CENTS,
    F.PAID_CENTS,
    F.PROMISE_CENTS,
    F.IN_TRANSIT_CENTS,
)
FLAG_FIELDS: Final = (F.DISPUTED, F.DO_NOT_CONTACT, F.STRATEGIC, F.PAYMENT_PLAN, F.LEGAL)
ALL_FIELDS: Final = TEXT_FIELDS + DATE_FIELDS + AMOUNT_FIELDS + FLAG_FIELDS + (F.DAYS_OVERDUE,)


class Q:
    """Columns the queue stage adds to the invoice frame (internal names)."""

    DAYS_PAST_DUE: Final = "days_past_due"
    BUCKET: Final = "bucket"
    STAGE: Final = "stage"  # stage key, e.g. "friendly"
    STAGE_NAME: Final = "stage_name"  # display name, e.g. "Friendly reminder"
    PRIORITY: Final = "priority"  # 0-100 int
    PRIORITY_REASON: Final = "priority_reason"
    CUSTOMER_PRIORITY: Final = "customer_priority"
    EXCLUDED: Final = "excluded"  # bool
    EXCLUSION_CODE: Final = "exclusion_code"  # e.g. "DISPUTED"; "" when not excluded
    EXCLUSION_REASON: Final = "exclusion_reason"
    ROUTED_TO: Final = "routed_to"  # owner who must act
    NEXT_ACTION: Final = "next_action"
    ACTION_DUE: Final = "action_due"
    BROKEN_PROMISE_DATE: Final = "broken_promise_date"  # latest broken promise, NaT if none
    EXPECTED_DATE: Final = "expected_date"
    PROBABILITY: Final = "probability"  # 0..1 float
    EXPECTED_CENTS: Final = "expected_cents"  # int, round(open * probability)
    AT_RISK: Final = "at_risk"  # bool: whole balance counted as at risk
    FORECAST_RULE: Final = "forecast_rule"  # which forecast rule applied (see forecast.py)
    CARRIED_NOTE: Final = "carried_note"  # a collector's note carried over from last run


class M:
    """Managed column headers written at the right edge of the aging sheet.

    The header texts are how the tool recognises its own block on the next run, so
    they are part of the workbook contract: change them only with a migration.
    """

    DAYS_PAST_DUE: Final = "Days past due"
    BUCKET: Final = "Bucket"
    STAGE: Final = "Stage"
    PRIORITY: Final = "Priority"
    PRIORITY_REASON: Final = "Priority reason"
    EXCLUDED: Final = "Excluded"
    EXCLUSION_REASON: Final = "Exclusion reason"
    OWNER: Final = "Owner"
    NEXT_ACTION: Final = "Next action"
    ACTION_DUE: Final = "Action due"
    EXPECTED_DATE: Final = "Expected pay date"
    PROBABILITY: Final = "Collect probability"
    CARRIED_NOTE: Final = "Carried note"


#: Managed block, in order, with the queue column each one shows.
MANAGED_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    (M.DAYS_PAST_DUE, Q.DAYS_PAST_DUE),
    (M.BUCKET, Q.BUCKET),
    (M.STAGE, Q.STAGE_NAME),
    (M.PRIORITY, Q.PRIORITY),
    (M.PRIORITY_REASON, Q.PRIORITY_REASON),
    (M.EXCLUDED, Q.EXCLUDED),
    (M.EXCLUSION_REASON, Q.EXCLUSION_REASON),
    (M.OWNER, Q.ROUTED_TO),
    (M.NEXT_ACTION, Q.NEXT_ACTION),
    (M.ACTION_DUE, Q.ACTION_DUE),
    (M.EXPECTED_DATE, Q.EXPECTED_DATE),
    (M.PROBABILITY, Q.PROBABILITY),
    (M.CARRIED_NOTE, Q.CARRIED_NOTE),
)
MANAGED_HEADERS: Final = tuple(h for h, _ in MANAGED_COLUMNS)


class S:
    """Sheets the tool creates on first run and keeps."""

    SETTINGS: Final = "Settings"
    DRAFTS: Final = "Drafts"
    ACTIVITY: Final = "Activity"
    PROMISES: Final = "Promises"
    EXPECTED_CASH: Final = "Expected Cash"
    DATA_CHECK: Final = "Data Check"
    SNAPSHOT: Final = "Snapshot"  # hidden: last run's per-invoice state, for "what changed"
    TEMPLATES: Final = "Templates"  # optional, the team's own; read, never written


OWNED_SHEETS: Final = (
    S.SETTINGS,
    S.DRAFTS,
    S.ACTIVITY,
    S.PROMISES,
    S.EXPECTED_CASH,
    S.DATA_CHECK,
    S.SNAPSHOT,
)


class D:
    """Drafts sheet columns (display headers are the names)."""

    ID: Final = "Draft id"
    CREATED: Final = "Created"
    CUSTOMER_ID: Final = "Customer id"
    CUSTOMER: Final = "Customer"
    TO: Final = "To"
    CC: Final = "Cc"
    STAGE: Final = "Stage"
    LANGUAGE: Final = "Language"
    SUBJECT: Final = "Subject"
    BODY: Final = "Body"
    INVOICES: Final = "Invoices"
    AMOUNT: Final = "Amount"  # float currency units, rounded to the cent
    CURRENCY: Final = "Currency"
    OWNER: Final = "Owner"
    STATUS: Final = "Status"
    REVIEWER_NOTE: Final = "Reviewer note"
    SOURCE: Final = "Source"  # cell references of the invoices in the aging sheet
    FILE: Final = "Draft file"  # the exported .eml, linked (relative to the book's folder)
    GENERATED_HASH: Final = "Generated hash"  # hash of subject+body as generated: edit detection
    UPDATED: Final = "Updated"


DRAFT_COLUMNS: Final = (
    D.ID,
    D.CREATED,
    D.CUSTOMER_ID,
    D.CUSTOMER,
    D.TO,
    D.CC,
    D.STAGE,
    D.LANGUAGE,
    D.SUBJECT,
    D.BODY,
    D.INVOICES,
    D.AMOUNT,
    D.CURRENCY,
    D.OWNER,
    D.STATUS,
    D.REVIEWER_NOTE,
    D.SOURCE,
    D.FILE,
    D.UPDATED,
    D.GENERATED_HASH,
)
DRAFT_STATUSES: Final = ("Draft", "Approved", "Sent", "Skipped")


class A:
    """Activity sheet columns: an append-only log of completed units of work."""

    ID: Final = "Activity id"
    DATE: Final = "Date"
    TYPE: Final = "Type"  # drafted / sent / promise captured / promise kept / ...
    CUSTOMER_ID: Final = "Customer id"
    CUSTOMER: Final = "Customer"
    INVOICES: Final = "Invoices"
    AMOUNT: Final = "Amount"
    CURRENCY: Final = "Currency"
    OWNER: Final = "Owner"
    DETAIL: Final = "Detail"
    REFERENCE: Final = "Reference"  # draft id, promise id or source cell
    RUN: Final = "Run"  # as-of date of the run that logged it


ACTIVITY_COLUMNS: Final = (
    A.ID,
    A.DATE,
    A.TYPE,
    A.CUSTOMER_ID,
    A.CUSTOMER,
    A.INVOICES,
    A.AMOUNT,
    A.CURRENCY,
    A.OWNER,
    A.DETAIL,
    A.REFERENCE,
    A.RUN,
)


class P:
    """Promises sheet columns."""

    ID: Final = "Promise id"
    CAPTURED: Final = "Captured"
    CUSTOMER_ID: Final = "Customer id"
    CUSTOMER: Final = "Customer"
    INVOICES: Final = "Invoices"
    AMOUNT: Final = "Amount"
    CURRENCY: Final = "Currency"
    PROMISE_DATE: Final = "Promise date"
    STATUS: Final = "Status"  # open / kept / broken
    RESOLVED: Final = "Resolved"
    NOTE: Final = "Note"
    SOURCE: Final = "Source"


PROMISE_COLUMNS: Final = (
    P.ID,
    P.CAPTURED,
    P.CUSTOMER_ID,
    P.CUSTOMER,
    P.INVOICES,
    P.AMOUNT,
    P.CURRENCY,
    P.PROMISE_DATE,
    P.STATUS,
    P.RESOLVED,
    P.NOTE,
    P.SOURCE,
)
PROMISE_STATUSES: Final = ("open", "kept", "broken")


class K:
    """Data Check sheet columns (one row per problem)."""

    SEVERITY: Final = "Severity"
    SHEET: Final = "Sheet"
    CELL: Final = "Cell"
    FIELD: Final = "Field"
    VALUE: Final = "Value"
    MESSAGE: Final = "Message"


PROBLEM_COLUMNS: Final = (K.SEVERITY, K.SHEET, K.CELL, K.FIELD, K.VALUE, K.MESSAGE)


#: Display formats of the fixed-layout sheets (column -> records.FORMATS entry).
#: Money columns hold float currency units, rounded to the cent, in sheet frames.
DRAFT_FORMATS: Final = {
    D.CREATED: "date",
    D.UPDATED: "date",
    D.BODY: "wrap",
    D.AMOUNT: "money",
    D.FILE: "link",
}
ACTIVITY_FORMATS: Final = {A.DATE: "date", A.RUN: "date", A.AMOUNT: "money"}
PROMISE_FORMATS: Final = {
    P.CAPTURED: "date",
    P.PROMISE_DATE: "date",
    P.RESOLVED: "date",
    P.AMOUNT: "money",
}
MANAGED_FORMATS: Final = {
    M.DAYS_PAST_DUE: "int",
    M.PRIORITY: "int",
    M.ACTION_DUE: "date",
    M.EXPECTED_DATE: "date",
    M.PROBABILITY: "percent",
    M.PRIORITY_REASON: "text",
    M.EXCLUSION_REASON: "text",
}
