"""Computer-based delivery (§6.3.1.2, §6.4, A.2, 表B.2): every write of the exam day.

Room operations (start, pause, compensation, check-in, force-submit, re-login, the room record) follow the
house rule: permission → lock → validate → write → audit, in one transaction.

Answer saves (the autosave) live in ``delivery/autosave.py``, with their guarantees: idempotent by client
sequence, acknowledged only after commit, refused whole when the room is paused, after submission or the
deadline; not audited one by one, by design. A paused room takes no submission either (``_submit``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.core import audit
from skillcert.core.errors import DomainError, IllegalTransition, ValidationError
from skillcert.core.statemachine import require_transition, transition, transition_many
from skillcert.itembank.enums import CHOICE_TYPES, OPTION_KEYS, ItemType
from skillcert.papers import rules as paper_rules
from skillcert.papers import services as paper_services
from skillcert.papers.enums import PaperStatus
from skillcert.papers.models import Paper
from skillcert.scheduling.enums import RoomKind, SessionKind
from skillcert.scheduling.models import AdmissionTicket, ExamSession, RoomSignOff, SeatAssignment, TicketStatus
from skillcert.scheduling.tickets import verify_ticket

from . import clock, rules
from .enums import (
    LATE_ENTRY_MINUTES,
    MAX_COMPENSATION_MINUTES,
    OPEN_ATTEMPT,
    PROCTOR_EVENT_KINDS,
    ROOM_TRANSITIONS,
    SHEET_ATTEMPT_TRANSITIONS,
    AttemptStatus,
    CheckInMethod,
    RoomEventKind,
    RoomState,
    SignalKind,
    SubmittedHow,
)
from .models import Answer, Attempt, AttemptSession, Compensation, IntegritySignal, RoomEvent, RoomSitting

MAX_SIGNALS_PER_ATTEMPT = 500


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


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _lock_sitting(sitting_id: int) -> RoomSitting:
    qs = RoomSitting.objects.select_related("session__batch__announcement", "room")
    return qs.select_for_update(of=("self",)).get(pk=sitting_id)


def _lock_attempt(attempt_id: int) -> Attempt:
    qs = Attempt.objects.select_related("sitting__session", "sitting__room", "application", "ticket")
    return qs.select_for_update(of=("self",)).get(pk=attempt_id)


def _require_runner(actor, sitting: RoomSitting) -> None:
    if not rules.runs(actor, sitting):
        raise PermissionDenied(_("只有本考场的监考人员或本考点主考可以操作。"))


def _event(sitting: RoomSitting, kind: str, *, actor=None, attempt: Attempt | None = None, note: str = "",
           at: dt.datetime | None = None) -> RoomEvent:
    return RoomEvent.objects.create(sitting=sitting, attempt=attempt, kind=kind, note=note,
                                    occurred_at=_now(at), recorded_by=actor or None)


def _room_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


# --- Preparing the rooms ----------------------------------------------------------------------------------

@transaction.atomic
def sittings_ensure(*, actor, session: ExamSession) -> list[RoomSitting]:
    """Create each computer room's sitting of a session and one attempt per seated, ticketed candidate.

    Idempotent: candidates seated later get their attempt the next time. Only computer-based theory
    sessions are delivered here (§6.3.1.2)."""
    if session.kind != SessionKind.THEORY_COMPUTER:
        return []
    sittings = []
    tickets = {t.application_id: t for t in AdmissionTicket.objects.filter(batch_id=session.batch_id,
                                                                           status=TicketStatus.VALID)}
    for room in session.rooms.filter(kind=RoomKind.COMPUTER).order_by("name"):
        sitting, created = RoomSitting.objects.get_or_create(session=session, room=room,
                                                             defaults={"code": _room_code()})
        if created:
            audit.record(actor, "delivery.sitting.prepared", target=sitting)
        if sitting.state != RoomState.CLOSED:
            have = set(sitting.attempts.values_list("assignment_id", flat=True))
            new = [Attempt(sitting=sitting, assignment=a, application_id=a.application_id,
                           ticket=tickets[a.application_id])
                   for a in SeatAssignment.objects.filter(session=session, seat__room=room).exclude(pk__in=have)
                   if a.application_id in tickets]
            Attempt.objects.bulk_create(new)
        sittings.append(sitting)
    return sittings


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
    now = _now(now)
    sitting = _lock_sitting(sitting_id)
    _require_runner(actor, sitting)
    require_transition(ROOM_TRANSITIONS, sitting.state, RoomState.RUNNING, labels=dict(RoomState.choices))
    session = sitting.session
    if not RoomSignOff.objects.filter(session=session, room=sitting.room).exists():
        raise ValidationError(_("主考尚未签字确认本考场准备就绪，不能开考（A.1.2）。"))
    if now < session.starts_at:
        raise ValidationError(_("未到开考时间（%(t)s）。") % {"t": f"{timezone.localtime(session.starts_at):%H:%M}"})
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
    _event(sitting, RoomEventKind.STARTED, actor=actor, at=now)
    audit.record(actor, "delivery.sitting.started", target=sitting, data={"candidates": len(attempts)})
    return sitting


@transaction.atomic
def room_pause(*, actor, sitting_id: int, reason: str, now: dt.datetime | None = None) -> RoomSitting:
    """Stop the clock for everyone in the room (power or equipment failure, 表B.2)."""
    now = _now(now)
    sitting = _lock_sitting(sitting_id)
    _require_runner(actor, sitting)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写暂停原因。")})
    finalise_due(sitting_id=sitting.pk, now=now)
    require_transition(ROOM_TRANSITIONS, sitting.state, RoomState.PAUSED, labels=dict(RoomState.choices))
    transition(sitting, RoomState.PAUSED, paused_at=now)
    _event(sitting, RoomEventKind.PAUSED, actor=actor, note=reason.strip(), at=now)
    audit.record(actor, "delivery.sitting.paused", target=sitting, data={"reason": reason.strip()})
    return sitting


@transaction.atomic
def room_resume(*, actor, sitting_id: int, now: dt.datetime | None = None) -> RoomSitting:
    now = _now(now)
    sitting = _lock_sitting(sitting_id)
    _require_runner(actor, sitting)
    if sitting.state != RoomState.PAUSED:  # waiting → running is the start, not a resume
        raise IllegalTransition(_("考场未暂停，无需恢复。"))
    require_transition(ROOM_TRANSITIONS, sitting.state, RoomState.RUNNING, labels=dict(RoomState.choices))
    lost = clock.paused_for(sitting.paused_at, now)
    transition(sitting, RoomState.RUNNING, paused_at=None,
               paused_seconds=sitting.paused_seconds + lost)
    _event(sitting, RoomEventKind.RESUMED, actor=actor, note=_("暂停 %(m)s 分 %(s)s 秒，时间顺延。")
           % {"m": lost // 60, "s": lost % 60}, at=now)
    audit.record(actor, "delivery.sitting.resumed", target=sitting, data={"paused_seconds": lost})
    return sitting


@transaction.atomic
def compensate(*, actor, sitting_id: int, minutes: int, reason: str, attempt_id: int | None = None,
               now: dt.datetime | None = None) -> Compensation:
    """补时 with a reason, for the whole room or one candidate (表B.2: time lost to a failure restored within
    30 minutes is made up)."""
    now = _now(now)
    sitting = _lock_sitting(sitting_id)
    _require_runner(actor, sitting)
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
        attempt = _lock_attempt(attempt_id)
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
    _event(sitting, RoomEventKind.COMPENSATED, actor=actor, attempt=attempt, at=now,
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
    now = _now(now)
    sitting = _lock_sitting(sitting_id)
    _require_runner(actor, sitting)
    if sitting.state == RoomState.CLOSED:
        raise ValidationError(_("考场已结束。"))
    attempt = _attempt_by_ticket(sitting, ticket)
    if attempt.status != AttemptStatus.NOT_ARRIVED:
        raise ValidationError({"ticket": _("%(name)s 已是“%(s)s”状态。")
                               % {"name": attempt.application.full_name, "s": attempt.get_status_display()}})
    if sitting.started_at and now > sitting.started_at + dt.timedelta(minutes=LATE_ENTRY_MINUTES):
        raise ValidationError({"ticket": _("开考 %(n)s 分钟后不得入场（A.2.8）。") % {"n": LATE_ENTRY_MINUTES}})
    transition(attempt, AttemptStatus.CHECKED_IN, checked_in_at=now, checked_in_by=actor,
               check_in_method=CheckInMethod.QR if ticket.strip().startswith("v1.") else CheckInMethod.MANUAL)
    audit.record(actor, "delivery.attempt.checked_in", target=attempt, data={"method": attempt.check_in_method})
    return attempt


@transaction.atomic
def identity_confirm(*, actor, attempt_id: int, now: dt.datetime | None = None) -> Attempt:
    """核验身份 (A.2.7): the proctor compared the person with the photo on the player's screen."""
    attempt = _lock_attempt(attempt_id)
    _require_runner(actor, attempt.sitting)
    if attempt.status in (AttemptStatus.NOT_ARRIVED, AttemptStatus.ABSENT):
        raise ValidationError(_("考生尚未签到。"))
    attempt.identity_checked_at, attempt.identity_checked_by = _now(now), actor
    attempt.save(update_fields=["identity_checked_at", "identity_checked_by"])
    audit.record(actor, "delivery.attempt.identity_checked", target=attempt)
    return attempt


