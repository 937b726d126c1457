"""Rendering pages: one Jinja2 template per page, the whole page or one block of it.

An HTMX request (``HX-Request: true``) gets only the block the view names, rendered from the same
template by jinja2-fragments, so the fragment and the full page never drift; any other request,
and HTMX restoring its history, gets the whole page. Templates autoescape everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.runtime
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2_fragments import render_block
from markupsafe import Markup, escape
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from commsgov.accounts.permissions import allowed
from commsgov.api.deps import Caller
from commsgov.records.media import inline_kind

from .present import moment

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"

#: the site navigation: label, route name, and the action that must be allowed to show it
NAVIGATION = (
    ("Advisor", "web.advisor"),
    ("Matrix", "web.matrix"),
    ("Channels and apps", "web.channels"),
    ("Capture", "web.capture"),
    ("Upload chats", "web.upload"),
    ("Records", "web.records"),
    ("Governance", "web.dashboard"),
    ("Registers", "web.registers"),
    ("Audit trail", "web.audit"),
    ("Users", "web.users"),
    ("API tokens", "web.tokens"),
    ("Policy pack", "web.pack"),
)


@cache
def environment() -> jinja2.Environment:
    """The templates, autoescaped; an undefined name is an error, not an empty string."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = _static
    env.globals["when"] = _when
    env.filters["inline_kind"] = inline_kind
    # the macros for every template, as a global rather than an import: a block rendered on
    # its own (an HTMX fragment) does not see its template's imports
    env.globals["m"] = env.get_template("macros.html").module
    return env


@cache
def _version() -> str:
    from importlib.metadata import version

    try:
        return version("commsgov")
    except Exception:  # pragma: no cover - running from a source tree without metadata
        return "dev"


def _static(file: str) -> str:
    """The URL of a static asset, with the version so that a new release is fetched afresh."""
    return f"/static/{file}?v={_version()}"


@jinja2.pass_context
def _when(ctx: jinja2.runtime.Context, text: str | None, empty: str = "never") -> Markup:
    """A stored time in a ``<time>`` element: the ISO text for machines, the settings' local
    reading for people (``empty`` when there is none)."""
    if not text:
        return Markup(escape(empty))
    shown = moment(text, zone=ctx["zone"])
    return Markup('<time datetime="{}">{}</time>').format(text, shown)


def is_htmx(request: Request) -> bool:
    """An HTMX request for part of a page (not HTMX restoring its history: that wants it all)."""
    headers = request.headers
    return headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != (
        "true"
    )


def context(request: Request, caller: Caller | None) -> dict[str, Any]:
    """What every template may use: who is signed in, their CSRF token, what they may do."""
    me = caller.principal if caller is not None else None
    roles = me.roles if me is not None else ()
    app = request.app

    def can(action: str) -> bool:
        return me is not None and allowed(action, roles)

    def path(name: str, **params: Any) -> str:
        return str(app.url_path_for(name, **{k: str(v) for k, v in params.items()}))

    here = request.url.path
    nav = [
        {"label": label, "href": path(name), "current": here == path(name)}
        for label, name in NAVIGATION
        if can(name)
    ]
    return {
        "request": request,
        "me": me,
        "csrf": me.csrf_token if me is not None else None,
        "can": can,
        "path": path,
        "nav": nav,
        "organisation": app.state.pack().organisation,
        # the zone stored times are shown in (``when``), as the forms read typed times
        "zone": app.state.settings.timezone,
    }


def page(
    request: Request,
    caller: Caller | None,
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    block: str | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` (only ``block`` for an HTMX request) with ``values``."""
    data = {**context(request, caller), **(values or {})}
    env = environment()
    if block is not None and is_htmx(request):
        html = render_block(env, template, block, data)
    else:
        html = env.get_template(template).render(data)
    answer = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
    answer.headers["vary"] = "HX-Request"
    return answer


class StaticAssets(StaticFiles):
    """The static files, cacheable for an hour (their URLs carry the version)."""

    async def get_response(self, path: str, scope: Scope) -> Any:
        answer = await super().get_response(path, scope)
        answer.headers["cache-control"] = "public, max-age=3600"
        return answer
