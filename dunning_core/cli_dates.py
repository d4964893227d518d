"""Date arguments of the command line, parsed one way for every command."""

from __future__ import annotations

import argparse
from datetime import date


def parse_date(text: str) -> date:
    """An ISO date argument; anything else is argparse's clean usage error.

    >>> parse_date("2026-11-23")
    datetime.date(2026, 11, 23)
    """
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None