@transaction.atomic
def relogin_authorise(*, actor, attempt_id: int, reason: str, now: dt.datetime | None = None) -> Attempt:
    """授权换机: the candidate's computer failed; their next log-in (on any computer of the room) ends the old
    one and resumes with every acknowledged answer and the right time."""
    attempt = _lock_attempt(attempt_id)
    _require_runner(actor, attempt.sitting)
    if attempt.status not in OPEN_ATTEMPT:
        raise ValidationError(_("该考生已交卷或缺考。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写换机原因。")})
    attempt.relogin_allowed = True
    attempt.save(update_fields=["relogin_allowed"])
    _event(attempt.sitting, RoomEventKind.RELOGIN, actor=actor, attempt=attempt, note=reason.strip(), at=now)
    audit.record(actor, "delivery.attempt.relogin_authorised", target=attempt, data={"reason": reason.strip()})
    return attempt


@transaction.atomic
def force_submit(*, actor, attempt_id: int, reason: str, now: dt.datetime | None = None) -> Attempt:
    """强制收卷 from the last acknowledged answers (e.g. a candidate removed for misconduct, or leaving ill)."""
    now = _now(now)
    attempt = _lock_attempt(attempt_id)
    _require_runner(actor, attempt.sitting)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写强制收卷原因。")})
    if attempt.status not in OPEN_ATTEMPT:
        raise ValidationError(_("该考生不在作答中。"))
    _finish(attempt, SubmittedHow.PROCTOR, now)
    _event(attempt.sitting, RoomEventKind.FORCE_SUBMITTED, actor=actor, attempt=attempt, note=reason.strip(),
           at=now)
    audit.record(actor, "delivery.attempt.force_submitted", target=attempt, data={"reason": reason.strip()})
    return attempt


