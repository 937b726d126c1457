"""Administration: users (add, roles, disable and enable, one-time passwords), API tokens, and
the loaded policy pack with its validation report. The same services as ``commsgov users`` and
``commsgov tokens`` and the API, so the same audit events."""

from __future__ import annotations

from functools import cache
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from commsgov.accounts.errors import AccountConflict
from commsgov.accounts.roles import ROLES
from commsgov.api.deps import Caller, ClockDep, PackDep, SettingsDep, StoreDep, allowed
from commsgov.records.errors import InvalidFieldError, NotFoundError
from commsgov.records.timestamps import parse_when
from commsgov.services import tokens, users

from .. import present
from ..errors import redirect
from ..render import page
from .common import Form, field_error, text, texts

router = APIRouter(prefix="/admin", include_in_schema=False)

Username = Annotated[str, Path(max_length=64)]

#: what each role may do, in a line (shown beside the role checkboxes)
ROLE_HINTS = {
    "staff": "asks the advisor; captures and sees their own records",
    "records-manager": "keeps the record: holds, review, disposal, transfer",
    "auditor": "reads everything, the audit trail included; changes nothing",
    "admin": "manages users, tokens and the policy pack; no record content",
}

#: what a change of a user's account is called in the notice after it
DONE = {
    "roles": "Their roles have been changed and their sessions ended.",
    "disabled": "The user has been disabled: their sessions ended and their tokens stopped.",
    "enabled": "The user can sign in again.",
}


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


def _roles() -> list[dict[str, str]]:
    return [{"id": str(r), "hint": ROLE_HINTS.get(str(r), "")} for r in ROLES]


# -- users ----------------------------------------------------------------------------------
def _users_page(
    request: Request, caller: Caller, store: StoreDep, *, errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None, created: users.NewUser | None = None, status: int = 200,
) -> Response:  # fmt: skip
    values = {
        "title": "Users", "users": users.list_users(store), "roles": _roles(),
        "errors": errors or {}, "form": form or {"roles": ["staff"]}, "created": created,
    }  # fmt: skip
    return page(request, caller, "users.html", values, status=status)


@router.get("/users", name="web.users")
def users_page(
    request: Request, caller: Annotated[Caller, allowed("web.users")], store: StoreDep
) -> Response:
    """Every user, and (for admins) the form to add one."""
    return _users_page(request, caller, store)


