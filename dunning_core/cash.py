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

from datetime import date
from typing import Final

import numpy as np
import pandas as pd

from dunning_core import changes
from dunning_core.columns import F, Q
from dunning_core.forecast import bucket_index, forecast, week_index, week_labels, week_start
from dunning_core.kpis import key_figures
from dunning_core.money import format_amount, units_series
from dunning_core.policy import Policy
from dunning_core.records import Block

LATER: Final = "Later"
AT_RISK: Final = "At risk"
CREDITS: Final = "Credits"
OPEN: Final = "Open balance"
CURRENCY: Final = "Currency"
NOT_DUE: Final = "Not yet due"
OTHER_CUSTOMERS: Final = "Other customers"
_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def _day(d: date | pd.Timestamp) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _grouped(queue: pd.DataFrame, labels: np.ndarray, policy: Policy, as_of: date) -> pd.DataFrame:
    """Cents per (currency, label) and column 0..H+2 (weeks, Later, At risk, Credits) + open."""
    h = policy.horizon_weeks
    open_c = queue[F.OPEN_CENTS].to_numpy(dtype="int64")
    exp = queue[Q.EXPECTED_CENTS].to_numpy(dtype="int64")
    credit = open_c < 0
    wk = week_index(queue[Q.EXPECTED_DATE], as_of, h)
    cur = queue[F.CURRENCY].astype("str").to_numpy()
    long = pd.DataFrame(
        {
            "cur": np.concatenate([cur, cur]),
            "key": np.concatenate([labels, labels]),
            "col": np.concatenate([np.where(credit, h + 2, wk), np.full(len(cur), h + 1)]),
            "amt": np.concatenate(
                [np.where(credit, open_c, exp), np.where(credit, 0, open_c - exp)]
            ),
        }
    )
    wide = (
        long.groupby(["cur", "key", "col"], sort=True)["amt"]
        .sum()
        .unstack("col", fill_value=0)
        .reindex(columns=range(h + 3), fill_value=0)
    )
    opened = pd.DataFrame({"cur": cur, "key": labels, "open": open_c})
    wide["open"] = opened.groupby(["cur", "key"], sort=True)["open"].sum()
    return wide.astype("int64")


def _frame(wide: pd.DataFrame, dim: str | None, policy: Policy, as_of: date) -> pd.DataFrame:
    """Turn a cents table into the display frame (money as units rounded to the cent)."""
    weeks = week_labels(as_of, policy.horizon_weeks)
    names = [*weeks, LATER, AT_RISK, CREDITS]
    out = pd.DataFrame({CURRENCY: wide.index.get_level_values("cur").astype("str")})
    if dim is not None:
        out[dim] = wide.index.get_level_values("key").astype("str")
    # Same conversion as money.units_series, on the whole cents matrix at once.
    units = (wide[[*range(len(names)), "open"]].to_numpy(dtype="float64") / 100.0).round(2)
    money = pd.DataFrame(units, columns=[*names, OPEN])
    return pd.concat([out, money], axis=1)


