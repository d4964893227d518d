"""The command line: every command has help; user errors are one clear line, exit 2."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from dunning_core.cli import EXIT_USER, build_parser, main


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def test_expected_commands_exist() -> None:
    assert {"run", "check", "log-sent", "demo", "export-drafts", "backtest"} <= set(_commands())


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: dunning {command}")
    assert len(out.splitlines()) > 3


def test_missing_book_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.xlsx"
    assert main(["run", str(missing)]) == EXIT_USER
    err = capsys.readouterr().err
    assert err.startswith("dunning: error: ")
    assert "nope.xlsx" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_as_of_date_is_reported_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "book.xlsx", "--as-of", "23/11/2026"])
    assert exc.value.code == 2
    assert "expected a date as YYYY-MM-DD, got '23/11/2026'" in capsys.readouterr().err


def test_only_the_console_command_tunes_the_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from dunning_core import cli
    from dunning_core.sample_book import SAMPLE_AS_OF, write_sample_book

    calls: list[str] = []
    monkeypatch.setattr(cli.gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(cli.gc, "set_threshold", lambda *a: calls.append(f"threshold {a}"))
    book = write_sample_book(tmp_path)
    argv = ["run", str(book), "--as-of", SAMPLE_AS_OF.isoformat(), "--dry-run"]
    threshold = gc.get_threshold()
    assert main(argv) == 0 and calls == []  # tests (and other callers) keep the defaults
    assert gc.get_threshold() == threshold
    assert main(argv, batch=True) == 0
    assert calls == ["freeze", "threshold (50000, 20, 20)"]


def test_the_book_is_parsed_before_pandas_is_imported(tmp_path: Path) -> None:
    """The command starts the parse on a thread and then imports pandas and the core,
    so the two overlap (:mod:`dunning_core.workbook.sheets_parse`). Anything that
    imports pandas before the parse starts (the argument parser did, through the
    backtest command's module: 0.3 s at 100k rows) takes that overlap away."""
    import subprocess
    import sys

    from dunning_core.sample_book import write_sample_book

    book = write_sample_book(tmp_path)
    probe = (
        "import sys\n"
        "import dunning_core.cli as cli\n"
        "args = cli.build_parser().parse_args(['run', sys.argv[1]])\n"
        "prefetch = cli._prefetch(args)\n"
        "print(prefetch is not None, 'pandas' in sys.modules, 'numpy' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(book)], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "False", "False"]
