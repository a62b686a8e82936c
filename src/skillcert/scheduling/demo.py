"""Demo stage ``scheduled``: the registration demo's approved candidates in a batch with a computer-based
theory session and a practical session at the first venue, rooms allocated, tickets issued, staff
assigned, and every room signed off but one (so the readiness gate shows both states)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from skillcert.accounts import services as account_services
from skillcert.accounts.demo import DEMO_PASSWORD
from skillcert.accounts.enums import Role
from skillcert.accounts.models import Organisation, User
from skillcert.registration.applications import application_review
from skillcert.registration.enums import ApplicationStatus
from skillcert.registration.models import Announcement

from . import services, staffing
from .enums import FACILITIES, PART_OF_SESSION, PRACTICAL_CHECKS, ROOM_SIGNOFF_ITEMS, BatchStatus, StaffRole
from .models import Batch, ExamSession, Room, Seat, SeatAssignment

BATCH_NAME = "2026年第四季度碳排放管理员认定（第一批）"
NOTES = ("1. 考生凭本准考证和居民身份证参加考试，二者缺一不可。\n"
         "2. 理论知识考试为机考，考前15分钟入场，在签到册签字后按座位号就座，开考30分钟后不得入场。\n"
         "3. 实际操作考核请自带计算器，按工位号就位，遵守实训楼安全规定。\n"
         "4. 手机等通讯工具关机后存放在考点物品存放处。\n"
         "5. 考点地址见上表，请在考试前一天熟悉考点、考场和工位。")


def _staff(admin: User, venue: Organisation, prefix: str, role: str, count: int, names: list[str]) -> list[User]:
    people = []
    for i in range(count):
        username = f"demo_{prefix}_{i + 1:02d}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_services.user_create(actor=admin, username=username, full_name=names[i % len(names)],
                                                password=DEMO_PASSWORD, organisation=venue)
            account_services.role_assign(actor=admin, user_id=user.pk, role=role, organisation=venue)
        people.append(user)
    return people


@transaction.atomic
def seed_scheduled(announcement: Announcement) -> Batch:
    existing = Batch.objects.filter(name=BATCH_NAME).first()
    if existing:
        return existing
    officer = User.objects.get(username="demo_exam_affairs")
    admin = User.objects.get(username="demo_platform_admin")
    body = announcement.body
    venue = Organisation.objects.filter(parent=body, kind="venue").order_by("pk").first()
    demo = announcement.applications.filter(candidate__username="demo_candidate").first()
    if demo and demo.status == ApplicationStatus.SUBMITTED:
        application_review(actor=officer, application_id=demo.pk, decision=ApplicationStatus.APPROVED)
    approved = announcement.applications.filter(status=ApplicationStatus.APPROVED).count()

    services.venue_profile_save(actor=officer, venue=venue, facilities=dict.fromkeys(FACILITIES, True),
                                support_staff={"medical": 2, "security": 3, "logistics": 2, "roving_proctor": 2},
                                notes="考务办公室：综合楼101；保密室：综合楼105（双人双锁）；医务室：综合楼108。")
    n_rooms = -(-approved // 30)
    computer = [services.room_save(actor=officer, venue=venue, name=f"第{i + 1:02d}考场（机房）", kind="computer",
                                   location=f"信息楼{3 + i // 4}层{(i % 4) + 1:02d}室", capacity=30, columns=6,
                                   spacing_cm=90, workstations=[f"PC{i + 1:02d}-{s:02d}" for s in range(1, 31)])
                for i in range(n_rooms)]
    spare = services.room_save(actor=officer, venue=venue, name="应急考场", kind="computer", location="信息楼2层01室",
                               capacity=20, columns=5, spacing_cm=90, is_emergency=True)
    practical = [services.room_save(actor=officer, venue=venue, name=f"实操第{i + 1}室", kind="practical",
                                    location=f"实训楼{i + 1}层", capacity=30, columns=6, spacing_cm=120,
                                    checks=dict.fromkeys(PRACTICAL_CHECKS, True), safety_officer="王建军",
                                    workstations=[f"G{i + 1}-{s:02d}" for s in range(1, 31)])
                 for i in range(n_rooms)]

    batch = services.batch_create(actor=officer, announcement=announcement, name=BATCH_NAME, notes=NOTES)
    day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=25)
    offers = list(announcement.offers.all())
    theory = services.session_add(actor=officer, batch_id=batch.pk, kind="theory_computer",
                                  starts_at=day.replace(hour=9), ends_at=day.replace(hour=10, minute=30),
                                  duration_minutes=90, offers=offers, rooms=[*computer, spare])
    prac = services.session_add(actor=officer, batch_id=batch.pk, kind="practical", starts_at=day.replace(hour=14),
                                ends_at=day.replace(hour=16), duration_minutes=120, offers=offers, rooms=practical)
    services.batch_transition(actor=officer, batch_id=batch.pk, target=BatchStatus.SCHEDULED)
    services.allocate(actor=officer, session_id=theory.pk, seed=2026)
    services.allocate(actor=officer, session_id=prac.pk, seed=2026)
    services.issue_tickets(actor=officer, batch_id=batch.pk)

    names = [s + g for g in ("洋", "静", "帆", "磊", "敏", "涛") for s in ("刘", "陈", "杨", "黄", "徐", "朱")]
    chief = User.objects.get(username="demo_chief_examiner")
    deputy = User.objects.get(username="demo_deputy_chief")
    inspector = User.objects.get(username="demo_inspector")
    supervisor = User.objects.get(username="demo_internal_supervisor")  # the body's own (§6.4.1.1)
    proctors = [User.objects.get(username="demo_proctor"),
                *_staff(admin, venue, "proctor", Role.PROCTOR, 2 * n_rooms - 1, names)]
    leaders = [User.objects.get(username="demo_examiner_leader"),
               *_staff(admin, venue, "leader", Role.EXAMINER_LEADER, n_rooms - 1, names[14:])]
    examiners = [User.objects.get(username="demo_examiner"),
                 *_staff(admin, venue, "examiner", Role.EXAMINER, 2 * n_rooms - 1, names[20:] + names)]
    for session in (theory, prac):
        for user, role in ((chief, StaffRole.CHIEF), (deputy, StaffRole.DEPUTY), (inspector, StaffRole.INSPECTOR),
                           (supervisor, StaffRole.SUPERVISOR)):
            staffing.staff_assign(actor=officer, session_id=session.pk, user=user, role=role, venue=venue)
    for i, room in enumerate(computer):
        for user in proctors[2 * i:2 * i + 2]:
            staffing.staff_assign(actor=officer, session_id=theory.pk, user=user, role=StaffRole.PROCTOR, venue=venue,
                                  room=room)
    for i, room in enumerate(practical):
        staffing.staff_assign(actor=officer, session_id=prac.pk, user=leaders[i], role=StaffRole.EXAMINER_LEADER,
                              venue=venue, room=room)
        for user in examiners[2 * i:2 * i + 2]:
            staffing.staff_assign(actor=officer, session_id=prac.pk, user=user, role=StaffRole.EXAMINER, venue=venue,
                                  room=room)
    # The chief has signed off every room but the last practical one: the gate shows what is left.
    for session, rooms in ((theory, computer), (prac, practical[:-1])):
        for room in rooms:
            staffing.room_sign_off(actor=chief, session_id=session.pk, room_id=room.pk,
                                   items=dict.fromkeys(ROOM_SIGNOFF_ITEMS, True))
    assert Room.objects.filter(venue=venue, is_emergency=True).exists()
    return batch


def move_candidates(officer: User, sessions: list[ExamSession], offer, count: int | None, reason: str) -> list[int]:
    """Demo re-scheduling, through ``seat_move`` as an officer would do it: ``count`` candidates of the offer
    (all when None) who hold live seats in the quarter's first batch (``BATCH_NAME``) move, part by part,
    into the sessions' free seats, dealt across the rooms. One live seat per application and part holds throughout:
    the old seats and tickets are voided with the reason (issue #20 item 8)."""
    first = sessions[0]
    apps = list(SeatAssignment.objects.filter(
        part=PART_OF_SESSION[first.kind], application__offer=offer, session__batch__name=BATCH_NAME,
        session__batch__announcement_id=first.batch.announcement_id)
        .order_by("application_id").values_list("application_id", flat=True))[:count]
    for session in sessions:
        part = PART_OF_SESSION[session.kind]
        free = iter(Seat.objects.filter(room__in=session.rooms.filter(is_emergency=False), is_active=True)
                    .exclude(pk__in=SeatAssignment.objects.filter(session=session).values("seat_id"))
                    .order_by("number", "room__name"))
        for app_id in apps:
            old = SeatAssignment.objects.filter(application_id=app_id, part=part,
                                                session__batch__name=BATCH_NAME).first()
            if old is not None:
                services.seat_move(actor=officer, assignment_id=old.pk, session_id=session.pk,
                                   seat_id=next(free).pk, reason=reason)
    return apps
