"""Persistence for the corporate record: tables, engines, migrations, blobs, repository functions.

See :mod:`commsgov.store.repo` for the repository API (keyword-only functions taking a
SQLAlchemy ``Connection`` inside a transaction).
"""
