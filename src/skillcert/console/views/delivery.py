"""Console pages for exam day (§6.4, A.2): the rooms a staff member works in, the proctor console of one
room, and the venue overview for the chief examiner and inspectors. The pages render the room and write nothing
(issue #21 item 1: a GET never writes — the clock's consequences not yet recorded are shown as done, see
delivery.due); every operation goes through the exam API (skillcert.api.exam), which the page's script calls,
and the rooms of a session are prepared by the button 准备考场 (``delivery_prepare``, a POST)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillcert.delivery import rules, selectors, services
from skillcert.delivery.enums import MAX_COMPENSATION_MINUTES, PROCTOR_EVENT_KINDS, RoomEventKind
from skillcert.scheduling.models import ExamSession

from ..common import perform, staff_required


def _texts() -> dict[str, str]:
    return {"done": _("已完成。"), "error": _("未完成：%(m)s"), "identify": _("核验"),
            "offline": _("网络异常，稍后自动重试")}


@staff_required(rules.uses_delivery)
def delivery_list(request: HttpRequest) -> HttpResponse:
    """考场监考台: each computer-based session the user works in, with the rooms they may see, and — for those
    who prepare the rooms — how many rooms or candidates the button 准备考场 would still add."""
    groups = []
    for session in selectors.sessions_for_user(request.user):
        rooms = selectors.session_rooms(request.user, session)
        overseen = rules.venues_overseen(request.user, session)
        venues = sorted({r["sitting"].room.venue for r in rooms
                         if overseen is None or r["sitting"].room.venue_id in overseen}, key=lambda v: v.pk)
        gaps = selectors.preparation_gaps(session) if rules.prepares(request.user, session) else 0
        if rooms or gaps:
            groups.append({"session": session, "rooms": rooms, "venues": venues, "gaps": gaps})
    return render(request, "console/delivery/list.html", {"groups": groups})


@staff_required(rules.uses_delivery)
@require_POST
def delivery_prepare(request: HttpRequest, session_pk: int) -> HttpResponse:
    """准备考场: the session's room sittings and one attempt per seated, ticketed candidate (idempotent)."""
    session = get_object_or_404(ExamSession.objects.select_related("batch__announcement"), pk=session_pk)
    if not rules.prepares(request.user, session):
        raise Http404
    perform(request, services.sittings_prepare, _("考场已准备好。"), actor=request.user, session_id=session.pk)
    return redirect("console:delivery_list")


@staff_required(rules.uses_delivery)
def delivery_room(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = selectors.sitting_get_for_user(request.user, pk)
    rows = _with_photos(sitting, selectors.roster(sitting))
    return render(request, "console/delivery/room.html", {
        "sitting": sitting, "summary": selectors.sitting_summary(sitting), "rows": rows,
        "count_rows": [(k, selectors.LIVE_LABELS[k], v) for k, v in selectors.counts(rows).items()],
        "runs": rules.runs(request.user, sitting),
        "record": selectors.room_record(sitting), "max_minutes": MAX_COMPENSATION_MINUTES,
        "event_kinds": [(k, RoomEventKind(k).label) for k in PROCTOR_EVENT_KINDS], "texts": _texts(),
    })


def _with_photos(sitting, rows: list[dict]) -> list[dict]:
    """Mark the roster rows whose candidate has a photo on file (one query), for the photo column."""
    with_photo = set(sitting.attempts.exclude(application__candidate__candidate_profile__photo="").filter(
        application__candidate__candidate_profile__isnull=False).values_list("pk", flat=True))
    for r in rows:
        r["has_photo"] = r["id"] in with_photo
    return rows


@staff_required(rules.uses_delivery)
def delivery_venue(request: HttpRequest, session_pk: int, venue_pk: int) -> HttpResponse:
    session = get_object_or_404(ExamSession.objects.select_related("batch__announcement"), pk=session_pk)
    if not rules.oversees_venue(request.user, session, venue_pk):
        raise Http404
    rooms = selectors.venue_overview(session, venue_pk)
    venue = session.rooms.filter(venue_id=venue_pk).select_related("venue").first()
    return render(request, "console/delivery/venue.html", {
        "session": session, "venue": venue.venue if venue else None, "rooms": rooms, "texts": _texts()})


@staff_required(rules.uses_delivery)
def delivery_roster_photo(request: HttpRequest, pk: int, attempt_pk: int) -> HttpResponse:
    """The photo of one candidate of the room, for the proctors to compare faces against (A.2.4): only for
    those who see the room, only candidates of that room."""
    from skillcert.core.files import private_file_response

    sitting = selectors.sitting_get_for_user(request.user, pk)
    attempt = sitting.attempts.select_related("application__candidate__candidate_profile").filter(
        pk=attempt_pk).first()
    profile = getattr(attempt.application.candidate, "candidate_profile", None) if attempt else None
    if profile is None or not profile.photo:
        raise Http404
    kind = "image/png" if profile.photo.name.lower().endswith(".png") else "image/jpeg"
    return private_file_response(profile.photo, kind, inline=True)


@staff_required(rules.uses_delivery)
def delivery_roster_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The room's printable roster with each candidate's photo: the sign-in sheet of A.2.4."""
    from skillcert.scheduling.documents import sign_in_sheet_pdf

    sitting = selectors.sitting_get_for_user(request.user, pk)
    response = HttpResponse(sign_in_sheet_pdf(sitting.session, sitting.room), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="roster-{sitting.session_id}-{sitting.room_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
