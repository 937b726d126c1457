"""Signing in with a password, who am I, signing out, changing my own password."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from commsgov.services import sessions

from ..deps import Caller, ClockDep, SettingsDep, StoreDep, allowed
from ..security import clear_session_cookie, set_session_cookie

router = APIRouter(prefix="/auth", tags=["auth"])


class Login(BaseModel):
    """A username and password."""

    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    """Who is signed in: roles, how (``session`` or ``token``), and for a session its CSRF token
    (send it as ``X-CSRF-Token`` or the ``csrf_token`` form field on every change)."""

    username: str
    roles: list[str]
    via: str
    must_change_password: bool
    csrf_token: str | None = None
    expires_at: str | None = None


class NewPassword(BaseModel):
    """The current password (asked again) and the new one (12 characters or more)."""

    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


def me_of(principal: sessions.Principal, expires_at: str | None = None) -> Me:
    return Me(
        username=principal.username,
        roles=list(principal.roles),
        via=principal.via,
        must_change_password=principal.must_change_password,
        csrf_token=principal.csrf_token,
        expires_at=expires_at,
    )


@router.post("/login", name="auth.login", response_model=Me)
async def login(
    body: Login,
    request: Request,
    response: Response,
    caller: Annotated[Caller, allowed("auth.login")],
    store: StoreDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Me:
    """Sign in: a new session in an HttpOnly cookie, and its CSRF token in the answer. The
    answer to a wrong username or password is the same; too many failures answer 429."""
    lifetime = dt.timedelta(hours=settings.session_hours)
    done = await run_in_threadpool(
        sessions.sign_in, store, username=body.username, password=body.password,
        actor=caller.actor, now=clock(), lifetime=lifetime,
        idle=dt.timedelta(minutes=settings.session_idle_minutes),
    )  # fmt: skip
    set_session_cookie(response, request, settings, done.secret, int(lifetime.total_seconds()))
    return me_of(done.principal, done.expires_at)


@router.get("/me", name="auth.whoami", response_model=Me)
def whoami(caller: Annotated[Caller, allowed("auth.whoami")]) -> Me:
    """Who am I?"""
    return me_of(caller.user)


@router.post("/logout", name="auth.logout", status_code=204)
def logout(
    request: Request,
    response: Response,
    caller: Annotated[Caller, allowed("auth.logout")],
    store: StoreDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> None:
    """Sign out: the session ends on the server and its cookie is removed."""
    sessions.sign_out(store, caller.user, actor=caller.actor, now=clock())
    clear_session_cookie(response, request, settings)


@router.post("/password", name="auth.change-password", status_code=204)
def change_password(
    body: NewPassword,
    caller: Annotated[Caller, allowed("auth.change-password")],
    store: StoreDep,
    clock: ClockDep,
) -> None:
    """Change my password; my other sessions end."""
    sessions.change_password(
        store, caller.user, current=body.current_password, new=body.new_password,
        actor=caller.actor, now=clock(),
    )  # fmt: skip
