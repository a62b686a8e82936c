"""Demo exam day (``seed_demo --stage exam``): a computer-based sitting of the demo bank's trade and level that
started twenty minutes ago, in two rooms. In 第01考场 the chief examiner has started the room (releasing the
sealed paper); most candidates are checked in and answering, one candidate's computer failed and a change of
computer was authorised, one got five minutes back, and the proctor recorded a prohibited item. 第02考场 is
signed off and waiting for demo_proctor to check candidates in and start it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from skillcert.accounts.models import User
from skillcert.itembank.models import Bank
from skillcert.itembank.selectors import current_blueprint
from skillcert.papers import plans
from skillcert.papers import services as papers
from skillcert.registration.models import Announcement
from skillcert.scheduling import services as scheduling
from skillcert.scheduling import staffing
from skillcert.scheduling.demo import move_candidates
from skillcert.scheduling.enums import ROOM_SIGNOFF_ITEMS, BatchStatus, StaffRole
from skillcert.scheduling.models import Batch, Room

from . import services
from .models import RoomSitting

BATCH_NAME = "今日机考（演示：考场监考台）"


@transaction.atomic
def seed_exam_day(announcement: Announcement, bank: Bank) -> list[RoomSitting]:
    existing = Batch.objects.filter(name=BATCH_NAME).first()
    if existing:
        return list(RoomSitting.objects.filter(session__batch=existing).order_by("room__name"))
    officer = User.objects.get(username="demo_exam_affairs")
    manager = User.objects.get(username="demo_bank_manager")
    reviewer = User.objects.get(username="demo_bank_manager2")  # not the assembler (§6.3.2.3)
    chief = User.objects.get(username="demo_chief_examiner")
    inspector = User.objects.get(username="demo_inspector")
    proctor = User.objects.get(username="demo_proctor")
    others = list(User.objects.filter(username__startswith="demo_proctor_").order_by("username")[:3])
    offer = announcement.offers.get(occupation=bank.occupation, trade=bank.trade, level=bank.level)
    venue = Room.objects.filter(kind="computer", is_emergency=False).order_by("name").first().venue
    rooms = list(Room.objects.filter(venue=venue, kind="computer", is_emergency=False).order_by("name"))[:2]
    now = timezone.now().replace(second=0, microsecond=0)
    batch = scheduling.batch_create(actor=officer, announcement=announcement, name=BATCH_NAME)
    session = scheduling.session_add(actor=officer, batch_id=batch.pk, kind="theory_computer",
                                     starts_at=now + dt.timedelta(days=1), ends_at=now + dt.timedelta(days=1, hours=2),
                                     duration_minutes=90, offers=[offer], rooms=rooms)
    scheduling.batch_transition(actor=officer, batch_id=batch.pk, target=BatchStatus.SCHEDULED)
    # One live seat per application and part: today's candidates move from the quarter's first batch.
    move_candidates(officer, [session], offer, 10, "考生申请提前参加理论知识考试（调至今日机考）")
    scheduling.issue_tickets(actor=officer, batch_id=batch.pk)
    for user, role in ((chief, StaffRole.CHIEF), (inspector, StaffRole.INSPECTOR)):
        staffing.staff_assign(actor=officer, session_id=session.pk, user=user, role=role, venue=venue)
    posts = [(rooms[0], others[:2]), (rooms[1], [proctor, *others[2:3]])]
    for room, people in posts:
        for user in people:
            staffing.staff_assign(actor=officer, session_id=session.pk, user=user, role=StaffRole.PROCTOR, venue=venue,
                                  room=room)
        staffing.room_sign_off(actor=chief, session_id=session.pk, room_id=room.pk,
                               items=dict.fromkeys(ROOM_SIGNOFF_ITEMS, True))
    plan = plans.default_plan(current_blueprint(bank), plans.part_for_session(session.kind)) | {"seed": 7,
                                                                                                  "forms": 2}
    paper = papers.paper_assemble(actor=manager, session_id=session.pk, bank_id=bank.pk, plan=plan)
    papers.paper_review(actor=reviewer, paper_id=paper.pk)
    papers.paper_lock(actor=manager, paper_id=paper.pk)
    papers.paper_seal(actor=manager, paper_id=paper.pk)
    # The session is today: it began twenty minutes ago (demo data only; scheduling refuses a past start).
    type(session).objects.filter(pk=session.pk).update(starts_at=now - dt.timedelta(minutes=20),
                                                       ends_at=now + dt.timedelta(minutes=100))
    session.refresh_from_db()
    sittings = services.sittings_ensure(actor=officer, session=session)
    first = sittings[0]
    first_proctor = posts[0][1][0] if posts[0][1] else chief
    attempts = list(first.attempts.select_related("ticket", "application").order_by("assignment__seat__number"))
    start = now - dt.timedelta(minutes=20)
    for a in attempts[:-2]:  # the last two have not arrived
        services.check_in(actor=first_proctor, sitting_id=first.pk, ticket=a.ticket.number,
                          now=start - dt.timedelta(minutes=10))
    services.room_start(actor=chief, sitting_id=first.pk, now=start)
    for i, a in enumerate(attempts[:-2]):
        services.identity_confirm(actor=first_proctor, attempt_id=a.pk, now=start + dt.timedelta(seconds=30))
        services.attempt_login(ticket_number=a.ticket.number, id_number=a.application.id_number,
                                          room_code=first.code)
        items = services.attempt_paper(attempt_id=a.pk, now=start + dt.timedelta(minutes=1))
        saves = []
        for n, it in enumerate(items[: 8 + 3 * (i % 5)], start=1):
            value = (it["options"][(i + n) % len(it["options"])]["key"] if it["type"] in ("single", "judge") else
                     [o["key"] for o in it["options"][:2]] if it["type"] == "multiple" else "按排放因子法计算")
            saves.append({"seq": n, "position": it["position"], "value": value})
        services.answers_save(attempt_id=a.pk, saves=saves, now=now - dt.timedelta(minutes=1))
    if len(attempts) > 3:
        services.signal_record(attempt_id=attempts[1].pk, kind="focus_loss", detail="blur")
        services.relogin_authorise(actor=first_proctor, attempt_id=attempts[2].pk, reason="计算机蓝屏，已换至备用机位")
        services.compensate(actor=first_proctor, sitting_id=first.pk, minutes=5, attempt_id=attempts[2].pk,
                            reason="计算机故障换机耽误 5 分钟（表B.2）")
        services.event_record(actor=first_proctor, sitting_id=first.pk, kind="prohibited_items",
                              attempt_id=attempts[0].pk, occurred_at=start + dt.timedelta(minutes=6),
                              note="考生座位抽屉内发现手机一部（已关机），已收缴并登记，考生签字确认。")
    return list(RoomSitting.objects.filter(session=session).order_by("room__name"))
