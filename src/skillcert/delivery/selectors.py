"""Reads of the exam day: which rooms a staff member sees, a room's live roster, a venue's overview.

Nothing here writes (issue #21 item 1: a GET never writes). What the exam clock has already decided but the
background job has not yet recorded — absentees, attempts past their deadline, a room to close — is shown as
done, by the rules the job writes with (``due``), so a page tells the truth between two ticks."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skillcert.accounts import rules as account_rules
from skillcert.registration.idnumbers import mask_id
from skillcert.scheduling.enums import SessionKind
from skillcert.scheduling.models import ExamSession, RoomSignOff

from . import clock, due, rules
from .enums import OFFLINE_AFTER_SECONDS, AttemptStatus, RoomState, SignalKind
from .models import AttemptSession, RoomEvent, RoomSitting


def sessions_for_user(user, *, days: int = 30) -> QuerySet[ExamSession]:
    """Computer-based sessions the user works in or oversees: recent and upcoming."""
    since = timezone.now() - dt.timedelta(days=days)
    qs = ExamSession.objects.filter(kind=SessionKind.THEORY_COMPUTER, ends_at__gte=since)
    if account_rules.is_platform_admin(user):
        pass
    else:
        bodies = account_rules.office_scope_ids(user)
        qs = qs.filter(Q(staff__user=user) | Q(batch__announcement__body_id__in=bodies))
    return qs.select_related("batch").distinct().order_by("starts_at")


def sittings_visible(user, sittings) -> list[RoomSitting]:
    """Those of ``sittings`` the user may see (rules.sees), kept in their order — filtered in one query."""
    order = {s.pk: i for i, s in enumerate(sittings)}
    visible = (RoomSitting.objects.filter(pk__in=order).filter(rules.sees_q(user))
               .select_related("session__batch__announcement", "room__venue"))
    return sorted(visible, key=lambda s: order[s.pk])


def sitting_get_for_user(user, pk: int) -> RoomSitting:
    sitting = (RoomSitting.objects.select_related("session__batch__announcement", "room__venue", "started_by")
               .filter(pk=pk).first())
    if sitting is None or not rules.sees(user, sitting):
        raise Http404
    return sitting


def live_status(status: str, last_seen: dt.datetime | None, now: dt.datetime) -> str:
    """not_arrived / checked_in / answering / offline / submitted / absent, from the attempt's status as of now."""
    if status == AttemptStatus.ANSWERING and (
            last_seen is None or (now - last_seen).total_seconds() > OFFLINE_AFTER_SECONDS):
        return "offline"
    return status


LIVE_LABELS = {**dict(AttemptStatus.choices), "offline": _("离线")}


def roster(sitting: RoomSitting, now: dt.datetime | None = None) -> list[dict]:
    """One row per candidate: seat, identity, live status, answered count, signals, time left."""
    now = now or timezone.now()
    attempts = list(sitting.attempts.select_related("application", "ticket", "assignment__seat", "sitting__session")
                    .annotate(answered=Count("answers", distinct=True)).order_by("assignment__seat__number"))
    seen = dict(AttemptSession.objects.filter(attempt__sitting=sitting, revoked_at__isnull=True)
                .values_list("attempt_id").annotate(m=Max("last_seen_at")))
    signals: dict[int, Counter] = defaultdict(Counter)
    for attempt_id, kind in sitting.attempts.values_list("pk", "signals__kind"):
        if kind:
            signals[attempt_id][kind] += 1
    rows = []
    for a in attempts:
        as_of, submitted_at = due.attempt_as_of(sitting, a.status, a.compensation_seconds, a.submitted_at, now)
        status = live_status(as_of, seen.get(a.pk), now)
        deadline = a.deadline(now)
        counts_down = as_of in (AttemptStatus.CHECKED_IN, AttemptStatus.ANSWERING)
        rows.append({
            "id": a.pk, "seat": a.assignment.seat.number, "workstation": a.assignment.seat.workstation,
            "name": a.application.full_name, "ticket": a.ticket.number, "id_masked": mask_id(a.application.id_number),
            "status": status, "status_label": str(LIVE_LABELS.get(status, status)),
            "identity_checked": a.identity_checked_at is not None, "answered": a.answered,
            "items": len(a.layout.get("items", [])), "compensation_minutes": a.compensation_seconds // 60,
            "relogin_allowed": a.relogin_allowed,
            "remaining_seconds": clock.remaining_seconds(deadline, now) if counts_down else None,
            "remaining_ms": clock.remaining_ms(deadline, now) if counts_down else None,
            "signals": [{"kind": k, "label": str(SignalKind(k).label), "count": signals[a.pk][k]}
                        for k in SignalKind.values if signals[a.pk][k]],
            "submitted_at": submitted_at.isoformat() if submitted_at else None,
        })
    return rows


