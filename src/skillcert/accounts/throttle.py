"""One throttle for every guessable secret (§10.9; GB/T 22239 level 3; OWASP ASVS V2.2.1): a fixed-window
counter per (limit, key) in the Django cache — Redis in production, so every worker shares it.

Used by the exam log-in (per ticket, per address), the password reset request (per address, per account),
the candidate sign-up (per address). The staff/candidate password
login keeps its per-account lockout in the database (``LoginFailure``), because a lock is audited state an
administrator sees and lifts.

A caller checks ``blocked`` before doing any work and calls ``hit`` for each refused (or, for sending
limits, each accepted) attempt; once blocked, even the right answer is refused, so the throttle's own
answer reveals nothing about which guess was right.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    name: str
    setting: str  # settings name of (attempts, window seconds)

    @property
    def attempts(self) -> int:
        return getattr(settings, self.setting)[0]

    @property
    def window(self) -> int:
        return getattr(settings, self.setting)[1]


EXAM_LOGIN_TICKET = Limit("exam-ticket", "SKILLCERT_THROTTLE_EXAM_LOGIN_TICKET")
EXAM_LOGIN_ADDRESS = Limit("exam-address", "SKILLCERT_THROTTLE_EXAM_LOGIN_ADDRESS")
RESET_ADDRESS = Limit("reset-address", "SKILLCERT_THROTTLE_RESET_ADDRESS")
RESET_ACCOUNT = Limit("reset-account", "SKILLCERT_THROTTLE_RESET_ACCOUNT")
SIGNUP_ADDRESS = Limit("signup-address", "SKILLCERT_THROTTLE_SIGNUP_ADDRESS")


def normalise(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def _key(limit: Limit, ident: str) -> str:
    digest = hashlib.sha256(f"{limit.name}\x00{ident}".encode()).hexdigest()[:32]
    return f"sc:throttle:{limit.name}:{digest}"


def count(limit: Limit, ident: str | None) -> int:
    if not ident:
        return 0
    return int(cache.get(_key(limit, ident), 0))


def blocked(limit: Limit, ident: str | None) -> bool:
    return bool(ident) and count(limit, ident) >= limit.attempts


def hit(limit: Limit, ident: str | None) -> int:
    """Count one attempt; returns the count in the current window (0 for an empty key)."""
    if not ident:
        return 0
    key = _key(limit, ident)
    cache.add(key, 0, timeout=limit.window)  # the window starts at the first attempt
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.window)
        return 1


def clear(limit: Limit, ident: str | None) -> None:
    if ident:
        cache.delete(_key(limit, ident))
