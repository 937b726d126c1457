"""Who does something, and from where: the explicit actor every service takes.

One small frozen dataclass, in one place, so that a shell cannot forget it (it is a required
argument) and the audit trail and the ledger name the same person the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

#: ``source`` of an actor at the command line
CLI = "cli"
#: ``source`` of an actor reached over HTTP (the API or the web pages)
HTTP = "http"
#: ``source`` of what the service does by itself (first start, expiry sweeps)
SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts (``name``: a username, or ``$USER`` at the command line) and from where.

    ``source`` is ``cli``, ``http`` or ``system``; over HTTP ``address`` is the client's address
    (as forwarded by a trusted proxy) and ``user_agent`` what the client said it was.

    >>> Actor.cli("ann").where
    'cli'
    >>> Actor.http("ann", address="192.0.2.1", user_agent="curl/8").where
    '192.0.2.1'
    """

    name: str
    source: str = CLI
    address: str | None = None
    user_agent: str | None = None

    @classmethod
    def cli(cls, name: str) -> Actor:
        """Someone at the command line (``name``: ``--by``, ``COMMSGOV_USER`` or ``$USER``)."""
        return cls(name=name, source=CLI)

    @classmethod
    def http(cls, name: str, *, address: str | None, user_agent: str | None) -> Actor:
        """Someone calling over HTTP; ``name`` is ``-`` while nobody is signed in."""
        return cls(name=name, source=HTTP, address=address, user_agent=user_agent)

    @classmethod
    def system(cls) -> Actor:
        """commsgov itself (the first start creating ``admin``, for instance)."""
        return cls(name="commsgov", source=SYSTEM)

    def as_user(self, name: str) -> Actor:
        """The same client, now known as ``name`` (after signing in).

        >>> Actor.http("-", address="192.0.2.1", user_agent=None).as_user("ann").name
        'ann'
        """
        return Actor(
            name=name, source=self.source, address=self.address, user_agent=self.user_agent
        )

    @property
    def where(self) -> str:
        """``cli``, ``system``, or the client's address (``unknown`` when not known)."""
        if self.source != HTTP:
            return self.source
        return self.address or "unknown"