@transaction.atomic
def event_record(*, actor, sitting_id: int, kind: str, note: str, attempt_id: int | None = None,
                 occurred_at: dt.datetime | None = None) -> RoomEvent:
    """考场情况记录: an event or irregularity typed by the proctor, with its time and candidate."""
    sitting = _lock_sitting(sitting_id)
    _require_runner(actor, sitting)
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
    event = _event(sitting, kind, actor=actor, attempt=attempt, note=note.strip(), at=occurred_at)
    audit.record(actor, "delivery.room_event.recorded", target=sitting,
                 data={"kind": kind, "attempt": attempt_id, "note": note.strip()})
    return event


# --- The clock's consequences (run by the background job, and on every look at a room) ------------------

def _finish(attempt: Attempt, how: str, at: dt.datetime) -> None:
    transition(attempt, AttemptStatus.SUBMITTED, submitted_at=at, submitted_how=how)
    AttemptSession.objects.filter(attempt=attempt, revoked_at__isnull=True).update(revoked_at=at)


@transaction.atomic
def finalise_due(*, now: dt.datetime | None = None, sitting_id: int | None = None,
                 attempt_id: int | None = None) -> int:
    """到时收卷: every open attempt whose deadline has passed is submitted from its last saved answers, with
    the deadline as its finish time. Returns how many were finalised."""
    now = _now(now)
    qs = Attempt.objects.filter(status__in=OPEN_ATTEMPT, sitting__state=RoomState.RUNNING)
    if sitting_id:
        qs = qs.filter(sitting_id=sitting_id)
    if attempt_id:
        qs = qs.filter(pk=attempt_id)
    done = 0
    for attempt in qs.select_related("sitting__session").select_for_update(of=("self",)).order_by("pk"):
        deadline = attempt.deadline(now)
        if deadline is not None and deadline <= now:
            _finish(attempt, SubmittedHow.DEADLINE, deadline)
            audit.record(None, "delivery.attempt.finalised", target=attempt, actor_label="system",
                         data={"at": deadline.isoformat()})
            done += 1
    return done


