"""Orchestration: the only place where the pure core (policy, records, ingest, retention) meets the
store. Each module is one area: :mod:`commsgov.services.records` for the corporate record."""
