"""The rooms of the exam day (§6.4, A.1.2, A.2, 表B.2): preparing the room sittings, and every proctor action —
start, pause, resume, compensation, check-in, identity check, change of computer, force-submit, the room record.

Each action follows the house rule permission → lock → validate → write → audit, in one transaction, and first
catches the room up with its clock (``catch_up``: absentees, deadlines, closing — what ``tick`` writes), so it
never works on a state time has already changed; a refused action rolls the catch-up back with it. The pages
show those consequences without writing them (``due``, ``selectors``; issue #21 item 1: a GET never writes).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.core import audit
from skillcert.core.errors import IllegalTransition, ValidationError
from skillcert.core.statemachine import require_transition, transition
from skillcert.papers import rules as paper_rules
from skillcert.papers import services as paper_services
from skillcert.papers.enums import PaperStatus
from skillcert.papers.models import Paper
from skillcert.scheduling.enums import RoomKind, SessionKind
from skillcert.scheduling.models import AdmissionTicket, ExamSession, RoomSignOff, SeatAssignment, TicketStatus
from skillcert.scheduling.tickets import verify_ticket

from . import clock, rules
from .common import finish, lock_attempt, lock_sitting, new_room_code, now_or, record_event
from .enums import (
    LATE_ENTRY_MINUTES,
    MAX_COMPENSATION_MINUTES,
    OPEN_ATTEMPT,
    PROCTOR_EVENT_KINDS,
    ROOM_TRANSITIONS,
    AttemptStatus,
    CheckInMethod,
    RoomEventKind,
    RoomState,
    SubmittedHow,
)
from .models import Attempt, Compensation, RoomEvent, RoomSitting
from .tick import tick


def _require_runner(actor, sitting: RoomSitting) -> None:
    if not rules.runs(actor, sitting):
        raise PermissionDenied(_("只有本考场的监考人员或本考点主考可以操作。"))


def catch_up(sitting_id: int, now: dt.datetime | None = None) -> None:
    """Record what the room's clock has decided by ``now`` (absentees, deadlines, closing) before an action on
    it: the same writes as the background job, for this room, in the action's transaction."""
    tick(now=now_or(now), sitting_id=sitting_id)


def _run_room(actor, sitting_id: int, now: dt.datetime | None) -> RoomSitting:
    """The room, for an action of one who runs it: permission first, then the clock's catch-up, then the lock."""
    sitting = RoomSitting.objects.select_related("room").get(pk=sitting_id)
    _require_runner(actor, sitting)
    catch_up(sitting_id, now)
    return lock_sitting(sitting_id)


def _run_attempt(actor, attempt_id: int, now: dt.datetime | None) -> Attempt:
    """A candidate of the room, for an action of one who runs it (as ``_run_room``)."""
    attempt = Attempt.objects.select_related("sitting__room").get(pk=attempt_id)
    _require_runner(actor, attempt.sitting)
    catch_up(attempt.sitting_id, now)
    return lock_attempt(attempt_id)


# --- Preparing the rooms ----------------------------------------------------------------------------------

@transaction.atomic
def sittings_prepare(*, actor, session_id: int) -> list[RoomSitting]:
    """准备考场: the exam-day page's button (a POST; issue #21 item 1: opening the page prepares nothing). Who may
    prepare a session's rooms: its proctors and chief examiners, the body's exam affairs staff and the platform
    admin (``rules.prepares``)."""
    session = (ExamSession.objects.select_related("batch__announcement").select_for_update(of=("self",))
               .filter(pk=session_id).first())
    if session is None or not rules.prepares(actor, session):
        raise PermissionDenied(_("您不能准备本场次的考场。"))
    if session.kind != SessionKind.THEORY_COMPUTER:
        raise ValidationError(_("只有机考场次需要准备考场。"))
    return sittings_ensure(actor=actor, session=session)


@transaction.atomic
def sittings_ensure(*, actor, session: ExamSession) -> list[RoomSitting]:
    """Create each computer room's sitting of a session and one attempt per seated, ticketed candidate.

    Idempotent: candidates seated later get their attempt the next time, or when their room starts
    (``room_start``). Only computer-based theory sessions are delivered here (§6.3.1.2). Called by
    ``sittings_prepare`` (the button), the demo and the tests' builders — never by a page that is only read."""
    if session.kind != SessionKind.THEORY_COMPUTER:
        return []
    sittings = []
    tickets = _valid_tickets(session)
    for room in session.rooms.filter(kind=RoomKind.COMPUTER).order_by("name"):
        sitting, created = RoomSitting.objects.get_or_create(session=session, room=room,
                                                             defaults={"code": new_room_code()})
        if created:
            audit.record(actor, "delivery.sitting.prepared", target=sitting)
        _attempts_ensure(sitting, tickets)
        sittings.append(sitting)
    return sittings


