"""What changed since the previous run: the change attribution.

Each run stores one row per invoice in the hidden *Snapshot* sheet
(:mod:`dunning_core.snapshot`): enough state to explain, on the next run, why 13-week
expected cash moved. The explanation is an exact
partition: every invoice in either run gets exactly one reason, and its change
(current minus previous expected-in-horizon, in integer cents) goes to that reason, so
the reasons sum to the total change per currency to the cent.

Reasons, first match wins (for invoices in both runs):

* **New disputes**: disputed / at risk now, not before.
* **New promises**: a promise date now that differs from the previous one.
* **Paid / removed**: gone from the book, or its open balance went down (part payment).
* **Re-timing & aging**: same balance, dispute and promise state; only its expected
  date or probability moved (the passage of time: new bucket, lateness restarting).
* **Other**: the rest (dispute resolved, promise dropped, balance increased).

Invoices only in the current run are **New invoices**.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from dunning_core.money import cents_series

PAID: Final = "Paid / removed"
NEW: Final = "New invoices"
PROMISES: Final = "New promises"
DISPUTES: Final = "New disputes"
RETIMING: Final = "Re-timing & aging"
OTHER: Final = "Other"
TOTAL: Final = "Total change"
REASONS: Final = (PAID, NEW, PROMISES, DISPUTES, RETIMING, OTHER)
#: Columns of :func:`attribute_change` (money in integer cents).
CHANGE_COLUMNS: Final = ("Currency", "Reason", "Invoices", "Change")


#: Integer invoice keys of two snapshots: previous keys, current keys, currencies, span.
Keys = tuple[np.ndarray, np.ndarray, np.ndarray, int]


def invoice_keys(previous: pd.DataFrame, current: pd.DataFrame) -> Keys:
    """Integer keys of (currency, customer, invoice) shared by both snapshots.

    Factorising each text column once over both runs and combining the codes lets the
    grouping and the join run on int64 instead of hashing strings per row (1M invoices).
    Returns previous keys, current keys, the sorted currencies and the per-currency span.
    """
    n_prev = len(previous)
    parts = []
    for col in ("currency", "customer_id", "invoice_no"):
        both = pd.concat([previous[col], current[col]]).astype("str").to_numpy(dtype=object)
        codes, uniq = pd.factorize(both, sort=col == "currency")
        parts.append((codes.astype("int64"), max(len(uniq), 1), np.asarray(uniq, dtype=object)))
    (cur, _, currencies), (cust, n_cust, _), (inv, n_inv, _) = parts
    span = n_cust * n_inv
    key = cur * span + cust * n_inv + inv
    return key[:n_prev], key[n_prev:], currencies, span


def _per_invoice(snap: pd.DataFrame, key: np.ndarray) -> pd.DataFrame:
    """One row per invoice key (duplicates summed), amounts in integer cents."""
    s = pd.DataFrame(
        {
            "open": cents_series(snap["open"]).fillna(0).astype("int64").to_numpy(),
            "exp": cents_series(snap["expected_in_horizon"]).fillna(0).astype("int64").to_numpy(),
            "disputed": (snap["disputed"].astype(bool) | snap["at_risk"].astype(bool)).to_numpy(),
            "promise": pd.to_datetime(snap["promise_date"]).astype("datetime64[ns]").to_numpy(),
        }
    )
    return s.groupby(key, sort=True).agg(
        open=("open", "sum"),
        exp=("exp", "sum"),
        disputed=("disputed", "any"),
        promise=("promise", "max"),
    )


def attribute_change(
    previous: pd.DataFrame, current: pd.DataFrame, keys: Keys | None = None
) -> pd.DataFrame:
    """Change in expected-in-horizon cash by reason and currency (see module docstring).

    Returns ``CHANGE_COLUMNS`` with one row per currency and reason (all reasons, in
    :data:`REASONS` order, so the layout is stable) and a final ``TOTAL`` row per
    currency; ``Change`` is integer cents. The reason rows sum exactly to the total.
    ``keys`` are :func:`invoice_keys` of the same two frames, when already computed.
    """
    k_prev, k_cur, currencies, span = keys or invoice_keys(previous, current)
    prev, cur = _per_invoice(previous, k_prev), _per_invoice(current, k_cur)
    m = prev.add_suffix("_p").join(cur.add_suffix("_c"), how="outer")
    in_p, in_c = m["open_p"].notna(), m["open_c"].notna()
    exp_p = m["exp_p"].fillna(0).astype("int64")
    exp_c = m["exp_c"].fillna(0).astype("int64")
    both = in_p & in_c
    disp_p = m["disputed_p"].astype("boolean").fillna(False)
    disp_c = m["disputed_c"].astype("boolean").fillna(False)
    new_promise = m["promise_c"].notna() & (m["promise_c"] != m["promise_p"]).fillna(True)
    open_p, open_c = m["open_p"].fillna(0), m["open_c"].fillna(0)
    promise_dropped = m["promise_p"].notna() & m["promise_c"].isna()
    reason = np.select(
        [
            ~in_c,
            ~in_p,
            both & disp_c & ~disp_p,
            both & new_promise,
            both & (open_c < open_p),
            both & (open_c == open_p) & (disp_c == disp_p) & ~promise_dropped,
        ],
        [PAID, NEW, DISPUTES, PROMISES, PAID, RETIMING],
        default=OTHER,
    )
    delta = (exp_c - exp_p).to_numpy(dtype="int64")
    counted = (~both | (delta != 0)).to_numpy()
    f = pd.DataFrame(
        {
            "Currency": currencies[m.index.to_numpy(dtype="int64") // span],
            "Reason": reason,
            "Invoices": counted.astype("int64"),
            "Change": delta,
        }
    )
    rows = []
    for cur_code, part in f.groupby("Currency", sort=True):
        sums = part.groupby("Reason")[["Invoices", "Change"]].sum()
        sums = sums.reindex(list(REASONS), fill_value=0)
        inv = sums["Invoices"].to_numpy(dtype="int64")
        chg = sums["Change"].to_numpy(dtype="int64")
        for i, r in enumerate(REASONS):
            rows.append((cur_code, r, int(inv[i]), int(chg[i])))
        rows.append((cur_code, TOTAL, int(inv.sum()), int(chg.sum())))
    out = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    return out.astype({"Currency": "str", "Reason": "str", "Invoices": "int64", "Change": "int64"})


def horizon_totals(snap: pd.DataFrame) -> dict[str, int]:
    """Expected-in-horizon cash per currency, integer cents (for the block's note)."""
    if snap.empty:
        return {}
    cents = cents_series(snap["expected_in_horizon"]).fillna(0).astype("int64")
    return {str(k): int(v) for k, v in cents.groupby(snap["currency"].astype("str")).sum().items()}
