"""Demo world for ``manage.py seed_demo`` (stage "foundation"): a certification body in
Qingdao with its codes and filed scope, its supervising authority, two venues, and one
demo user per role. Built through the services, so the audit log shows how it came about.
Idempotent: running it again changes nothing that exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyotp
from django.db import transaction
from django.utils import timezone

from skillcert.core import audit

from . import services
from .enums import TOTP_REQUIRED_ROLES, OrgKind, Role
from .models import Organisation, RoleAssignment, TOTPDevice, User

if TYPE_CHECKING:
    from skillcert.catalog.models import Occupation

DEMO_PASSWORD = "Skillcert-Demo-2026!"  # noqa: S105 - printed demo login, refused in production

AUTHORITY = {"kind": OrgKind.AUTHORITY, "name": "青岛市职业技能鉴定指导中心（演示）", "region_code": "370200",
             "address": "青岛市市南区", "contact_phone": "0532-00000000"}
BODY = {"kind": OrgKind.BODY, "name": "青岛碳索职业技能评价有限公司（演示）", "short_name": "碳索评价",
        "region_code": "370212", "address": "青岛市崂山区科苑纬一路 1 号（演示地址）", "contact_phone": "0532-80000000",
        "cert_type_letter": "S", "institution_code": "2087", "province_code": "37", "institution_serial": "000318"}
VENUES = [
    {"kind": OrgKind.VENUE, "name": "西海岸新区考点（演示）", "region_code": "370211",
     "address": "青岛市黄岛区嘉陵江东路 2 号（演示地址）", "contact_phone": "0532-86000000"},
    {"kind": OrgKind.VENUE, "name": "崂山考点（演示）", "region_code": "370212",
     "address": "青岛市崂山区松岭路 3 号（演示地址）", "contact_phone": "0532-88000000"},
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    scope: str  # "none", "authority", "body" or "venue"


DEMO_USERS = [
    DemoUser("demo_platform_admin", "郭绍文", Role.PLATFORM_ADMIN, "none"),
    DemoUser("demo_body_admin", "王立新", Role.BODY_ADMIN, "body"),
    DemoUser("demo_exam_affairs", "李晓梅", Role.EXAM_AFFAIRS, "body"),
    DemoUser("demo_bank_manager", "张建国", Role.BANK_MANAGER, "body"),
    # A second bank manager reviews the papers the first assembles (§6.3.2.3; accounts.duties.PAPER_REVIEW).
    DemoUser("demo_bank_manager2", "钱思远", Role.BANK_MANAGER, "body"),
    DemoUser("demo_item_writer", "刘海燕", Role.ITEM_WRITER, "body"),
    DemoUser("demo_item_reviewer", "陈志强", Role.ITEM_REVIEWER, "body"),
    DemoUser("demo_chief_examiner", "赵德明", Role.CHIEF_EXAMINER, "venue"),
    DemoUser("demo_deputy_chief", "孙丽华", Role.DEPUTY_CHIEF, "venue"),
    DemoUser("demo_proctor", "周文静", Role.PROCTOR, "venue"),
    DemoUser("demo_inspector", "吴国栋", Role.INSPECTOR, "body"),
    DemoUser("demo_examiner", "郑红梅", Role.EXAMINER, "venue"),
    DemoUser("demo_examiner_leader", "冯振华", Role.EXAMINER_LEADER, "venue"),
    DemoUser("demo_quality_supervisor", "高玉兰", Role.QUALITY_SUPERVISOR, "authority"),  # the authority's (§6.6.1)
    DemoUser("demo_internal_supervisor", "孙立", Role.INTERNAL_SUPERVISOR, "body"),  # the body's own (§6.4.1.1)
    DemoUser("demo_archive_keeper", "林淑芬", Role.ARCHIVE_KEEPER, "body"),
    DemoUser("demo_emergency_member", "何振宇", Role.EMERGENCY_MEMBER, "body"),
    DemoUser("demo_candidate", "马小川", Role.CANDIDATE, "none"),
]


@dataclass(frozen=True)
class SeededUser:
    username: str
    full_name: str
    role_label: str
    totp_secret: str | None


def demo_enrol(admin: User, user: User) -> str:
    """The demo user's confirmed authenticator (demo data only): the roles that need a second factor — and the
    bank roles, whose content is refused without one (accounts.rules.content_cleared) — come with it."""
    device, created = TOTPDevice.objects.get_or_create(
        user=user, defaults={"secret": pyotp.random_base32(32), "confirmed_at": timezone.now()})
    if created:
        audit.record(admin, "accounts.totp.enrolled", target=user, data={"by": "seed_demo"})
    return device.secret


def _ensure_org(actor: User, fields: dict, parent: Organisation | None) -> Organisation:
    existing = Organisation.objects.filter(name=fields["name"]).first()
    if existing:
        return existing
    return services.organisation_create(actor=actor, parent=parent, **fields)


@transaction.atomic
def seed_foundation(occupation: Occupation) -> list[SeededUser]:
    """The body files ``occupation`` (every level) as its scope; the caller — ``skillcert.demo``, above catalog —
    looks it up, since accounts may not import catalog (issue #21 item 4)."""
    admin_spec = DEMO_USERS[0]
    admin = User.objects.filter(username=admin_spec.username).first()
    if admin is None:
        # Bootstrap: the first platform admin cannot be created by anyone through a service.
        admin = User.objects.create_user(admin_spec.username, DEMO_PASSWORD, full_name=admin_spec.full_name)
        RoleAssignment.objects.create(user=admin, role=Role.PLATFORM_ADMIN)
        audit.record(None, "accounts.user.bootstrapped", target=admin, actor_label="seed_demo",
                     data={"role": Role.PLATFORM_ADMIN})

    authority = _ensure_org(admin, AUTHORITY, None)
    body = _ensure_org(admin, BODY, authority)
    venues = [_ensure_org(admin, v, body) for v in VENUES]
    if not body.filed_scope.exists():
        services.filed_scope_set(actor=admin, organisation_id=body.pk,
                                 rows=[(occupation, None, level) for level in occupation.levels.all()])
    scopes = {"none": None, "authority": authority, "body": body, "venue": venues[0]}

    seeded = []
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            home = {"none": body if spec.role != Role.CANDIDATE else None, "authority": authority,
                    "body": body, "venue": venues[0]}[spec.scope]
            user = services.user_create(actor=admin, username=spec.username, full_name=spec.full_name,
                                        password=DEMO_PASSWORD, organisation=home,
                                        email=f"{spec.username}@example.com")
        if not RoleAssignment.objects.active().filter(user=user, role=spec.role).exists():
            services.role_assign(actor=admin, user_id=user.pk, role=spec.role, organisation=scopes[spec.scope])
        secret = demo_enrol(admin, user) if spec.role in TOTP_REQUIRED_ROLES else None
        seeded.append(SeededUser(spec.username, spec.full_name, str(Role(spec.role).label), secret))
    return seeded
