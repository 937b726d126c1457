"""Settings from the environment (``COMMSGOV_*``); the embedded SQLite database is the default."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Where commsgov keeps its database and stored files unless told otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "commsgov"


class Settings(BaseSettings):
    """commsgov's settings; each can be set as ``COMMSGOV_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="COMMSGOV_", extra="ignore")

    data_dir: Path = default_data_dir()
    database_url: str | None = None
    #: where stored files (attachments, original exports) live: ``auto`` keeps them in the
    #: database with PostgreSQL (every host reaches them) and in a folder beside a SQLite file
    blob_backend: Literal["auto", "filesystem", "database"] = "auto"
    timezone: str = "Europe/London"
    pack: Path | None = None
    #: who acts at the command line unless ``--by`` says otherwise (the services always take
    #: an explicit actor; this default belongs to the command line, see ``cli.common.actor``)
    user: str | None = None
    # what one import may read (see commsgov.ingest.limits and docs/ingest.md)
    ingest_max_member_bytes: int = 1 << 30
    ingest_max_expansion_ratio: int = 100
    ingest_max_message_chars: int = 1 << 20
    ingest_max_import_bytes: int = 8 << 30

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
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'commsgov.db'}"


def get_settings() -> Settings:
    """Read settings afresh (cheap; keeps tests free to change the environment)."""
    return Settings()
