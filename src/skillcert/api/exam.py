"""The exam API (django-ninja; OpenAPI at /api/exam/v1/openapi.json, browsable at /api/exam/v1/docs).

Two audiences, two kinds of access:
- the exam player, with the bearer token its log-in returned — a candidate reaches only their attempt;
- the proctor console, with the staff member's signed-in session and CSRF token — only their rooms.
Documented in docs/exam-api.md.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer, django_auth

from skillcert.accounts import throttle
from skillcert.core import audit
from skillcert.core.context import client_ip_from_request
from skillcert.core.errors import DomainError, ValidationError
from skillcert.core.models import AuditOutcome
from skillcert.core.pdf import photo_bytes
from skillcert.delivery import rules, selectors, services
from skillcert.delivery.models import Attempt
from skillcert.registration.idnumbers import mask_id
from skillcert.scheduling.models import ExamSession

from .common import RequestInvalid, request_errors

api = NinjaAPI(title="skillcert exam API", version="1", urls_namespace="exam_api",
               description="Computer-based exam delivery (T/QDSF 015—2022 §6.3.1.2, §6.4, A.2): the exam player "
                           "and the proctor console.")


class CandidateToken(HttpBearer):
    """The token returned by POST /login, sent as ``Authorization: Bearer <token>``."""

    def authenticate(self, request: HttpRequest, token: str) -> int | None:
        try:
            request.attempt_id = services.attempt_for_token(token)
        except services.NotLoggedIn:
            return None
        return request.attempt_id


candidate = CandidateToken()


class CandidateTokenInTransaction(HttpBearer):
    """POST /answers: the token is checked, and the heartbeat written, inside the save's own transaction
    (one statement and one commit fewer on the hottest path of exam day)."""

    def authenticate(self, request: HttpRequest, token: str) -> str | None:
        return token or None


candidate_in_save = CandidateTokenInTransaction()


class Problem(Schema):
    """Every error of the exam API. ``detail`` is shown to the person; ``code`` names a domain refusal
    (``closed`` 409, ``not_logged_in`` 401, ``paused`` 423, ``throttled`` 429, ``illegal_transition`` …);
    ``fields`` maps each field to its messages (400 from a service, 422 from the request's own schema)."""

    detail: str
    code: str | None = None
    fields: dict[str, list[str]] | None = None


def _answers(*statuses: int) -> dict:
    """``response=`` for an operation: its 200 body and every error status it can answer (issue #21 item 6;
    tests/api/test_openapi_statuses.py holds the list each operation must declare)."""
    return {200: dict, **dict.fromkeys(statuses, Problem)}


def _error(request, exc, status: int):
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        detail = "；".join(m for msgs in fields.values() for m in msgs)
        return api.create_response(request, {"detail": detail, "fields": fields}, status=status)
    message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    body = {"detail": message}
    if isinstance(exc, DomainError):
        body["code"] = exc.code  # machine-readable: "paused" (423), "closed" (409), "not_logged_in" (401)…
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def _validation(request, exc):
    return _error(request, exc, 400)


@api.exception_handler(DomainError)
def _domain(request, exc):
    status = {"closed": 409, "not_logged_in": 401, "paused": 423}.get(exc.code, 400)
    return _error(request, exc, status)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "forbidden"}, status=403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "not found"}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, {"detail": "请先登录。"}, status=401)


@api.exception_handler(RequestInvalid)
def _invalid(request, exc):
    """Ninja's 422: the request does not fit the operation's schema (a field missing or of the wrong type)."""
    detail, fields = request_errors(exc)
    return api.create_response(request, {"detail": detail, "fields": fields}, status=422)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    """Ninja's own refusals: a session's POST without a valid CSRF token (403), a body that is not JSON (400)."""
    messages = {403: _("页面已过期（安全校验未通过），请刷新页面后重试。"), 400: _("请求内容不是有效的 JSON。")}
    return api.create_response(request, {"detail": messages.get(exc.status_code, str(exc))},
                               status=exc.status_code)


# --- Candidate: the exam player -----------------------------------------------------------------------------

class LoginIn(Schema):
    ticket_number: str
    id_number: str
    room_code: str


