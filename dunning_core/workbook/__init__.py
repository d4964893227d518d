"""File-mode workbook adapters: read a saved book into a snapshot, write a cycle result back losslessly."""
