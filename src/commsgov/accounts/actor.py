"""Who acts, and from where: the explicit actor every service takes.

One small frozen dataclass in one place. Every service that reads or writes the record, the
retention state, the accounts or the audit trail takes it as a required keyword, so a forgotten
actor is a type error, never the server's account in the ledger, and the ledger and the audit
trail name the same person the same way.

The command line builds one from ``--by`` (default ``COMMSGOV_USER``, then ``$USER``: a default
that lives in the command line only, :func:`commsgov.cli.common.actor`); the HTTP API from the
signed-in user (their id and roles) and the client's address and user agent
(:func:`commsgov.api.deps.client_actor`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from commsgov.records.errors import InvalidFieldError

__all__ = ["CLI", "HTTP", "SYSTEM", "UNKNOWN_ADDRESS", "Actor"]

#: ``via`` of someone at the command line (and ``source`` in the audit trail)
CLI = "cli"
#: ``via`` of what commsgov does by itself: the first start creating ``admin``, expiry sweeps
SYSTEM = "system"
#: ``source`` in the audit trail of an actor reached over HTTP (the API, later the web pages)
HTTP = "http"
#: ``via`` of an HTTP client whose address is not known
UNKNOWN_ADDRESS = "unknown"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts (``name``: what the ledger and the audit trail record) and from where.

    ``via`` is ``cli``, ``system``, or an HTTP client's address (as forwarded by a trusted proxy;
    ``unknown`` when not known), and ``user_agent`` what that client said it was. ``user_id``
    and ``roles`` are the signed-in account behind the name (none at the command line, which
    acts as a name).

    >>> Actor.cli("ann.clerk")
    Actor(name='ann.clerk', via='cli', user_agent=None, user_id=None, roles=frozenset())
    >>> web = Actor.http("ann", address="192.0.2.1", user_agent="curl/8", user_id=7,
    ...                  roles=["staff"])
    >>> web.via, web.source, web.address, sorted(web.roles)
    ('192.0.2.1', 'http', '192.0.2.1', ['staff'])
    >>> Actor(" ", via="cli")
    Traceback (most recent call last):
    ...
    commsgov.records.errors.InvalidFieldError: actor: say who is acting (a name)
    """

    name: str
    via: str
    user_agent: str | None = None
    user_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidFieldError("actor", "say who is acting (a name)")
        if not self.via.strip():
            raise InvalidFieldError("actor", "say from where (cli, or an address)")

    @classmethod
    def cli(cls, name: str) -> Actor:
        """Someone at the command line (``name``: ``--by``, ``COMMSGOV_USER`` or ``$USER``)."""
        return cls(name=name, via=CLI)

    @classmethod
    def http(
        cls,
        name: str,
        *,
        address: str | None,
        user_agent: str | None,
        user_id: int | None = None,
        roles: Iterable[str] = (),
    ) -> Actor:
        """Someone calling over HTTP (``name`` is ``-`` while nobody is signed in)."""
        return cls(
            name=name,
            via=address or UNKNOWN_ADDRESS,
            user_agent=user_agent,
            user_id=user_id,
            roles=frozenset(roles),
        )

    @classmethod
    def system(cls) -> Actor:
        """commsgov itself (the first start creating ``admin``, for instance)."""
        return cls(name="commsgov", via=SYSTEM)

    def as_user(self, name: str, *, user_id: int | None = None) -> Actor:
        """The same client, now known as ``name`` (after signing in).

        >>> Actor.http("-", address="192.0.2.1", user_agent=None).as_user("ann").name
        'ann'
        """
        return dataclasses.replace(self, name=name, user_id=user_id)

    @property
    def source(self) -> str:
        """``cli``, ``system`` or ``http``: how the actor reached commsgov (the audit trail's
        ``source``)."""
        return self.via if self.via in (CLI, SYSTEM) else HTTP

    @property
    def address(self) -> str | None:
        """An HTTP client's address (``None`` at the command line, for commsgov itself, or when
        not known)."""
        if self.source != HTTP or self.via == UNKNOWN_ADDRESS:
            return None
        return self.via
