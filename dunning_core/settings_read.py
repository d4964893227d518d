"""Reading the Settings sheet back into a frozen policy.

Tables are found by their title cell and the header row under it, wherever the
collector moved them; every value goes through the converter its knob declares
(``dunning_core.settings``), and an invalid cell becomes a problem naming it while
the default stays in force, so a typo in Settings cannot stop the weekly run.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import Any

from dunning_core.columns import ALL_FIELDS
from dunning_core.policy import Bucket, ExclusionRule, Policy, PriorityWeights, Stage
from dunning_core.records import Problem, RawSheet, Severity
from dunning_core.settings import (
    BUCKET_HEADERS,
    GENERAL,
    KNOB_HEADERS,
    MAPPING_HEADERS,
    RULE_HEADERS,
    SENDER,
    SHEET,
    STAGE_HEADERS,
    T_BUCKETS,
    T_GENERAL,
    T_MAPPING,
    T_RULES,
    T_SENDER,
    T_STAGES,
    T_WEIGHTS,
    TITLES,
    WEIGHTS,
    Knob,
    to_int,
    to_nonneg_int,
    to_opt_text,
    to_share,
    to_text,
    to_yes_no,
)
from dunning_core.sheetaddr import cell_address


@dataclass(frozen=True)
class _Table:
    """A table found on the sheet: its header row and data rows with their positions."""

    header_row: int  # 0-based index into raw.rows
    col0: int  # 0-based index of the first header cell
    rows: tuple[tuple[int, tuple[Any, ...]], ...]  # (0-based row index, values)


def _norm(v: Any) -> str:
    return "" if v is None else " ".join(str(v).split()).lower()


def _find_tables(raw: RawSheet) -> dict[str, _Table]:
    """Locate each known table by its title cell and the header row under it."""
    expected = {
        T_GENERAL: KNOB_HEADERS,
        T_SENDER: KNOB_HEADERS,
        T_BUCKETS: BUCKET_HEADERS,
        T_STAGES: STAGE_HEADERS,
        T_RULES: RULE_HEADERS,
        T_WEIGHTS: KNOB_HEADERS,
        T_MAPPING: MAPPING_HEADERS,
    }
    rows = [list(r) for r in raw.rows]
    found: dict[str, _Table] = {}
    titles = {t.lower(): t for t in TITLES}
    i = 0
    while i < len(rows):
        row = rows[i]
        first = next((j for j, v in enumerate(row) if _norm(v)), None)
        title = titles.get(_norm(row[first])) if first is not None else None
        if title is None or title in found:
            i += 1
            continue
        want = [h.lower() for h in expected[title]]
        for h in range(i + 1, min(i + 4, len(rows))):
            cells = [_norm(v) for v in rows[h]]
            if want[0] in cells:
                c0 = cells.index(want[0])
                if cells[c0 : c0 + len(want)] == want:
                    data = []
                    r = h + 1
                    while r < len(rows) and any(_norm(v) for v in rows[r][c0 : c0 + len(want)]):
                        if _norm(rows[r][c0]) in titles:
                            break
                        vals = tuple(rows[r][c0 : c0 + len(want)]) + (None,) * len(want)
                        data.append((r, vals[: len(want)]))
                        r += 1
                    found[title] = _Table(h, c0, tuple(data))
                    i = r
                    break
        else:
            i += 1
    return found


class _Reader:
    """Collects problems while converting cells; keeps addresses right."""

    def __init__(self, raw: RawSheet) -> None:
        self.raw = raw
        self.problems: list[Problem] = []

    def addr(self, r: int, c: int) -> str:
        return cell_address(self.raw.first_row + r, self.raw.first_col + c)

    def convert(
        self, fn: Callable[[Any], Any], value: Any, r: int, c: int, field: str, default: Any
    ) -> Any:
        try:
            if value is None or (isinstance(value, str) and not value.strip()):
                if fn in (to_opt_text,):
                    return ""
                raise ValueError("the cell is empty")
            return fn(value)
        except (ValueError, TypeError, ArithmeticError) as e:
            self.problems.append(
                Problem(
                    SHEET,
                    self.addr(r, c),
                    field,
                    "" if value is None else str(value),
                    f"Invalid setting ({e}); the default {default!r} is used.",
                    Severity.ERROR,
                )
            )
            return default


def _read_knobs(rd: _Reader, t: _Table | None, knobs: Sequence[Knob], obj: Any) -> Any:
    if t is None:
        return obj
    by_label = {k.label.lower(): k for k in knobs}
    changes = {}
    for r, vals in t.rows:
        k = by_label.get(_norm(vals[0]))
        if k is None:
            continue
        default = getattr(obj, k.attr)
        changes[k.attr] = rd.convert(k.parse, vals[1], r, t.col0 + 1, k.label, default)
    return replace(obj, **changes)


def policy_from_sheet(
    raw: RawSheet | None, base: Policy | None = None
) -> tuple[Policy, list[Problem]]:
    """Read the Settings sheet into a policy; missing tables keep the defaults.

    List tables (buckets, stages, rules) replace the defaults only when every row
    parses; otherwise the defaults stay and each bad cell is reported, because a
    half-read stage ladder would silently change who gets chased.
    """
    policy = base or Policy()
    if raw is None:
        return policy, []
    rd = _Reader(raw)
    tables = _find_tables(raw)
    policy = _read_knobs(rd, tables.get(T_GENERAL), GENERAL, policy)
    policy = replace(policy, sender=_read_knobs(rd, tables.get(T_SENDER), SENDER, policy.sender))
    weights = _read_knobs(rd, tables.get(T_WEIGHTS), WEIGHTS, policy.weights)
    if sum(getattr(weights, f.name) for f in fields(PriorityWeights) if f.name != "days_cap") <= 0:
        rd.problems.append(
            Problem(
                SHEET,
                "",
                T_WEIGHTS,
                "0",
                "Priority weights add up to 0; the default weights are used.",
                Severity.ERROR,
            )
        )
        weights = policy.weights
    policy = replace(policy, weights=weights)
    policy = _read_list(rd, tables.get(T_BUCKETS), _bucket, "buckets", policy, _check_buckets)
    policy = _read_list(rd, tables.get(T_STAGES), _stage, "stages", policy, _check_stages)
    policy = _read_list(rd, tables.get(T_RULES), _rule, "exclusions", policy, _check_rules)
    mapping = tables.get(T_MAPPING)
    if mapping is not None:
        pins = {}
        for r, vals in mapping.rows:
            field, header = to_opt_text(vals[0]), to_opt_text(vals[1])
            if not header:
                continue
            if field not in ALL_FIELDS:
                rd.problems.append(
                    Problem(
                        SHEET,
                        rd.addr(r, mapping.col0),
                        "Header mapping",
                        field,
                        f"Unknown field {field!r}; expected one of: " + ", ".join(ALL_FIELDS) + ".",
                        Severity.ERROR,
                    )
                )
                continue
            pins[field] = header
        policy = replace(policy, header_overrides=MappingProxyType(pins))
    return policy, rd.problems


Row = tuple[Any, ...]


def _bucket(rd: _Reader, r: int, c0: int, v: Row) -> Bucket:
    hi = (
        None
        if v[2] is None or str(v[2]).strip() == ""
        else rd.convert(to_int, v[2], r, c0 + 2, "To days", None)
    )
    return Bucket(
        rd.convert(to_text, v[0], r, c0, "Label", "?"),
        rd.convert(to_int, v[1], r, c0 + 1, "From days", 0),
        hi,
        rd.convert(to_share, v[3], r, c0 + 3, "Collect probability", 0.0),
        rd.convert(to_nonneg_int, v[4], r, c0 + 4, "Lateness days", 0),
    )


def _stage(rd: _Reader, r: int, c0: int, v: Row) -> Stage:
    return Stage(
        rd.convert(to_text, v[0], r, c0, "Key", "?"),
        rd.convert(to_text, v[1], r, c0 + 1, "Name", "?"),
        rd.convert(to_int, v[2], r, c0 + 2, "From days", 0),
        rd.convert(to_nonneg_int, v[3], r, c0 + 3, "Cadence days", 7),
        rd.convert(to_opt_text, v[4], r, c0 + 4, "Action", ""),
        rd.convert(to_yes_no, v[5], r, c0 + 5, "Drafts", True),
        rd.convert(to_opt_text, v[6], r, c0 + 6, "Template", ""),
    )


def _rule(rd: _Reader, r: int, c0: int, v: Row) -> ExclusionRule:
    return ExclusionRule(
        rd.convert(to_text, v[0], r, c0, "Code", "?").upper(),
        rd.convert(to_yes_no, v[1], r, c0 + 1, "Enabled", True),
        rd.convert(to_opt_text, v[2], r, c0 + 2, "Route to", ""),
        rd.convert(to_opt_text, v[3], r, c0 + 3, "Reason", ""),
    )


def _check_buckets(items: Sequence[Bucket]) -> str:
    for a, b in itertools.pairwise(items):
        if a.max_days is None or b.min_days != a.max_days + 1:
            return f"bucket {b.label!r} must start the day after {a.label!r} ends"
    if items and items[-1].max_days is not None:
        return "the last bucket must have a blank To days (no upper end)"
    return ""


def _check_stages(items: Sequence[Stage]) -> str:
    keys = [s.key for s in items]
    if len(set(keys)) != len(keys):
        return "stage keys must be unique"
    if any(a.min_days >= b.min_days for a, b in itertools.pairwise(items)):
        return "stages must be in increasing From days order"
    return ""


def _check_rules(items: Sequence[ExclusionRule]) -> str:
    """Every rule code must be one the queue knows, and every known rule present.

    A mistyped code (DISPUTE for DISPUTED) would silently switch a rule off and let
    a disputed invoice be dunned; a deleted row would do the same.
    """
    from dunning_core.exclusions import KNOWN_CODES

    codes = [r.code for r in items]
    unknown = [c for c in codes if c not in KNOWN_CODES]
    if unknown:
        return f"unknown code(s) {', '.join(unknown)} (known: {', '.join(KNOWN_CODES)})"
    missing = [c for c in KNOWN_CODES if c not in codes]
    if missing:
        return (
            f"code(s) {', '.join(missing)} missing; keep every rule and set Enabled to "
            "No to switch one off"
        )
    return ""


def _read_list(
    rd: _Reader,
    t: _Table | None,
    make: Callable[[_Reader, int, int, Row], Any],
    attr: str,
    policy: Policy,
    check: Callable[[Sequence[Any]], str] | None,
) -> Policy:
    if t is None or not t.rows:
        return policy
    before = len(rd.problems)
    items = tuple(make(rd, r, t.col0, v) for r, v in t.rows)
    if len(rd.problems) > before:
        rd.problems.append(
            Problem(
                SHEET,
                rd.addr(t.header_row, t.col0),
                attr,
                "",
                f"The {attr} table has invalid cells; the default {attr} "
                "are used until they are fixed.",
                Severity.ERROR,
            )
        )
        return policy
    msg = check(items) if check else ""
    if msg:
        rd.problems.append(
            Problem(
                SHEET,
                rd.addr(t.header_row, t.col0),
                attr,
                "",
                f"Invalid {attr} table: {msg}; the defaults are used.",
                Severity.ERROR,
            )
        )
        return policy
    changes: dict[str, Any] = {attr: items}
    return replace(policy, **changes)
