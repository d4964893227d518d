"""File-mode workbook adapters: the only place (with the CLI) that opens files.

The reader turns a saved workbook or CSV into a :class:`records.BookSnapshot` of
plain values; the core never sees a workbook library.
"""