def _valid_tickets(session: ExamSession) -> dict[int, AdmissionTicket]:
    return {t.application_id: t for t in AdmissionTicket.objects.filter(batch_id=session.batch_id,
                                                                       status=TicketStatus.VALID)}


def _attempts_ensure(sitting: RoomSitting, tickets: dict[int, AdmissionTicket]) -> int:
    """One attempt per candidate seated in the room with a valid ticket (those missing are added)."""
    if sitting.state == RoomState.CLOSED:
        return 0
    have = set(sitting.attempts.values_list("assignment_id", flat=True))
    new = [Attempt(sitting=sitting, assignment=a, application_id=a.application_id, ticket=tickets[a.application_id])
           for a in SeatAssignment.objects.filter(session_id=sitting.session_id, seat__room_id=sitting.room_id)
           .exclude(pk__in=have) if a.application_id in tickets]
    Attempt.objects.bulk_create(new)
    return len(new)


def paper_for(session: ExamSession, offer) -> Paper | None:
    """The session's paper for one trade × level (its bank's occupation, trade and level)."""
    return (Paper.objects.filter(session=session, bank__occupation_id=offer.occupation_id,
                                 bank__trade_id=offer.trade_id, bank__level_id=offer.level_id)
            .exclude(status__in=[PaperStatus.ARCHIVED]).first())


# --- Room operations (proctor console) ----------------------------------------------------------------------

@transaction.atomic
def room_start(*, actor, sitting_id: int, now: dt.datetime | None = None) -> RoomSitting:
    """统一开考: only after the chief's sign-off of the room (A.1.2) and not before the session's start time.
    Each candidate's paper (by trade and level) must be released; a sealed paper is released here when the
    actor may release it (the chief examiner)."""
    now = now_or(now)
    sitting = _run_room(actor, sitting_id, now)
    require_transition(ROOM_TRANSITIONS, sitting.state, RoomState.RUNNING, labels=dict(RoomState.choices))
    session = sitting.session
    if not RoomSignOff.objects.filter(session=session, room=sitting.room).exists():
        raise ValidationError(_("主考尚未签字确认本考场准备就绪，不能开考（A.1.2）。"))
    if now < session.starts_at:
        raise ValidationError(_("未到开考时间（%(t)s）。") % {"t": f"{timezone.localtime(session.starts_at):%H:%M}"})
    _attempts_ensure(sitting, _valid_tickets(session))  # candidates ticketed since the rooms were prepared
    attempts = list(sitting.attempts.select_related("application__offer__trade", "application__offer__level"))
    for offer_id in sorted({a.application.offer_id for a in attempts}):
        offer = next(a.application.offer for a in attempts if a.application.offer_id == offer_id)
        paper = paper_for(session, offer)
        name = f"{offer.trade.name if offer.trade_id else offer.occupation.name} {offer.level.name}"
        if paper is None:
            raise ValidationError(_("%(offer)s 没有本场次的试卷。") % {"offer": name})
        if paper.status == PaperStatus.SEALED and paper_rules.may_release(actor, paper):
            paper = paper_services.paper_release(actor=actor, paper_id=paper.pk, now=now)
        if paper.status != PaperStatus.RELEASED:
            raise ValidationError(_("%(offer)s 的试卷（%(code)s）尚未启封下发，请主考先启封。")
                                  % {"offer": name, "code": paper.code})
        Attempt.objects.filter(sitting=sitting, application__offer_id=offer_id).update(paper=paper, form_number=1)
    transition(sitting, RoomState.RUNNING, started_at=now, started_by=actor)
    record_event(sitting, RoomEventKind.STARTED, actor=actor, at=now)
    audit.record(actor, "delivery.sitting.started", target=sitting, data={"candidates": len(attempts)})
    return sitting


@transaction.atomic
def room_pause(*, actor, sitting_id: int, reason: str, now: dt.datetime | None = None) -> RoomSitting:
    """Stop the clock for everyone in the room (power or equipment failure, 表B.2)."""
    now = now_or(now)
    sitting = _run_room(actor, sitting_id, now)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写暂停原因。")})
    require_transition(ROOM_TRANSITIONS, sitting.state, RoomState.PAUSED, labels=dict(RoomState.choices))
    transition(sitting, RoomState.PAUSED, paused_at=now)
    record_event(sitting, RoomEventKind.PAUSED, actor=actor, note=reason.strip(), at=now)
    audit.record(actor, "delivery.sitting.paused", target=sitting, data={"reason": reason.strip()})
    return sitting


