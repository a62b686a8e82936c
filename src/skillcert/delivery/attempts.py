"""The candidate's attempt (§6.3.1.2, A.2.7–A.2.10): the log-in on a room computer, the clock the player polls,
the paper as this candidate sees it, the submission, the integrity signals, and paper answer sheets recorded as
attempts. The answers themselves are kept by ``autosave`` (``answers_save`` here hands over to it); a write to
a closed or expired attempt is refused through ``guard``.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from skillcert.core import audit
from skillcert.core.errors import ValidationError
from skillcert.core.statemachine import transition
from skillcert.itembank.enums import CHOICE_TYPES, OPTION_KEYS, ItemType
from skillcert.papers import services as paper_services
from skillcert.papers.models import Paper
from skillcert.scheduling.models import AdmissionTicket, SeatAssignment, TicketStatus

from . import autosave, clock
from .common import Closed, NotLoggedIn, Paused, aware, finish, lock_attempt, new_room_code, now_or, token_hash
from .enums import (
    LATE_ENTRY_MINUTES,
    OPEN_ATTEMPT,
    SHEET_ATTEMPT_TRANSITIONS,
    AttemptStatus,
    RoomState,
    SignalKind,
    SubmittedHow,
)
from .guard import deadline_guard, refuse_if_closed
from .models import Answer, Attempt, AttemptSession, IntegritySignal, RoomSitting
from .tick import finalise_due

MAX_SIGNALS_PER_ATTEMPT = 500


def _same_id(a: str, b: str) -> bool:
    return a.strip().upper().replace(" ", "") == b.strip().upper().replace(" ", "")


BAD_LOGIN = "准考证号、证件号码或考场口令不正确。"


def attempt_login(*, ticket_number: str, id_number: str, room_code: str, ip: str | None = None,
                  user_agent: str = "", now: dt.datetime | None = None) -> tuple[str, Attempt]:
    """Log in on a room computer with ticket number + ID number + the room code the proctor announces.

    One active log-in per attempt: a second one is refused (and kept as an integrity signal) unless the
    proctor authorised a change of computer, which ends the old log-in."""
    now = now_or(now)
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
            AttemptSession.objects.create(attempt=attempt, token_hash=token_hash(token), last_seen_at=now,
                                          ip=ip, user_agent=user_agent[:200])
            audit.record(None, "delivery.attempt.login", target=attempt, actor_label=attempt.ticket.number,
                         data={"relogin": relogin, "ip": ip})
            return token, attempt
    # Outside the refused transaction, so the signal is kept.
    IntegritySignal.objects.create(attempt=refused_second, kind=SignalKind.SECOND_SESSION, at=now,
                                   detail=(ip or "")[:200])
    raise ValidationError(_("您已在另一台计算机登录。如需换机，请举手请监考人员授权。"))




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
    now = now_or(now)
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
    now = now_or(now)
    if not token:
        raise NotLoggedIn(_("请先登录。"))
    with connection.cursor() as cur:
        cur.execute(_STATUS, [token_hash(token)])
        row = cur.fetchone()
        if row is None:
            raise NotLoggedIn(_("本次登录已失效（可能已在另一台计算机登录或已交卷），请重新登录。"))
        attempt_id, status, compensation, room_state, started_at, room_compensation, paused_seconds, paused_at, \
            minutes, last_seen, session_id = row
        last_seen = aware(last_seen)
        if last_seen is None or (now - last_seen).total_seconds() >= HEARTBEAT_EVERY_SECONDS:
            cur.execute("UPDATE delivery_attemptsession SET last_seen_at = %s WHERE id = %s", [now, session_id])
    end = clock.RoomClock(aware(started_at), minutes * 60, room_compensation, paused_seconds,
                          aware(paused_at)).deadline(now)
    deadline = None if end is None else end + dt.timedelta(seconds=compensation)
    if status in OPEN_ATTEMPT and room_state == RoomState.RUNNING and deadline is not None and deadline <= now:
        return attempt_clock(attempt_id, now)
    return _time_status(room_state, status, deadline, now)


def attempt_clock(attempt_id: int, now: dt.datetime | None = None) -> TimeStatus:
    """The clock as the player polls it; an open attempt whose deadline has passed is finalised first, so a
    player left at 00:00 learns it was submitted without waiting for the background job."""
    now = now_or(now)
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
    now = now_or(now)
    return deadline_guard(attempt_id, now, lambda: _deliver(attempt_id, now))


@transaction.atomic
def _deliver(attempt_id: int, now: dt.datetime) -> list[dict]:
    # At the start signal every candidate of the venue arrives here at once: the audit entries (document
    # opened, attempt started) are appended at the end, so the chain head is held only from there to the commit.
    with audit.deferred():
        attempt = lock_attempt(attempt_id)
        sitting = attempt.sitting
        if sitting.state == RoomState.WAITING:
            raise ValidationError(_("尚未开考，请等待监考人员统一开考。"))
        refuse_if_closed(attempt, now)
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


def answers_save(*, attempt_id: int | None = None, token: str | None = None, saves: list[dict],
                 now: dt.datetime | None = None) -> list[int]:
    """Keep the player's saves: ``delivery.autosave.answers_save``, where the upsert and its guarantees are
    documented (issue #21 item 8)."""
    return autosave.answers_save(attempt_id=attempt_id, token=token, saves=saves, now=now)


def answers_of(attempt_id: int) -> dict[int, dict]:
    return {a["position"]: a for a in Answer.objects.filter(attempt_id=attempt_id).values("position", "value", "seq")}


def attempt_submit(*, attempt_id: int, now: dt.datetime | None = None) -> Attempt:
    """交卷 by the candidate (after confirming in the player). Later saves are refused."""
    now = now_or(now)
    return deadline_guard(attempt_id, now, lambda: _submit(attempt_id, now))


@transaction.atomic
def _submit(attempt_id: int, now: dt.datetime) -> Attempt:
    attempt = lock_attempt(attempt_id)
    refuse_if_closed(attempt, now)
    if attempt.sitting.state == RoomState.PAUSED:
        # Answers held in the browser during the pause could not be saved yet: submitting now would lose them.
        raise Paused(_("考试已暂停，恢复考试后才能交卷。"))
    if attempt.status != AttemptStatus.ANSWERING:
        raise ValidationError(_("尚未开始作答。"))
    finish(attempt, SubmittedHow.CANDIDATE, now)
    audit.record(None, "delivery.attempt.submitted", target=attempt, actor_label=attempt.ticket.number,
                 data={"answers": attempt.answers.count()})
    return attempt


def signal_record(*, attempt_id: int, kind: str, detail: str = "", now: dt.datetime | None = None) -> bool:
    """Keep an integrity signal from the player (focus loss, copy/paste); capped per attempt."""
    if kind not in (SignalKind.FOCUS_LOSS, SignalKind.COPY_PASTE):
        raise ValidationError({"kind": _("未知的信号类型。")})
    if IntegritySignal.objects.filter(attempt_id=attempt_id).count() >= MAX_SIGNALS_PER_ATTEMPT:
        return False
    IntegritySignal.objects.create(attempt_id=attempt_id, kind=kind, detail=detail[:200], at=now_or(now))
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
        defaults={"code": new_room_code(), "state": RoomState.CLOSED, "closed_at": now})
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
