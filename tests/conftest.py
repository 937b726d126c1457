"""Shared test configuration. Database fixtures (SQLite and a throwaway PostgreSQL cluster) live in
``tests/fixtures_db.py`` and are available to every test directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

pytest_plugins = ["tests.fixtures_db"]

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.register_profile("ci", parent=settings.get_profile("default"), max_examples=200)
settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own data folder: a store's signing key and checkpoint log (and the
    default SQLite file) never land in the real one, nor in another test's."""
    monkeypatch.setenv("COMMSGOV_DATA_DIR", str(tmp_path / "data"))