class SaveIn(Schema):
    seq: int
    position: int
    value: Any = None


class SavesIn(Schema):
    saves: list[SaveIn]


class SignalIn(Schema):
    kind: str
    detail: str = ""


def _attempt(request) -> Attempt:
    return (Attempt.objects.select_related("sitting__session__batch", "sitting__room__venue", "application",
                                           "ticket", "assignment__seat", "application__candidate__candidate_profile")
            .get(pk=request.attempt_id))


def _candidate_view(attempt: Attempt, *, photo: bool) -> dict[str, Any]:
    """``photo``: include the photo (a data URL) — on log-in and on the player's first look, not on its polls."""
    profile = getattr(attempt.application.candidate, "candidate_profile", None)
    data = photo_bytes(profile.photo) if profile and photo else None
    photo = None
    if data:
        mime = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
        photo = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    seat = attempt.assignment.seat
    return {
        "attempt_id": attempt.pk, "name": attempt.application.full_name, "ticket_number": attempt.ticket.number,
        "id_masked": mask_id(attempt.application.id_number), "photo": photo,
        "occupation": str(attempt.application.offer), "venue": attempt.sitting.room.venue.name,
        "room": attempt.sitting.room.name, "seat": seat.number, "workstation": seat.workstation,
        "session": str(attempt.sitting.session), "duration_minutes": attempt.sitting.session.duration_minutes,
        "identity_checked": attempt.identity_checked_at is not None,
    }


def _login_throttled(ticket: str, ip: str | None) -> bool:
    return throttle.blocked(throttle.EXAM_LOGIN_TICKET, ticket) or throttle.blocked(throttle.EXAM_LOGIN_ADDRESS, ip)


def _login_refused(ticket: str, ip: str | None) -> None:
    """Count a refused log-in against the ticket and the address; the moment either reaches its limit is
    audited (once, not every refused request after it)."""
    per_ticket = throttle.hit(throttle.EXAM_LOGIN_TICKET, ticket)
    per_address = throttle.hit(throttle.EXAM_LOGIN_ADDRESS, ip)
    if per_ticket == throttle.EXAM_LOGIN_TICKET.attempts or per_address == throttle.EXAM_LOGIN_ADDRESS.attempts:
        with transaction.atomic():
            audit.record(None, "delivery.attempt.login_throttled", outcome=AuditOutcome.DENIED,
                         actor_label=ticket[:150], data={"ip": ip, "per_ticket": per_ticket,
                                                         "per_address": per_address})


@api.post("/login", tags=["candidate"], summary="Log in to an attempt (ticket + ID number + room code)",
          response=_answers(400, 409, 422, 429))
def login(request, body: LoginIn):
    """Every wrong combination (ticket, ID number, room code, a ticket of another room, a closed room) gets
    the one answer ``BAD_LOGIN``. Refused log-ins are throttled per ticket and per address (issue #20
    item 5, §10.9): once either is over its limit, every log-in for it — the right one too — is refused
    with 429 for the rest of the window, so neither the answer nor its absence tells a guess was right."""
    ip = client_ip_from_request(request)
    ticket = throttle.normalise(body.ticket_number)
    if _login_throttled(ticket, ip):
        return api.create_response(request, {"detail": _("登录尝试次数过多，请 10 分钟后再试，或举手请监考人员协助。"),
                                             "code": "throttled"}, status=429)
    try:
        token, attempt = services.attempt_login(
            ticket_number=body.ticket_number, id_number=body.id_number, room_code=body.room_code,
            ip=ip, user_agent=request.headers.get("User-Agent", ""))
    except (ValidationError, DomainError):
        _login_refused(ticket, ip)
        raise
    request.attempt_id = attempt.pk
    attempt = _attempt(request)
    return {"token": token, "candidate": _candidate_view(attempt, photo=True),
            "time": services.time_status(attempt).as_json()}


@api.get("/attempt", auth=candidate, tags=["candidate"], summary="The candidate's details and clock",
         response=_answers(401, 422))
def attempt_view(request, photo: bool = False):
    clock = services.attempt_clock(request.attempt_id)
    return {"candidate": _candidate_view(_attempt(request), photo=photo), "time": clock.as_json()}


