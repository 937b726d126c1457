"""Settings from the environment (``COMMSGOV_*``); the embedded SQLite database is the default."""

from __future__ import annotations

import os
from pathlib import Path

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
    timezone: str = "Europe/London"
    pack: Path | None = None
    user: str | None = None
    # what one import may read (see commsgov.ingest.limits and docs/ingest.md)
    ingest_max_member_bytes: int = 1 << 30
    ingest_max_expansion_ratio: int = 100
    ingest_max_message_chars: int = 1 << 20
    ingest_max_import_bytes: int = 8 << 30

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'commsgov.db'}"

    def actor(self) -> str:
        """The name recorded as the actor of a change when none is given."""
        return self.user or os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def get_settings() -> Settings:
    """Read settings afresh (cheap; keeps tests free to change the environment)."""
    return Settings()
