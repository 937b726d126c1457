"""OpenID Connect sign-in: off unless ``COMMSGOV_OIDC_DISCOVERY_URL`` and a client id are set."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from commsgov.accounts.errors import SignInFailed
from commsgov.records.errors import NotFoundError
from commsgov.services import oidc

from ..deps import Caller, ClockDep, SettingsDep, StoreDep, allowed
from ..security import set_session_cookie
from .auth import Me, me_of

router = APIRouter(prefix="/auth/oidc", tags=["auth"])


def _config(settings: SettingsDep) -> oidc.OidcConfig:
    config = oidc.OidcConfig.from_settings(settings)
    if config is None:
        raise NotFoundError("OpenID Connect sign-in is not configured")
    return config


@router.get(
    "/login", name="auth.oidc-login", response_class=RedirectResponse, status_code=303,
    responses={303: {"description": "To the provider's sign-in page."}},
)  # fmt: skip
async def oidc_login(
    request: Request, caller: Annotated[Caller, allowed("auth.oidc-login")], store: StoreDep,
    settings: SettingsDep, clock: ClockDep,
) -> RedirectResponse:  # fmt: skip
    """Send the browser to the provider to sign in."""
    config = _config(settings)
    callback = str(request.url_for("auth.oidc-callback"))
    url = await run_in_threadpool(oidc.begin, store, config, redirect_uri=callback, now=clock())
    return RedirectResponse(url, status_code=303)


def _wants_page(request: Request) -> bool:
    """A browser following the provider's redirect asks for HTML: it gets the web app."""
    return "text/html" in request.headers.get("accept", "")


@router.get(
    "/callback", name="auth.oidc-callback", response_model=Me,
    responses={303: {"description": "A browser (Accept: text/html) goes on to the web app: the "
                     "advisor, or the sign-in page saying the sign-in failed."}},
)  # fmt: skip
async def oidc_callback(
    request: Request, response: Response, caller: Annotated[Caller, allowed("auth.oidc-callback")],
    store: StoreDep, settings: SettingsDep, clock: ClockDep,
    code: Annotated[str, Query(max_length=4096)], state: Annotated[str, Query(max_length=512)],
) -> Me | RedirectResponse:  # fmt: skip
    """The provider sends the browser back here: a new session in the cookie. A browser is
    then sent on to the advisor page; other clients get who signed in."""
    config = _config(settings)
    lifetime = dt.timedelta(hours=settings.session_hours)
    try:
        done = await run_in_threadpool(
            oidc.finish, store, config, code=code, state=state, actor=caller.actor, now=clock(),
            lifetime=lifetime,
        )  # fmt: skip
    except SignInFailed:
        if _wants_page(request):
            return RedirectResponse("/sign-in?failed=oidc", status_code=303)
        raise
    if _wants_page(request):
        page = RedirectResponse("/", status_code=303)
        set_session_cookie(page, request, settings, done.secret, int(lifetime.total_seconds()))
        return page
    set_session_cookie(response, request, settings, done.secret, int(lifetime.total_seconds()))
    return me_of(done.principal, done.expires_at)
