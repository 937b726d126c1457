"""A store's identity: its Ed25519 signing key, kept in a file outside the database.

The key signs the ledger's head after every commit (:mod:`commsgov.store.checkpoint_log`), so
that the newest entries cannot vanish unseen by someone who holds the database alone. The store's
identity is its public key; its id, the first 32 hex digits of that key's SHA-256. An offline
store (issue 17) has its own key: the central store registers its public key and checks its
checkpoints before merging.

The key file is PKCS#8 PEM (``openssl pkey -in FILE -pubout`` reads it), created on first use
with mode 0600 in a folder created 0700, never overwritten. Two processes creating it at once
agree on one key (the file is created exclusively; the loser reads the winner's).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from commsgov.errors import ConfigurationError

__all__ = [
    "KeyFileError",
    "StoreIdentity",
    "key_id",
    "load_identity",
    "public_key_text",
    "verify_signature",
]


class KeyFileError(ConfigurationError):
    """The store's signing key file cannot be read, created or used."""


def key_id(public_key: bytes) -> str:
    """A store's id: the first 32 hex digits of the SHA-256 of its raw public key.

    >>> key_id(bytes(32))
    '66687aadf862bd776c8fc18b8e9f8e20'
    """
    return hashlib.sha256(public_key).hexdigest()[:32]


def public_key_text(public_key: bytes) -> str:
    """The public key as one printable word (``ed25519:<base64 of the raw 32 bytes>``).

    >>> public_key_text(bytes(32))
    'ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='
    """
    return "ed25519:" + base64.b64encode(public_key).decode("ascii")


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``public_key``'s Ed25519 signature of ``message``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class StoreIdentity:
    """A store's signing key: where it is, its public key and id, and signing."""

    path: Path
    public_key: bytes
    _private: object = field(repr=False, compare=False)

    @property
    def id(self) -> str:
        """The store's id (:func:`key_id`)."""
        return key_id(self.public_key)

    @property
    def public_text(self) -> str:
        """The public key as printed and registered (:func:`public_key_text`)."""
        return public_key_text(self.public_key)

    def public_pem(self) -> str:
        """The public key as PEM (SubjectPublicKeyInfo), for tools that want one."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        key = Ed25519PublicKey.from_public_bytes(self.public_key)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def sign(self, message: bytes) -> bytes:
        """The Ed25519 signature of ``message``."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        assert isinstance(self._private, Ed25519PrivateKey)
        return self._private.sign(message)

    def loosely_protected(self) -> bool:
        """Whether others than the owner may read or write the key file (it should be 0600)."""
        try:
            return bool(self.path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
        except OSError:
            return False


def _create(path: Path) -> None:
    """Write a new key to ``path`` exclusively (0600); a key already there is kept."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: keep theirs
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_identity(path: Path, *, create: bool = True) -> StoreIdentity | None:
    """The identity whose key is at ``path``; created there first when ``create`` (else
    ``None`` when there is no key). A file that is not an Ed25519 key is a
    :class:`KeyFileError`, never silently replaced."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path)
    try:
        if not path.exists():
            if not create:
                return None
            _create(path)
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"signing key {path}: {exc.strerror or exc}") from exc
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"signing key {path} is not a PEM private key ({exc})") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyFileError(f"signing key {path} is not an Ed25519 key")
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return StoreIdentity(path, public, private)
