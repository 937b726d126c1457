"""Who acts on the record, and from where: every service that reads or writes the record takes
one, as a required keyword, so a forgotten actor is a type error, never the server's account.

The command line builds one from ``--by`` (default ``COMMSGOV_USER`` or ``$USER``, a default
that lives in the command line only); the HTTP API will build one from the signed-in user and
the client's address.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commsgov.records.errors import InvalidFieldError

__all__ = ["Actor"]


@dataclass(frozen=True, slots=True)
class Actor:
    """A person (or machine) acting on the record: ``name`` is what the ledger records.

    ``via`` says from where: ``cli`` for the command line, else the client's address.
    ``user_id`` and ``roles`` are the account behind the name, once accounts exist.

    >>> Actor.cli("ann.clerk")
    Actor(name='ann.clerk', via='cli', user_id=None, roles=frozenset())
    >>> Actor(" ", via="cli")
    Traceback (most recent call last):
    ...
    commsgov.records.errors.InvalidFieldError: actor: say who is acting (a name)
    """

    name: str
    via: str
    user_id: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidFieldError("actor", "say who is acting (a name)")
        if not self.via.strip():
            raise InvalidFieldError("actor", "say from where (cli, or an address)")

    @classmethod
    def cli(cls, name: str) -> Actor:
        """Someone at the command line."""
        return cls(name=name, via="cli")
