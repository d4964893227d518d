"""The Expected Cash sheet as titled blocks: key figures, weekly cash, breakdowns, change.

Every amount is summed in integer cents from one per-invoice allocation and only then
turned into currency units, so each row reconciles *exactly*:

    sum(weeks) + Later + At risk + Credits == Open balance        (per row, in cents)

An invoice's expected cents go to the week of its expected date (or "Later"), the rest
of its balance (``open - expected``: disputed balances whole, and the part of every
other invoice that is not expected to be collected) to "At risk", and a credit note's
negative balance to "Credits" — shown apart, never netted against a customer's debt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import pandas as pd

from dunning_core import changes
from dunning_core.codes import sort_order
from dunning_core.columns import F, Q
from dunning_core.forecast import (
    MONTHS,
    Calibration,
    bucket_index,
    forecast,
    spread_cents,
    week_index,
    week_labels,
    week_start,
)
from dunning_core.kpis import BookCodes, key_figures
from dunning_core.money import format_amount, units_series
from dunning_core.policy import Policy
from dunning_core.records import Block
from dunning_core.snapshot import snapshot_frame

LATER: Final = "Later"
AT_RISK: Final = "At risk"
CREDITS: Final = "Credits"
OPEN: Final = "Open balance"
CURRENCY: Final = "Currency"
NOT_DUE: Final = "Not due"  # the queue's stage name for items before the pre-due window
OTHER_CUSTOMERS: Final = "Other customers"


def _day(d: date | pd.Timestamp) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


@dataclass(frozen=True)
class _Allocation:
    """Each invoice's cents split once into entries (invoice, column, cents).

    Columns are 0..H-1 weeks, H Later, H+1 At risk, H+2 Credits. An ordinary invoice has
    two entries (its expected cents in its week, the rest at risk); an invoice whose
    cash a calibration spreads has one entry per week plus Later. Currencies are
    factorised once so grouping runs on integers.
    """

    cur_code: np.ndarray
    currencies: np.ndarray
    week: np.ndarray  # invoice -> week column of its expected date (H: Later)
    open: np.ndarray
    ncol: int
    row: np.ndarray  # entry -> invoice position
    col: np.ndarray  # entry -> column
    cents: np.ndarray  # entry -> cents


def _allocate(
    queue: pd.DataFrame, policy: Policy, as_of: date, calibration: Calibration | None = None
) -> _Allocation:
    h = policy.horizon_weeks
    n = len(queue)
    open_c = queue[F.OPEN_CENTS].to_numpy(dtype="int64")
    exp = queue[Q.EXPECTED_CENTS].to_numpy(dtype="int64")
    credit = open_c < 0
    wk = week_index(queue[Q.EXPECTED_DATE], as_of, h)
    codes, uniques = pd.factorize(queue[F.CURRENCY].astype("str").to_numpy(dtype=object), sort=True)
    pos = np.arange(n)
    spread_rows = np.zeros(n, dtype=bool)
    if calibration is not None and Q.FORECAST_RULE in queue.columns:
        spread_rows = (queue[Q.FORECAST_RULE] == "calibrated").to_numpy(dtype=bool)
    spread = None
    if calibration is not None and spread_rows.any():
        spread = spread_cents(calibration, queue, as_of, h, spread_rows)
    if spread is None:
        spread_rows = np.zeros(n, dtype=bool)
    single = ~spread_rows
    rows = [pos[single], pos[single]]
    cols = [np.where(credit, h + 2, wk)[single], np.full(int(single.sum()), h + 1)]
    cents = [np.where(credit, open_c, exp)[single], np.where(credit, 0, open_c - exp)[single]]
    if spread is not None:
        r, k = np.nonzero(spread)
        rows += [r, pos[spread_rows]]
        cols += [k, np.full(int(spread_rows.sum()), h)]
        cents += [spread[r, k], (open_c - exp)[spread_rows]]
    return _Allocation(
        cur_code=codes.astype("int64"),
        currencies=np.asarray(uniques, dtype=object),
        week=wk,
        open=open_c,
        ncol=h + 3,
        row=np.concatenate(rows).astype("int64"),
        col=np.concatenate(cols).astype("int64"),
        cents=np.concatenate(cents).astype("int64"),
    )


#: Per-invoice labels of a breakdown: one label per invoice, or (code per invoice, names).
Labels = np.ndarray | tuple[np.ndarray, np.ndarray]


def _sorted_codes(labels: Labels) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the sorted distinct labels, as ``pd.factorize(..., sort=True)`` gives.

    Labels given as codes into a few names (buckets, stages, collectors, customers) are
    ranked by name without hashing a string per invoice; names that repeat are merged
    by the factorisation instead.
    """
    if isinstance(labels, tuple):
        codes, names = labels
        present = _distinct(codes)
        shown = names[present]
        if len(set(shown.tolist())) == len(shown):
            order = present[np.argsort(shown, kind="stable")]
            rank = np.zeros(len(names), dtype="int64")
            rank[order] = np.arange(len(order))
            return rank[codes], names[order]
        labels = names[codes]
    key_code, keys = pd.factorize(np.asarray(labels, dtype=object), sort=True)
    return key_code, np.asarray(keys, dtype=object)