def _ordered(wide: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    rank = {k: i for i, k in enumerate(order)}
    keys = wide.index.to_frame(index=False)
    keys["rank"] = keys["key"].map(rank).fillna(len(order))
    pos = keys.sort_values(["cur", "rank", "key"], kind="stable").index
    return wide.iloc[pos.to_numpy()]


def _money_formats(frame: pd.DataFrame) -> dict[str, str]:
    return {c: "money" for c in frame.columns if frame[c].dtype.kind == "f"}


def _customer_labels(queue: pd.DataFrame, top: int) -> np.ndarray:
    """Top customers per currency by open balance; everyone else is "Other customers"."""
    ids = queue[F.CUSTOMER_ID].astype("str").fillna("").to_numpy(dtype=object)
    label = ids
    if F.CUSTOMER_NAME in queue.columns:
        names = queue[F.CUSTOMER_NAME].astype("str").fillna("").to_numpy(dtype=object)
        label = np.where(names != "", names + " (" + ids + ")", ids)
    cur = queue[F.CURRENCY].astype("str").to_numpy(dtype=object)
    tot = pd.DataFrame({"cur": cur, "key": label, "open": queue[F.OPEN_CENTS].to_numpy()})
    tot = tot.groupby(["cur", "key"], sort=True)["open"].sum().reset_index()
    tot = tot.sort_values(["cur", "open", "key"], ascending=[True, False, True], kind="stable")
    keep = tot[tot.groupby("cur").cumcount() < top]
    is_top = pd.MultiIndex.from_arrays([cur, label]).isin(
        pd.MultiIndex.from_arrays([keep["cur"], keep["key"]])
    )
    return np.where(is_top, label, OTHER_CUSTOMERS)


def _by_open(wide: pd.DataFrame) -> pd.DataFrame:
    """Largest open balance first within each currency, "Other customers" last."""
    keys = wide.index.to_frame(index=False)
    keys["other"] = keys["key"] == OTHER_CUSTOMERS
    keys["neg"] = -wide["open"].to_numpy()
    pos = keys.sort_values(["cur", "other", "neg", "key"], kind="stable").index
    return wide.iloc[pos.to_numpy()]


def _breakdown(
    queue: pd.DataFrame,
    title: str,
    dim: str,
    labels: np.ndarray,
    order: list[str] | None,
    policy: Policy,
    as_of: date,
    note: str,
) -> Block:
    wide = _grouped(queue, labels, policy, as_of)
    wide = _by_open(wide) if order is None else _ordered(wide, order)
    frame = _frame(wide, dim, policy, as_of)
    return Block(title, frame, _money_formats(frame), note)


def _change_block(
    queue: pd.DataFrame, previous: pd.DataFrame, policy: Policy, as_of: date
) -> Block:
    h = policy.horizon_weeks
    title = "Change since previous run"
    if previous.empty:
        empty = pd.DataFrame({c: pd.Series(dtype="str") for c in ("Currency", "Reason")})
        empty["Invoices"] = pd.Series(dtype="int64")
        empty["Change"] = pd.Series(dtype="float64")
        note = "No previous run stored in this workbook: the change will show from the next run."
        return Block(title, empty, {"Change": "money", "Invoices": "int"}, note)
    current = changes.snapshot_frame(queue, as_of, h)
    table = changes.attribute_change(previous, current)
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
) -> tuple[Block, ...]:
    """Build the Expected Cash sheet, top to bottom (see the module docstring).

    ``queue`` should already be forecast (it is forecast with the policy defaults when
    not); ``previous`` is the last run's snapshot (empty frame when none); ``basis`` says
    in plain words what the forecast rests on (policy defaults or a calibration).
    """
    if Q.EXPECTED_CENTS not in queue.columns:
        queue = forecast(queue, policy, as_of)
    queue = queue.reset_index(drop=True)
    key = key_figures(queue, previous, promises, activity, policy, as_of)
    note = (
        f"As of {_day(as_of)}. Basis: {basis.strip().rstrip('.')}. "
        "Amounts per currency, never converted; percentages 0-100."
    )
    numbers = {c: "number" for c in key.columns if c not in ("Measure", "Note")}
    blocks = [Block("Key figures", key, numbers, note)]

    weeks = week_labels(as_of, policy.horizon_weeks)
    weekly = _frame(
        _grouped(queue, np.full(len(queue), "", dtype=object), policy, as_of), None, policy, as_of
    )
    blocks.append(
        Block(
            "Weekly expected cash",
            weekly,
            _money_formats(weekly),
            f"Expected collections per week (Monday to Sunday) from {_day(week_start(as_of))}; "
            f"Later = after week {policy.horizon_weeks}; At risk = disputed and legal balances "
            "plus the part of each invoice not expected to be collected; Credits = credit notes. "
            "Each row adds up to its open balance.",
            tuple(weeks),
        )
    )

    buckets = [b.label for b in policy.buckets]
    b_labels = np.array(buckets, dtype=object)[bucket_index(queue, policy)]
    blocks.append(
        _breakdown(
            queue,
            "Expected cash by bucket",
            "Bucket",
            b_labels,
            buckets,
            policy,
            as_of,
            "Aging bucket at the as-of date.",
        )
    )
    stage = (
        queue[Q.STAGE_NAME].astype("str").fillna("")
        if Q.STAGE_NAME in queue.columns
        else (pd.Series("", index=queue.index))
    )
    s_labels = stage.where(stage != "", NOT_DUE).to_numpy(dtype=object)
    blocks.append(
        _breakdown(
            queue,
            "Expected cash by stage",
            "Stage",
            s_labels,
            [NOT_DUE, *(s.name for s in policy.stages)],
            policy,
            as_of,
            "Dunning stage of each invoice in this run.",
        )
    )
    owner = (
        queue[F.OWNER].astype("str").fillna("")
        if F.OWNER in queue.columns
        else (pd.Series("", index=queue.index))
    )
    o_labels = owner.where(owner != "", policy.default_owner).to_numpy(dtype=object)
    blocks.append(
        _breakdown(
            queue,
            "Expected cash by collector",
            "Collector",
            o_labels,
            [],
            policy,
            as_of,
            "Collector (owner) of each invoice.",
        )
    )
    c_labels = _customer_labels(queue, policy.top_customers)
    blocks.append(
        _breakdown(
            queue,
            f"Top {policy.top_customers} customers",
            "Customer",
            c_labels,
            None,
            policy,
            as_of,
            "Largest open balances per currency; the rest under Other customers.",
        )
    )
    blocks.append(_change_block(queue, previous, policy, as_of))
    return tuple(blocks)