@transaction.atomic
def room_resume(*, actor, sitting_id: int, now: dt.datetime | None = None) -> RoomSitting:
    now = now_or(now)
    sitting = _run_room(actor, sitting_id, now)
    if sitting.state != RoomState.PAUSED:  # waiting → running is the start, not a resume
        raise IllegalTransition(_("考场未暂停，无需恢复。"))
    require_transition(ROOM_TRANSITIONS, sitting.state, RoomState.RUNNING, labels=dict(RoomState.choices))
    lost = clock.paused_for(sitting.paused_at, now)
    transition(sitting, RoomState.RUNNING, paused_at=None,
               paused_seconds=sitting.paused_seconds + lost)
    record_event(sitting, RoomEventKind.RESUMED, actor=actor, note=_("暂停 %(m)s 分 %(s)s 秒，时间顺延。")
           % {"m": lost // 60, "s": lost % 60}, at=now)
    audit.record(actor, "delivery.sitting.resumed", target=sitting, data={"paused_seconds": lost})
    return sitting


@transaction.atomic
def compensate(*, actor, sitting_id: int, minutes: int, reason: str, attempt_id: int | None = None,
               now: dt.datetime | None = None) -> Compensation:
    """补时 with a reason, for the whole room or one candidate (表B.2: time lost to a failure restored within
    30 minutes is made up)."""
    now = now_or(now)
    sitting = _run_room(actor, sitting_id, now)
    errors = {}
    if not 1 <= int(minutes) <= MAX_COMPENSATION_MINUTES:
        errors["minutes"] = _("补时须在 1 至 %(n)s 分钟之间（表B.2）。") % {"n": MAX_COMPENSATION_MINUTES}
    if not reason.strip():
        errors["reason"] = _("请填写补时原因。")
    if errors:
        raise ValidationError(errors)
    if sitting.state not in (RoomState.RUNNING, RoomState.PAUSED):
        raise ValidationError(_("只有考试进行中的考场可以补时。"))
    attempt = None
    if attempt_id:
        attempt = lock_attempt(attempt_id)
        if attempt.sitting_id != sitting.pk:
            raise ValidationError({"attempt": _("该考生不在本考场。")})
        if attempt.status not in OPEN_ATTEMPT:
            raise ValidationError({"attempt": _("该考生已交卷或缺考，不能补时。")})
        attempt.compensation_seconds += int(minutes) * 60
        attempt.save(update_fields=["compensation_seconds"])
    else:
        sitting.compensation_seconds += int(minutes) * 60
        sitting.save(update_fields=["compensation_seconds"])
    comp = Compensation.objects.create(sitting=sitting, attempt=attempt, minutes=int(minutes),
                                       reason=reason.strip(), granted_by=actor)
    record_event(sitting, RoomEventKind.COMPENSATED, actor=actor, attempt=attempt, at=now,
           note=_("补时 %(m)s 分钟：%(r)s") % {"m": minutes, "r": reason.strip()})
    audit.record(actor, "delivery.compensation.granted", target=sitting,
                 data={"minutes": int(minutes), "reason": reason.strip(), "attempt": attempt_id})
    return comp


def _attempt_by_ticket(sitting: RoomSitting, ticket: str) -> Attempt:
    ticket = ticket.strip()
    number = ticket
    if ticket.startswith("v1."):
        claim = verify_ticket(ticket)
        if claim is None:
            raise ValidationError({"ticket": _("二维码无效：不是本系统签发的准考证。")})
        number = claim.number
    attempt = (Attempt.objects.select_for_update(of=("self",)).select_related("application", "ticket")
               .filter(sitting=sitting, ticket__number=number, ticket__status=TicketStatus.VALID).first())
    if attempt is None:
        raise ValidationError({"ticket": _("准考证号 %(n)s 不在本考场名单中。") % {"n": number}})
    return attempt


@transaction.atomic
def check_in(*, actor, sitting_id: int, ticket: str, now: dt.datetime | None = None) -> Attempt:
    """签到 (A.2.4) by the ticket's QR token (scanned) or its number (typed after looking at the ticket)."""
    now = now_or(now)
    sitting = _run_room(actor, sitting_id, now)
    if sitting.state == RoomState.CLOSED:
        raise ValidationError(_("考场已结束。"))
    attempt = _attempt_by_ticket(sitting, ticket)
    late = sitting.started_at and now > sitting.started_at + dt.timedelta(minutes=LATE_ENTRY_MINUTES)
    if attempt.status == AttemptStatus.ABSENT or (late and attempt.status == AttemptStatus.NOT_ARRIVED):
        # marked absent by the clock (A.2.8), possibly by this action's own catch-up
        raise ValidationError({"ticket": _("开考 %(n)s 分钟后不得入场（A.2.8）。") % {"n": LATE_ENTRY_MINUTES}})
    if attempt.status != AttemptStatus.NOT_ARRIVED:
        raise ValidationError({"ticket": _("%(name)s 已是“%(s)s”状态。")
                               % {"name": attempt.application.full_name, "s": attempt.get_status_display()}})
    transition(attempt, AttemptStatus.CHECKED_IN, checked_in_at=now, checked_in_by=actor,
               check_in_method=CheckInMethod.QR if ticket.strip().startswith("v1.") else CheckInMethod.MANUAL)
    audit.record(actor, "delivery.attempt.checked_in", target=attempt, data={"method": attempt.check_in_method})
    return attempt


@transaction.atomic
def identity_confirm(*, actor, attempt_id: int, now: dt.datetime | None = None) -> Attempt:
    """核验身份 (A.2.7): the proctor compared the person with the photo on the player's screen."""
    attempt = _run_attempt(actor, attempt_id, now)
    if attempt.status in (AttemptStatus.NOT_ARRIVED, AttemptStatus.ABSENT):
        raise ValidationError(_("考生尚未签到。"))
    attempt.identity_checked_at, attempt.identity_checked_by = now_or(now), actor
    attempt.save(update_fields=["identity_checked_at", "identity_checked_by"])
    audit.record(actor, "delivery.attempt.identity_checked", target=attempt)
    return attempt


@transaction.atomic
def relogin_authorise(*, actor, attempt_id: int, reason: str, now: dt.datetime | None = None) -> Attempt:
    """授权换机: the candidate's computer failed; their next log-in (on any computer of the room) ends the old
    one and resumes with every acknowledged answer and the right time."""
    attempt = _run_attempt(actor, attempt_id, now)
    if attempt.status not in OPEN_ATTEMPT:
        raise ValidationError(_("该考生已交卷或缺考。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写换机原因。")})
    attempt.relogin_allowed = True
    attempt.save(update_fields=["relogin_allowed"])
    record_event(attempt.sitting, RoomEventKind.RELOGIN, actor=actor, attempt=attempt, note=reason.strip(), at=now)
    audit.record(actor, "delivery.attempt.relogin_authorised", target=attempt, data={"reason": reason.strip()})
    return attempt


@transaction.atomic
def force_submit(*, actor, attempt_id: int, reason: str, now: dt.datetime | None = None) -> Attempt:
    """强制收卷 from the last acknowledged answers (e.g. a candidate removed for misconduct, or leaving ill)."""
    now = now_or(now)
    attempt = _run_attempt(actor, attempt_id, now)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写强制收卷原因。")})
    if attempt.status not in OPEN_ATTEMPT:
        raise ValidationError(_("该考生不在作答中。"))
    finish(attempt, SubmittedHow.PROCTOR, now)
    record_event(attempt.sitting, RoomEventKind.FORCE_SUBMITTED, actor=actor, attempt=attempt,
                 note=reason.strip(), at=now)
    audit.record(actor, "delivery.attempt.force_submitted", target=attempt, data={"reason": reason.strip()})
    return attempt


@transaction.atomic
def event_record(*, actor, sitting_id: int, kind: str, note: str, attempt_id: int | None = None,
                 occurred_at: dt.datetime | None = None) -> RoomEvent:
    """考场情况记录: an event or irregularity typed by the proctor, with its time and candidate."""
    sitting = _run_room(actor, sitting_id, None)
    errors = {}
    if kind not in PROCTOR_EVENT_KINDS:
        errors["kind"] = _("请选择情况类型。")
    if not note.strip():
        errors["note"] = _("请写明经过。")
    attempt = None
    if attempt_id:
        attempt = sitting.attempts.filter(pk=attempt_id).first()
        if attempt is None:
            errors["attempt"] = _("该考生不在本考场。")
    if occurred_at and occurred_at > timezone.now() + dt.timedelta(minutes=1):
        errors["occurred_at"] = _("发生时间不能晚于现在。")
    if errors:
        raise ValidationError(errors)
    event = record_event(sitting, kind, actor=actor, attempt=attempt, note=note.strip(), at=occurred_at)
    audit.record(actor, "delivery.room_event.recorded", target=sitting,
                 data={"kind": kind, "attempt": attempt_id, "note": note.strip()})
    return event
