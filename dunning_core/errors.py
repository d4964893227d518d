"""The one exception type a user sees: kept apart so the CLI can start without pandas.

The ``dunning`` command starts reading the workbook on a worker thread before it
imports the core (see :mod:`dunning_core.workbook.sheets_parse`); both it and that
thread need :class:`UserError`, and :mod:`dunning_core.records` (which re-exports
it) imports pandas.
"""

from __future__ import annotations


class UserError(Exception):
    """A failure the user can fix: printed as one clear message, never a traceback.

    The message names the file, sheet and cell where known and says what was expected.
    """

    exit_code = 2
