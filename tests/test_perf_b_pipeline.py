"""One Activity append per run: the rows come out as the per-stage appends made them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dunning_core import activity as act
from dunning_core.columns import A
from dunning_core.pipeline import run_cycle
from dunning_core.routing import routing_activity
from dunning_core.sample_book import SAMPLE_AS_OF, write_sample_book
from dunning_core.workbook.reader import read_book


def test_activity_is_what_one_append_per_stage_gave(tmp_path: Path) -> None:
    book = read_book(write_sample_book(tmp_path, fresh=True))
    result = run_cycle(book, SAMPLE_AS_OF)
    log = result.activity
    assert len(log) and log[A.ID].tolist() == [f"ACT-{i:06d}" for i in range(1, len(log) + 1)]
    kinds = log[A.TYPE].tolist()
    promised = [k for k in kinds if k.startswith("promise")]
    drafted = [k for k in kinds if k == "drafted"]
    assert promised and drafted  # the sample book makes both
    assert kinds[: len(promised)] == promised and kinds[len(kinds) - len(drafted) :] == drafted
    # the routing rows, appended on their own to the log without the drafts, are the same
    routed = routing_activity(result.queue, result.report.sheet, SAMPLE_AS_OF)
    again = act.append_activity(log[log[A.TYPE] != "drafted"], routed)
    pd.testing.assert_frame_equal(again, log[log[A.TYPE] != "drafted"].reset_index(drop=True))
