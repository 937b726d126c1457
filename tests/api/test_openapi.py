"""The OpenAPI document is current, and schemathesis finds no 5xx and no answer off its schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from commsgov.accounts import Actor
from commsgov.accounts.docs import render
from commsgov.api.app import create_app
from commsgov.asking import ask
from commsgov.config import Settings
from commsgov.services import tokens, users

from .conftest import PASSWORD, Clock

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_openapi_document_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render("openapi"), (
        "docs/openapi.json is stale: python -m commsgov.accounts.docs openapi > docs/openapi.json"
    )


#: one app for the whole run; its store is set by the ``fuzzed`` fixture (schemathesis needs the
#: app when the tests are collected)
APP = create_app(Settings(database_url="sqlite://"), clock=Clock())
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A SQLite or PostgreSQL store behind the app (every operation is fuzzed on each), and a
    token holding every role."""
    from commsgov.store.handle import open_store

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
        store = open_store(url, blob_dir=tmp_path_factory.mktemp("blobs"))
    else:  # a database of its own on the suite's cluster, for the whole module
        server = request.getfixturevalue("postgres_server")
        template = request.getfixturevalue("_postgres_template")
        server.admin(f"CREATE DATABASE fuzz_{os.getpid()} TEMPLATE {template}")
        url = server.url(f"fuzz_{os.getpid()}")
        store = open_store(url, blob_dir=tmp_path_factory.mktemp("blobs"), migrate=False)
    every = ["staff", "records-manager", "auditor", "admin"]
    users.add_user(store, username="fuzzer", roles=every, actor=Actor.cli("t"), password=PASSWORD)
    users.add_user(store, username="other", roles=every, actor=Actor.cli("t"), password=PASSWORD)
    token = tokens.create_token(store, username="fuzzer", name="fuzz", actor=Actor.cli("t"))
    APP.state.store = lambda: store
    # The first question trains the pack's classifier (seconds, far more on a loaded machine):
    # done here, it cannot run past a fuzzed request's read timeout.
    ask("Can I WhatsApp my manager?", pack=APP.state.pack())
    yield token.token
    store.close()
    if request.param == "postgresql":
        server.admin(f"DROP DATABASE IF EXISTS fuzz_{os.getpid()} WITH (FORCE)")


#: examples per operation and backend: bounded in the suite; COMMSGOV_FUZZ_EXAMPLES=200 (say)
#: for a longer, randomised hunt by hand
EXAMPLES = int(os.environ.get("COMMSGOV_FUZZ_EXAMPLES", "15"))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize="COMMSGOV_FUZZ_EXAMPLES" not in os.environ,
)
def test_api_answers_within_its_schema(case: Any, fuzzed: str) -> None:
    """No 5xx; status codes, content types, headers and bodies as documented."""
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzzed}"},
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_headers_conformance,
            checks.response_schema_conformance,
        ],
    )
