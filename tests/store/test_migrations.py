"""Models and migrations agree, the chain is linear, and `db upgrade` is idempotent."""

from __future__ import annotations

from commsgov.store import migrate
from commsgov.store.engine import make_engine


def test_one_head() -> None:
    heads = migrate.heads()
    assert len(heads) == 1, f"the migration chain must be linear, found heads {heads}"


def test_models_match_migrations(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert migrate.current(engine) == migrate.heads()[0]
        diffs = migrate.differences(engine)
        assert diffs == [], f"models and migrations disagree: {diffs}"
    finally:
        engine.dispose()


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert migrate.differences(engine) == []
    finally:
        engine.dispose()
