"""Benchmarks: one module per benchmark (``bench_*.py``); ``python -m benchmarks.run`` runs them."""