@router.post("/users", name="web.users-create")
def create_user(
    request: Request, caller: Annotated[Caller, allowed("web.users-create")], form: Form,
    store: StoreDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Add a user with a one-time password, shown on the answer page this once."""
    username, display_name = text(form, "username", 64).strip(), text(form, "display_name", 200)
    roles, emails, phones = texts(form, "roles"), text(form, "emails", 4000), text(form, "phones")
    given = {
        "username": username, "display_name": display_name, "roles": roles, "emails": emails,
        "phones": phones,
    }  # fmt: skip
    try:
        made = users.add_user(
            store, username=username, display_name=display_name or None, roles=roles,
            emails=_lines(emails), phones=_lines(phones), actor=caller.actor, now=clock(),
        )  # fmt: skip
    except InvalidFieldError as exc:
        return _users_page(request, caller, store, errors=field_error(exc), form=given, status=400)
    except AccountConflict as exc:
        return _users_page(
            request, caller, store, errors={"username": str(exc)}, form=given, status=409
        )
    return _users_page(request, caller, store, created=made)


def _user_page(
    request: Request, caller: Caller, store: StoreDep, username: str, *,
    errors: dict[str, str] | None = None, notice: str | None = None,
    password: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    user = users.get_user(store, username)
    values = {
        "title": f"User {user.username}", "user": user, "roles": _roles(),
        "tokens": tokens.list_tokens(store, username=user.username), "errors": errors or {},
        "notice": notice, "password": password,
    }  # fmt: skip
    return page(request, caller, "user.html", values, status=status)


@router.get("/users/{username}", name="web.user")
def user_page(
    request: Request, caller: Annotated[Caller, allowed("web.user")], store: StoreDep,
    username: Username, done: str = "",
) -> Response:  # fmt: skip
    """One user: their roles, state and tokens, and (for admins) the forms to change them."""
    return _user_page(request, caller, store, username, notice=DONE.get(done))


def _back_to(request: Request, username: str, done: str) -> Response:
    where = request.app.url_path_for("web.user", username=username)
    return redirect(request, f"{where}?done={done}")


@router.post("/users/{username}/roles", name="web.user-roles")
def set_roles(
    request: Request, caller: Annotated[Caller, allowed("web.user-roles")], form: Form,
    store: StoreDep, clock: ClockDep, username: Username,
) -> Response:  # fmt: skip
    """Give the user exactly the roles ticked; their sessions end."""
    try:
        user = users.set_roles(
            store, username, texts(form, "roles"), actor=caller.actor, now=clock()
        )
    except InvalidFieldError as exc:
        return _user_page(request, caller, store, username, errors=field_error(exc), status=400)
    except AccountConflict as exc:
        return _user_page(request, caller, store, username, errors={"roles": str(exc)}, status=409)
    return _back_to(request, user.username, "roles")


def _set_disabled(
    request: Request, caller: Caller, store: StoreDep, clock: ClockDep, username: str,
    disabled: bool,
) -> Response:  # fmt: skip
    try:
        user = users.set_disabled(store, username, disabled, actor=caller.actor, now=clock())
    except AccountConflict as exc:
        return _user_page(request, caller, store, username, errors={"state": str(exc)}, status=409)
    return _back_to(request, user.username, "disabled" if disabled else "enabled")


@router.post("/users/{username}/disable", name="web.user-disable")
def disable_user(
    request: Request, caller: Annotated[Caller, allowed("web.user-disable")], store: StoreDep,
    clock: ClockDep, username: Username,
) -> Response:  # fmt: skip
    """Disable the user: their sessions end and their tokens stop working."""
    return _set_disabled(request, caller, store, clock, username, True)


@router.post("/users/{username}/enable", name="web.user-enable")
def enable_user(
    request: Request, caller: Annotated[Caller, allowed("web.user-enable")], store: StoreDep,
    clock: ClockDep, username: Username,
) -> Response:  # fmt: skip
    """Let a disabled user sign in again."""
    return _set_disabled(request, caller, store, clock, username, False)


@router.post("/users/{username}/password", name="web.user-password")
def reset_password(
    request: Request, caller: Annotated[Caller, allowed("web.user-password")], store: StoreDep,
    clock: ClockDep, username: Username,
) -> Response:  # fmt: skip
    """A new one-time password for the user, shown this once; their sessions end."""
    made = users.reset_password(store, username, actor=caller.actor, now=clock())
    notice = "A one-time password has been made. Their sessions have ended."
    return _user_page(request, caller, store, made.user.username, notice=notice,
                      password=made.password)  # fmt: skip


# -- tokens ---------------------------------------------------------------------------------
def _tokens_page(
    request: Request, caller: Caller, store: StoreDep, *, errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None, created: tokens.NewToken | None = None,
    notice: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    values = {
        "title": "API tokens", "tokens": tokens.list_tokens(store), "roles": _roles(),
        "errors": errors or {}, "form": form or {"roles": []}, "created": created,
        "notice": notice,
    }  # fmt: skip
    return page(request, caller, "tokens.html", values, status=status)


@router.get("/tokens", name="web.tokens")
def tokens_page(
    request: Request, caller: Annotated[Caller, allowed("web.tokens")], store: StoreDep,
    done: str = "",
) -> Response:  # fmt: skip
    """Every API token (never its secret) and (for admins) the form to make one."""
    notice = "The token has been revoked: it no longer works." if done == "revoked" else None
    return _tokens_page(request, caller, store, notice=notice)


@router.post("/tokens", name="web.tokens-create")
def create_token(
    request: Request, caller: Annotated[Caller, allowed("web.tokens-create")], form: Form,
    store: StoreDep, settings: SettingsDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Make a token; it is shown on the answer page this once."""
    name, username = text(form, "name", 200), text(form, "username", 64).strip()
    roles, expires = texts(form, "roles"), text(form, "expires", 40).strip()
    given = {"name": name, "username": username, "roles": roles, "expires": expires}
    try:
        until = None
        if expires:
            until = parse_when(expires, default_zone=settings.timezone, field="expires")
        made = tokens.create_token(
            store, username=username or caller.user.username, name=name, roles=roles or None,
            expires_at=until, actor=caller.actor, now=clock(),
        )  # fmt: skip
    except InvalidFieldError as exc:
        field = "expires" if exc.field == "expires_at" else exc.field
        return _tokens_page(
            request, caller, store, errors={field: exc.message}, form=given, status=400
        )
    except (NotFoundError, AccountConflict) as exc:
        return _tokens_page(
            request, caller, store, errors={"username": str(exc)}, form=given, status=400
        )
    return _tokens_page(request, caller, store, created=made)


@router.post("/tokens/{token_id}/revoke", name="web.token-revoke")
def revoke_token(
    request: Request, caller: Annotated[Caller, allowed("web.token-revoke")], store: StoreDep,
    clock: ClockDep, token_id: Annotated[str, Path(max_length=16)],
) -> Response:  # fmt: skip
    """Stop a token for good."""
    tokens.revoke_token(store, token_id, actor=caller.actor, now=clock())
    return redirect(request, str(request.app.url_path_for("web.tokens")) + "?done=revoked")


# -- the policy pack ------------------------------------------------------------------------
@cache
def _report(path: str, stamp: float) -> dict[str, Any]:
    """The validation report of a pack file (kept while the file is unchanged: it reads every
    source document)."""
    from commsgov.policy.errors import PackError
    from commsgov.policy.validate import check_pack_file

    try:
        return {"valid": True, "problems": [], **check_pack_file(path)}
    except PackError as exc:
        return {"valid": False, "problems": exc.problems}


@router.get("/pack", name="web.pack")
def pack_page(
    request: Request, caller: Annotated[Caller, allowed("web.pack")], pack: PackDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    """The policy pack this service answers from, and ``commsgov pack validate``'s report."""
    from commsgov.policy.packs import bundled_pack_path

    file = FilePath(pack.source) if pack.source else (settings.pack or bundled_pack_path())
    documents = present.document_titles(pack)
    values = {
        "title": "The policy pack", "pack": pack, "file": str(file),
        "bundled": settings.pack is None, "documents": documents,
        "report": _report(str(file), file.stat().st_mtime),
        "counts": {"scenarios": len(pack.scenarios), "channels": len(pack.channels),
                   "footnotes": len(pack.footnotes)},
    }  # fmt: skip
    return page(request, caller, "pack.html", values)
