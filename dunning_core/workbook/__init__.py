"""File-mode workbook adapters: read a book into a snapshot, write a cycle result back losslessly.

Only this package (with the CLI) opens files: the reader turns a saved workbook or
CSV into a :class:`records.BookSnapshot` of plain values, so the core never sees a
workbook library.
"""
