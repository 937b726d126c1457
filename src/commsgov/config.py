"""Settings from the environment (``COMMSGOV_*``); the embedded SQLite database is the default.

Two readers of one set of names and defaults:

- :func:`core_settings` reads the few settings the command line and the services use
  (:class:`CoreSettings`: data folder, database, time zone, pack, user, ingest limits, where
  the ledger's head is signed and logged) straight
  from the environment, without importing Pydantic: pydantic-settings takes about 0.1 s to
  import, a tenth of ``commsgov ingest --dry-run`` on a 200,000-message chat;
- :class:`Settings` (pydantic-settings, :mod:`commsgov.settings_model`, loaded on first use)
  validates every setting, the HTTP service's too. Its core fields take their defaults from
  :class:`CoreSettings`, and ``tests/test_config.py`` checks both readers agree.

A value the light reader does not read plainly (a number written ``1_000``, an empty path) is
handed to ``Settings``, so both read it alike; one neither can read is a
:class:`SettingError` naming the variable.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from commsgov.errors import ConfigurationError
from commsgov.ingest.limits import Limits

if TYPE_CHECKING:
    from commsgov.settings_model import Settings, get_settings

__all__ = [
    "CoreSettings",
    "SettingError",
    "Settings",
    "core_settings",
    "default_data_dir",
    "get_settings",
]

PREFIX = "COMMSGOV_"
_DECIMAL = re.compile(r"[0-9]+")


class SettingError(ConfigurationError):
    """A ``COMMSGOV_*`` environment variable holds a value that cannot be used."""


def default_data_dir() -> Path:
    """Where commsgov keeps its database and stored files unless told otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "commsgov"


_LIMITS = Limits()
#: where stored files live (see ``CoreSettings.blob_backend``)
BlobBackend = Literal["auto", "filesystem", "database"]


@dataclass(frozen=True, slots=True)
class CoreSettings:
    """The settings the command line and the services read (each ``COMMSGOV_<NAME>``); the one
    definition of their defaults (:class:`Settings` takes them from here)."""

    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str | None = None
    #: where stored files (attachments, original exports) live: ``auto`` keeps them in the
    #: database with PostgreSQL (every host reaches them) and in a folder beside a SQLite file
    blob_backend: BlobBackend = "auto"
    timezone: str = "Europe/London"
    pack: Path | None = None
    #: who acts at the command line unless ``--by`` says otherwise (the services always take
    #: an explicit actor; this default belongs to the command line, see ``cli.common.actor``)
    user: str | None = None
    # what one import may read (see commsgov.ingest.limits and docs/ingest.md)
    ingest_max_member_bytes: int = _LIMITS.max_member_bytes
    ingest_max_expansion_ratio: int = _LIMITS.max_expansion_ratio
    ingest_max_message_chars: int = _LIMITS.max_message_chars
    ingest_max_import_bytes: int = _LIMITS.max_import_bytes
    # the head of the ledger, signed after every commit (see commsgov.store.checkpoint_log and
    # docs/records.md): the key file (default beside the SQLite file, or in the data folder),
    # the checkpoint log, a copy of it on another volume, and syslog
    signing_key: Path | None = None
    checkpoint_log: Path | None = None
    checkpoint_copy: Path | None = None
    checkpoint_syslog: bool = False

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite in the data folder."""
        return resolved_database_url(self.database_url, self.data_dir)

    def limits(self) -> Limits:
        """The ingest limits these settings give."""
        return Limits(
            max_member_bytes=self.ingest_max_member_bytes,
            max_expansion_ratio=self.ingest_max_expansion_ratio,
            max_message_chars=self.ingest_max_message_chars,
            max_import_bytes=self.ingest_max_import_bytes,
        )


#: each core setting's default (``data_dir``'s is computed: :func:`default_data_dir`)
CORE_DEFAULTS: dict[str, Any] = {
    f.name: f.default for f in dataclasses.fields(CoreSettings) if f.name != "data_dir"
}
#: how the light reader reads each core setting: ``str``, ``int`` or ``path``
_KINDS = {
    "data_dir": "path",
    "database_url": "str",
    "blob_backend": "choice",
    "timezone": "str",
    "pack": "path",
    "user": "str",
    "ingest_max_member_bytes": "int",
    "ingest_max_expansion_ratio": "int",
    "ingest_max_message_chars": "int",
    "ingest_max_import_bytes": "int",
    "signing_key": "path",
    "checkpoint_log": "path",
    "checkpoint_copy": "path",
    "checkpoint_syslog": "bool",
}
#: the ``bool`` values the light reader reads itself (any other spelling goes to pydantic)
_BOOLS = {"1": True, "true": True, "0": False, "false": False}


def resolved_database_url(database_url: str | None, data_dir: Path) -> str:
    """``database_url``, or SQLite in ``data_dir`` when it is unset or empty.

    >>> resolved_database_url(None, Path("/data"))
    'sqlite:////data/commsgov.db'
    """
    if database_url:
        return database_url
    return f"sqlite:///{data_dir / 'commsgov.db'}"


def _environment() -> dict[str, str]:
    """The ``COMMSGOV_*`` variables by lower-case setting name (pydantic-settings ignores the
    case of names too; where two spellings are set, the later in the environment wins in both)."""
    size = len(PREFIX)
    return {
        name[size:].lower(): value
        for name, value in os.environ.items()
        if name[:size].upper() == PREFIX
    }


def core_settings() -> CoreSettings:
    """The core settings from the environment (read afresh: cheap, and tests change it)."""
    given = _environment()
    values: dict[str, Any] = {}
    unusual = False
    for name, kind in _KINDS.items():
        if name not in given:
            continue
        raw = given[name]
        if kind == "str":
            values[name] = raw
        elif kind == "int" and _DECIMAL.fullmatch(raw):
            values[name] = int(raw)
        elif kind == "path" and raw:
            values[name] = Path(raw)
        elif kind == "choice" and raw in get_args(BlobBackend):
            values[name] = raw
        elif kind == "bool" and raw in _BOOLS:
            values[name] = _BOOLS[raw]
        else:
            unusual = True
    if unusual:
        # let pydantic read what is not plain (or say what is wrong with it)
        full = _validated()
        return CoreSettings(**{name: getattr(full, name) for name in _KINDS})
    return CoreSettings(**values)


def _validated() -> Settings:
    from pydantic import ValidationError

    from commsgov.settings_model import Settings

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{PREFIX}{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise SettingError(problems) from None


def __getattr__(name: str) -> Any:
    # Settings (pydantic-settings) loads on first use: the command line does not need it
    if name in ("Settings", "get_settings"):
        from commsgov import settings_model

        return getattr(settings_model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