@dataclass(frozen=True)
class _Table:
    """Cents per (currency, label) group, in group order (currency, then label)."""

    cur: np.ndarray  # currency of each group
    key: np.ndarray  # label of each group
    cents: np.ndarray  # groups x columns 0..H+2 (weeks, Later, At risk, Credits)
    open: np.ndarray  # open balance of each group


def _grouped(al: _Allocation, labels: Labels) -> _Table:
    """Cents per (currency, label) in columns 0..H+2 (weeks, Later, At risk, Credits) + open.

    Sums run on integer group codes (exact int64, no string hashing per row beyond one
    factorisation), added up in place with ``np.add.at`` (a hashing groupby over the
    entries cost more than everything else here).
    """
    key_code, keys = _sorted_codes(labels)
    nkeys = max(len(keys), 1)
    grp = al.cur_code * nkeys + key_code
    groups, rank = _ranks(grp)
    cells = np.zeros(len(groups) * al.ncol, dtype="int64")
    np.add.at(cells, rank[al.row] * al.ncol + al.col, al.cents)
    opened = np.zeros(len(groups), dtype="int64")
    np.add.at(opened, rank, al.open)
    return _Table(
        cur=al.currencies[groups // nkeys],
        key=np.asarray(keys, dtype=object)[groups % nkeys],
        cents=cells.reshape(len(groups), al.ncol),
        open=opened,
    )


def _distinct(codes: np.ndarray) -> np.ndarray:
    """``np.unique`` of small integer codes, by counting instead of hashing."""
    if not len(codes):
        return codes.astype("int64")
    low = int(codes.min())
    return np.flatnonzero(np.bincount(codes - low)) + low


def _ranks(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of small integer ``codes`` in order, and each code's rank in
    them (``np.unique(codes, return_inverse=True)`` by counting, not by hashing)."""
    present = _distinct(codes)
    if not len(codes):
        return present, codes.astype("int64")
    rank = np.zeros(int(present[-1] - present[0]) + 1, dtype="int64")
    rank[present - present[0]] = np.arange(len(present))
    return present, rank[codes - present[0]]


def _frame(table: _Table, order: np.ndarray, dim: str, policy: Policy, as_of: date) -> pd.DataFrame:
    """The display frame of ``table``'s groups in ``order`` (money as units rounded to the
    cent)."""
    weeks = week_labels(as_of, policy.horizon_weeks)
    names = [*weeks, LATER, AT_RISK, CREDITS, OPEN]
    # Same conversion as money.units_series, on the whole cents matrix at once.
    cents = np.column_stack([table.cents[order], table.open[order]])
    units = (cents.astype("float64") / 100.0).round(2)
    columns = {
        CURRENCY: pd.Series(table.cur[order], dtype="str"),
        dim: pd.Series(table.key[order], dtype="str"),
    }
    return pd.DataFrame(columns | {name: units[:, i] for i, name in enumerate(names)})


def _ordered(table: _Table, order: list[str]) -> np.ndarray:
    """Groups by currency, then in the order of ``order`` (others after, by label)."""
    rank = {k: i for i, k in enumerate(order)}
    ranked = np.array([rank.get(k, len(order)) for k in table.key], dtype="float64")
    return sort_order(table.cur, ranked, table.key)


def _money_formats(frame: pd.DataFrame) -> dict[str, str]:
    return {c: "money" for c in frame.columns if frame[c].dtype.kind == "f"}


def _customer_labels(
    queue: pd.DataFrame, al: _Allocation, top: int
) -> tuple[np.ndarray, np.ndarray]:
    """Top customers per currency by open balance; everyone else is "Other customers".

    Ranked on integer codes (one factorisation of the customer id), labels built only
    for the distinct customers: "Name (id)", or the id when there is no name.
    """
    code, label = _sorted_factorize(_blank_text(queue[F.CUSTOMER_ID]))
    if F.CUSTOMER_NAME in queue.columns and len(label):
        first = np.full(len(label), len(code), dtype="int64")  # each customer's first row
        np.minimum.at(first, code, np.arange(len(code)))
        names = _blank_text(queue[F.CUSTOMER_NAME].iloc[first])
        label = np.where(names != "", names + " (" + label + ")", label)
    width = max(len(label), 1)
    pairs, rank = _ranks(al.cur_code * width + code)
    tot = np.zeros(len(pairs), dtype="int64")
    np.add.at(tot, rank, al.open)
    cur = pairs // width
    order = sort_order(cur, -tot, label[pairs % width])  # per currency, largest balance first
    cur = cur[order]
    first = np.flatnonzero(np.append(True, cur[1:] != cur[:-1]))  # where each currency starts
    place = np.arange(len(cur)) - np.repeat(first, np.diff(np.append(first, len(cur))))
    keep = pairs[order][place < top]
    shown = np.append(np.asarray(label, dtype=object), [OTHER_CUSTOMERS]).astype(object)
    return np.where(np.isin(pairs, keep)[rank], code, len(label)), shown


def _blank_text(col: pd.Series) -> np.ndarray:
    """``col.astype("str").fillna("")`` as an object array."""
    if isinstance(col.dtype, pd.StringDtype):
        return col.to_numpy(dtype=object, na_value="")
    return col.astype("str").fillna("").to_numpy(dtype=object)


def _sorted_factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)`` for values without missing ones: the few
    distinct values are sorted after hashing, and the codes renumbered by a lookup."""
    code, uniq = pd.factorize(values)
    order = np.argsort(np.asarray(uniq, dtype=object))
    rank = np.empty(len(order), dtype="int64")
    rank[order] = np.arange(len(order))
    return rank[code], np.asarray(uniq, dtype=object)[order]


def _by_open(table: _Table) -> np.ndarray:
    """Largest open balance first within each currency, "Other customers" last."""
    other = np.array([k == OTHER_CUSTOMERS for k in table.key], dtype=bool)
    return sort_order(table.cur, other, -table.open, table.key)


def _breakdown(
    al: _Allocation,
    title: str,
    dim: str,
    labels: Labels,
    order: list[str] | None,
    policy: Policy,
    as_of: date,
    note: str,
) -> Block:
    table = _grouped(al, labels)
    frame = _frame(
        table, _by_open(table) if order is None else _ordered(table, order), dim, policy, as_of
    )
    return Block(title, frame, _money_formats(frame), note)


def _text(queue: pd.DataFrame, col: str, blank: str) -> tuple[np.ndarray, np.ndarray]:
    """A text column as codes into its distinct values, ``blank`` for empty or missing."""
    if col not in queue.columns:
        return np.zeros(len(queue), dtype="int64"), np.array([blank], dtype=object)
    codes, uniques = pd.factorize(queue[col].astype("str").to_numpy())  # as objects: faster
    names = [str(u) if str(u) != "" else blank for u in uniques]
    return np.where(codes < 0, len(names), codes), np.array([*names, blank], dtype=object)


def _change_block(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    keys: changes.Keys | None,
    policy: Policy,
    as_of: date,
) -> Block:
    h = policy.horizon_weeks
    title = "Change since previous run"
    if previous.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="str") for c in ("Currency", "Reason")})
        empty["Invoices"] = pd.Series(dtype="int64")
        empty["Change"] = pd.Series(dtype="float64")
        note = "No previous run stored in this workbook: the change will show from the next run."
        return Block(title, empty, {"Change": "money", "Invoices": "int"}, note)
    table = changes.attribute_change(previous, current, keys)
    table["Change"] = units_series(table["Change"])
    before, after = changes.horizon_totals(previous), changes.horizon_totals(current)
    moves = "; ".join(
        f"{format_amount(before.get(c, 0), c)} -> {format_amount(after.get(c, 0), c)}"
        for c in sorted(set(before) | set(after))
    )
    prev_day = _day(pd.Timestamp(previous["as_of"].max()))
    note = (
        f"{h}-week expected cash, run of {prev_day} -> {_day(as_of)}: {moves}. "
        "Each invoice's change is counted under one reason."
    )
    return Block(title, table, {"Change": "money", "Invoices": "int"}, note)