@transaction.atomic
def mark_absent_due(*, now: dt.datetime | None = None, sitting_id: int | None = None) -> int:
    """缺考 (A.2.8): 30 minutes after the start, candidates not checked in are marked absent."""
    now = _now(now)
    cutoff = now - dt.timedelta(minutes=LATE_ENTRY_MINUTES)
    qs = RoomSitting.objects.filter(started_at__lte=cutoff, absent_marked_at__isnull=True)
    if sitting_id:
        qs = qs.filter(pk=sitting_id)
    marked = 0
    for sitting in qs.select_for_update(of=("self",)).order_by("pk"):
        absent = list(sitting.attempts.filter(status=AttemptStatus.NOT_ARRIVED).select_related("application"))
        transition_many(Attempt.objects.filter(pk__in=[a.pk for a in absent]), AttemptStatus.ABSENT)
        sitting.absent_marked_at = now
        sitting.save(update_fields=["absent_marked_at"])
        if absent:
            _event(sitting, RoomEventKind.ABSENT_MARKED, at=now,
                   note="、".join(f"{a.application.full_name}（{a.ticket.number}）" for a in absent))
        audit.record(None, "delivery.sitting.absent_marked", target=sitting, actor_label="system",
                     data={"absent": [a.ticket.number for a in absent]})
        marked += len(absent)
    return marked


@transaction.atomic
def close_finished(*, now: dt.datetime | None = None, sitting_id: int | None = None) -> int:
    """A running room whose clock has run out and whose candidates are all done is closed."""
    now = _now(now)
    qs = RoomSitting.objects.filter(state=RoomState.RUNNING).select_related("session", "room")
    if sitting_id:
        qs = qs.filter(pk=sitting_id)
    closed = 0
    for sitting in qs.select_for_update(of=("self",)).order_by("pk"):
        deadline = sitting.room_clock().deadline(now)
        if deadline > now or sitting.attempts.filter(status__in=[*OPEN_ATTEMPT, AttemptStatus.NOT_ARRIVED]).exists():
            continue
        transition(sitting, RoomState.CLOSED, closed_at=now)
        _event(sitting, RoomEventKind.CLOSED, at=now)
        audit.record(None, "delivery.sitting.closed", target=sitting, actor_label="system")
        closed += 1
    return closed


def tick(*, now: dt.datetime | None = None, sitting_id: int | None = None) -> dict[str, int]:
    """What the background job runs (every few seconds): absentees, deadlines, closing rooms."""
    now = _now(now)
    return {"absent": mark_absent_due(now=now, sitting_id=sitting_id),
            "finalised": finalise_due(now=now, sitting_id=sitting_id),
            "closed": close_finished(now=now, sitting_id=sitting_id)}


# --- The candidate's side (exam player) --------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _same_id(a: str, b: str) -> bool:
    return a.strip().upper().replace(" ", "") == b.strip().upper().replace(" ", "")


BAD_LOGIN = "准考证号、证件号码或考场口令不正确。"


