"""Shared test configuration. Database fixtures (SQLite and a throwaway PostgreSQL cluster) live in
``tests/fixtures_db.py`` and are available to every test directory."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from commsgov.services import users

pytest_plugins = ["tests.fixtures_db"]

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100
)
settings.register_profile("ci", parent=settings.get_profile("default"), max_examples=200)
settings.load_profile("ci" if os.environ.get("CI") else "default")


# The product's password hasher, as it is outside the test process (see below).
_PRODUCT_HASHER = users._hasher


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> Iterator[None]:
    """Passwords are hashed with Argon2id at its lowest cost in the test process.

    The suite creates users and signs in hundreds of times; at the product's parameters (RFC
    9106: 64 MiB, 3 passes, 4 lanes) each hash or check costs 0.1-0.5 s on these 2-core machines,
    a quarter of the suite's time. The hashes are still Argon2id, made and checked by the same
    code; servers the tests start as processes keep the product's cost, and
    tests/accounts/test_password_cost.py holds the product to its parameters.
    """
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_hasher", lambda: cheap)
        patch.setattr(users, "_dummy_hash", lambda: cheap.hash("a password nobody has"))
        yield


@pytest.fixture
def product_hasher() -> Callable[[], PasswordHash]:
    """The product's own password hasher (not the test process's cheap one)."""
    return _PRODUCT_HASHER


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own data folder: a store's signing key and checkpoint log (and the
    default SQLite file) never land in the real one, nor in another test's."""
    monkeypatch.setenv("COMMSGOV_DATA_DIR", str(tmp_path / "data"))
