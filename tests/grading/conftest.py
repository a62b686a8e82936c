"""Grading fixtures: a computer-based sitting that is over (four candidates answered the short-answer item, one
left it blank, and submitted; two examiners and an examiner leader ready to mark) and a practical session whose
paper has been released."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from skillcert.accounts.enums import Role
from skillcert.delivery import services as delivery
from skillcert.papers import services as papers
from skillcert.scheduling.models import ExamSession, SeatAssignment
from tests.delivery.conftest import login, make_exam_day, started
from tests.factories import build_registration, build_world, paper_reviewer, user_with_role
from tests.itembank.conftest import make_bank
from tests.papers.conftest import fill_bank
from tests.scheduling.conftest import sitting

TEXTS = ["排放量等于活动数据乘以排放因子，并说明数据来源。", "按核算指南计算，保留两位小数。", "不知道", ""]


def sat_with_short_answers(texts: list[str] = TEXTS):
    day = make_exam_day(n=len(texts))
    started(day)
    day.sitting.refresh_from_db()
    body = day.session.batch.announcement.body
    for a, text in zip(day.attempts, texts, strict=True):
        aid = delivery.attempt_for_token(login(a, day.sitting.code))
        items = delivery.attempt_paper(attempt_id=aid)
        short = next(i for i in items if i["type"] == "short")
        if text:
            delivery.answers_save(attempt_id=aid, saves=[{"seq": 1, "position": short["position"], "value": text}])
        delivery.attempt_submit(attempt_id=aid)
    # Everyone has handed in; the room closes when its clock runs out (the background tick).
    started_at = day.sitting.started_at
    delivery.tick(now=started_at + dt.timedelta(minutes=day.session.duration_minutes + 1), sitting_id=day.sitting.pk)
    m1 = user_with_role(Role.EXAMINER, body, username="marker1", full_name="阅卷甲")
    m2 = user_with_role(Role.EXAMINER, body, username="marker2", full_name="阅卷乙")
    leader = user_with_role(Role.EXAMINER_LEADER, body, username="leader", full_name="组长丙")
    return day, m1, m2, leader


def sessions_over(batch) -> None:
    """Time passes: every session of ``batch`` (sat, or never opened) ended a minute ago — results are compiled only
    once the batch's sittings are over."""
    now = timezone.now()
    for session in ExamSession.objects.filter(batch=batch):
        length = session.ends_at - session.starts_at
        ExamSession.objects.filter(pk=session.pk).update(ends_at=now - dt.timedelta(minutes=1),
                                                         starts_at=min(session.starts_at, now - length))


PRACTICAL_PLAN = {"forms": 2, "length": 1, "types": {"practical": 1}, "points": {"practical": "100"}, "elements": [],
        "difficulty_bands": [], "mean_difficulty": {"min": 0, "max": 1}, "exclude_recent": 0, "time_limit": 10,
        "seed": 3}


def marked_sitting(points: tuple[str, str] = ("5", "5")):
    """``sat_with_short_answers`` scored, marking opened and every script marked twice with ``points``:
    (day, run, task, marker, marker, leader)."""
    from skillcert.grading import services

    day, m1, m2, leader = sat_with_short_answers()
    run = services.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    (task,) = services.marking_open(actor=day.officer, run_id=run.pk, markers=[m1, m2], leader=leader)
    for script in task.scripts.filter(status="waiting"):
        services.mark_record(actor=m1, task_id=task.pk, code=script.code, points=points[0])
        services.mark_record(actor=m2, task_id=task.pk, code=script.code, points=points[1])
    return day, run, task, m1, m2, leader