def attempt_login(*, ticket_number: str, id_number: str, room_code: str, ip: str | None = None,
                  user_agent: str = "", now: dt.datetime | None = None) -> tuple[str, Attempt]:
    """Log in on a room computer with ticket number + ID number + the room code the proctor announces.

    One active log-in per attempt: a second one is refused (and kept as an integrity signal) unless the
    proctor authorised a change of computer, which ends the old log-in."""
    now = _now(now)
    refused_second = None
    with transaction.atomic():
        attempt = (Attempt.objects.select_for_update(of=("self",))
                   .select_related("sitting__session", "sitting__room", "application", "ticket")
                   .filter(ticket__number=ticket_number.strip(), ticket__status=TicketStatus.VALID,
                           sitting__code=room_code.strip()).exclude(sitting__state=RoomState.CLOSED)
                   .order_by("pk").first())  # not the model's ordering: its joins cost more than the lookup
        if attempt is None or not _same_id(attempt.application.id_number, id_number):
            raise ValidationError(_(BAD_LOGIN))
        if attempt.status == AttemptStatus.NOT_ARRIVED:
            raise ValidationError(_("请先由监考人员签到（出示准考证和身份证件）后再登录。"))
        if attempt.status == AttemptStatus.ABSENT:
            raise ValidationError(_("开考 %(n)s 分钟后未签到，已按缺考处理。") % {"n": LATE_ENTRY_MINUTES})
        if attempt.status == AttemptStatus.SUBMITTED:
            raise Closed(_("您已交卷，不能再次登录。"))
        active = attempt.sessions.filter(revoked_at__isnull=True).exists()
        if active and not attempt.relogin_allowed:
            refused_second = attempt
        else:
            if active:
                attempt.sessions.filter(revoked_at__isnull=True).update(revoked_at=now)
            relogin = attempt.relogin_allowed
            attempt.relogin_allowed = False
            attempt.save(update_fields=["relogin_allowed"])
            token = secrets.token_urlsafe(32)
            AttemptSession.objects.create(attempt=attempt, token_hash=_token_hash(token), last_seen_at=now,
                                          ip=ip, user_agent=user_agent[:200])
            audit.record(None, "delivery.attempt.login", target=attempt, actor_label=attempt.ticket.number,
                         data={"relogin": relogin, "ip": ip})
            return token, attempt
    # Outside the refused transaction, so the signal is kept.
    IntegritySignal.objects.create(attempt=refused_second, kind=SignalKind.SECOND_SESSION, at=now,
                                   detail=(ip or "")[:200])
    raise ValidationError(_("您已在另一台计算机登录。如需换机，请举手请监考人员授权。"))


def attempt_for_token(token: str, *, now: dt.datetime | None = None) -> int:
    """The attempt id of an active log-in; its heartbeat is refreshed in the same statement."""
    if not token:
        raise NotLoggedIn(_("请先登录。"))
    with connection.cursor() as cur:
        cur.execute("UPDATE delivery_attemptsession SET last_seen_at = %s WHERE token_hash = %s "
                    "AND revoked_at IS NULL RETURNING attempt_id", [_now(now), _token_hash(token)])
        row = cur.fetchone()
    if row is None:
        raise NotLoggedIn(_("本次登录已失效（可能已在另一台计算机登录或已交卷），请重新登录。"))
    return row[0]


@dataclass(frozen=True)
class TimeStatus:
    room_state: str
    status: str
    remaining_seconds: int | None
    deadline: dt.datetime | None
    paused: bool
    server_time: dt.datetime
    remaining_ms: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"room_state": self.room_state, "status": self.status, "remaining_seconds": self.remaining_seconds,
                "remaining_ms": self.remaining_ms, "deadline": self.deadline.isoformat() if self.deadline else None,
                "paused": self.paused, "server_time": self.server_time.isoformat()}


def _time_status(room_state: str, status: str, deadline: dt.datetime | None, now: dt.datetime) -> TimeStatus:
    return TimeStatus(room_state, status, clock.remaining_seconds(deadline, now), deadline,
                      room_state == RoomState.PAUSED, now, clock.remaining_ms(deadline, now))


def time_status(attempt: Attempt, now: dt.datetime | None = None) -> TimeStatus:
    now = _now(now)
    return _time_status(attempt.sitting.state, attempt.status, attempt.deadline(now), now)


