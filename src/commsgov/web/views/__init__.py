"""The pages, one module per page or group of pages; each route's ``name`` is its action in the
permission table (``web.*``)."""

from __future__ import annotations

from fastapi import APIRouter

from . import admin, advisor, audit, auth, governance, offline, records, registers, upload

#: every router of the web app, mounted at the root of the app
ROUTERS: list[APIRouter] = [
    auth.router, advisor.router, records.router, upload.router, governance.router,
    registers.router, admin.router, audit.router, offline.router,
]  # fmt: skip
