"""Backtest: score definitions, the book at a date, no look-ahead, the IBM goal, the CLI."""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dunning_core import backtest
from dunning_core.backtest import Backtest, book_at, run
from dunning_core.cli_backtest import register
from dunning_core.columns import F, Q
from dunning_core.history import SETTLED_DATE, read_history
from dunning_core.records import UserError

IBM = Path(__file__).resolve().parents[2] / "shared" / "data" / "ibm_late_payment_history.csv"


def synthetic(late: int = 0, n: int = 80) -> pd.DataFrame:
    """One invoice every 3 days, 30-day terms, each settled ``late`` days after due."""
    inv = pd.date_range("2024-01-01", periods=n, freq="3D")
    return pd.DataFrame(
        {
            F.ROW: range(2, n + 2),
            F.CUSTOMER_ID: [f"C{i % 4}" for i in range(n)],
            F.INVOICE_NO: [str(i) for i in range(n)],
            F.INVOICE_DATE: inv,
            F.DUE_DATE: inv + pd.Timedelta(days=30),
            F.ORIGINAL_CENTS: np.arange(n, dtype="int64") * 100 + 1000,
            SETTLED_DATE: inv + pd.Timedelta(days=30 + late),
            F.DISPUTED: False,
            F.SEGMENT: "",
            F.CURRENCY: "USD",
        }
    )


@pytest.fixture(scope="module")
def ibm() -> pd.DataFrame:
    if not IBM.is_file():
        pytest.skip("shared IBM sample not available")
    return read_history(IBM)[0]


@pytest.fixture(scope="module")
def ibm_result(ibm: pd.DataFrame) -> tuple[Backtest, float]:
    t = time.perf_counter()
    result = run(ibm)
    return result, time.perf_counter() - t


def test_scores_follow_the_documented_definition() -> None:
    bt = Backtest(
        dates=(date(2025, 1, 5), date(2025, 1, 12)),
        weeks=2,
        forecast={"m": np.array([[1.0, 2.0], [3.0, 0.0]])},
        actual=np.array([[2.0, 2.0], [1.0, 1.0]]),
    )
    assert bt.horizons() == (1, 2)
    s = bt.scores()["m"]
    # horizon 1: |1-2| + |3-1| = 3 over 3;  horizon 2: (1+0+2+1) = 4 over 6
    assert s[1] == {"wape": 1.0, "bias": round(1 / 3, 4)}
    assert s[2] == {"wape": round(4 / 6, 4), "bias": round(0 / 6, 4)}
    assert list(bt.table().columns) == ["model", "WAPE 1w", "bias 1w", "WAPE 2w", "bias 2w"]


def test_book_at_holds_issued_and_unsettled_invoices() -> None:
    h = synthetic(late=5)
    d = date(2024, 3, 1)
    book = book_at(h, d)
    ts = pd.Timestamp(d)
    expect = h[(h[F.INVOICE_DATE] <= ts) & (h[SETTLED_DATE] > ts)]
    assert list(book.index) == list(expect.index)
    assert SETTLED_DATE not in book.columns  # the future is not part of the book
    assert (book[F.OPEN_CENTS] == expect[F.ORIGINAL_CENTS]).all()
    assert (book[Q.DAYS_PAST_DUE] == (ts - book[F.DUE_DATE]).dt.days).all()
    assert set(book[Q.BUCKET]) <= {"Current", "1-30"}


def test_naive_is_exact_when_everyone_pays_on_the_due_date() -> None:
    result = run(synthetic(late=0))
    s = result.scores()
    assert all(s["naive"][h]["wape"] == 0.0 for h in (1, 4, 13))
    # actual cash per date never exceeds the open book
    for d, actual in zip(result.dates, result.actual, strict=True):
        assert actual.sum() <= book_at(synthetic(late=0), d)[F.OPEN_CENTS].sum()


def test_calibrated_learns_a_steady_delay_the_naive_model_misses() -> None:
    s = run(synthetic(late=10)).scores()
    assert s["calibrated"][4]["wape"] < 0.5 * s["naive"][4]["wape"]