def make_practical_day():
    """A practical session whose one-task paper (the 核算员 bank's) has been released: four 核算员 candidates (``apps``,
    with four 监测员 candidates in the same room who sit another trade's paper) seated at workstations,
    two examiners (posted at the venue) and an examiner leader of the body. Returns (officer, sitting
    namespace, examiners, leader, application ids, world)."""
    world = build_world()
    reg = build_registration(world)
    s = sitting(reg, 8)  # four 碳排放监测员 and four 碳排放核算员; the paper is the 核算员 bank's
    manager = user_with_role(Role.BANK_MANAGER, world.body, username="bank_manager", full_name="张管理")
    writer = user_with_role(Role.ITEM_WRITER, world.body, username="item_writer", full_name="刘命题")
    bank = make_bank(world, manager)
    fill_bank(bank, writer, 20, 6)
    paper = papers.paper_assemble(actor=manager, session_id=s.practical.pk, bank_id=bank.pk, plan=dict(PRACTICAL_PLAN))
    papers.paper_review(actor=paper_reviewer(world.body), paper_id=paper.pk)
    for step in (papers.paper_lock, papers.paper_seal):
        step(actor=manager, paper_id=paper.pk)
    ExamSession.objects.filter(pk=s.practical.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=5))
    papers.paper_release(actor=reg.officer, paper_id=paper.pk)
    examiners = [user_with_role(Role.EXAMINER, world.venue, username=f"ex{i}", full_name=f"考评{i}") for i in (1, 2)]
    leader = user_with_role(Role.EXAMINER_LEADER, world.body, username="ex_leader", full_name="考评组长")
    apps = list(SeatAssignment.objects.filter(session=s.practical, application__offer__trade=bank.trade)
                .values_list("application_id", flat=True))
    return reg.officer, s, examiners, leader, apps, world


SHEET_PLAN = {"forms": 2, "length": 11, "types": {"single": 5, "multiple": 2, "judge": 3, "fill": 1},
              "points": {"single": "8", "multiple": "10", "judge": "6", "fill": "22"}, "elements": [],
              "difficulty_bands": [], "mean_difficulty": {"min": 0, "max": 1}, "exclude_recent": 0, "time_limit": 10,
              "seed": 3}


