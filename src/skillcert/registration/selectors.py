"""Registration reads with rules: objects outside the user's scope answer 404 (see accounts.selectors)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from skillcert.accounts import rules
from skillcert.accounts.selectors import one_or_404

from . import rules as registration_rules
from .enums import AnnouncementStatus, ApplicationStatus, DocumentKind
from .models import Announcement, AnnualPlan, Application, ApplicationDocument
from .rules import READ_ROLES, STAFF_ROLES


def body_ids(user, roles=STAFF_ROLES) -> set[int] | None:
    """None means every body (platform admin)."""
    return None if rules.is_platform_admin(user) else rules.scope_org_ids(user, *roles)


def announcement_list_for_user(user, roles=STAFF_ROLES) -> QuerySet[Announcement]:
    qs = Announcement.objects.select_related("body").annotate(application_count=Count("applications"))
    ids = body_ids(user, roles)
    return qs if ids is None else qs.filter(body_id__in=ids)


def announcement_get_for_user(user, pk: int, roles=STAFF_ROLES) -> Announcement:
    return one_or_404(announcement_list_for_user(user, roles), pk)


def public_announcements() -> QuerySet[Announcement]:
    """What the public site lists: published and closed announcements (archived ones drop off)."""
    return (Announcement.objects.filter(status__in=[AnnouncementStatus.PUBLISHED, AnnouncementStatus.CLOSED])
            .select_related("body").order_by("-published_at"))


def public_announcement_get(pk: int) -> Announcement:
    found = public_announcements().prefetch_related("venues").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def open_announcements() -> QuerySet[Announcement]:
    now = timezone.now()
    return public_announcements().filter(status=AnnouncementStatus.PUBLISHED, registration_opens__lte=now,
                                         registration_closes__gt=now)


def plan_list_for_user(user) -> QuerySet[AnnualPlan]:
    qs = AnnualPlan.objects.select_related("body")
    ids = body_ids(user)
    return qs if ids is None else qs.filter(body_id__in=ids)


def plan_get_for_user(user, pk: int) -> AnnualPlan:
    return one_or_404(plan_list_for_user(user), pk)


def application_list_for_user(user, *, announcement_id: int | None = None, status: str = "", q: str = "",
                              eligible: str = "") -> QuerySet[Application]:
    qs = Application.objects.select_related("announcement", "offer__occupation", "offer__trade", "offer__level")
    ids = body_ids(user, READ_ROLES)
    if ids is not None:
        qs = qs.filter(announcement__body_id__in=ids)
    if announcement_id:
        qs = qs.filter(announcement_id=announcement_id)
    if status:
        qs = qs.filter(status=status)
    if eligible in ("1", "0"):
        qs = qs.filter(eligible=eligible == "1")
    if q:
        qs = qs.filter(full_name__icontains=q) | qs.filter(id_number__iexact=q.upper()) | qs.filter(phone=q)
    return qs.order_by("-submitted_at", "-pk")


def application_get_for_user(user, pk: int) -> Application:
    return one_or_404(application_list_for_user(user).select_related("candidate", "reviewer"), pk)


def candidate_applications(user) -> QuerySet[Application]:
    return (Application.objects.filter(candidate=user)
            .select_related("announcement", "offer__occupation", "offer__trade", "offer__level")
            .order_by("-submitted_at"))


def candidate_application_get(user, pk: int) -> Application:
    return one_or_404(candidate_applications(user), pk)


def document_get_for_user(user, pk: int) -> ApplicationDocument:
    """The owner, or staff of the announcement's body (and its supervisors), may open a document."""
    doc = ApplicationDocument.objects.select_related("application__announcement").filter(pk=pk).first()
    if doc is None or not doc.file:
        raise Http404
    if registration_rules.reads_application(user, doc.application):
        return doc
    raise Http404


def ordered_documents(app: Application) -> list[ApplicationDocument]:
    """In the order §6.1.3 lists them: ID, diploma, proof of work experience."""
    order = {kind: i for i, kind in enumerate(DocumentKind.values)}
    return sorted(app.documents.all(), key=lambda d: order[d.kind])


def registration_summary(announcement: Announcement) -> dict[str, Any]:
    """§6.1.5: registrations by trade × level × status, with totals."""
    counts = Counter()
    for offer_id, status, n in (announcement.applications.values_list("offer_id", "status")
                                .annotate(n=Count("id")).order_by()):
        counts[(offer_id, status)] = n
    rows = []
    statuses = list(ApplicationStatus)
    totals = Counter()
    for offer in announcement.offers.select_related("occupation", "trade", "level"):
        cells = [counts[(offer.pk, s.value)] for s in statuses]
        for s, n in zip(statuses, cells, strict=True):
            totals[s.value] += n
        rows.append({"offer": offer, "trade": offer.trade.name if offer.trade else "", "level": offer.level.name,
                     "cells": cells, "total": sum(cells)})
    return {"statuses": statuses, "rows": rows, "totals": [totals[s.value] for s in statuses],
            "total": sum(totals.values())}


EXPORT_FORMAT = "skillcert.registrations/1"


def approved_registrations(announcement: Announcement) -> dict[str, Any]:
    """The JSON document the supervising platform takes (§6.1.1, §6.1.5); see docs/api.md."""
    apps = (announcement.applications.filter(status=ApplicationStatus.APPROVED)
            .select_related("offer__occupation", "offer__trade", "offer__level").order_by("pk"))
    body = announcement.body
    return {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "body": {"name": body.name, "certificate_prefix": body.certificate_prefix, "region_code": body.region_code},
        "announcement": {"id": announcement.pk, "title": announcement.title, "status": announcement.status},
        "count": apps.count(),
        "registrations": [{
            "application_id": a.pk,
            "name": a.full_name,
            "id_type": a.id_type,
            "id_number": a.id_number,
            "phone": a.phone,
            "employer": a.employer,
            "education": a.get_education_display() if a.education else None,
            "occupation_code": a.offer.occupation.code,
            "occupation": a.offer.occupation.name,
            "trade": a.offer.trade.name if a.offer.trade else None,
            "level": a.offer.level.number,
            "level_name": a.offer.level.name,
            "source": a.source,
            "fee_status": a.fee_status,
            "approved_at": a.decided_at.isoformat() if a.decided_at else None,
        } for a in apps.iterator(chunk_size=2000)],
    }
