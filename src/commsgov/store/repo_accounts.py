"""Repository functions for accounts and the audit trail (keyword-only, inside the caller's
transaction). Appending to the audit trail: :func:`lock_audit` first, then :func:`audit_head`
and :func:`insert_audit`, all in one write transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from commsgov.accounts.chain import AuditEntry
from commsgov.records.ledger import GENESIS
from commsgov.store.tables import ledger
from commsgov.store.tables_accounts import (
    api_tokens,
    audit_events,
    auth_sessions,
    login_throttle,
    oidc_logins,
    user_identities,
    users,
)

# pg_advisory_xact_lock key of the audit chain (the ledger has its own)
_AUDIT_LOCK = 0x636F6D6D73617564


def lock_audit(conn: Connection) -> None:
    """Serialise appends to the audit chain for the rest of this transaction (PostgreSQL: an
    advisory lock; SQLite writers already hold the write lock from ``BEGIN IMMEDIATE``)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK})


def audit_head(conn: Connection) -> tuple[int, str]:
    """``(seq, entry_hash)`` of the last audit entry; ``(0, GENESIS)`` when there is none."""
    row = conn.execute(
        select(audit_events.c.seq, audit_events.c.entry_hash)
        .order_by(audit_events.c.seq.desc())
        .limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def insert_audit(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    """Store entries already chained by :func:`commsgov.accounts.chain.make_audit_entry`."""
    if entries:
        conn.execute(insert(audit_events), [e.to_dict() for e in entries])


def _entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(**row._mapping)


def iter_audit(conn: Connection, *, batch: int = 5000) -> Iterator[AuditEntry]:
    """Every audit entry in ``seq`` order, read in batches."""
    after = 0
    while True:
        rows = conn.execute(
            select(audit_events)
            .where(audit_events.c.seq > after)
            .order_by(audit_events.c.seq)
            .limit(batch)
        ).all()
        for row in rows:
            yield _entry(row)
        if len(rows) < batch:
            return
        after = int(rows[-1].seq)


def search_audit(
    conn: Connection,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    outcome: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
    newest_first: bool = True,
) -> list[AuditEntry]:
    """Audit entries matching every filter given (``target``: exact, or a prefix ending ``*``;
    ``since``/``until``: UTC text, ``until`` exclusive)."""
    c = audit_events.c
    query = select(audit_events)
    if actor is not None:
        query = query.where(c.actor == actor)
    if action is not None:
        query = query.where(c.action == action)
    if target is not None:
        if target.endswith("*"):
            prefix = target[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(c.target.like(prefix + "%", escape="\\"))
        else:
            query = query.where(c.target == target)
    if outcome is not None:
        query = query.where(c.outcome == outcome)
    if since is not None:
        query = query.where(c.at >= since)
    if until is not None:
        query = query.where(c.at < until)
    query = query.order_by(c.seq.desc() if newest_first else c.seq)
    if limit is not None:
        query = query.limit(limit)
    return [_entry(row) for row in conn.execute(query)]


# -- users ----------------------------------------------------------------------------------
def insert_user(conn: Connection, **values: Any) -> int:
    """Add a user row; its id."""
    key = conn.execute(insert(users).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def user_row(conn: Connection, *, username: str | None = None, user_id: int | None = None,
             oidc_subject: str | None = None) -> Row[Any] | None:  # fmt: skip
    """The user row found by one of its keys."""
    query = select(users)
    if username is not None:
        query = query.where(users.c.username == username)
    elif user_id is not None:
        query = query.where(users.c.id == user_id)
    else:
        query = query.where(users.c.oidc_subject == oidc_subject)
    return conn.execute(query).first()


def user_rows(conn: Connection) -> list[Row[Any]]:
    """Every user, by username."""
    return list(conn.execute(select(users).order_by(users.c.username)))


def count_users(conn: Connection) -> int:
    """How many users there are."""
    return int(conn.execute(select(func.count()).select_from(users)).scalar_one())


def update_user(conn: Connection, *, user_id: int, **values: Any) -> None:
    """Set columns of one user."""
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def identities(conn: Connection, *, user_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """Each user's ``(kind, value)`` identities, sorted."""
    found: dict[int, list[tuple[str, str]]] = {uid: [] for uid in user_ids}
    if user_ids:
        rows = conn.execute(
            select(user_identities.c.user_id, user_identities.c.kind, user_identities.c.value)
            .where(user_identities.c.user_id.in_(list(user_ids)))
            .order_by(user_identities.c.kind, user_identities.c.value)
        )
        for uid, kind, value in rows:
            found[int(uid)].append((str(kind), str(value)))
    return found


#: built once (:func:`read_emails` runs on advisor requests)
_EMAILS = (
    select(user_identities.c.value)
    .where(user_identities.c.user_id == bindparam("user_id"), user_identities.c.kind == "email")
    .order_by(user_identities.c.value)
)


def read_emails(engine: Engine, *, user_id: int) -> list[str]:
    """A user's email addresses, in a read of their own, as quickly as the backend allows
    (:func:`commsgov.store.quick.quick_rows`)."""
    from commsgov.store.quick import quick_rows

    return [str(row[0]) for row in quick_rows(engine, _EMAILS, {"user_id": user_id})]


def identity_owner(conn: Connection, *, value: str) -> int | None:
    """The id of the user an identity belongs to."""
    found = conn.execute(
        select(user_identities.c.user_id).where(user_identities.c.value == value)
    ).scalar()
    return None if found is None else int(found)


def replace_identities(
    conn: Connection, *, user_id: int, values: Sequence[tuple[str, str]]
) -> None:
    """Make ``values`` (``(kind, value)``) the user's identities."""
    conn.execute(delete(user_identities).where(user_identities.c.user_id == user_id))
    if values:
        conn.execute(
            insert(user_identities),
            [{"user_id": user_id, "kind": k, "value": v} for k, v in values],
        )


# -- sessions -------------------------------------------------------------------------------
def insert_session(conn: Connection, **values: Any) -> None:
    """Add a session row."""
    conn.execute(insert(auth_sessions).values(**values))


def session_row(conn: Connection, *, id_hash: str) -> Row[Any] | None:
    """A session and its user's state (``username``, ``roles``, ``disabled``, ...)."""
    query = (
        select(
            auth_sessions,
            users.c.username,
            users.c.roles,
            users.c.disabled,
            users.c.must_change_password,
        )
        .join(users, users.c.id == auth_sessions.c.user_id)
        .where(auth_sessions.c.id_hash == id_hash)
    )
    return conn.execute(query).first()


def touch_session(conn: Connection, *, id_hash: str, at: str) -> None:
    """Record activity on a session (for its idle expiry)."""
    conn.execute(
        update(auth_sessions).where(auth_sessions.c.id_hash == id_hash).values(last_seen_at=at)
    )


def delete_session(conn: Connection, *, id_hash: str) -> int:
    """End one session; 1 if it existed."""
    return int(
        conn.execute(delete(auth_sessions).where(auth_sessions.c.id_hash == id_hash)).rowcount
    )


def delete_user_sessions(conn: Connection, *, user_id: int, keep: str | None = None) -> int:
    """End every session of a user (but ``keep``); how many ended."""
    query = delete(auth_sessions).where(auth_sessions.c.user_id == user_id)
    if keep is not None:
        query = query.where(auth_sessions.c.id_hash != keep)
    return int(conn.execute(query).rowcount)


def delete_stale_sessions(conn: Connection, *, now: str, idle_before: str) -> int:
    """Remove sessions past their absolute or idle expiry."""
    stale = or_(auth_sessions.c.expires_at <= now, auth_sessions.c.last_seen_at < idle_before)
    return int(conn.execute(delete(auth_sessions).where(stale)).rowcount)


# -- API tokens -----------------------------------------------------------------------------
def insert_token(conn: Connection, **values: Any) -> None:
    """Add a token row."""
    conn.execute(insert(api_tokens).values(**values))


def _token_query() -> Any:
    return select(
        api_tokens, users.c.username, users.c.roles.label("user_roles"), users.c.disabled
    ).join(users, users.c.id == api_tokens.c.user_id)


#: built once: every API request with a token asks it (building and keying a statement anew
#: cost more than running it)
_TOKEN_BY_ID = _token_query().where(api_tokens.c.id == bindparam("token_id"))


def _last(column: Any) -> Any:
    return select(column).order_by(ledger.c.seq.desc()).limit(1).scalar_subquery()


#: the same, with the record's ledger head (``head_seq``, ``head_hash``: ``None`` on an empty
#: ledger) read in the same statement, so at the same instant: an advisor request's one read
_TOKEN_AT_HEAD = _TOKEN_BY_ID.add_columns(
    _last(ledger.c.seq).label("head_seq"), _last(ledger.c.entry_hash).label("head_hash")
)


def token_row(conn: Connection, *, token_id: str, at_head: bool = False) -> Row[Any] | None:
    """A token with its user's ``username``, ``user_roles`` and ``disabled`` (``at_head``: and
    the ledger's head, ``head_seq`` and ``head_hash``)."""
    statement = _TOKEN_AT_HEAD if at_head else _TOKEN_BY_ID
    return conn.execute(statement, {"token_id": token_id}).first()


def read_token_row(engine: Engine, *, token_id: str, at_head: bool = False) -> Any:
    """:func:`token_row` in a read of its own, as quickly as the backend allows
    (:func:`commsgov.store.quick.quick_rows`: every API request with a token asks this; on
    SQLite ``disabled`` is 0 or 1)."""
    from commsgov.store.quick import quick_rows

    statement = _TOKEN_AT_HEAD if at_head else _TOKEN_BY_ID
    found = quick_rows(engine, statement, {"token_id": token_id})
    return found[0] if found else None


def token_rows(conn: Connection, *, user_id: int | None = None) -> list[Row[Any]]:
    """Tokens (of one user, or all), newest first."""
    query = _token_query()
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    return list(conn.execute(query.order_by(api_tokens.c.created_at.desc(), api_tokens.c.id)))


def update_token(conn: Connection, *, token_id: str, **values: Any) -> None:
    """Set columns of one token."""
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(**values))


# -- sign-in throttling ---------------------------------------------------------------------
def throttle_rows(conn: Connection, *, keys: Sequence[str]) -> dict[str, Row[Any]]:
    """The throttling state of each key that has one."""
    rows = conn.execute(select(login_throttle).where(login_throttle.c.key.in_(list(keys))))
    return {str(row.key): row for row in rows}


def put_throttle(conn: Connection, *, key: str, failures: int, window_start: str,
                 locked_until: str | None) -> None:  # fmt: skip
    """Store a key's state (the caller holds the audit lock, so no one else writes it)."""
    values = {"failures": failures, "window_start": window_start, "locked_until": locked_until}
    done = conn.execute(update(login_throttle).where(login_throttle.c.key == key).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(login_throttle).values(key=key, **values))


def clear_throttle(conn: Connection, *, key: str) -> None:
    """Forget a key's failures (after a successful sign-in)."""
    conn.execute(delete(login_throttle).where(login_throttle.c.key == key))


# -- OpenID Connect sign-ins under way ------------------------------------------------------
def insert_oidc_login(conn: Connection, **values: Any) -> None:
    """Remember an OpenID Connect sign-in under way."""
    conn.execute(insert(oidc_logins).values(**values))


def pop_oidc_login(conn: Connection, *, state_hash: str, now: str) -> Row[Any] | None:
    """Take (and delete) a sign-in under way, if it has not expired; expired ones are dropped."""
    row = conn.execute(
        select(oidc_logins).where(
            and_(oidc_logins.c.state_hash == state_hash, oidc_logins.c.expires_at > now)
        )
    ).first()
    conn.execute(
        delete(oidc_logins).where(
            or_(oidc_logins.c.state_hash == state_hash, oidc_logins.c.expires_at <= now)
        )
    )
    return row
