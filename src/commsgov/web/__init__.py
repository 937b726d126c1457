"""The web app: server-rendered pages on the Scottish Government Design System.

``mount(app)`` adds the pages to the API's FastAPI app (``commsgov serve`` serves both): the
views under ``views/`` (one module per page or group of pages) call the same services and
policy functions as the command line and the API, pass the same permission check
(:func:`commsgov.api.deps.allowed`, one ``web.*`` entry of the permission table each) and so
write the same audit events. One Jinja2 template per page renders the whole page, or only the
block an HTMX request asks for (:mod:`.render`); every page works without JavaScript.

Its front-end assets are vendored under ``static/vendor/`` by ``scripts/vendor_web_assets.py``
(see ``VENDORED.json`` there for each file's package, version and hash).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["mount"]


def mount(app: FastAPI) -> None:
    """Add the web pages, their static assets and their error pages to ``app``."""
    from . import errors, render
    from .views import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", render.StaticAssets(directory=render.STATIC), name="static")
    errors.install(app)
