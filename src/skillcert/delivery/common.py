"""What every write of the exam day shares (the bottom of the delivery modules; issue #21 item 5): the errors
the exam API answers with a code, the clock's "now", the row locks, the room record's entries and the end of an
attempt. Imported by ``tick``, ``guard``, ``autosave``, ``rooms`` and ``attempts``; imports none of them."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone

from skillcert.core.errors import DomainError
from skillcert.core.statemachine import transition

from .enums import AttemptStatus
from .models import Attempt, AttemptSession, RoomEvent, RoomSitting


class Closed(DomainError):
    """The attempt can no longer take answers (submitted, deadline passed). The API answers 409."""

    def __init__(self, message: str):
        super().__init__(message, code="closed")


class Paused(DomainError):
    """The room is paused (表B.2): nothing is written; the player holds the answers and resends them after the
    resume. The API answers 423 with ``{"code": "paused"}``."""

    def __init__(self, message: str):
        super().__init__(message, code="paused")


class NotLoggedIn(DomainError):
    def __init__(self, message: str):
        super().__init__(message, code="not_logged_in")


def now_or(now: dt.datetime | None) -> dt.datetime:
    """The time a service acts at: the one given (tests, the tick's catch-up) or the server's."""
    return now or timezone.now()


def aware(value):
    """A datetime read by raw SQL as aware (SQLite's are naive UTC, or text)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value is None or timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def token_hash(token: str) -> str:
    """What is stored of a player's log-in token (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_room_code() -> str:
    """The six-digit code the proctor announces in the room (the player's log-in needs it)."""
    return f"{secrets.randbelow(1_000_000):06d}"


def lock_sitting(sitting_id: int) -> RoomSitting:
    qs = RoomSitting.objects.select_related("session__batch__announcement", "room")
    return qs.select_for_update(of=("self",)).get(pk=sitting_id)


def lock_attempt(attempt_id: int) -> Attempt:
    qs = Attempt.objects.select_related("sitting__session", "sitting__room", "application", "ticket")
    return qs.select_for_update(of=("self",)).get(pk=attempt_id)


def record_event(sitting: RoomSitting, kind: str, *, actor=None, attempt: Attempt | None = None, note: str = "",
                 at: dt.datetime | None = None) -> RoomEvent:
    """An entry of the room record (考场情况记录, A.2.11)."""
    return RoomEvent.objects.create(sitting=sitting, attempt=attempt, kind=kind, note=note,
                                    occurred_at=now_or(at), recorded_by=actor or None)


def finish(attempt: Attempt, how: str, at: dt.datetime) -> None:
    """The attempt submitted (by the candidate, the proctor or the deadline) and its log-ins ended."""
    transition(attempt, AttemptStatus.SUBMITTED, submitted_at=at, submitted_how=how)
    AttemptSession.objects.filter(attempt=attempt, revoked_at__isnull=True).update(revoked_at=at)