def test_forecasts_up_to_d_ignore_history_after_d() -> None:
    h = synthetic(late=8)
    cut = date(2024, 6, 1)
    later = h.copy()
    after = later[SETTLED_DATE] > pd.Timestamp(cut)
    later.loc[after, SETTLED_DATE] += pd.Timedelta(days=17)
    issued_after = later[F.INVOICE_DATE] > pd.Timestamp(cut)
    later.loc[issued_after, F.ORIGINAL_CENTS] *= 7
    a = run(h, date(2024, 4, 1), cut)
    b = run(later, date(2024, 4, 1), cut)
    for model in backtest.MODELS:
        np.testing.assert_array_equal(a.forecast[model], b.forecast[model])


def test_ibm_calibrated_beats_naive_by_35_percent_at_4_weeks(
    ibm_result: tuple[Backtest, float],
) -> None:
    result, seconds = ibm_result
    s = result.scores()
    assert s["calibrated"][4]["wape"] <= 0.65 * s["naive"][4]["wape"]
    assert abs(s["calibrated"][13]["bias"]) < 0.05
    assert 0.5 <= result.coverage(4) <= 1.0
    assert len(result.dates) == 80
    assert seconds < 60  # a few seconds on an idle machine; a generous bound for CI load


def test_empty_period_and_bad_horizon_are_user_errors(ibm: pd.DataFrame) -> None:
    with pytest.raises(UserError, match=r"^backtest period is empty: from 2015-01-01"):
        run(ibm, start=date(2015, 1, 1))
    with pytest.raises(UserError, match=r"^--horizon must be at least 1 week, got 0$"):
        run(ibm, weeks=0)


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "img" / "bt.png"
    dates = tuple(date(2025, 1, 5 + 7 * i) for i in range(4))
    fc = {m: np.full((4, 2), 100.0 + i) for i, m in enumerate(backtest.MODELS)}
    bt = Backtest(dates, 2, fc, np.full((4, 2), 101.0), {1: np.ones(4), 2: np.ones(4)})
    backtest.plot(bt, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _to_csv(h: pd.DataFrame, path: Path) -> None:
    """Write a history as a CSV with M/D/YYYY due dates and amounts in currency units."""
    h.assign(
        **{F.DUE_DATE: h[F.DUE_DATE].dt.strftime("%m/%d/%Y"), "amount": h[F.ORIGINAL_CENTS] / 100}
    ).drop(columns=[F.ORIGINAL_CENTS, F.ROW]).to_csv(path, index=False)


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dunning")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_cli_json_has_every_model_and_horizon(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "paid.csv"
    _to_csv(synthetic(late=4), path)
    period = ["--from", "2024-04-01", "--to", "2024-04-29"]
    assert _cli(["backtest", str(path), "--json", "--horizon", "4", *period]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == list(backtest.MODELS)
    assert list(data["naive"]) == ["1", "4"]
    assert set(data["calibrated"]["4"]) == {"wape", "bias"}


def test_cli_text_table_and_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    csv_path, path = tmp_path / "paid.csv", tmp_path / "book.xlsx"
    _to_csv(synthetic(late=4), csv_path)
    wb = openpyxl.Workbook()
    wb.active.title = "Aging"
    sheet = wb.create_sheet("Paid History")
    for row in pd.read_csv(csv_path, dtype=str).itertuples(index=False):
        sheet.append(list(row))
    sheet.insert_rows(1)
    for col, name in enumerate(pd.read_csv(csv_path, nrows=0).columns, start=1):
        sheet.cell(1, col, name)
    wb.save(path)
    period = ["--from", "2024-04-01", "--to", "2024-04-29"]
    assert _cli(["backtest", str(path), *period]) == 0  # the 'Paid History' sheet, not the first
    out = capsys.readouterr().out
    assert "WAPE (lower is better) and bias (+ = forecast too high) over weeks 1..H:" in out
    assert out.count("%") >= 24
    assert "At 4 weeks the calibrated WAPE is" in out
    assert "5 weekly as-of dates, 2024-04-01 to 2024-04-29." in out
    with pytest.raises(
        UserError, match=r"nope.csv: file not found \(expected a paid history CSV or workbook\)$"
    ):
        _cli(["backtest", str(tmp_path / "nope.csv")])
