"""OpenID Connect sign-in (e.g. Microsoft Entra ID), optional, through Authlib.

The authorisation code flow with PKCE: :func:`begin` stores the sign-in under way (the SHA-256 of
its ``state``, its ``nonce`` and PKCE verifier) in the database, so any worker or host can finish
it, and returns the provider's URL; :func:`finish` exchanges the code, checks the ID token's
signature against the provider's JWKS and its issuer, audience, expiry and nonce, maps a claim to
roles, and starts a session. An account signed in this way has no password; its roles follow the
provider's claim at every sign-in.

Needs the ``oidc`` extra (``pip install 'commsgov[oidc]'``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from commsgov.accounts.actor import Actor
from commsgov.accounts.credentials import new_secret, secret_hash
from commsgov.accounts.errors import AccountConflict, SignInFailed
from commsgov.accounts.events import SignInFailed as SignInFailedEvent
from commsgov.accounts.roles import ROLES
from commsgov.records.errors import InvalidFieldError
from commsgov.records.timestamps import utc_text
from commsgov.store import repo_accounts as repo

from . import audit, sessions, users
from ._support import clock
from .audit import Database

__all__ = ["OidcConfig", "begin", "finish"]

_PENDING = dt.timedelta(minutes=10)
_LEEWAY = 120  # seconds of clock difference tolerated on exp/iat


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """Where the provider is and how its claims become a commsgov user and roles."""

    discovery_url: str
    client_id: str
    client_secret: str | None = None
    scopes: str = "openid profile email"
    username_claim: str = "preferred_username"
    roles_claim: str = "roles"
    role_map: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Any) -> OidcConfig | None:
        """The configuration in ``settings`` (``None`` when OpenID Connect is off)."""
        if not settings.oidc_discovery_url or not settings.oidc_client_id:
            return None
        return cls(
            discovery_url=settings.oidc_discovery_url,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            scopes=settings.oidc_scopes,
            username_claim=settings.oidc_username_claim,
            roles_claim=settings.oidc_roles_claim,
            role_map=dict(settings.oidc_role_map),
        )

    def roles_for(self, claims: dict[str, Any]) -> tuple[str, ...]:
        """The commsgov roles that the ``roles_claim`` maps to (unknown values are ignored)."""
        given = claims.get(self.roles_claim) or []
        values = [given] if isinstance(given, str) else [str(v) for v in given]
        mapped = {self.role_map[v] for v in values if v in self.role_map}
        return tuple(str(r) for r in ROLES if r in mapped)


def _client(config: OidcConfig, redirect_uri: str) -> Any:
    from authlib.integrations.httpx_client import OAuth2Client

    return OAuth2Client(
        config.client_id,
        config.client_secret,
        scope=config.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=10,
    )


def _discover(config: OidcConfig) -> dict[str, Any]:
    import httpx

    answer = httpx.get(config.discovery_url, timeout=10)
    answer.raise_for_status()
    document: dict[str, Any] = answer.json()
    return document


def begin(
    db: Database, config: OidcConfig, *, redirect_uri: str, now: dt.datetime | None = None
) -> str:
    """Start a sign-in: the provider's URL to send the browser to."""
    provider = _discover(config)
    state, nonce, verifier = new_secret(), new_secret(), new_secret() + new_secret()[:20]
    with db.write() as conn:
        repo.insert_oidc_login(
            conn, state_hash=secret_hash(state), nonce=nonce, code_verifier=verifier,
            redirect_uri=redirect_uri, expires_at=utc_text(clock(now) + _PENDING),
        )  # fmt: skip
    with _client(config, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            provider["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
    return str(url)


class _Refused(Exception):
    """The provider's answer cannot be accepted (the message says why, for the audit trail)."""


def _claims(config: OidcConfig, provider: dict[str, Any], id_token: str, nonce: str,
            at: dt.datetime) -> dict[str, Any]:  # fmt: skip
    import httpx
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    keys = KeySet.import_key_set(httpx.get(provider["jwks_uri"], timeout=10).json())
    try:
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256"])
    except (JoseError, ValueError) as exc:
        raise _Refused(f"ID token signature not valid: {exc}") from exc
    claims: dict[str, Any] = dict(token.claims)
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    stamp = at.timestamp()
    if claims.get("iss") != provider.get("issuer"):
        raise _Refused("ID token from another issuer")
    if config.client_id not in audiences:
        raise _Refused("ID token for another client")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] + _LEEWAY < stamp:
        raise _Refused("ID token expired")
    if isinstance(claims.get("iat"), int | float) and claims["iat"] - _LEEWAY > stamp:
        raise _Refused("ID token issued in the future")
    if claims.get("nonce") != nonce:
        raise _Refused("ID token nonce does not match")
    if not claims.get("sub"):
        raise _Refused("ID token has no subject")
    return claims


def finish(
    db: Database,
    config: OidcConfig,
    *,
    code: str,
    state: str,
    actor: Actor,
    now: dt.datetime | None = None,
    lifetime: dt.timedelta = sessions.LIFETIME,
) -> sessions.SignIn:
    """Finish a sign-in from the provider's redirect; :class:`SignInFailed` when anything does
    not hold (recorded with the reason in the audit trail)."""
    at = clock(now)
    with db.write() as conn:
        pending = repo.pop_oidc_login(conn, state_hash=secret_hash(state), now=utc_text(at))
    username = "-"
    try:
        if pending is None:
            raise _Refused("unknown or expired sign-in (state)")
        provider = _discover(config)
        with _client(config, pending.redirect_uri) as client:
            try:
                token = client.fetch_token(
                    provider["token_endpoint"], code=code, code_verifier=pending.code_verifier
                )
            except Exception as exc:  # the provider said no, or could not be reached
                raise _Refused(f"token endpoint refused the code: {exc}") from exc
        if "id_token" not in token:
            raise _Refused("no ID token in the provider's answer")
        claims = _claims(config, provider, str(token["id_token"]), pending.nonce, at)
        username = users.normalise_username(str(claims.get(config.username_claim) or ""))
        if not username:
            raise _Refused(f"no {config.username_claim} claim")
        subject = f"{claims['iss']} {claims['sub']}"
        roles = config.roles_for(claims)
        with db.read() as conn:
            linked = repo.user_row(conn, oidc_subject=subject)
            taken = repo.user_row(conn, username=username)
        if linked is None and taken is not None:
            raise _Refused(f"username {username} belongs to an account not linked to this login")
        system = Actor.system()
        try:
            if linked is None:
                users.add_user(
                    db, username=username, roles=roles, oidc_subject=subject, actor=system,
                    now=at, display_name=str(claims.get("name") or username)[:200],
                    emails=[claims["email"]] if isinstance(claims.get("email"), str) else (),
                )  # fmt: skip
            else:
                username = linked.username
                if tuple(json.loads(linked.roles)) != roles:
                    users.set_roles(db, username, roles, actor=system, now=at)
        except (InvalidFieldError, AccountConflict) as exc:
            raise _Refused(f"cannot make the account: {exc}") from exc
    except _Refused as exc:
        event = SignInFailedEvent(username, "oidc", str(exc)[:500])
        audit.record(db, event, actor=actor, now=at)
        raise SignInFailed() from exc
    return sessions.start_session(
        db, username=username, method="oidc", actor=actor, now=at, lifetime=lifetime
    )
