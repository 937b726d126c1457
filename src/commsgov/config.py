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
    #: who acts at the command line unless ``--by`` says otherwise (the services always take
    #: an explicit actor; this default belongs to the command line, see ``cli.common.actor``)
    user: str | None = None

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'commsgov.db'}"


def get_settings() -> Settings:
    """Read settings afresh (cheap; keeps tests free to change the environment)."""
    return Settings()