@api.get("/time", auth=candidate, tags=["candidate"], summary="Server-authoritative remaining time",
         response=_answers(401))
def time_view(request):
    return services.attempt_clock(request.attempt_id).as_json()


@api.get("/status", auth=candidate_in_save, tags=["candidate"],
         summary="The player's frequent poll: room paused or running, exact time left (remaining_ms)",
         response=_answers(401))
def status_view(request):
    return services.attempt_status(token=request.auth).as_json()


@api.get("/paper", auth=candidate, tags=["candidate"], summary="The released paper, in this candidate's order",
         response=_answers(400, 401, 409, 423))
def paper(request):
    items = services.attempt_paper(attempt_id=request.attempt_id)
    return {"items": items, "time": services.attempt_clock(request.attempt_id).as_json()}


@api.get("/answers", auth=candidate, tags=["candidate"], summary="Every acknowledged answer (to resume)",
         response=_answers(401))
def answers(request):
    kept = services.answers_of(request.attempt_id)
    return {"answers": list(kept.values()), "max_seq": max((a["seq"] for a in kept.values()), default=0)}


@api.post("/answers", auth=candidate_in_save, tags=["candidate"],
          summary="Save answers; the highest client sequence per position is kept; acknowledged after commit",
          response=_answers(400, 401, 409, 422, 423))
def save(request, body: SavesIn):
    acked = services.answers_save(token=request.auth, saves=[s.dict() for s in body.saves])
    return {"acked": acked}


@api.post("/submit", auth=candidate, tags=["candidate"], summary="Submit (after the player's confirmation)",
          response=_answers(400, 401, 409, 423))
def submit(request):
    attempt = services.attempt_submit(attempt_id=request.attempt_id)
    return {"status": attempt.status, "submitted_at": attempt.submitted_at.isoformat()}


@api.post("/signals", auth=candidate, tags=["candidate"], summary="Report focus loss or a copy/paste attempt",
          response=_answers(400, 401, 422))
def signal(request, body: SignalIn):
    return {"kept": services.signal_record(attempt_id=request.attempt_id, kind=body.kind, detail=body.detail)}


# --- Staff: the proctor console ------------------------------------------------------------------------------

class ReasonIn(Schema):
    reason: str = ""


class CompensateIn(Schema):
    minutes: int
    reason: str = ""
    attempt_id: int | None = None


class CheckInIn(Schema):
    ticket: str


class EventIn(Schema):
    kind: str
    note: str = ""
    attempt_id: int | None = None
    occurred_at: dt.datetime | None = None


def _room(request, sitting_id: int):
    """The room as it stands now, read only (issue #21 item 1): the clock's consequences not yet recorded are
    shown as done (delivery.due); the actions (POST) record them first (delivery.rooms.catch_up)."""
    sitting = selectors.sitting_get_for_user(request.user, sitting_id)
    rows = selectors.roster(sitting)
    return {"room": selectors.sitting_summary(sitting), "counts": selectors.counts(rows), "roster": rows}


def _runner_sitting(request, sitting_id: int):
    return selectors.sitting_get_for_user(request.user, sitting_id)


def _runner_attempt(request, attempt_id: int) -> Attempt:
    attempt = Attempt.objects.select_related("sitting__session", "sitting__room").filter(pk=attempt_id).first()
    if attempt is None:
        raise Http404
    selectors.sitting_get_for_user(request.user, attempt.sitting_id)
    return attempt


@api.get("/rooms/{sitting_id}", auth=django_auth, tags=["proctor"], summary="A room: clock, counts and roster",
         response=_answers(401, 404, 422))
def room(request, sitting_id: int):
    return _room(request, sitting_id)


@api.post("/rooms/{sitting_id}/start", auth=django_auth, tags=["proctor"], summary="统一开考",
          response=_answers(400, 401, 403, 404, 422))
def room_start(request, sitting_id: int):
    services.room_start(actor=request.user, sitting_id=_runner_sitting(request, sitting_id).pk)
    return _room(request, sitting_id)


