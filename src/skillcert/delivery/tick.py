"""The exam clock's consequences, written (A.2.8, A.2.10): absentees, deadlines, closing rooms.

Run by the background job every few seconds (``tasks.tick``: Celery beat with a broker, ``manage.py delivery_tick
--loop`` without one) and, for one room, at the start of every proctor action on it (``rooms.catch_up``), so an
action never works on a state time has already changed. The rules are ``due``'s, which the pages read to show
these consequences before they are written (issue #21 item 1: a GET never writes)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from skillcert.core import audit
from skillcert.core.statemachine import transition, transition_many

from . import due
from .common import finish, now_or, record_event
from .enums import OPEN_ATTEMPT, AttemptStatus, RoomEventKind, RoomState, SubmittedHow
from .models import Attempt, RoomSitting


@transaction.atomic
def finalise_due(*, now: dt.datetime | None = None, sitting_id: int | None = None,
                 attempt_id: int | None = None) -> int:
    """到时收卷 (A.2.10): every open attempt whose deadline has passed is submitted from its last saved answers,
    with the deadline as its finish time. Returns how many were finalised."""
    now = now_or(now)
    qs = Attempt.objects.filter(status__in=OPEN_ATTEMPT, sitting__state=RoomState.RUNNING)
    if sitting_id:
        qs = qs.filter(sitting_id=sitting_id)
    if attempt_id:
        qs = qs.filter(pk=attempt_id)
    done = 0
    for attempt in qs.select_related("sitting__session").select_for_update(of=("self",)).order_by("pk"):
        deadline = attempt.deadline(now)
        if due.deadline_due(attempt.sitting.state, attempt.status, deadline, now):
            finish(attempt, SubmittedHow.DEADLINE, deadline)
            audit.record(None, "delivery.attempt.finalised", target=attempt, actor_label="system",
                         data={"at": deadline.isoformat()})
            done += 1
    return done


@transaction.atomic
def mark_absent_due(*, now: dt.datetime | None = None, sitting_id: int | None = None) -> int:
    """缺考 (A.2.8): 30 minutes after the start, candidates not checked in are marked absent."""
    now = now_or(now)
    qs = RoomSitting.objects.filter(started_at__lte=due.absent_cutoff(now), absent_marked_at__isnull=True)
    if sitting_id:
        qs = qs.filter(pk=sitting_id)
    marked = 0
    for sitting in qs.select_for_update(of=("self",)).order_by("pk"):
        absent = [a for a in sitting.attempts.filter(status=AttemptStatus.NOT_ARRIVED).select_related("application")
                  if due.absent_due(sitting, a.status, now)]
        transition_many(Attempt.objects.filter(pk__in=[a.pk for a in absent]), AttemptStatus.ABSENT)
        sitting.absent_marked_at = now
        sitting.save(update_fields=["absent_marked_at"])
        if absent:
            record_event(sitting, RoomEventKind.ABSENT_MARKED, at=now,
                         note="、".join(f"{a.application.full_name}（{a.ticket.number}）" for a in absent))
        audit.record(None, "delivery.sitting.absent_marked", target=sitting, actor_label="system",
                     data={"absent": [a.ticket.number for a in absent]})
        marked += len(absent)
    return marked


@transaction.atomic
def close_finished(*, now: dt.datetime | None = None, sitting_id: int | None = None) -> int:
    """A running room whose clock has run out and whose candidates are all done is closed."""
    now = now_or(now)
    qs = RoomSitting.objects.filter(state=RoomState.RUNNING).select_related("session", "room")
    if sitting_id:
        qs = qs.filter(pk=sitting_id)
    closed = 0
    for sitting in qs.select_for_update(of=("self",)).order_by("pk"):
        if not due.room_closes(sitting, sitting.attempts.values_list("status", flat=True), now):
            continue
        transition(sitting, RoomState.CLOSED, closed_at=now)
        record_event(sitting, RoomEventKind.CLOSED, at=now)
        audit.record(None, "delivery.sitting.closed", target=sitting, actor_label="system")
        closed += 1
    return closed


def tick(*, now: dt.datetime | None = None, sitting_id: int | None = None) -> dict[str, int]:
    """What the background job runs (every few seconds), for every room or one: absentees, deadlines, closing."""
    now = now_or(now)
    return {"absent": mark_absent_due(now=now, sitting_id=sitting_id),
            "finalised": finalise_due(now=now, sitting_id=sitting_id),
            "closed": close_finished(now=now, sitting_id=sitting_id)}
