"""Admission tickets (准考证, §6.2.1, A.2.4): the number scheme and the signed QR token.

Ticket number — 15 digits, unique, readable aloud at the door::

    YY  IIII  BBB  SSSSS  C
    │   │     │    │      └ check digit (Luhn, catches any single mistyped digit and most swaps)
    │   │     │    └ candidate sequence within the batch, from 00001 (a batch holds up to 99,999)
    │   │     └ batch sequence within the body, from 001
    │   └ the body's 4-digit institution code (§8.1.1)
    └ year of the batch's first session

QR token — ``v1.<payload>.<signature>``, both base64url: the payload is the ticket number, batch id,
application id and the last four characters of the ID number; the signature is Ed25519 over the
payload. Venues hold only the public key, so the proctor console verifies tickets offline and
cannot forge them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from skillcert.core.signing import b64, ed25519_key, public_bytes, unb64

TICKET_NUMBER_LENGTH = 15
MAX_BATCHES = 999  # per body and year of numbering
MAX_TICKETS_PER_BATCH = 99_999  # tickets ever issued in one batch, voided ones included


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def ticket_number(*, year: int, institution_code: str, batch_seq: int, candidate_seq: int) -> str:
    if not (institution_code.isdigit() and len(institution_code) == 4):
        raise ValueError("institution code must be 4 digits")
    if not (0 < batch_seq <= MAX_BATCHES and 0 < candidate_seq <= MAX_TICKETS_PER_BATCH):
        raise ValueError("batch sequence 1–999, candidate sequence 1–99999")
    body = f"{year % 100:02d}{institution_code}{batch_seq:03d}{candidate_seq:05d}"
    return body + luhn_digit(body)


def is_valid_ticket_number(number: str) -> bool:
    return len(number) == TICKET_NUMBER_LENGTH and number.isdigit() and luhn_digit(number[:-1]) == number[-1]


# --- Signed QR token ----------------------------------------------------------------------------

def _key_path() -> Path:
    return Path(settings.SKILLCERT_TICKET_KEY)


def private_key() -> Ed25519PrivateKey:
    """Loaded from SKILLCERT_TICKET_KEY; generated there (mode 0600) on first use outside production."""
    return ed25519_key(_key_path(), "ticket")


def public_key_bytes() -> bytes:
    """The 32-byte public key handed to venues for offline checks."""
    return public_bytes(private_key())


_b64, _unb64 = b64, unb64


@dataclass(frozen=True)
class TicketClaim:
    number: str
    batch_id: int
    application_id: int
    id_tail: str


def sign_ticket(claim: TicketClaim, key: Ed25519PrivateKey | None = None) -> str:
    """Pass ``key`` (``private_key()``) when signing many tickets, to read the key file once."""
    payload = f"{claim.number}|{claim.batch_id}|{claim.application_id}|{claim.id_tail}".encode()
    return f"v1.{_b64(payload)}.{_b64((key or private_key()).sign(payload))}"


def verify_ticket(token: str, public_key: bytes | None = None) -> TicketClaim | None:
    """The claim if the token is well formed and signed by the ticket key; None otherwise."""
    try:
        version, payload_b64, sig_b64 = token.split(".")
        if version != "v1":
            return None
        payload, signature = _unb64(payload_b64), _unb64(sig_b64)
        key = Ed25519PublicKey.from_public_bytes(public_key or public_key_bytes())
        key.verify(signature, payload)
        number, batch_id, application_id, id_tail = payload.decode().split("|")
        if not is_valid_ticket_number(number):
            return None
        return TicketClaim(number, int(batch_id), int(application_id), id_tail)
    except (ValueError, InvalidSignature, UnicodeDecodeError):
        return None