def paper_sitting(n: int = 4, plan: dict | None = None):
    """A paper-based theory session that is over: its two-form paper released at the start, ``n`` candidates
    seated and ticketed, no answer sheet read yet. Returns the exam-day namespace (officer, chief, session,
    paper) and the candidates' ticket numbers in seat order."""
    from skillcert.scheduling.enums import SessionKind

    day = make_exam_day(n, plan=dict(plan or SHEET_PLAN), theory_items=60, kind=SessionKind.THEORY_PAPER)
    papers.paper_release(actor=day.officer, paper_id=day.paper.pk)
    ExamSession.objects.filter(pk=day.session.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    day.session.refresh_from_db()
    day.paper.refresh_from_db()
    tickets = list(SeatAssignment.objects.filter(session=day.session).order_by("seat__number")
                   .values_list("application__tickets__number", flat=True))
    return day, tickets


def review_day():
    """Four 技师 candidates (each holding a 高级工 certificate for four years) seated in a review session (the
    practical room), three examiners and a leader — all through the services: filed scope and an announcement
    at 技师, the candidates imported and approved, the review session added, seated and ticketed. Returns
    (officer, session, room, examiners, leader, application ids)."""
    from skillcert.accounts import services as accounts
    from skillcert.catalog.models import Level
    from skillcert.registration.enums import AnnouncementStatus
    from skillcert.registration.services import Offer, announcement_create, announcement_transition
    from skillcert.scheduling import services as scheduling
    from skillcert.scheduling.enums import FACILITIES, PRACTICAL_CHECKS, SUPPORT_STAFF, BatchStatus
    from tests.scheduling.conftest import approve_imported

    world = build_world()
    occ, technician, senior = world.occupation, Level.objects.get(number=2), Level.objects.get(number=3)
    accounts.filed_scope_set(actor=world.platform_admin, organisation_id=world.body.pk, rows=[(occ, None, technician)])
    officer = user_with_role(Role.EXAM_AFFAIRS, world.body, username="officer")
    trade = occ.trades.get(name="碳排放核算员")
    now = timezone.now()
    ann = announcement_create(
        actor=officer, body=world.body, title="2026年碳排放管理员技师认定公告", eligibility="按国家职业技能标准",
        assessment_method="理论知识考试 + 实际操作考核 + 综合评审", registration_opens=now - dt.timedelta(days=2),
        registration_closes=now + dt.timedelta(days=20), offers=[Offer(occ, trade, technician, 80000)],
        venues=[world.venue])
    announcement_transition(actor=officer, announcement_id=ann.pk, target=AnnouncementStatus.PUBLISHED)
    reg = SimpleNamespace(world=world, officer=officer, announcement=ann)
    issued = (now - dt.timedelta(days=4 * 366)).date()
    cert = {"报考等级*": str(technician), "已有本职业证书等级": str(senior), "已有证书发证日期": issued,
            "从事本职业年限*": 8}
    approve_imported(reg, 4, trades=("碳排放核算员",), extra=lambda i: cert | {"已有证书编号": f"GJ2022{i:06d}"})
    venue = world.venue
    scheduling.venue_profile_save(actor=officer, venue=venue, facilities=dict.fromkeys(FACILITIES, True),
                                  support_staff=dict.fromkeys(SUPPORT_STAFF, 1))
    room = scheduling.room_save(actor=officer, venue=venue, name="实操室", kind="practical", capacity=6, columns=3,
                                checks=dict.fromkeys(PRACTICAL_CHECKS, True), safety_officer="安全员甲",
                                workstations=[f"W{i:02d}" for i in range(1, 7)])
    batch = scheduling.batch_create(actor=officer, announcement=ann, name="2026年技师批")
    # The practical part was sat yesterday and the review took place in the last hour (there is no clock service:
    # the sessions are added in the past).
    session = scheduling.session_add(actor=officer, batch_id=batch.pk, kind="review", ends_at=now,
                                     starts_at=now - dt.timedelta(hours=1), duration_minutes=30,
                                     offers=list(ann.offers.all()), rooms=[room])
    practical = scheduling.session_add(actor=officer, batch_id=batch.pk, kind="practical",
                                       starts_at=now - dt.timedelta(days=1, hours=3),
                                       ends_at=now - dt.timedelta(days=1),
                                       duration_minutes=120, offers=list(ann.offers.all()), rooms=[room])
    scheduling.batch_transition(actor=officer, batch_id=batch.pk, target=BatchStatus.SCHEDULED)
    for s in (practical, session):
        scheduling.allocate(actor=officer, session_id=s.pk, seed=7)
    scheduling.issue_tickets(actor=officer, batch_id=batch.pk)
    examiners = [user_with_role(Role.EXAMINER, world.venue, username=f"rv{i}", full_name=f"评审{i}") for i in (1, 2)]
    leader = user_with_role(Role.EXAMINER_LEADER, world.body, username="rv_leader", full_name="评审组长")
    apps = sorted(SeatAssignment.objects.filter(session=session).values_list("application_id", flat=True))
    assert len(apps) == 4
    return officer, session, room, examiners, leader, apps


def published_batch(days: int = 10):
    """A marked sitting whose results are compiled (practical scored zero by decision), confirmed by the chief and
    published by a body admin with a re-check window of ``days``. Returns (day, batch)."""
    from skillcert.grading import results

    day, *_rest = marked_sitting(("4", "4"))
    batch = day.session.batch
    for r in results.results_compile(actor=day.officer, batch_id=batch.pk):
        results.score_decide(actor=day.officer, batch_id=batch.pk, application_id=r.application_id,
                             part="practical", kind="zero", reason="表B.2")
    results.results_compile(actor=day.officer, batch_id=batch.pk)
    results.results_confirm(actor=day.chief, batch_id=batch.pk)
    admin = user_with_role(Role.BODY_ADMIN, batch.announcement.body, username="publisher")
    results.results_publish(actor=admin, batch_id=batch.pk, recheck_days=days)
    return day, batch
