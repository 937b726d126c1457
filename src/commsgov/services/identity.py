"""The store's identity: its signing key's public part and where its head is signed."""

from __future__ import annotations

from dataclasses import dataclass

from commsgov.accounts.actor import Actor
from commsgov.errors import ConfigurationError
from commsgov.store.handle import Store

__all__ = ["StoreIdentityView", "store_identity"]


@dataclass(frozen=True, slots=True)
class StoreIdentityView:
    """A store's identity: its id and public key (to print, register, and check its signed
    checkpoints with), where its key and checkpoint logs are, whether this call created the key,
    and the latest checkpoint signed."""

    store_id: str
    public_key: str
    public_key_pem: str
    key_file: str
    checkpoint_log: str
    checkpoint_copy: str | None
    syslog: bool
    created: bool
    checkpoint_seq: int | None
    checkpoint_at: str | None


def store_identity(store: Store, *, actor: Actor, create: bool = True) -> StoreIdentityView:
    """The store's identity; its key is created first (0600, beside the database) when there is
    none and ``create`` (as the first change would)."""
    anchor = store.anchor
    if anchor is None:
        raise ConfigurationError("this store signs no checkpoints (it has no key)")
    existed = anchor.key_file.exists()
    identity = anchor.identity(create=create)
    if identity is None:
        raise ConfigurationError(f"no signing key at {anchor.key_file} yet")
    latest = anchor.read().latest
    return StoreIdentityView(
        store_id=identity.id,
        public_key=identity.public_text,
        public_key_pem=identity.public_pem(),
        key_file=str(anchor.key_file),
        checkpoint_log=str(anchor.log),
        checkpoint_copy=str(anchor.copy) if anchor.copy is not None else None,
        syslog=anchor.syslog,
        created=not existed,
        checkpoint_seq=latest.seq if latest is not None else None,
        checkpoint_at=latest.at if latest is not None else None,
    )
