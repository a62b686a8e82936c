"""Test data builders (factory_boy)."""

from __future__ import annotations

from dataclasses import dataclass

import factory

from skillcert.accounts.enums import CONTENT_ROLES, OrgKind, Role
from skillcert.accounts.models import Organisation, RoleAssignment, TOTPDevice, User
from skillcert.catalog.models import Occupation

PASSWORD = "Correct-horse-battery-9"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrgKind.BODY
    name = factory.Sequence(lambda n: f"评价机构{n}")
    region_code = "370200"
    cert_type_letter = "S"
    institution_code = factory.Sequence(lambda n: f"{1000 + n:04d}")
    province_code = "37"
    institution_serial = factory.Sequence(lambda n: f"{n:06d}")


class VenueFactory(OrganisationFactory):
    kind = OrgKind.VENUE
    name = factory.Sequence(lambda n: f"考点{n}")
    cert_type_letter = ""
    institution_code = ""
    province_code = ""
    institution_serial = ""


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def grant(user: User, role: str, org: Organisation | None = None) -> RoleAssignment:
    """A role as an administrator would grant it. A role that reads confidential content comes with the holder's
    confirmed second factor, as in real use (the content is refused without it: accounts.rules.content_cleared)."""
    from skillcert.accounts.enums import ROLE_SCOPE_KINDS

    kinds = ROLE_SCOPE_KINDS.get(role)
    if kinds is not None and org is not None and org.kind not in kinds:  # a grant the service would refuse
        raise AssertionError(f"{role} cannot be held at a {org.kind}: build the state as the services would")
    if role in CONTENT_ROLES:
        import pyotp
        from django.utils import timezone

        TOTPDevice.objects.get_or_create(user=user, defaults={"secret": pyotp.random_base32(32),
                                                              "confirmed_at": timezone.now()})
    return RoleAssignment.objects.create(user=user, role=role, organisation=org)


def user_with_role(role: str, org: Organisation | None = None, **kwargs) -> User:
    user = UserFactory(organisation=org, **kwargs)
    grant(user, role, org)
    return user


def supervising_authority(world: World) -> Organisation:
    """The supervising authority (主管部门) above ``world.body``, placed there by the platform admin; the authority's
    quality supervisors are held here (§6.6.1, §11)."""
    from skillcert.accounts import services

    body = Organisation.objects.get(pk=world.body.pk)
    if body.parent_id is None:
        authority = OrganisationFactory(kind=OrgKind.AUTHORITY, name="青岛测试主管部门", cert_type_letter="",
                                        institution_code="", province_code="", institution_serial="")
        body = services.organisation_update(actor=world.platform_admin, organisation_id=body.pk, parent=authority)
    world.body.parent = body.parent
    return body.parent


def paper_reviewer(body: Organisation) -> User:
    """A second bank manager of ``body``: a paper is reviewed by someone other than its assembler (§6.3.2.3,
    accounts.duties.PAPER_REVIEW)."""
    username = f"paper_reviewer_{body.pk}"
    return User.objects.filter(username=username).first() or user_with_role(
        Role.BANK_MANAGER, body, username=username, full_name="钱审卷")


@dataclass
class World:
    body: Organisation
    venue: Organisation
    venue2: Organisation
    other_body: Organisation
    other_venue: Organisation
    occupation: Occupation
    platform_admin: User


def ensure_catalogue() -> Occupation:
    """The catalogue comes from a data migration; a transactional test's flush empties it, so reload it."""
    occ = Occupation.objects.filter(code="4-09-07-04").first()
    if occ is None:
        from importlib import import_module

        from django.apps import apps

        import_module("skillcert.catalog.migrations.0002_carbon_emission_manager").load(apps, None)
        occ = Occupation.objects.get(code="4-09-07-04")
    return occ


def build_world() -> World:
    body = OrganisationFactory(name="青岛测试评价机构")
    other = OrganisationFactory(name="烟台测试评价机构", region_code="370600")
    return World(
        body=body,
        venue=VenueFactory(parent=body, name="测试考点一"),
        venue2=VenueFactory(parent=body, name="测试考点二"),
        other_body=other,
        other_venue=VenueFactory(parent=other, name="烟台考点"),
        occupation=ensure_catalogue(),
        platform_admin=user_with_role(Role.PLATFORM_ADMIN, username="padmin"),
    )


