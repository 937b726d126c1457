"""Every setting, validated by pydantic-settings: :class:`Settings` (``COMMSGOV_<NAME>``).

The HTTP service reads its settings here. The command line and the services read the core ones
through :func:`commsgov.config.core_settings` instead, without importing Pydantic; the core
fields below take their defaults from :class:`commsgov.config.CoreSettings`, their one
definition. Import ``Settings`` from :mod:`commsgov.config`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from commsgov.config import CORE_DEFAULTS, BlobBackend, default_data_dir, resolved_database_url

__all__ = ["Settings", "get_settings"]

_D = CORE_DEFAULTS


class Settings(BaseSettings):
    """commsgov's settings; each can be set as ``COMMSGOV_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="COMMSGOV_", extra="ignore")

    # -- the core settings (commsgov.config.CoreSettings: same names, same defaults) --
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = _D["database_url"]
    blob_backend: BlobBackend = _D["blob_backend"]
    timezone: str = _D["timezone"]
    pack: Path | None = _D["pack"]
    user: str | None = _D["user"]
    ingest_max_member_bytes: int = _D["ingest_max_member_bytes"]
    ingest_max_expansion_ratio: int = _D["ingest_max_expansion_ratio"]
    ingest_max_message_chars: int = _D["ingest_max_message_chars"]
    ingest_max_import_bytes: int = _D["ingest_max_import_bytes"]
    signing_key: Path | None = _D["signing_key"]
    checkpoint_log: Path | None = _D["checkpoint_log"]
    checkpoint_copy: Path | None = _D["checkpoint_copy"]
    checkpoint_syslog: bool = _D["checkpoint_syslog"]

    # -- the HTTP service (``commsgov serve``) --
    #: a session ends after this many minutes without use, and this many hours after sign-in
    session_idle_minutes: int = 30
    session_hours: int = 12
    #: mark the session cookie Secure: always (true), never (false), or when the request came
    #: over HTTPS (unset)
    cookie_secure: bool | None = None
    #: addresses (comma-separated; ``*`` for any) of proxies whose X-Forwarded-For and
    #: X-Forwarded-Proto headers are believed; nobody's by default
    trusted_proxies: str = ""
    #: OpenID Connect sign-in, on when a discovery URL and client id are set
    oidc_discovery_url: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid profile email"
    #: the claim naming the user (becomes the username), and the claim listing their groups or
    #: app roles, with a map from its values to commsgov roles (JSON in the environment)
    oidc_username_claim: str = "preferred_username"
    oidc_roles_claim: str = "roles"
    oidc_role_map: dict[str, str] = {}

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite in the data folder."""
        return resolved_database_url(self.database_url, self.data_dir)


def get_settings() -> Settings:
    """Read settings afresh (cheap; keeps tests free to change the environment)."""
    return Settings()
