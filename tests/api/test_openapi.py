"""The OpenAPI document is current, and schemathesis finds no 5xx and no answer off its schema."""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SQLite store behind the app, and a token holding every role."""
    from commsgov.store.handle import open_store

    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    store = open_store(url, blob_dir=tmp_path_factory.mktemp("blobs"))
    every = ["staff", "records-manager", "auditor", "admin"]
    users.add_user(store, username="fuzzer", roles=every, actor=Actor.cli("t"), password=PASSWORD)
    users.add_user(store, username="other", roles=every, actor=Actor.cli("t"), password=PASSWORD)
    token = tokens.create_token(store, username="fuzzer", name="fuzz", actor=Actor.cli("t"))
    APP.state.store = lambda: store
    yield token.token
    store.close()


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
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
