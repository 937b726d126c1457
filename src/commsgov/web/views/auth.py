"""Signing in and out, and changing my password.

The sign-in form has no session yet to tie a CSRF token to, so it carries a token of its own
that must match a short-lived cookie set with the form (a double-submit token): a form posted
from another site cannot know it. After sign-in every form carries the session's token.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from commsgov.accounts.credentials import new_secret, same_secret
from commsgov.accounts.errors import SignInFailed, SignInThrottled
from commsgov.api.deps import Caller, ClockDep, SettingsDep, StoreDep, allowed
from commsgov.api.security import clear_session_cookie, set_session_cookie
from commsgov.records.errors import InvalidFieldError
from commsgov.services import sessions
from commsgov.services.oidc import OidcConfig

from ..errors import redirect
from ..render import page
from .common import Form, field_error, local_path, text

router = APIRouter(include_in_schema=False)

#: the sign-in form's own CSRF cookie (see the module's docstring)
SIGN_IN_COOKIE = "commsgov_sign_in"

_TEMPLATE = "sign_in.html"


def _sign_in_page(
    request: Request, caller: Caller, settings: SettingsDep, *, next_path: str,
    errors: dict[str, str] | None = None, notice: str | None = None, username: str = "",
    status: int = 200,
) -> Response:  # fmt: skip
    token = new_secret()
    answer = page(
        request, None, _TEMPLATE,
        {
            "title": "Sign in", "sign_in_token": token, "next": next_path,
            "errors": errors or {}, "notice": notice, "username": username,
            "oidc": OidcConfig.from_settings(settings) is not None,
        },
        status=status,
    )  # fmt: skip
    answer.set_cookie(
        SIGN_IN_COOKIE, token, max_age=3600, httponly=True, samesite="strict", path="/sign-in",
        secure=request.url.scheme == "https" if settings.cookie_secure is None
        else settings.cookie_secure,
    )  # fmt: skip
    return answer


@router.get("/sign-in", name="web.sign-in")
def sign_in_form(
    request: Request, caller: Annotated[Caller, allowed("web.sign-in")], settings: SettingsDep,
    next: Annotated[str | None, Query(max_length=2000)] = None,
    ended: bool = False, signed_out: bool = False,
    failed: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:  # fmt: skip
    """The sign-in page."""
    target = local_path(next)
    notice = None
    if caller.principal is not None:
        notice = f"You are signed in as {caller.principal.username}. Sign in again to change."
    elif signed_out:
        notice = "You have signed out."
    elif ended:
        notice = "Your session has ended. Sign in again to carry on."
    errors = {}
    if failed == "oidc":
        errors["oidc"] = "Signing in through your organisation's account did not work. Try again."
    return _sign_in_page(
        request, caller, settings, next_path=target, errors=errors, notice=notice,
        status=200,
    )  # fmt: skip


@router.post("/sign-in", name="web.sign-in-submit")
async def sign_in(
    request: Request, caller: Annotated[Caller, allowed("web.sign-in-submit")], form: Form,
    store: StoreDep, settings: SettingsDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Check the password and start a session; the same answer whether or not the account
    exists."""
    username = text(form, "username", 200).strip()
    password = text(form, "password", 1024)
    target = local_path(text(form, "next"))
    expected = request.cookies.get(SIGN_IN_COOKIE)
    given = text(form, "csrf_token", 200)
    if not expected or not given or not same_secret(given, expected):
        return _sign_in_page(
            request, caller, settings, next_path=target, username=username, status=403,
            errors={"form": "The sign-in form had expired. Try again."},
        )  # fmt: skip
    errors = {}
    if not username:
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return _sign_in_page(
            request, caller, settings, next_path=target, username=username, errors=errors,
            status=400,
        )  # fmt: skip
    lifetime = dt.timedelta(hours=settings.session_hours)
    try:
        done = await run_in_threadpool(
            sessions.sign_in, store, username=username, password=password, actor=caller.actor,
            now=clock(), lifetime=lifetime,
            idle=dt.timedelta(minutes=settings.session_idle_minutes),
        )  # fmt: skip
    except SignInFailed:
        return _sign_in_page(
            request, caller, settings, next_path=target, username=username, status=401,
            errors={"password": "The username or password is not right"},
        )  # fmt: skip
    except SignInThrottled as exc:
        minutes = max(1, -(-exc.retry_after // 60))
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        return _sign_in_page(
            request, caller, settings, next_path=target, username=username, status=429,
            errors={"form": f"Too many failed sign-ins. Wait {wait}, then try again."},
        )  # fmt: skip
    except InvalidFieldError as exc:
        return _sign_in_page(
            request, caller, settings, next_path=target, username=username, status=400,
            errors=field_error(exc),
        )  # fmt: skip
    answer = redirect(request, "/password" if done.principal.must_change_password else target)
    set_session_cookie(answer, request, settings, done.secret, int(lifetime.total_seconds()))
    answer.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
    return answer


@router.post("/sign-out", name="web.sign-out")
def sign_out(
    request: Request, caller: Annotated[Caller, allowed("web.sign-out")], store: StoreDep,
    settings: SettingsDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """End the session and go back to the sign-in page."""
    sessions.sign_out(store, caller.user, actor=caller.actor, now=clock())
    answer = redirect(request, "/sign-in?signed_out=1")
    clear_session_cookie(answer, request, settings)
    return answer


@router.get("/password", name="web.password")
def password_form(request: Request, caller: Annotated[Caller, allowed("web.password")]) -> Response:
    """The form to change my password (the first thing after a one-time password)."""
    return page(request, caller, "password.html", {"title": "Change your password", "errors": {}})


@router.post("/password", name="web.password-submit")
def change_password(
    request: Request, caller: Annotated[Caller, allowed("web.password-submit")], form: Form,
    store: StoreDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Change my password; my other sessions end."""
    current = text(form, "current_password", 1024)
    new = text(form, "new_password", 1024)
    errors = {}
    if not current:
        errors["current_password"] = "Enter your current password"
    if not new:
        errors["new_password"] = "Enter a new password"
    elif text(form, "confirm_password", 1024) != new:
        errors["confirm_password"] = "Type the same new password twice"
    if not errors:
        try:
            sessions.change_password(
                store, caller.user, current=current, new=new, actor=caller.actor, now=clock()
            )
        except InvalidFieldError as exc:
            errors = field_error(exc)
    if errors:
        return page(
            request, caller, "password.html",
            {"title": "Change your password", "errors": errors}, status=400,
        )  # fmt: skip
    return redirect(request, "/?password_changed=1")
