"""Sealing confidential content at rest with AES-256-GCM (§7.3.2, §10.2, §10.9).

The keys live outside the database, in a key-ring file (``settings.SKILLCERT_ITEM_KEY``; mode 0600,
owned by the service user). One key per line::

    <key id> <32 random bytes, base64url>

The last line is the active key: new content is sealed under it; older keys stay only until
``manage.py rotate_item_key`` has re-sealed everything under a new key and retired them. A raw dump
of the database therefore holds ciphertext, nonces and key ids — never the text and never a key.

Every sealed value is bound to where it belongs by its associated data (e.g. ``item:42:v3``), so a
ciphertext copied onto another row does not open.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings

NONCE_BYTES = 12
KEY_BYTES = 32


class SealError(Exception):
    """A sealed value could not be opened: unknown key id, wrong key or tampered data."""


@dataclass(frozen=True)
class KeyRing:
    path: Path
    keys: dict[str, bytes]
    active_id: str

    def seal(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
        """(key id, nonce ‖ ciphertext ‖ tag) under the active key."""
        nonce = os.urandom(NONCE_BYTES)
        return self.active_id, nonce + AESGCM(self.keys[self.active_id]).encrypt(nonce, plaintext, aad)

    def open(self, key_id: str, blob: bytes, aad: bytes) -> bytes:
        key = self.keys.get(key_id)
        if key is None:
            raise SealError(f"key {key_id!r} is not in the key ring {self.path}")
        blob = bytes(blob)
        try:
            return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
        except InvalidTag:
            raise SealError("sealed content failed authentication (wrong key, wrong row or tampered)") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parse(path: Path, text: str) -> KeyRing:
    keys: dict[str, bytes] = {}
    active = ""
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            key_id, encoded = line.split()
            key = _unb64(encoded)
        except ValueError:
            raise SealError(f"{path}:{number}: expected '<key id> <base64 key>'") from None
        if len(key) != KEY_BYTES:
            raise SealError(f"{path}:{number}: a key must be {KEY_BYTES} bytes")
        keys[key_id] = key
        active = key_id
    if not keys:
        raise SealError(f"{path}: the key ring is empty")
    return KeyRing(path, keys, active)


def _new_line() -> str:
    return f"{secrets.token_hex(4)} {_b64(os.urandom(KEY_BYTES))}\n"


def _write(path: Path, text: str) -> None:
    """Replace the file atomically, mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


_cache: dict[tuple[str, int, int], KeyRing] = {}
_lock = threading.Lock()


def keyring(path: str | Path | None = None) -> KeyRing:
    """The key ring at ``path`` (default SKILLCERT_ITEM_KEY), re-read when the file changes; created with
    one fresh key on first use outside production (production refuses to start sealing without it)."""
    path = Path(path or settings.SKILLCERT_ITEM_KEY)
    with _lock:
        if not path.exists():
            if settings.PRODUCTION:
                raise SealError(f"item key ring missing: {path}")
            _write(path, "# skillcert item key ring — keep outside the database and its backups\n" + _new_line())
        stat = path.stat()
        cache_key = (str(path), stat.st_mtime_ns, stat.st_size)
        ring = _cache.get(cache_key)
        if ring is None:
            ring = _parse(path, path.read_text())
            _cache.clear()
            _cache[cache_key] = ring
        return ring


def add_key(path: str | Path | None = None) -> str:
    """Append a new key, which becomes the active one. Returns its id."""
    ring = keyring(path)
    line = _new_line()
    _write(ring.path, ring.path.read_text() + line)
    return line.split()[0]


def sealed_tables() -> list[tuple[type, str, str]]:
    """Every table sealed under the ring, as (model, key id field, ciphertext field), in app order: the models
    that declare ``SEALED_FIELDS = (key id field, ciphertext field)`` next to their ``aad()``. Key rotation
    (``manage.py rotate_item_key``) re-seals exactly these; a model a later app seals is covered by declaring it."""
    return [(model, *model.SEALED_FIELDS) for model in apps.get_models() if getattr(model, "SEALED_FIELDS", None)]


def retire_keys(keep: set[str], path: str | Path | None = None) -> list[str]:
    """Drop every key not in ``keep`` from the ring; the active key is always kept."""
    ring = keyring(path)
    keep = set(keep) | {ring.active_id}
    kept, dropped = [], []
    for line in ring.path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#") and parts[0] not in keep:
            dropped.append(parts[0])
            continue
        kept.append(line)
    _write(ring.path, "\n".join(kept) + "\n")
    return dropped
