"""What routes take, as ``Annotated`` aliases: the store, settings, clock, and the caller.

Every route names its action in the permission table with ``allowed("users.create")``: the
dependency authenticates the caller (a bearer token, else the session cookie), checks CSRF on a
state-changing cookie request, checks the caller's roles against the table, records a refusal
in the audit trail, and hands the route a :class:`Caller` (who, and the actor for the services).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from commsgov.accounts.actor import Actor
from commsgov.accounts.errors import NotAuthenticated, PasswordChangeRequired, PermissionRefused
from commsgov.accounts.events import PermissionDenied
from commsgov.accounts.permissions import PUBLIC, outcome, permission
from commsgov.config import Settings
from commsgov.errors import InvalidInput
from commsgov.policy.compiled import CompiledPack
from commsgov.services import audit, sessions, tokens
from commsgov.services.sessions import Principal
from commsgov.store.handle import Store

from .security import COOKIE, CSRF_HEADER, check_csrf

T = TypeVar("T")

#: what a caller who must change their password may still do
_BEFORE_NEW_PASSWORD = frozenset(
    {
        "auth.whoami", "auth.logout", "auth.change-password",
        "web.sign-out", "web.password", "web.password-submit",
    }
)  # fmt: skip


def _state(request: Request) -> Any:
    return request.app.state


def get_store(request: Request) -> Store:
    """The open store of this app."""
    store: Store = _state(request).store()
    return store


def get_settings(request: Request) -> Settings:
    """The settings the app was made with."""
    settings: Settings = _state(request).settings
    return settings


def get_clock(request: Request) -> Callable[[], dt.datetime]:
    """The app's clock (tests pass a fixed one)."""
    clock: Callable[[], dt.datetime] = _state(request).clock
    return clock


def get_pack(request: Request) -> CompiledPack:
    """The policy pack the app serves."""
    pack: CompiledPack = _state(request).pack()
    return pack


# FastAPI runs a plain function dependency in its thread pool, a hop that costs more than these
# lookups of the app's state: the aliases take them as coroutines, on the event loop
async def _store(request: Request) -> Store:
    return get_store(request)


async def _settings(request: Request) -> Settings:
    return get_settings(request)


async def _clock(request: Request) -> Callable[[], dt.datetime]:
    return get_clock(request)


async def _pack(request: Request) -> CompiledPack:
    return get_pack(request)


StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Callable[[], dt.datetime], Depends(_clock)]
PackDep = Annotated[CompiledPack, Depends(_pack)]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: how they proved it (``principal``: ``None`` when nobody is signed in, on
    a public route) and the :class:`~commsgov.accounts.actor.Actor` every service takes (their
    name, user id and roles, the client's address and user agent)."""

    principal: Principal | None
    actor: Actor

    @property
    def user(self) -> Principal:
        """The signed-in principal (routes that are not public always have one)."""
        if self.principal is None:
            raise NotAuthenticated("sign in first")
        return self.principal


def client_actor(request: Request, principal: Principal | None = None) -> Actor:
    """The actor for a request: the signed-in ``principal`` (its name, user id and roles; ``-``
    when nobody is signed in), the client's address (as forwarded by a trusted proxy) and its
    user agent."""
    address = request.client.host if request.client else None
    agent = request.headers.get("user-agent")
    return Actor.http(
        principal.username if principal else "-",
        address=address,
        user_agent=agent[:500] if agent else None,
        user_id=principal.user_id if principal else None,
        roles=principal.roles if principal else (),
    )


def _bearer(request: Request) -> str | None:
    """The credential of an ``Authorization: Bearer`` header (``None``: no header)."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise NotAuthenticated("use Authorization: Bearer <API token>")
    return credential


#: the record's ledger head ``(seq, entry_hash)``, as a request read it
Head = tuple[int, str]


def _check_bearer(
    store: Store, credential: str, *, now: dt.datetime, at_head: bool
) -> tuple[Principal, bool, Head | None]:
    """A bearer token's principal, whether its last use is due to be stamped, and (``at_head``)
    the ledger's head read in the same statement."""
    if at_head:
        checked = tokens.check_token_at_head(store, credential, now=now)
        return checked.principal, checked.due, checked.head
    principal, due = tokens.check_token(store, credential, now=now)
    return principal, due, None


def _authenticate(request: Request, at_head: bool) -> tuple[Principal | None, Head | None]:
    store = get_store(request)
    settings = get_settings(request)
    now = get_clock(request)()
    credential = _bearer(request)
    if credential is not None:
        principal, due, head = _check_bearer(store, credential, now=now, at_head=at_head)
        if due:
            tokens.touch_token(store, principal.token_id or "", now=now)
        return principal, head
    secret = request.cookies.get(COOKIE)
    if secret:
        idle = dt.timedelta(minutes=settings.session_idle_minutes)
        return sessions.resolve_session(store, secret, now=now, idle=idle), None
    return None, None


@cache
def _local_file(url: str) -> bool:
    """A SQLite file (an in-memory database is one per thread: it stays in the pool's threads)."""
    from commsgov.store.engine import sqlite_path

    return sqlite_path(url) is not None


@cache
def _server(url: str) -> bool:
    """A database server (PostgreSQL), reached over a connection."""
    from commsgov.store.engine import is_sqlite

    return not is_sqlite(url)


#: the threads reading bearer tokens on a database server (a round trip each): a few of their
#: own, not the forty of the thread pool, whose hand-off costs twice as much CPU and whose
#: threads, all busy under load, contend for the interpreter
_READS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="commsgov-token-read")


