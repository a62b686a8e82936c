"""The checks both scheduling's writes (services) and the readiness of a session (staffing) build on: who may
schedule for a body, a venue's §6.2.2.4/§6.2.2.5 gaps, the §6.2.2.2/§6.2.2.3 room rules, and the seating pool
(one live seat per application and part). They sit below both modules so that the dependency runs one way —
staffing and services import this module, never each other the wrong way round (issue #21 item 4)."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from skillcert.accounts.models import Organisation
from skillcert.registration.enums import ApplicationStatus
from skillcert.registration.models import Application

from . import rules as scheduling_rules
from .enums import (
    FACILITIES,
    MIN_SPACING_CM,
    PART_OF_SESSION,
    PRACTICAL_CHECKS,
    SUPPORT_STAFF,
    THEORY_ROOM_MAX,
    RoomKind,
)
from .models import Batch, ExamSession, Room, SeatAssignment, VenueProfile


def require_scheduler(actor, org_id: int, message: str) -> None:
    """Body admin or exam affairs of the body (or above it); otherwise PermissionDenied with the message."""
    if not scheduling_rules.schedules(actor, org_id):
        raise PermissionDenied(message)


# --- Venues and rooms (§6.2.2) -------------------------------------------------------------

def missing_facilities(venue: Organisation) -> list[str]:
    profile = VenueProfile.objects.filter(venue=venue).first()
    have = profile.facilities if profile else {}
    return [str(label) for key, label in FACILITIES.items() if not have.get(key)]


def missing_support_staff(venue: Organisation) -> list[str]:
    """§6.2.2.4: the venue provides medical, security, logistics and roving-proctor staff during the exam;
    the kinds its profile records no one for."""
    profile = VenueProfile.objects.filter(venue=venue).first()
    have = profile.support_staff if profile else {}
    return [str(label) for key, label in SUPPORT_STAFF.items() if not have.get(key)]


def check_room(room: Room) -> None:
    """§6.2.2.2: theory rooms hold at most 30, single desks, ≥ 80 cm apart; §6.2.2.3: practical rooms
    one candidate per workstation; only known checklist items."""
    errors: dict[str, list[str]] = defaultdict(list)
    if room.kind in (RoomKind.THEORY, RoomKind.COMPUTER):
        if room.capacity > THEORY_ROOM_MAX:
            errors["capacity"].append(_("每个理论考场考生不超过%(n)d名（§6.2.2.2），当前为%(c)d。") % {
                "n": THEORY_ROOM_MAX, "c": room.capacity})
        if not room.single_desks:
            errors["single_desks"].append(_("理论考场应单人单桌（§6.2.2.2）。"))
        if room.spacing_cm < MIN_SPACING_CM:
            errors["spacing_cm"].append(_("前后左右间距应保持%(n)d厘米以上（§6.2.2.2），当前为%(c)d厘米。") % {
                "n": MIN_SPACING_CM, "c": room.spacing_cm})
    elif not room.single_desks:
        errors["single_desks"].append(_("实际操作考场应单人单工位（§6.2.2.3）。"))
    unknown = set(room.checks) - set(PRACTICAL_CHECKS)
    if unknown:
        errors["checks"].append(_("未知的检查项：%(k)s") % {"k": "、".join(sorted(unknown))})
    if room.columns > room.capacity:
        room.columns = room.capacity
    if errors:
        raise ValidationError(dict(errors))



# --- Seating (§6.2.1) -----------------------------------------------------------------------


def session_part(session: ExamSession) -> str:
    return PART_OF_SESSION[session.kind]


def seat_label(a: SeatAssignment) -> str:
    """Where a live seat is, in words an officer can find it by: batch, session, room and seat."""
    return _("“%(batch)s”%(session)s %(room)s %(seat)02d号座") % {
        "batch": a.session.batch.name, "session": a.session, "room": a.seat.room.name, "seat": a.seat.number}


def live_seats_elsewhere(session: ExamSession, application_ids) -> dict[int, SeatAssignment]:
    """Application id → its live seat for the session's part in another session (another batch, say)."""
    rows = (SeatAssignment.objects.filter(application_id__in=list(application_ids), part=session_part(session))
            .exclude(session=session).select_related("session__batch", "seat__room"))
    return {a.application_id: a for a in rows}


def seating_pool(session: ExamSession, batch: Batch | None = None) -> tuple[dict[int, Application],
                                                                             dict[int, SeatAssignment]]:
    """The approved candidates this session should seat, and those it must not: candidates of its offers
    who already hold a live seat for the same part elsewhere (one live seat per application and part)."""
    batch = batch or session.batch
    apps = {a.pk: a for a in Application.objects.filter(
        announcement_id=batch.announcement_id, status=ApplicationStatus.APPROVED,
        offer__in=session.offers.all()).select_related("candidate")}
    elsewhere = live_seats_elsewhere(session, apps)
    return {pk: a for pk, a in apps.items() if pk not in elsewhere}, elsewhere
