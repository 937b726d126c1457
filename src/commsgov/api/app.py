"""The app factory: ``create_app(settings)`` builds the API and the web pages that ``commsgov
serve`` runs (the pages under ``/``, :mod:`commsgov.web`; the API under ``/api/v1``).

``uvicorn --factory commsgov.api.app:create_app`` works too (settings from the environment).
The store is opened on first use, not migrated (``commsgov serve`` migrates before it starts
the workers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any

from fastapi import FastAPI

from commsgov.config import Settings, get_settings

from . import problems
from .paths import API_PREFIX, VERSION
from .security import SecurityHeaders

__all__ = ["API_PREFIX", "VERSION", "create_app"]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _action_of(route: Any) -> str:
    return str(route.name)


def _document_in_order(app: FastAPI, routers: list[Any]) -> None:
    """Have the OpenAPI document list the paths in the order of ``routers`` (the order the
    API is documented in), whatever order the app matches them in."""
    make = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = make()
            order = [API_PREFIX + route.path for router in routers for route in router.routes]
            paths = document["paths"]
            first = {path: paths[path] for path in dict.fromkeys(order) if path in paths}
            document["paths"] = first | {p: v for p, v in paths.items() if p not in first}
        return app.openapi_schema or make()

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    settings: Settings | None = None,
    *,
    store: Any = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> FastAPI:
    """The API for ``settings`` (default: from the environment); ``store``: an open store to use
    instead of opening one, ``clock``: the time source (tests pass a fixed one)."""
    from .routes import MATCH_ORDER, ROUTERS

    settings = settings or get_settings()
    app = FastAPI(
        title="commsgov",
        version=VERSION,
        summary="Which channel may I use? Accounts, roles and the audit trail of commsgov.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # the interactive pages load scripts from a CDN: not on this service
        redoc_url=None,
        responses=problems.PROBLEM_RESPONSES,
        # each operation's id is its action in the permission table
        generate_unique_id_function=_action_of,
    )
    app.state.settings = settings
    app.state.clock = clock or _utc_now

    @cache
    def opened() -> Any:
        if store is not None:
            return store
        from commsgov.store.handle import open_store

        return open_store(settings.resolved_database_url(), migrate=False)

    @cache
    def pack() -> Any:
        from commsgov.policy.cache import compiled_pack

        return compiled_pack(settings.pack)

    app.state.store = opened
    app.state.pack = pack
    problems.install(app)
    for router in MATCH_ORDER:
        app.include_router(router, prefix=API_PREFIX)
    _document_in_order(app, ROUTERS)
    from commsgov.web import mount as mount_web

    mount_web(app)  # after the API's error handlers: it answers errors on pages with pages
    app.add_middleware(SecurityHeaders)
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    if proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        # outermost: the client address and scheme are settled before anything reads them
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    return app
