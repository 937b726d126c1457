"""Benchmarks: one module per benchmark (``bench_*.py``), run together by ``python -m benchmarks.run``."""
