"""What the exam clock has already decided (A.2.8, A.2.10), as rules without writes.

Time decides three things on exam day: a candidate not checked in 30 minutes after the start is absent (A.2.8);
an open attempt whose deadline has passed in a running room is submitted from its last saves, at the deadline
(A.2.10); a running room whose clock has run out and whose candidates are all done is closed. The background job
(``tick``) writes these; the pages and the proctor API (``selectors``) show them as already done, so a look at a
room tells the truth without writing anything (issue #21 item 1: a GET never writes). Both read the rules here,
so what a page shows is what the next tick (or the next action on the room) records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .enums import LATE_ENTRY_MINUTES, OPEN_ATTEMPT, AttemptStatus, RoomState


def absent_cutoff(now: dt.datetime) -> dt.datetime:
    """Rooms started at or before this have passed the late-entry limit (A.2.8)."""
    return now - dt.timedelta(minutes=LATE_ENTRY_MINUTES)


def absent_due(sitting, status: str, now: dt.datetime) -> bool:
    """A candidate not checked in when the late-entry limit passed, in a room whose absentees are not yet marked."""
    return (status == AttemptStatus.NOT_ARRIVED and sitting.absent_marked_at is None
            and sitting.started_at is not None and sitting.started_at <= absent_cutoff(now))


def deadline_due(room_state: str, status: str, deadline: dt.datetime | None, now: dt.datetime) -> bool:
    """An open attempt in a running room whose deadline has passed: to be submitted at its deadline."""
    return status in OPEN_ATTEMPT and room_state == RoomState.RUNNING and deadline is not None and deadline <= now


def attempt_as_of(sitting, status: str, compensation_seconds: int, submitted_at: dt.datetime | None,
                  now: dt.datetime) -> tuple[str, dt.datetime | None]:
    """The attempt's status and submission time once the clock's consequences due at ``now`` are recorded."""
    if absent_due(sitting, status, now):
        return AttemptStatus.ABSENT, None
    end = sitting.room_clock().deadline(now)
    deadline = None if end is None else end + dt.timedelta(seconds=compensation_seconds)
    if deadline_due(sitting.state, status, deadline, now):
        return AttemptStatus.SUBMITTED, deadline
    return status, submitted_at


def room_closes(sitting, statuses: Iterable[str], now: dt.datetime) -> bool:
    """A running room whose clock has run out and none of whose candidates is still to come or answering."""
    if sitting.state != RoomState.RUNNING:
        return False
    deadline = sitting.room_clock().deadline(now)
    return (deadline is not None and deadline <= now
            and not any(s in (*OPEN_ATTEMPT, AttemptStatus.NOT_ARRIVED) for s in statuses))


def room_state_as_of(sitting, statuses_as_of: Iterable[str], now: dt.datetime) -> str:
    """The room's state once the consequences due at ``now`` are recorded (given its attempts' statuses as of now)."""
    return RoomState.CLOSED if room_closes(sitting, statuses_as_of, now) else sitting.state