def expected_cash_blocks(
    queue: pd.DataFrame,
    previous: pd.DataFrame,
    promises: pd.DataFrame,
    activity: pd.DataFrame,
    policy: Policy,
    as_of: date,
    basis: str,
    calibration: Calibration | None = None,
    current: pd.DataFrame | None = None,
) -> tuple[Block, ...]:
    """Build the Expected Cash sheet, top to bottom (see the module docstring).

    ``queue`` should already be forecast (it is forecast with the policy defaults when
    not); ``previous`` is the last run's snapshot (empty frame when none); ``basis`` says
    in plain words what the forecast rests on (policy defaults or a calibration). The
    ``calibration`` the queue was forecast with, when it spreads, spreads the weekly cash.
    ``current`` is this run's :func:`~dunning_core.snapshot.snapshot_frame` of ``queue``
    when the caller already has it (it is stored for the next run too).
    """
    if Q.EXPECTED_CENTS not in queue.columns:
        queue = forecast(queue, policy, as_of, calibration)
    queue = queue.reset_index(drop=True)
    if current is None:
        current = snapshot_frame(queue, as_of, policy.horizon_weeks)
    keys = None if previous.empty else changes.invoice_keys(previous, current)
    al = _allocate(queue, policy, as_of, calibration)
    b_idx = bucket_index(queue, policy)  # once, for the key figures and the breakdowns
    codes = BookCodes(al.cur_code, al.currencies, b_idx, al.week)
    figures = key_figures(queue, previous, promises, activity, policy, as_of, keys, codes)
    note = (
        f"As of {_day(as_of)}. Basis: {basis.strip().rstrip('.')}. "
        "Amounts per currency, never converted; percentages 0-100."
    )
    numbers = {c: "number" for c in figures.columns if c not in ("Measure", "Note")}
    numbers["Note"] = "wrap"  # long explanations wrap instead of widening a week column
    blocks = [Block("Key figures", figures, numbers, note)]

    # A "Scope" column keeps the week columns in the same sheet columns as the breakdowns
    # below (Currency, dimension, weeks...), so the sheet reads as one grid.
    everything = (np.zeros(len(queue), dtype="int64"), np.array(["All invoices"], dtype=object))
    table = _grouped(al, everything)
    weekly = _frame(table, np.arange(len(table.open)), "Scope", policy, as_of)
    weekly_note = (
        f"Expected collections per week (Monday to Sunday) from {_day(week_start(as_of))}; "
        f"Later = after week {policy.horizon_weeks}; At risk = disputed and legal balances "
        "plus the part of each invoice not expected to be collected; Credits = credit notes. "
        "Each row adds up to its open balance."
    )
    chart = tuple(week_labels(as_of, policy.horizon_weeks))
    blocks.append(Block("Weekly expected cash", weekly, _money_formats(weekly), weekly_note, chart))

    buckets = [b.label for b in policy.buckets]
    breakdowns: list[tuple[str, str, Labels, list[str] | None, str]] = [
        (
            "Expected cash by bucket",
            "Bucket",
            (b_idx, np.array(buckets, dtype=object)),
            buckets,
            "Aging bucket at the as-of date.",
        ),
        (
            "Expected cash by stage",
            "Stage",
            _text(queue, Q.STAGE_NAME, NOT_DUE),
            [NOT_DUE, *(s.name for s in policy.stages)],
            "Dunning stage of each invoice in this run.",
        ),
        (
            "Expected cash by collector",
            "Collector",
            _text(queue, F.OWNER, policy.default_owner),
            [],
            "Collector (owner) of each invoice.",
        ),
        (
            f"Top {policy.top_customers} customers",
            "Customer",
            _customer_labels(queue, al, policy.top_customers),
            None,
            "Largest open balances per currency; the rest under Other customers.",
        ),
    ]
    for title, dim, labels, order, note in breakdowns:
        blocks.append(_breakdown(al, title, dim, labels, order, policy, as_of, note))
    blocks.append(_change_block(current, previous, keys, policy, as_of))
    return tuple(blocks)
