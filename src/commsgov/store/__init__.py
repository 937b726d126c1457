"""Persistence for the corporate record: tables, engines, migrations, blobs, repository functions.

- :mod:`commsgov.store.tables`: the tables on one SQLAlchemy ``metadata`` (naming convention
  included). Other parts of commsgov add theirs in ``commsgov/store/tables_<name>.py`` modules on
  the same ``metadata``; :func:`commsgov.store.migrate.load_all_tables` imports them all.
- :mod:`commsgov.store.engine`: ``make_engine(url)``; SQLite gets WAL, foreign keys, a busy
  timeout and ``BEGIN IMMEDIATE`` for writers (readers: ``execution_options(commsgov_read=True)``).
- :mod:`commsgov.store.migrate`: ``upgrade(engine)``, ``heads()``, ``current(engine)``,
  ``differences(engine)`` (models vs database; the test suite asserts it is empty) and
  ``revision(message, engine)`` to write a new migration. Migrations live in
  ``commsgov/store/migrations/versions``; keep the chain linear: a new migration's
  ``down_revision`` is the single current head (``heads()``).
- :mod:`commsgov.store.blobs`: ``BlobStore(root)``, content-addressed files verified on read.
- :mod:`commsgov.store.repo`: keyword-only repository functions taking a ``Connection`` inside
  the caller's transaction. Writers call ``repo.lock_ledger(conn)`` first; anything that changes
  the record also appends a ledger event, through
  :func:`commsgov.services.ledger.append_events` in the same transaction.
- :mod:`commsgov.store.repo_verify`: verify's fast path over the messages table (the database
  builds each message's canonical bytes; the core rechecks exactly whatever does not match).
- :mod:`commsgov.store.repo_accounts` (tables in ``tables_accounts``): users, sessions, API
  tokens, sign-in throttling and the audit trail's chain.
- :mod:`commsgov.store.handle`: ``Store`` (engine and blob folder) and ``open_store``.
"""
