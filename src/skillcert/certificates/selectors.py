"""Reads for the certificate pages."""

from __future__ import annotations

from django.db.models import Count, Max, Q
from django.http import Http404

from skillcert.accounts import rules as accounts_rules
from skillcert.accounts.enums import Role

from . import rules
from .models import CertificateIssue


def issue_rows(user) -> list[dict]:
    """证书核发: for the body's office, each batch with published results and its issue (deadline, state); for the
    supervising side, the batches submitted to them."""
    from skillcert.grading.models import ResultStatus
    from skillcert.scheduling.models import Batch

    from . import services

    offices = accounts_rules.office_scope_ids(user)
    supervised = accounts_rules.scope_org_ids(user, Role.QUALITY_SUPERVISOR)
    everything = accounts_rules.is_platform_admin(user)
    published = Batch.objects.filter(results__status=ResultStatus.PUBLISHED).distinct()
    batches = (published if everything else published.filter(
        Q(announcement__body_id__in=offices)
        | Q(announcement__body_id__in=supervised, certificate_issue__isnull=False)))
    batches = (batches.select_related("announcement__body", "certificate_issue")
               .annotate(end=Max("sessions__ends_at"),
                         passed=Count("results", filter=Q(results__status=ResultStatus.PUBLISHED,
                                                          results__passed=True), distinct=True))
               .order_by("-pk")[:200])
    rows = []
    for batch in batches:
        issue = getattr(batch, "certificate_issue", None)
        deadline = services.submit_deadline(batch, batch.end)
        rows.append({"batch": batch, "issue": issue, "deadline": deadline,
                     "warning": "" if issue and issue.status != "returned" else services.deadline_state(
                         batch, deadline=deadline),
                     "passed": batch.passed, "office": batch.announcement.body_id in offices,
                     "reviewer": rules.reviews_issue(user, batch),
                     "issuer": rules.issues(user, batch.announcement.body_id)})
    return rows


def issue_get_for_user(user, pk: int) -> CertificateIssue:
    issue = CertificateIssue.objects.select_related("batch__announcement__body").filter(pk=pk).first()
    if issue is None or not rules.sees_issue(user, issue):
        raise Http404
    return issue


def office_bodies(user):
    """The bodies whose certificate office (ledger, layout, reporting) ``user`` works in."""
    from skillcert.accounts.enums import OrgKind
    from skillcert.accounts.models import Organisation

    return Organisation.objects.filter(kind=OrgKind.BODY, pk__in=accounts_rules.office_scope_ids(user))


def office_body(user, chosen: str | None):
    """The body a ledger page is about: ``chosen`` when the user works there, else their first; 404 if none."""
    bodies = list(office_bodies(user).order_by("name"))
    if not bodies:
        raise Http404
    return next((b for b in bodies if str(b.pk) == (chosen or "")), bodies[0]), bodies
