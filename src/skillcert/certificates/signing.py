"""The electronic certificate's signature (§8.2.1, §8.3): Ed25519 over a canonical payload of the certificate's
content, carried in its QR code as ``c1.<payload>.<signature>`` (base64url). The public key is published at
``/.well-known/skillcert-certificate-key``, so anyone can check a certificate offline; the verification page
checks it online and adds the certificate's current status.

Canonical payload: UTF-8 JSON, keys sorted, no spaces, of ``v`` (1), ``no``, ``name``, ``idt`` (ID type), ``id``
(the ID number masked as printed for matching: region and last four), ``occ``, ``code``, ``trade``, ``level``,
``body`` and ``date`` (ISO). Any edit to any of them breaks the signature.
"""

from __future__ import annotations

import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

from skillcert.core.signing import b64, ed25519_key, public_bytes, unb64
from skillcert.registration.idnumbers import mask_id

VERSION = "c1"
FIELDS = ("v", "no", "name", "idt", "id", "occ", "code", "trade", "level", "body", "date")


def private_key():
    return ed25519_key(settings.SKILLCERT_CERTIFICATE_KEY, "certificate")


def public_key_bytes() -> bytes:
    return public_bytes(private_key())


def payload(cert) -> dict:
    return {"v": 1, "no": cert.number, "name": cert.name, "idt": cert.id_type, "id": mask_id(cert.id_number),
            "occ": cert.occupation, "code": cert.occupation_code, "trade": cert.trade, "level": cert.level,
            "body": cert.body_name, "date": cert.issue_date.isoformat()}


def canonical(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(cert, key=None) -> str:
    """The QR token of a certificate. Pass ``key`` (``private_key()``) when signing many."""
    body = canonical(payload(cert))
    return f"{VERSION}.{b64(body)}.{b64((key or private_key()).sign(body))}"


def verify(token: str, public_key: bytes | None = None) -> dict | None:
    """The signed content if ``token`` is well formed and signed by the certificate key; None otherwise."""
    try:
        version, body_b64, sig_b64 = (token or "").strip().split(".")
        if version != VERSION:
            return None
        body = unb64(body_b64)
        Ed25519PublicKey.from_public_bytes(public_key or public_key_bytes()).verify(unb64(sig_b64), body)
        data = json.loads(body)
    except (ValueError, InvalidSignature, UnicodeDecodeError, TypeError):
        return None
    return data if isinstance(data, dict) and set(data) == set(FIELDS) and canonical(data) == body else None