def sitting_state(sitting: RoomSitting, now: dt.datetime | None = None) -> str:
    """The room's state as of ``now``: closed once its clock has run out and its candidates are all done, even
    before the background job records it (``due.room_state_as_of``)."""
    now = now or timezone.now()
    if sitting.state != RoomState.RUNNING:
        return sitting.state
    statuses = [due.attempt_as_of(sitting, status, compensation, None, now)[0]
                for status, compensation in sitting.attempts.values_list("status", "compensation_seconds")]
    return due.room_state_as_of(sitting, statuses, now)


def sitting_summary(sitting: RoomSitting, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    deadline = sitting.room_clock().deadline(now)
    state = sitting_state(sitting, now)
    return {
        "id": sitting.pk, "room": sitting.room.name, "state": state,
        "state_label": str(RoomState(state).label), "code": sitting.code,
        "started_at": sitting.started_at.isoformat() if sitting.started_at else None,
        "deadline": deadline.isoformat() if deadline else None,
        "remaining_seconds": clock.remaining_seconds(deadline, now),
        # Exact, and standing still while paused: the console counts down from it like the exam player does.
        "remaining_ms": clock.remaining_ms(deadline, now), "paused": sitting.state == RoomState.PAUSED,
        "compensation_minutes": sitting.compensation_seconds // 60, "paused_seconds": sitting.paused_seconds,
        "signed_off": RoomSignOff.objects.filter(session_id=sitting.session_id, room_id=sitting.room_id).exists(),
        "server_time": now.isoformat(),
    }


def counts(rows: list[dict]) -> dict[str, int]:
    c = Counter(r["status"] for r in rows)
    return {k: c.get(k, 0) for k in ["not_arrived", "checked_in", "answering", "offline", "submitted", "absent"]}


def venue_overview(session: ExamSession, venue_id: int, now: dt.datetime | None = None) -> list[dict]:
    """Every room of the venue in this session at once (for the chief and inspectors)."""
    now = now or timezone.now()
    out = []
    for sitting in session.sittings.filter(room__venue_id=venue_id).select_related("room", "session"):
        rows = roster(sitting, now)
        out.append({**sitting_summary(sitting, now), "counts": counts(rows),
                    "signals": sum(s["count"] for r in rows for s in r["signals"]),
                    "events": sitting.events.filter(recorded_by__isnull=False).count()})
    return out


def room_record(sitting: RoomSitting) -> QuerySet[RoomEvent]:
    return sitting.events.select_related("attempt__application", "recorded_by").order_by("occurred_at", "pk")


def session_rooms(user, session: ExamSession, now: dt.datetime | None = None) -> list[dict]:
    """The exam-day page's rows for one session: each room sitting the user sees, its state as of now and its
    number of candidates."""
    now = now or timezone.now()
    sittings = (RoomSitting.objects.filter(session=session).filter(rules.sees_q(user))
                .select_related("session", "room__venue").annotate(candidates=Count("attempts")).order_by("room__name"))
    return [{"sitting": s, "state": (state := sitting_state(s, now)), "state_label": RoomState(state).label,
             "candidates": s.candidates} for s in sittings]


def preparation_gaps(session: ExamSession) -> int:
    """How many computer rooms of the session lack their sitting, plus how many seated candidates with a valid
    ticket lack their attempt: what the button 准备考场 (``services.sittings_prepare``) would add."""
    from skillcert.scheduling.enums import RoomKind
    from skillcert.scheduling.models import AdmissionTicket, SeatAssignment, TicketStatus

    rooms = session.rooms.filter(kind=RoomKind.COMPUTER).exclude(sittings__session=session).count()
    ticketed = AdmissionTicket.objects.filter(batch_id=session.batch_id, status=TicketStatus.VALID)
    seated = (SeatAssignment.objects.filter(session=session, seat__room__kind=RoomKind.COMPUTER,
                                            application_id__in=ticketed.values("application_id"))
              .filter(attempt__isnull=True).count())
    return rooms + seated
