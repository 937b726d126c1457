"""The API's routes, one module per resource; each route's ``name`` is its action in the
permission table (:mod:`commsgov.accounts.permissions`)."""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    audit,
    auth,
    captures,
    governance,
    meta,
    oidc,
    policy,
    records,
    registers,
    tokens,
    users,
)

#: every router, mounted under ``/api/v1``
ROUTERS: list[APIRouter] = [
    meta.router,
    auth.router,
    oidc.router,
    policy.router,
    users.router,
    tokens.router,
    audit.router,
    records.router,
    captures.router,
    governance.router,
    registers.router,
]

#: the order the app matches them in: the advisor's first (asked most; no path of one of these
#: routers matches a path of another, so the order changes no answer, only the time to find it)
MATCH_ORDER: list[APIRouter] = [policy.router, *(r for r in ROUTERS if r is not policy.router)]
