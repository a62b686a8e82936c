"""Certificate fixtures: a published batch with passing results, and its certificates issued."""

from __future__ import annotations

from decimal import Decimal

import pytest

from skillcert.accounts.enums import OrgKind, Role
from skillcert.grading.models import Result
from skillcert.registration.models import AnnouncementOffer
from tests.factories import OrganisationFactory, user_with_role
from tests.grading.conftest import published_batch


@pytest.fixture
def passed():
    return passed_batch()


def passed_batch():
    """A published batch where three of four candidates passed; one of them sits an offer with no trade; a
    quality supervisor of the body's supervising authority; the body's admin."""
    day, batch = published_batch()
    results = list(Result.objects.filter(batch=batch).select_related("application__offer").order_by("pk"))
    Result.objects.filter(pk__in=[r.pk for r in results[:3]]).update(passed=True, theory=Decimal(80),
                                                                       practical=Decimal(75))
    offer = results[0].application.offer
    bare, _new = AnnouncementOffer.objects.get_or_create(
        announcement=offer.announcement, occupation=offer.occupation, trade=None, level=offer.level,
        defaults={"fee_fen": offer.fee_fen})
    type(results[0].application).objects.filter(pk=results[0].application_id).update(offer=bare)
    body = batch.announcement.body
    authority = OrganisationFactory(kind=OrgKind.AUTHORITY, name="主管部门", cert_type_letter="",
                                    institution_code="", province_code="", institution_serial="")
    type(body).objects.filter(pk=body.pk).update(parent=authority)
    supervisor = user_with_role(Role.QUALITY_SUPERVISOR, authority, username="qs_cert")
    admin = user_with_role(Role.BODY_ADMIN, body, username="body_admin_cert")
    ready_to_print(batch, admin)
    return day, batch, results, supervisor, admin


def seal_png() -> bytes:
    import io

    from PIL import Image

    image = Image.new("RGB", (400, 400), "white")
    for x in range(100, 300):
        for y in range(195, 205):
            image.putpixel((x, y), (200, 20, 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def ready_to_print(batch, admin) -> None:
    """§8.2.3.2–3: every candidate of the batch has uploaded a photo (their own service) and the body admin has
    uploaded the seal — certificates are refused without them."""
    from skillcert.certificates import services
    from skillcert.registration import candidates
    from tests.factories import png_bytes, upload

    for r in Result.objects.filter(batch=batch).select_related("application__candidate__candidate_profile"):
        profile = getattr(r.application.candidate, "candidate_profile", None)
        if profile is None or not profile.photo:
            candidates.photo_set(actor=r.application.candidate, upload=upload("me.png", png_bytes()))
    services.layout_save(actor=admin, body_id=batch.announcement.body_id, seal=seal_png())


@pytest.fixture
def issued(passed):
    return issued_certificates(passed)


def issued_certificates(passed):
    """The passing results' certificates, submitted, approved and issued today: (certificates, passed)."""
    from skillcert.certificates import services

    day, batch, _results, supervisor, admin = passed
    issue = services.issue_submit(actor=day.officer, batch_id=batch.pk)
    services.issue_review(actor=supervisor, issue_id=issue.pk, approve=True)
    return services.issue_certificates(actor=admin, issue_id=issue.pk), passed