@api.post("/rooms/{sitting_id}/pause", auth=django_auth, tags=["proctor"], summary="Pause the room's clock",
          response=_answers(400, 401, 403, 404, 422))
def room_pause(request, sitting_id: int, body: ReasonIn):
    services.room_pause(actor=request.user, sitting_id=_runner_sitting(request, sitting_id).pk, reason=body.reason)
    return _room(request, sitting_id)


@api.post("/rooms/{sitting_id}/resume", auth=django_auth, tags=["proctor"], summary="Resume the room's clock",
          response=_answers(400, 401, 403, 404, 422))
def room_resume(request, sitting_id: int):
    services.room_resume(actor=request.user, sitting_id=_runner_sitting(request, sitting_id).pk)
    return _room(request, sitting_id)


@api.post("/rooms/{sitting_id}/compensate", auth=django_auth, tags=["proctor"],
          summary="Make up lost time for the room or one candidate (表B.2)",
          response=_answers(400, 401, 403, 404, 422))
def room_compensate(request, sitting_id: int, body: CompensateIn):
    services.compensate(actor=request.user, sitting_id=_runner_sitting(request, sitting_id).pk,
                        minutes=body.minutes, reason=body.reason, attempt_id=body.attempt_id)
    return _room(request, sitting_id)


@api.post("/rooms/{sitting_id}/check-in", auth=django_auth, tags=["proctor"],
          summary="Check a candidate in by ticket QR token or ticket number",
          response=_answers(400, 401, 403, 404, 422))
def room_check_in(request, sitting_id: int, body: CheckInIn):
    attempt = services.check_in(actor=request.user, sitting_id=_runner_sitting(request, sitting_id).pk,
                                ticket=body.ticket)
    return {**_room(request, sitting_id), "checked_in": attempt.pk}


@api.post("/rooms/{sitting_id}/events", auth=django_auth, tags=["proctor"], summary="Record an event (考场情况记录)",
          response=_answers(400, 401, 403, 404, 422))
def room_event(request, sitting_id: int, body: EventIn):
    services.event_record(actor=request.user, sitting_id=_runner_sitting(request, sitting_id).pk, kind=body.kind,
                          note=body.note, attempt_id=body.attempt_id, occurred_at=body.occurred_at)
    return _room(request, sitting_id)


@api.post("/attempts/{attempt_id}/identity", auth=django_auth, tags=["proctor"], summary="Identity checked",
          response=_answers(400, 401, 403, 404, 422))
def attempt_identity(request, attempt_id: int):
    attempt = _runner_attempt(request, attempt_id)
    services.identity_confirm(actor=request.user, attempt_id=attempt.pk)
    return _room(request, attempt.sitting_id)


@api.post("/attempts/{attempt_id}/force-submit", auth=django_auth, tags=["proctor"], summary="Force-submit",
          response=_answers(400, 401, 403, 404, 422))
def attempt_force_submit(request, attempt_id: int, body: ReasonIn):
    attempt = _runner_attempt(request, attempt_id)
    services.force_submit(actor=request.user, attempt_id=attempt.pk, reason=body.reason)
    return _room(request, attempt.sitting_id)


@api.post("/attempts/{attempt_id}/relogin", auth=django_auth, tags=["proctor"],
          summary="Authorise a log-in on another computer",
          response=_answers(400, 401, 403, 404, 422))
def attempt_relogin(request, attempt_id: int, body: ReasonIn):
    attempt = _runner_attempt(request, attempt_id)
    services.relogin_authorise(actor=request.user, attempt_id=attempt.pk, reason=body.reason)
    return _room(request, attempt.sitting_id)


@api.get("/sessions/{session_id}/venues/{venue_id}", auth=django_auth, tags=["proctor"],
         summary="Every room of a venue at once (chief examiner, inspectors)",
         response=_answers(401, 404, 422))
def venue(request, session_id: int, venue_id: int):
    session = ExamSession.objects.select_related("batch__announcement").filter(pk=session_id).first()
    if session is None or not rules.oversees_venue(request.user, session, venue_id):
        raise Http404
    return {"rooms": selectors.venue_overview(session, venue_id)}
