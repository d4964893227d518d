"""Routing's integer grouping gives what ``groupby([customer, currency]).first()`` gives."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from dunning_core.columns import A, F, Q
from dunning_core.routing import _first, _groups, routing_activity


def test_groups_and_first_match_pandas_groupby() -> None:
    frame = pd.DataFrame(
        {
            "c": pd.Series(["B", "A", "B", "A", "C", "A"], dtype="str"),
            "k": pd.Series(["USD", "EUR", "USD", "USD", "EUR", "EUR"], dtype="str"),
            "v": pd.Series([None, "x", "y", "z", None, "w"], dtype="str"),
        }
    )
    group, cust, cur = _groups(frame["c"], frame["k"])
    g = frame.groupby(["c", "k"], sort=True)
    assert group.tolist() == g.ngroup().tolist()
    assert list(zip(cust, cur, strict=True)) == list(g.first().index)
    got = _first(frame["v"], group, len(cust))
    want = g["v"].first().to_numpy(dtype=object)
    assert [None if pd.isna(x) else x for x in got] == [None if pd.isna(x) else x for x in want]


def test_escalated_rows_per_customer_and_currency() -> None:
    queue = pd.DataFrame(
        {
            F.ROW: [5, 6, 7, 8],
            F.CUSTOMER_ID: pd.Series(["C2", "C1", "C2", "C1"], dtype="str"),
            F.CUSTOMER_NAME: pd.Series(["Two", "One", "Two", "One"], dtype="str"),
            F.INVOICE_NO: pd.Series(["I1", "I2", "I3", "I4"], dtype="str"),
            F.CURRENCY: pd.Series(["USD", "EUR", "USD", "EUR"], dtype="str"),
            F.OPEN_CENTS: np.array([100, 250, 5, 1], dtype="int64"),
            Q.STAGE: pd.Series(["escalation", "escalation", "escalation", "reminder"], dtype="str"),
            Q.EXCLUDED: [False, False, False, False],
            Q.EXCLUSION_CODE: pd.Series(["", "", "", "DISPUTED"], dtype="str"),
            Q.EXCLUSION_REASON: pd.Series(["", "", "", "Disputed"], dtype="str"),
            Q.ROUTED_TO: pd.Series(["Ann", "Bo", "Ann", "Bo"], dtype="str"),
            Q.NEXT_ACTION: pd.Series(["Call", "Letter", "Call", ""], dtype="str"),
        }
    )
    out = routing_activity(queue, "AR Aging", date(2026, 11, 23))
    assert out[A.TYPE].tolist() == ["dispute routed", "escalated", "escalated"]
    assert out[A.REFERENCE].tolist() == ["DISPUTE-I4", "ESC-C1-EUR", "ESC-C2-USD"]
    assert out[A.INVOICES].tolist() == ["I4", "I2", "I1, I3"]
    assert out[A.AMOUNT].tolist() == [0.01, 2.5, 1.05]
    assert out[A.DETAIL].tolist()[0] == "Disputed ('AR Aging'!A8)"
    reached = "Escalation stage reached: "
    assert out[A.DETAIL].tolist()[1:] == [reached + "Letter", reached + "Call"]
