"""Reads with rules (§10.9): scheduling staff of a body see its venues, rooms and batches; quality
supervisors read; chief examiners and deputies see the sessions they run; a candidate sees only
their own valid tickets. Everything out of scope is a 404."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from skillcert.accounts import rules
from skillcert.accounts.enums import OrgKind
from skillcert.accounts.models import Organisation
from skillcert.accounts.selectors import one_or_404
from skillcert.core.models import Job

from .enums import StaffRole
from .models import AdmissionTicket, Batch, ExamSession, Room, StaffAssignment, TicketStatus
from .rules import READERS, SCHEDULERS


def body_ids(user, roles=SCHEDULERS) -> set[int] | None:
    """Bodies whose sittings the user may see in these roles; None means all (platform admin)."""
    if rules.is_platform_admin(user):
        return None
    ids = rules.scope_org_ids(user, *roles)
    return set(Organisation.objects.filter(pk__in=ids, kind=OrgKind.BODY).values_list("pk", flat=True))


def leads_sessions(user) -> bool:
    return led_sessions(user).exists()


def venue_list_for_user(user, roles=SCHEDULERS) -> QuerySet[Organisation]:
    qs = (Organisation.objects.filter(kind=OrgKind.VENUE).select_related("parent", "venue_profile")
          .annotate(room_count=Count("rooms")).order_by("parent__name", "name"))
    ids = body_ids(user, roles)
    return qs if ids is None else qs.filter(parent_id__in=ids)


def venue_get_for_user(user, pk: int, roles=SCHEDULERS) -> Organisation:
    return one_or_404(venue_list_for_user(user, roles), pk)


def room_get_for_user(user, pk: int) -> Room:
    qs = Room.objects.select_related("venue__parent")
    ids = body_ids(user)
    return one_or_404(qs if ids is None else qs.filter(venue__parent_id__in=ids), pk)


def batch_list_for_user(user, roles=READERS) -> QuerySet[Batch]:
    qs = Batch.objects.select_related("announcement__body").annotate(session_count=Count("sessions"))
    ids = body_ids(user, roles)
    return qs if ids is None else qs.filter(announcement__body_id__in=ids)


def batch_get_for_user(user, pk: int, roles=READERS) -> Batch:
    return one_or_404(batch_list_for_user(user, roles), pk)


def session_get_for_user(user, pk: int, roles=READERS) -> ExamSession:
    qs = ExamSession.objects.select_related("batch__announcement__body")
    ids = body_ids(user, roles)
    return one_or_404(qs if ids is None else qs.filter(batch__announcement__body_id__in=ids), pk)


def led_sessions(user) -> QuerySet[StaffAssignment]:
    """The posts of chief examiner or deputy the user holds: the sessions whose rooms they sign off."""
    return (StaffAssignment.objects.filter(user=user, role__in=(StaffRole.CHIEF, StaffRole.DEPUTY))
            .select_related("session__batch", "venue").order_by("session__starts_at"))


def led_session_get(user, session_pk: int) -> ExamSession:
    post = led_sessions(user).filter(session_id=session_pk).first()
    if post is None:
        raise Http404
    return post.session


def job_get_for_user(user, pk: int) -> Job:
    job = Job.objects.filter(pk=pk).first()
    if job is None:
        raise Http404
    ids = body_ids(user, READERS)
    if job.created_by_id != user.pk and ids is not None and job.org_id not in ids:
        raise Http404
    return job


def candidate_tickets(user) -> QuerySet[AdmissionTicket]:
    return (AdmissionTicket.objects.filter(application__candidate=user, status=TicketStatus.VALID)
            .select_related("batch", "application__offer__occupation", "application__offer__trade",
                            "application__offer__level").order_by("-issued_at"))


def candidate_void_tickets(user) -> QuerySet[AdmissionTicket]:
    """The candidate's voided tickets (a move or a re-allocation), shown as void so an old printout is
    not mistaken for a valid one; they cannot be downloaded."""
    return (AdmissionTicket.objects.filter(application__candidate=user, status=TicketStatus.VOID)
            .select_related("batch").order_by("-voided_at"))


def candidate_ticket_get(user, pk: int) -> AdmissionTicket:
    return one_or_404(candidate_tickets(user), pk)


def staff_member_get_for_user(user, pk: int):
    """A staff member of one of the user's bodies or of a venue under it (for their card details)."""
    from skillcert.accounts.models import User

    person = User.objects.select_related("organisation").filter(pk=pk).first()
    ids = body_ids(user)
    org = person.organisation if person else None
    if person is None or (ids is not None and not (org and (org.pk in ids or org.parent_id in ids))):
        raise Http404
    return person
