"""Ed25519 signing keys kept outside the database (admission-ticket QR codes, certificates)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings


def ed25519_key(path: str | Path, what: str) -> Ed25519PrivateKey:
    """The private key in ``path``; generated there (mode 0600) on first use outside production."""
    path = Path(path)
    if not path.exists():
        if settings.PRODUCTION:
            raise RuntimeError(f"{what} signing key missing: {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return Ed25519PrivateKey.from_private_bytes(path.read_bytes())
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
    return Ed25519PrivateKey.from_private_bytes(path.read_bytes())


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