# --- Registration ---------------------------------------------------------------------------

def resident_id(n: int, *, region: str = "370212", born: str = "19900101") -> str:
    """A valid 18-digit resident ID (GB 11643) for test person ``n`` (0 ≤ n < 1000 per birth date)."""
    import datetime as _dt

    from skillcert.registration.idnumbers import check_char

    day = _dt.date(int(born[:4]), int(born[4:6]), int(born[6:])) + _dt.timedelta(days=n // 1000)
    first17 = f"{region}{day:%Y%m%d}{n % 1000:03d}"
    return first17 + check_char(first17)


def png_bytes(width: int = 300, height: int = 420, fmt: str = "PNG") -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 220, 255)).save(buffer, format=fmt)
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@dataclass
class Registration:
    world: World
    officer: User
    announcement: object
    offers: dict  # (trade name, level number) → AnnouncementOffer


def build_registration(world: World, *, opens_in_days: int = -1, closes_in_days: int = 20) -> Registration:
    """Filed scope (all trades at 中级 and 高级), an exam affairs officer, and a published announcement
    offering 碳排放监测员 and 碳排放核算员 at 中级 and 高级."""
    import datetime as _dt

    from django.utils import timezone

    from skillcert.accounts import services as accounts_services
    from skillcert.catalog.models import Level
    from skillcert.registration.enums import AnnouncementStatus
    from skillcert.registration.models import Announcement
    from skillcert.registration.services import Offer, announcement_create, announcement_transition

    occ = world.occupation
    lv = {n: Level.objects.get(number=n) for n in (4, 3)}
    accounts_services.filed_scope_set(actor=world.platform_admin, organisation_id=world.body.pk,
                                      rows=[(occ, None, lv[4]), (occ, None, lv[3])])
    officer = user_with_role(Role.EXAM_AFFAIRS, world.body, username="officer")
    trades = [occ.trades.get(name="碳排放监测员"), occ.trades.get(name="碳排放核算员")]
    now = timezone.now()
    ann = announcement_create(
        actor=officer, body=world.body, title="2026年第四季度碳排放管理员职业技能等级认定公告",
        eligibility="按国家职业技能标准", assessment_method="理论知识考试（机考）+ 实际操作考核",
        registration_opens=now - _dt.timedelta(days=2), registration_closes=now + _dt.timedelta(days=closes_in_days),
        offers=[Offer(occ, t, lv[n], 40000 if n == 4 else 60000) for t in trades for n in (4, 3)],
        venues=[world.venue])
    announcement_transition(actor=officer, announcement_id=ann.pk, target=AnnouncementStatus.PUBLISHED)
    if opens_in_days >= 0:
        Announcement.objects.filter(pk=ann.pk).update(registration_opens=now + _dt.timedelta(days=opens_in_days))
    ann.refresh_from_db()
    offers = {(o.trade.name, o.level.number): o for o in ann.offers.select_related("trade", "level")}
    return Registration(world, officer, ann, offers)


def make_candidate(n: int, *, full_name: str | None = None, education: int = 4, years: str = "3",
                   photo: bool = True, email: str = "") -> User:
    from decimal import Decimal

    from skillcert.registration import candidates

    user = candidates.candidate_signup(full_name=full_name or f"考生{n}", id_type="resident_id",
                                       id_number=resident_id(n), phone=f"139{n:08d}", password=PASSWORD,
                                       email=email)
    candidates.profile_update(actor=user, education=education, employer="青岛某能源公司",
                              years_in_occupation=Decimal(years))
    if photo:
        candidates.photo_set(actor=user, upload=upload("me.png", png_bytes()))
    return user


def submission(user: User, **overrides):
    from skillcert.registration.applications import Submission
    from skillcert.registration.enums import DECLARATIONS

    args = dict(declarations=dict.fromkeys(DECLARATIONS, True), signature=user.full_name,
                uploads={"id_card": upload("id.pdf", PDF_BYTES)}, verified_online=["diploma", "work_proof"])
    return Submission(**(args | overrides))


def pdf_text(data: bytes) -> str:
    """All text of a PDF, page after page (pypdf), for asserting what a document says."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdf_embeds_font(data: bytes) -> bool:
    """True when the PDF carries an embedded TrueType font program (FontFile2), not only a name."""
    return b"/FontFile2" in data
