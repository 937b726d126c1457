"""The permission table is the truth: every route is in it, each role gets the documented answer,
and docs/permissions.md and docs/audit.md are generated from the code."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from commsgov.accounts.docs import render
from commsgov.accounts.events import AUDIT_EVENTS
from commsgov.accounts.permissions import PERMISSIONS, outcome
from commsgov.services import audit
from commsgov.web.views import ROUTERS as WEB_ROUTERS

from .conftest import ROLES, Api

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _routes(api: Api) -> dict[str, tuple[str, str]]:
    """Each operation of the OpenAPI document (its id is its action) and each web page (its
    route's name is its action): method and path."""
    found = {}
    for path, operations in api.app.openapi()["paths"].items():
        for method, operation in operations.items():
            found[operation["operationId"]] = (method.upper(), path)
    for router in WEB_ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute) and route.name not in found, route
            (method,) = route.methods
            found[route.name] = (method, route.path)
    return found


def test_every_route_is_in_the_table_and_no_entry_lacks_a_route(api: Api) -> None:
    routes = _routes(api)
    assert sorted(routes) == sorted(p.action for p in PERMISSIONS)
    for entry in PERMISSIONS:
        assert routes[entry.action] == (entry.method, entry.path), entry.action


def _call(client: object, method: str, path: str, csrf: str | None) -> int:
    """The answer's status; a page sending the browser to the sign-in page counts as 401."""
    url = re.sub(r"\{username\}", "nobody", path)
    url = re.sub(r"\{token_id\}", "0" * 12, url)
    url = re.sub(r"\{scenario\}", "logistics", url)
    url = re.sub(r"\{channel\}", "whatsapp", url)
    url = re.sub(r"\{ref\}", "0" * 32, url)
    url = re.sub(r"\{sha256\}", "0" * 64, url)
    url = re.sub(r"\{uid\}", "0" * 32, url)
    url = re.sub(r"\{consignment\}", "C-0", url)
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    data = None
    if (method, path) == ("POST", "/sign-in"):  # the sign-in form's own token, from its page
        form = client.get("/sign-in").text  # type: ignore[attr-defined]
        found = re.search(r'id="sign-in-token" value="([^"]+)"', form)
        data = {"csrf_token": found[1]} if found else None
    response = client.request(  # type: ignore[attr-defined]
        method, url, headers=headers, data=data, follow_redirects=False
    )
    location = response.headers.get("location", "")
    if response.status_code == 303 and re.match(r"/sign-in(\?(next|ended)=|$)", location):
        return 401
    return int(response.status_code)


@pytest.mark.parametrize("role", [*ROLES, None])
def test_walk_every_route_as_each_role(api: Api, role: str | None) -> None:
    """Sessions (with CSRF) for each role alone, and no one signed in: the documented answer."""
    refused = 0
    for entry in PERMISSIONS:
        if role is None:
            client, csrf = api.client(), None
        else:  # a new session each time: sign-out or a role change must not leak between routes
            client, csrf = api.session(f"u-{role}", role)
        status = _call(client, entry.method, entry.path, csrf)
        expected = outcome(entry, None if role is None else [role])
        if expected == 200:
            assert status not in (401, 403), (role, entry.action, status)
            assert status < 500, (role, entry.action, status)
        else:
            assert status == expected, (role, entry.action, status)
            refused += expected == 403
    found = audit.search(api.store, audit.AuditFilter(action="permission-refused"),
                         actor=audit.Actor.cli("test"), limit=1000)  # fmt: skip
    assert len(found) == refused
    if refused:
        assert {json.loads(e.details)["roles"][0] for e in found} == {role}


def test_a_bearer_token_gets_the_same_answers_without_csrf(api: Api) -> None:
    bearer = {"Authorization": f"Bearer {api.token('robot', 'auditor')}"}
    client = api.client(headers=bearer)
    for entry in PERMISSIONS:
        if entry.action in {"auth.login"}:
            continue
        status = _call(client, entry.method, entry.path, None)
        if outcome(entry, ["auditor"]) == 200:
            assert status not in (401, 403), (entry.action, status)
        else:
            assert status == 403, (entry.action, status)


def test_permissions_doc_is_current() -> None:
    assert (DOCS / "permissions.md").read_text(encoding="utf-8") == render("permissions"), (
        "docs/permissions.md is stale: python -m commsgov.accounts.docs permissions "
        "> docs/permissions.md"
    )


def test_every_audit_event_is_documented() -> None:
    text = (DOCS / "audit.md").read_text(encoding="utf-8")
    assert text == render("audit"), (
        "docs/audit.md is stale: python -m commsgov.accounts.docs audit > docs/audit.md"
    )
    for kind, cls in AUDIT_EVENTS.items():
        assert f"| `{kind}` |" in text, kind
        doc = inspect.getdoc(cls) or ""
        assert doc.startswith(f"Event ``{kind}``"), f"{cls.__name__}'s docstring must name {kind}"
        for name in (f.name for f in dataclasses.fields(cls)):
            assert f"``{name}``" in doc, f"{kind}: field {name} is not documented"
