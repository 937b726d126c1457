"""Accounts and the audit trail: users, their identities, sessions, API tokens, sign-in
throttling, pending OpenID Connect sign-ins, and the hash-chained audit events.

On the shared :data:`commsgov.store.tables.metadata` (loaded by ``load_all_tables``). Secrets are
never stored: a session or token is found by the SHA-256 of its secret, and passwords are Argon2id
hashes. Throttling and session state live here (not in a worker's memory) so that several workers
and hosts share them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text

from commsgov.store.tables import Hash, RowId, UtcText, metadata

users = Table(
    "users",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    #: Argon2id (PHC string); NULL for an account that signs in through OpenID Connect only
    Column("password_hash", Text, nullable=True),
    #: canonical JSON list of role names, in ROLES order
    Column("roles", Text, nullable=False),
    Column("disabled", Boolean(create_constraint=False), nullable=False),
    #: a one-time password was given (first start, reset): it must be changed before anything
    Column("must_change_password", Boolean(create_constraint=False), nullable=False),
    #: ``<issuer> <subject>`` of an account that signs in through OpenID Connect
    Column("oidc_subject", String(500), nullable=True, unique=True),
    Column("created_at", UtcText, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", UtcText, nullable=False),
    Column("last_sign_in_at", UtcText, nullable=True),
)

#: the email addresses and phone numbers that are a user's in the record (to find the records
#: they took part in); one owner each
user_identities = Table(
    "user_identities",
    metadata,
    Column("id", RowId, primary_key=True),
    Column(
        "user_id", RowId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    #: ``email`` or ``phone``
    Column("kind", String(16), nullable=False),
    #: normalised: an email in lower case, a phone number as + and digits
    Column("value", String(320), nullable=False, unique=True),
)

auth_sessions = Table(
    "auth_sessions",
    metadata,
    #: SHA-256 of the session secret held in the cookie
    Column("id_hash", Hash, primary_key=True),
    Column(
        "user_id", RowId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("method", String(16), nullable=False),
    Column("created_at", UtcText, nullable=False),
    Column("last_seen_at", UtcText, nullable=False),
    #: absolute expiry; the idle expiry is last_seen_at + the idle timeout
    Column("expires_at", UtcText, nullable=False, index=True),
    Column("address", String(64), nullable=True),
    Column("user_agent", Text, nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("secret_hash", Hash, nullable=False),
    Column(
        "user_id", RowId, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("name", Text, nullable=False),
    #: canonical JSON list of role names: the token acts with these, if its user still holds them
    Column("roles", Text, nullable=False),
    Column("created_at", UtcText, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("expires_at", UtcText, nullable=True),
    Column("revoked_at", UtcText, nullable=True),
    Column("revoked_by", String(200), nullable=True),
    Column("last_used_at", UtcText, nullable=True),
)

#: failed sign-ins per key (``user:<name>``, ``addr:<address>``)
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", UtcText, nullable=False),
    Column("locked_until", UtcText, nullable=True),
)

#: OpenID Connect sign-ins under way (found by the SHA-256 of their ``state``)
oidc_logins = Table(
    "oidc_logins",
    metadata,
    Column("state_hash", Hash, primary_key=True),
    Column("nonce", String(128), nullable=False),
    Column("code_verifier", String(128), nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("expires_at", UtcText, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", RowId, primary_key=True, autoincrement=False),
    Column("at", UtcText, nullable=False, index=True),
    Column("actor", String(200), nullable=False, index=True),
    #: ``cli``, ``http`` or ``system``
    Column("source", String(16), nullable=False),
    Column("address", String(64), nullable=True),
    Column("user_agent", Text, nullable=True),
    Column("action", String(64), nullable=False, index=True),
    Column("target", String(400), nullable=False, index=True),
    Column("outcome", String(16), nullable=False),
    #: canonical JSON of the event's details
    Column("details", Text, nullable=False),
    Column("prev_hash", Hash, nullable=False),
    Column("entry_hash", Hash, nullable=False, unique=True),
)