# The player asks for its status every STATUS_POLL_SECONDS (it must lock within 2 s of a pause, so the poll
# period plus the round trip stays under 2 s); the heartbeat the proctor console reads (offline after
# OFFLINE_AFTER_SECONDS) is written by at most one poll in HEARTBEAT_EVERY_SECONDS, so the poll is one indexed
# read nine times in ten. Measured (Django test client, SQLite, shared 2-core machine): GET /status 1.3–2.6 ms
# wall, 0.4–0.7 ms CPU per request, against 4–5 ms and 1.2 ms for the older GET /time (which writes its
# heartbeat every time). A room of 300 candidates is then 300 light requests a second (about a third of a core
# with gunicorn's own overhead); the player no longer polls /time every 15 s. A venue far larger than one app
# node's share (the 2,000-candidate benchmark on one 2-core node) needs more app nodes (they are stateless).
STATUS_POLL_SECONDS = 1
HEARTBEAT_EVERY_SECONDS = 10
_STATUS = ("SELECT a.id, a.status, a.compensation_seconds, s.state, s.started_at, s.compensation_seconds, "
           "s.paused_seconds, s.paused_at, e.duration_minutes, t.last_seen_at, t.id "
           "FROM delivery_attemptsession t JOIN delivery_attempt a ON a.id = t.attempt_id "
           "JOIN delivery_roomsitting s ON s.id = a.sitting_id "
           "JOIN scheduling_examsession e ON e.id = s.session_id "
           "WHERE t.token_hash = %s AND t.revoked_at IS NULL")


def attempt_status(*, token: str, now: dt.datetime | None = None) -> TimeStatus:
    """The player's frequent status poll (room paused? time left?) by its log-in token: one read, a heartbeat
    every HEARTBEAT_EVERY_SECONDS, and — as ``attempt_clock`` — an attempt whose deadline has passed in a
    running room is finalised first."""
    now = _now(now)
    if not token:
        raise NotLoggedIn(_("请先登录。"))
    with connection.cursor() as cur:
        cur.execute(_STATUS, [_token_hash(token)])
        row = cur.fetchone()
        if row is None:
            raise NotLoggedIn(_("本次登录已失效（可能已在另一台计算机登录或已交卷），请重新登录。"))
        attempt_id, status, compensation, room_state, started_at, room_compensation, paused_seconds, paused_at, \
            minutes, last_seen, session_id = row
        last_seen = _aware(last_seen)
        if last_seen is None or (now - last_seen).total_seconds() >= HEARTBEAT_EVERY_SECONDS:
            cur.execute("UPDATE delivery_attemptsession SET last_seen_at = %s WHERE id = %s", [now, session_id])
    end = clock.RoomClock(_aware(started_at), minutes * 60, room_compensation, paused_seconds,
                          _aware(paused_at)).deadline(now)
    deadline = None if end is None else end + dt.timedelta(seconds=compensation)
    if status in OPEN_ATTEMPT and room_state == RoomState.RUNNING and deadline is not None and deadline <= now:
        return attempt_clock(attempt_id, now)
    return _time_status(room_state, status, deadline, now)


def attempt_clock(attempt_id: int, now: dt.datetime | None = None) -> TimeStatus:
    """The clock as the player polls it; an open attempt whose deadline has passed is finalised first, so a
    player left at 00:00 learns it was submitted without waiting for the background job."""
    now = _now(now)
    attempt = Attempt.objects.select_related("sitting__session").get(pk=attempt_id)
    deadline = attempt.deadline(now)
    if (attempt.status in OPEN_ATTEMPT and attempt.sitting.state == RoomState.RUNNING and deadline is not None
            and deadline <= now):
        finalise_due(now=now, attempt_id=attempt_id)
        attempt.refresh_from_db()
    return time_status(attempt, now)


def _layout(content: dict, seed: int) -> dict:
    """The candidate's item and option order, deterministic from the seed (recorded on the attempt)."""
    rng = random.Random(seed)
    items = content["items"]
    positions = [it["position"] for it in items]
    rng.shuffle(positions)
    options, types = {}, {}
    for it in items:
        types[str(it["position"])] = it["type"]
        if it["type"] in CHOICE_TYPES:
            keys = list(OPTION_KEYS[:len(it["options"])])
            rng.shuffle(keys)
            options[str(it["position"])] = keys
    return {"seed": seed, "items": positions, "options": options, "types": types}


