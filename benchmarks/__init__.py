"""Benchmarks at Excel scale: a synthetic aging-book generator and a timing script.

Run ``python -m benchmarks.run --sizes 10k,100k`` from the repository root; see
docs/performance.md for what is measured and why.
"""