async def _identify(
    request: Request, *, at_head: bool = False
) -> tuple[Principal | None, Head | None]:
    """Who is calling (a bearer token, else the session cookie), or ``None``; ``at_head``: with
    a bearer token, the ledger's head read in the same statement (else ``None``).

    The token is read afresh on every request (never a kept copy), so a revocation, an expiry,
    a disabled user or a changed role counts from the next request.

    A token on SQLite is looked up on the event loop: the read is of a local file that, in WAL
    mode, never waits for a writer, and costs less than the hop to the thread pool (about a
    third of an advisor request's time). On PostgreSQL (a network round trip) it is read in a
    thread of :data:`_READS`. Its occasional last-use stamp is a write, which may wait for a
    lock, so it goes to the thread pool; so does a session (stamped on every request)."""
    store = get_store(request)
    if "authorization" in request.headers and (_local_file(store.url) or _server(store.url)):
        credential = _bearer(request)
        assert credential is not None
        now = get_clock(request)()
        if _local_file(store.url):
            principal, due, head = _check_bearer(store, credential, now=now, at_head=at_head)
        else:
            check = partial(_check_bearer, store, credential, now=now, at_head=at_head)
            principal, due, head = await asyncio.get_running_loop().run_in_executor(_READS, check)
        if due:
            await run_in_threadpool(tokens.touch_token, store, principal.token_id or "", now=now)
        return principal, head
    return await run_in_threadpool(_authenticate, request, at_head)


async def read_on_loop(store: Store, work: Callable[[], T]) -> T:
    """Run ``work``, which only reads the store, on the event loop when the store is a local
    SQLite file (in WAL mode a reader never waits for a writer, and the read costs less than
    the hop to the thread pool), else in the thread pool (PostgreSQL: a network round trip)."""
    if _local_file(store.url):
        return work()
    return await run_in_threadpool(work)


#: what no database can hold as text: NUL (PostgreSQL refuses it) and a lone UTF-16 surrogate
#: (no encoding writes it); a JSON string can carry either (``"\\u0000"``, ``"\\ud800"``)
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableText(InvalidInput):
    """Text with a character no database can store (NUL, a lone surrogate)."""


def _unstorable_at(value: Any, where: str) -> str | None:
    """The path of the first string in ``value`` (parsed JSON) holding an unstorable
    character, or ``None``."""
    if isinstance(value, str):
        return where if UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and UNSTORABLE.search(key):
            return f"{where}.{key!r}" if where else repr(key)
        found = _unstorable_at(item, f"{where}.{key}" if where else str(key))
        if found is not None:
            return found
    return None


async def refuse_unstorable(request: Request) -> None:
    """Refuse a query, path or JSON body holding a character no database can store, naming the
    field (the same answer on SQLite and PostgreSQL, instead of a driver error on one of them).
    Multipart and form bodies are checked as they are read (:mod:`commsgov.api.uploads`)."""
    for name, value in (*request.path_params.items(), *request.query_params.multi_items()):
        if isinstance(value, str) and UNSTORABLE.search(value):
            raise UnstorableText(f"{name}: a NUL or unpaired surrogate character", field=name)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            data = json.loads(await request.body())
        except ValueError:
            return  # not JSON: the route's own parsing says so
        found = _unstorable_at(data, "")
        if found is not None:
            field = found or "body"
            raise UnstorableText(f"{field}: a NUL or unpaired surrogate character", field=field)


def allowed(action: str, *, upload: bool = False) -> Any:
    """The dependency for a route doing ``action`` (an entry of the permission table).

    ``upload``: the route streams a multipart body itself (:mod:`commsgov.api.uploads`), so a
    CSRF token sent as a form field is checked there, as the body arrives, not here."""
    permission(action)  # an action not in the table fails here, as the routes are made

    async def caller(request: Request) -> Caller:
        return (await _admit(request, action, upload=upload, at_head=False))[0]

    return Depends(caller)


async def admit_at_head(request: Request, action: str) -> tuple[Caller, Head | None]:
    """What ``allowed(action)`` hands its route, for a route that calls it itself (one
    dependency instead of several), and the ledger's head when it was read with the caller's
    bearer token (``None``: a session, or nobody signed in)."""
    return await _admit(request, action, upload=False, at_head=True)


async def _admit(
    request: Request, action: str, *, upload: bool, at_head: bool
) -> tuple[Caller, Head | None]:
    """Authenticate the caller, check CSRF, a required new password and the permission table
    (a refusal is audited); the caller, and (``at_head``) the ledger's head read with a token."""
    entry = permission(action)
    if entry.access == PUBLIC:
        try:
            principal, head = await _identify(request, at_head=at_head)
        except NotAuthenticated:
            principal, head = None, None  # a stale cookie does not stop anyone signing in again
        await refuse_unstorable(request)
        return Caller(principal, client_actor(request, principal)), head
    principal, head = await _identify(request, at_head=at_head)
    if principal is None:
        raise NotAuthenticated("sign in first (a session cookie or a bearer token)")
    actor = client_actor(request, principal)
    if principal.via == "session":
        if upload and CSRF_HEADER not in request.headers:
            request.state.csrf_pending = principal.csrf_token or ""
        else:
            await check_csrf(request, principal.csrf_token)
    if principal.must_change_password and action not in _BEFORE_NEW_PASSWORD:
        raise PasswordChangeRequired(action, "change your one-time password first")
    if outcome(entry, principal.roles) != 200:
        event = PermissionDenied(action, request.method, entry.path, principal.roles)
        now = get_clock(request)()
        await run_in_threadpool(audit.record, get_store(request), event, actor=actor, now=now)
        raise PermissionRefused(action)
    await refuse_unstorable(request)
    return Caller(principal, actor), head