def _present(content: dict, layout: dict) -> list[dict]:
    """The paper as this candidate sees it: shuffled items and options, shown labels A, B, C… in order.

    Answers are always given in the item's original option keys, so grading needs no mapping; the layout
    tells a reviewer what the candidate saw."""
    by_position = {it["position"]: it for it in content["items"]}
    shown = []
    for number, position in enumerate(layout["items"], start=1):
        it = by_position[position]
        entry = {"position": position, "number": number, "type": it["type"],
                 "type_label": str(ItemType(it["type"]).label), "points": it["points"], "stem": it["stem"],
                 "materials": it.get("materials") or "", "options": []}
        if it["type"] in CHOICE_TYPES:
            for label, key in zip(OPTION_KEYS, layout["options"][str(position)], strict=False):
                entry["options"].append({"key": key, "label": label, "text": it["options"][OPTION_KEYS.index(key)]})
        elif it["type"] == ItemType.JUDGE:
            entry["options"] = [{"key": "T", "label": "√", "text": _("正确")},
                                {"key": "F", "label": "×", "text": _("错误")}]
        shown.append(entry)
    return shown


def attempt_paper(*, attempt_id: int, now: dt.datetime | None = None) -> list[dict]:
    """Deliver the released paper to one attempt: decrypted server-side for this attempt only (each opening
    audited by the papers app). The first delivery starts the attempt and fixes its layout."""
    now = _now(now)
    return _deadline_guard(attempt_id, now, lambda: _deliver(attempt_id, now))


@transaction.atomic
def _deliver(attempt_id: int, now: dt.datetime) -> list[dict]:
    # At the start signal every candidate of the venue arrives here at once: the audit entries (document
    # opened, attempt started) are appended at the end, so the chain head is held only from there to the commit.
    with audit.deferred():
        attempt = _lock_attempt(attempt_id)
        sitting = attempt.sitting
        if sitting.state == RoomState.WAITING:
            raise ValidationError(_("尚未开考，请等待监考人员统一开考。"))
        _refuse_if_closed(attempt, now)
        if sitting.state == RoomState.PAUSED and attempt.status == AttemptStatus.CHECKED_IN:
            # A first opening during a pause would give reading time the clock does not count; a candidate
            # already answering gets the paper again (a reload or a change of computer) behind the pause screen.
            raise Paused(_("考试已暂停，恢复考试后再开始作答。"))
        content = paper_services.released_content(actor=None, paper=attempt.paper, form_number=attempt.form_number,
                                                  actor_label=attempt.ticket.number)
        if attempt.status == AttemptStatus.CHECKED_IN:
            transition(attempt, AttemptStatus.ANSWERING, started_at=now,
                       layout=_layout(content, secrets.randbelow(2**31)))
            audit.record(None, "delivery.attempt.started", target=attempt, actor_label=attempt.ticket.number,
                         data={"paper": attempt.paper.code, "form": attempt.form_number,
                               "seed": attempt.layout["seed"]})
        shown = _present(content, attempt.layout)
    return shown


class _Expired(Exception):
    """Raised inside a write transaction when the attempt's time is up; the caller rolls back, finalises the
    attempt in its own transaction and refuses (see ``_deadline_guard``)."""

    def __init__(self, attempt_id: int):
        super().__init__(attempt_id)
        self.attempt_id = attempt_id


def _refuse_if_closed(attempt: Attempt, now: dt.datetime) -> None:
    _refuse_unless_open(attempt.pk, attempt.status, attempt.deadline(now), attempt.sitting.state, now)


def _refuse_unless_open(attempt_id: int, status: str, deadline: dt.datetime | None, room_state: str,
                        now: dt.datetime) -> None:
    if status == AttemptStatus.SUBMITTED:
        raise Closed(_("您已交卷，答案不能再修改。"))
    if status not in OPEN_ATTEMPT:
        raise Closed(_("您不在作答状态。"))
    if deadline is not None and deadline <= now and room_state == RoomState.RUNNING:
        raise _Expired(attempt_id)


def _deadline_guard(attempt_id: int | None, now: dt.datetime, work):
    """Run ``work``; if the time is up, finalise the attempt from its last saves (finish time = deadline)
    and refuse with a clear message."""
    try:
        return work()
    except _Expired as expired:
        finalise_due(now=now, attempt_id=expired.attempt_id or attempt_id)
        raise Closed(_("考试时间已到，系统已按您最后保存的答案收卷，此后的作答不再保存。")) from None


