"""Generators of the reliability corpora (issue 6): rich books, hostile files, weekly exports.

Regenerate the committed fixture files with ``python -m corpus.build`` run from
``tests/`` (see docs/reliability.md).
"""