def answers_save(*, attempt_id: int | None = None, token: str | None = None, saves: list[dict],
                 now: dt.datetime | None = None) -> list[int]:
    """Keep the player's saves: ``delivery.autosave.answers_save``, where the upsert and its guarantees are
    documented (issue #21 item 8)."""
    from . import autosave  # it builds on this module (its errors and the deadline guard)

    return autosave.answers_save(attempt_id=attempt_id, token=token, saves=saves, now=now)


def _aware(value):
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value is None or timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def answers_of(attempt_id: int) -> dict[int, dict]:
    return {a["position"]: a for a in Answer.objects.filter(attempt_id=attempt_id).values("position", "value", "seq")}


def attempt_submit(*, attempt_id: int, now: dt.datetime | None = None) -> Attempt:
    """交卷 by the candidate (after confirming in the player). Later saves are refused."""
    now = _now(now)
    return _deadline_guard(attempt_id, now, lambda: _submit(attempt_id, now))


@transaction.atomic
def _submit(attempt_id: int, now: dt.datetime) -> Attempt:
    attempt = _lock_attempt(attempt_id)
    _refuse_if_closed(attempt, now)
    if attempt.sitting.state == RoomState.PAUSED:
        # Answers held in the browser during the pause could not be saved yet: submitting now would lose them.
        raise Paused(_("考试已暂停，恢复考试后才能交卷。"))
    if attempt.status != AttemptStatus.ANSWERING:
        raise ValidationError(_("尚未开始作答。"))
    _finish(attempt, SubmittedHow.CANDIDATE, now)
    audit.record(None, "delivery.attempt.submitted", target=attempt, actor_label=attempt.ticket.number,
                 data={"answers": attempt.answers.count()})
    return attempt


def signal_record(*, attempt_id: int, kind: str, detail: str = "", now: dt.datetime | None = None) -> bool:
    """Keep an integrity signal from the player (focus loss, copy/paste); capped per attempt."""
    if kind not in (SignalKind.FOCUS_LOSS, SignalKind.COPY_PASTE):
        raise ValidationError({"kind": _("未知的信号类型。")})
    if IntegritySignal.objects.filter(attempt_id=attempt_id).count() >= MAX_SIGNALS_PER_ATTEMPT:
        return False
    IntegritySignal.objects.create(attempt_id=attempt_id, kind=kind, detail=detail[:200], at=_now(now))
    return True


# --- Paper answer sheets (A.2.5–A.2.10) -----------------------------------------------------------------------



@transaction.atomic(savepoint=False)
def attempt_record_sheet(*, paper: Paper, application_id: int, form_number: int, absent: bool,
                         answers: dict[str, Any], now: dt.datetime) -> Attempt:
    """A paper answer sheet that counts, as the candidate's attempt at ``paper`` — status submitted (``submitted_how
    = sheet``) or absent, one answer per position in ``answers`` — so scoring treats it like a computer-based one.
    The room's sitting is made (closed) if the exam day never opened it. Called by grading's sheet capture
    (``grading.sheets``), which checks who may record sheets, validates the answers and audits; delivery owns
    these rows, so grading writes them only through here (issue #21 item 4). Joins the caller's transaction."""
    seat = SeatAssignment.objects.select_related("seat").get(session=paper.session, application_id=application_id)
    sitting, _new = RoomSitting.objects.get_or_create(
        session=paper.session, room_id=seat.seat.room_id,
        defaults={"code": _room_code(), "state": RoomState.CLOSED, "closed_at": now})
    ticket = AdmissionTicket.objects.get(batch=paper.session.batch, application_id=application_id,
                                         status=TicketStatus.VALID)
    attempt, _new = Attempt.objects.select_for_update().get_or_create(
        assignment=seat, defaults={"sitting": sitting, "application_id": application_id, "ticket": ticket})
    target = AttemptStatus.ABSENT if absent else AttemptStatus.SUBMITTED
    submitted_at, submitted_how = (None, "") if absent else (now, SubmittedHow.SHEET)
    transition(attempt, target, transitions=SHEET_ATTEMPT_TRANSITIONS, paper=paper, form_number=form_number,
               submitted_at=submitted_at, submitted_how=submitted_how)
    Answer.objects.filter(attempt=attempt).delete()
    if not absent:
        Answer.objects.bulk_create(Answer(attempt=attempt, position=int(p), value=v, seq=1, saved_at=now)
                                   for p, v in answers.items())
    return attempt
