"""Demo of a batch that sat and was graded (``seed_demo --stage graded``): yesterday's computer-based theory
session and practical assessment of the demo bank's trade and level, run through the real services.

Theory: every candidate but two sat the paper (the two are absent); answers follow each candidate's ability, and
one candidate copied most of a neighbour's answers (the similarity screening finds the pair). The objective items
are scored, analysed (written back to the bank) and screened; the short-answer item was double-marked blind, with
a few scripts beyond the tolerance settled by the examiner leader. Practical: one panel of three examiners per
room; pieces coded at collection and scored on the sheets; one candidate continued after the stop order (the
piece is void, A.3.5), one examiner scored a piece far from the others (flagged), one candidate handed nothing in
(absent); the code maps were opened with two witnesses. The results are compiled and confirmed by the chief, not
yet published — the embargo (§10.7) holds on the portal until demo_body_admin publishes them.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from skillcert.accounts.enums import Role
from skillcert.accounts.models import User
from skillcert.delivery import services as delivery
from skillcert.delivery.models import RoomSitting
from skillcert.itembank.models import Bank
from skillcert.itembank.selectors import current_blueprint
from skillcert.papers import plans
from skillcert.papers import services as papers
from skillcert.registration.models import Announcement
from skillcert.scheduling import services as scheduling
from skillcert.scheduling import staffing
from skillcert.scheduling.demo import move_candidates
from skillcert.scheduling.enums import ROOM_SIGNOFF_ITEMS, BatchStatus, StaffRole
from skillcert.scheduling.models import Batch, ExamSession, Room, SeatAssignment

from . import practical, results, services
from .models import ScriptStatus

BATCH_NAME = "昨日已考批次（演示：阅卷与成绩）"
SHORT_POINTS = 5


def _holders(venue, username: str, role: str) -> list[User]:
    """The named demo user first, then the venue's other holders of the role."""
    named = User.objects.get(username=username)
    others = (User.objects.filter(role_assignments__role=role, role_assignments__organisation=venue)
              .exclude(pk=named.pk).distinct().order_by("username"))
    return [named, *others]


def _panel(examiners: list[User], i: int) -> list[User]:
    return examiners[2 * i:2 * i + 2] if len(examiners) >= 2 * i + 2 else examiners[:2]


def _sit_theory(session: ExamSession, chief, key, rng: random.Random, start: dt.datetime) -> None:
    """Everyone but the last two of each room checks in and answers by ability; one copies a neighbour."""
    ability: dict[int, float] = {}
    for sitting in RoomSitting.objects.filter(session=session).order_by("room__name"):
        attempts = list(sitting.attempts.select_related("ticket", "application").order_by("assignment__seat__number"))
        present = attempts[:-2] if len(attempts) > 6 else attempts
        for a in present:
            delivery.check_in(actor=chief, sitting_id=sitting.pk, ticket=a.ticket.number,
                              now=start - dt.timedelta(minutes=12))
        delivery.room_start(actor=chief, sitting_id=sitting.pk, now=start)
        answered: dict[int, dict[int, object]] = {}
        forms: dict[int, int] = {}
        for a in present:
            delivery.identity_confirm(actor=chief, attempt_id=a.pk, now=start + dt.timedelta(seconds=30))
            items = delivery.attempt_paper(attempt_id=a.pk, now=start + dt.timedelta(minutes=1))
            a.refresh_from_db(fields=["form_number"])
            forms[a.pk] = a.form_number
            theta = ability.setdefault(a.pk, rng.gauss(0.35, 0.9))
            values = {}
            for it in items:
                right = key[a.form_number][it["position"]]
                difficulty = (hash(it["position"]) % 7 - 3) / 3
                if rng.random() < 1 / (1 + math.exp(-(1.4 * theta - 0.5 * difficulty + 0.3))):
                    values[it["position"]] = _answer(it, right["answer"])
                elif it["type"] in ("single", "judge", "multiple"):
                    values[it["position"]] = _wrong(it, right["answer"], rng)
                else:
                    values[it["position"]] = rng.choice(["按排放因子法计算，排放量等于活动数据乘以排放因子。",
                                                         "应包括排放源识别、监测方法、数据质量控制措施。",
                                                         "不清楚", ""])
            answered[a.pk] = values
        if sitting == RoomSitting.objects.filter(session=session).order_by("room__name").first():
            _plant_copier(answered, forms, key, rng)
        for n, a in enumerate(present):
            saves = [{"seq": i, "position": p, "value": v} for i, (p, v) in enumerate(answered[a.pk].items(), start=1)]
            delivery.answers_save(attempt_id=a.pk, saves=saves, now=start + dt.timedelta(minutes=20 + n % 40))
            delivery.attempt_submit(attempt_id=a.pk, now=start + dt.timedelta(minutes=70 + n % 15))
    delivery.tick(now=start + dt.timedelta(minutes=session.duration_minutes + 1))


def _plant_copier(answered: dict[int, dict], forms: dict[int, int], key, rng: random.Random) -> None:
    """A candidate copies nine in ten answers of the weakest neighbour sitting the same form (identical wrong
    answers are the evidence, so the source must have many)."""
    def wrong(pk: int) -> int:
        key_of = key[forms[pk]]
        return sum(v != _answer({"type": key_of[p]["type"]}, key_of[p]["answer"]) for p, v in answered[pk].items())

    groups: dict[int, list[int]] = {}
    for pk, form in forms.items():
        groups.setdefault(form, []).append(pk)
    group = max(groups.values(), key=len)
    if len(group) >= 2:
        source = max(group, key=wrong)
        copier = next(pk for pk in group if pk != source)
        for position, value in answered[source].items():
            if rng.random() < 0.9:
                answered[copier][position] = value


def _answer(item: dict, key: str):
    if item["type"] == "multiple":
        return sorted(key)
    if item["type"] == "fill":
        return key.split("|")[0]
    return key


def _wrong(item: dict, key: str, rng: random.Random):
    options = [o["key"] for o in item.get("options") or []]
    if item["type"] == "judge":
        return "F" if key == "T" else "T"
    if item["type"] == "single":
        return rng.choice([o for o in options if o != key] or options)
    chosen = sorted(set(rng.sample(options, k=min(len(options), rng.choice([1, 2, 3])))))
    return chosen if chosen != sorted(key) else chosen[:1]


def _mark(officer, run, markers, leader, rng: random.Random) -> None:
    """Blind double marking of the short-answer item; about one script in six beyond the tolerance."""
    for task in services.marking_open(actor=officer, run_id=run.pk, markers=markers[:2], leader=leader):
        for script in task.scripts.exclude(status=ScriptStatus.FINAL).order_by("code"):  # blank ones score 0
            base = rng.choice([1, 2, 3, 3, 4, 4, 5])
            first = base
            second = base if rng.random() < 0.55 else max(0, min(SHORT_POINTS, base + rng.choice([-1, 1])))
            if rng.random() < 0.17:
                second = max(0, min(SHORT_POINTS, base + (3 if base <= 2 else -3)))  # beyond tolerance
            services.mark_record(actor=markers[0], task_id=task.pk, code=script.code, points=str(first))
            services.mark_record(actor=markers[1], task_id=task.pk, code=script.code, points=str(second))
            script.refresh_from_db()
            if script.status == ScriptStatus.THIRD:
                services.mark_record(actor=leader, task_id=task.pk, code=script.code,
                                     points=str(round((first + second) / 2)), comment="组长仲裁：按评分标准逐点核对")


def _practical(session: ExamSession, officer, chief, inspector, examiners, leaders, rng: random.Random) -> None:
    supervisor = User.objects.get(username="demo_internal_supervisor")  # the body's own (§6.4.1.1, A.3.6)
    for i, room in enumerate(session.rooms.order_by("name")):
        leader = leaders[i % len(leaders)]
        seated = list(SeatAssignment.objects.filter(session=session, seat__room=room).order_by("seat__number")
                      .values_list("application_id", flat=True))
        if not seated:
            continue
        panel_examiners = _panel(examiners, i)
        panel = practical.panel_form(actor=officer, session_id=session.pk, room_id=room.pk,
                                     examiners=panel_examiners, leader=leader)
        if i == 0:  # the room record (A.3.4, A.3.6)
            seats = list(room.seats.order_by("number"))
            at = session.starts_at
            practical.event_record(actor=panel_examiners[0], panel_id=panel.pk, kind="delay", seat_id=seats[4].pk,
                                   minutes=10, occurred_at=at + dt.timedelta(minutes=25),
                                   note="工位计算机死机，更换备用计算机，耽误约 10 分钟，顺延 10 分钟")
            practical.event_record(actor=supervisor, panel_id=panel.pk, kind="check",
                                   occurred_at=at + dt.timedelta(minutes=60),
                                   note="巡视考评过程：考评员按评分记录表独立评分，未见交流或指点考生")
            void_seat = SeatAssignment.objects.get(session=session, application_id=seated[2]).seat_id
            practical.event_record(actor=leader, panel_id=panel.pk, kind="violation", seat_id=void_seat,
                                   occurred_at=at + dt.timedelta(minutes=121),
                                   note="发出停止操作口令后仍继续填写报告，经制止无效，工件成绩作废（A.3.5）")
        pieces = [practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=app)
                  for app in seated[:-1]]  # the last candidate handed nothing in
        scorers = [*panel_examiners, leader]
        criteria = practical.sheet_criteria(scorers[0], panel)
        for n, piece in enumerate(pieces):
            if n == 2 and i == 0:
                practical.piece_void(actor=leader, panel_id=panel.pk, code=piece.code,
                                     reason="收到停止操作口令后仍继续操作，经考评组长确认（A.3.5）")
                continue
            quality = min(1.0, max(0.25, rng.gauss(0.74, 0.14)))
            for k, examiner in enumerate(scorers):
                q = quality - (0.3 if (n == 4 and i == 0 and k == 2) else 0)  # one examiner far from the others
                given = [str((Decimal(str(c["max"])) * Decimal(str(max(0.0, min(1.0, q + rng.gauss(0, 0.05)))))
                              ).quantize(Decimal("0.1"), ROUND_DOWN)) for c in criteria]
                deductions = ([{"reason": "未按规定佩戴防护用品", "points": "2"}]
                              if n == 6 and k == 0 else [])
                practical.sheet_submit(actor=examiner, panel_id=panel.pk, code=piece.code, given=given,
                                       deductions=deductions)
        practical.unseal_request(actor=officer, panel_id=panel.pk, witnesses=[chief, inspector])
        for witness in (chief, inspector):
            practical.unseal_confirm(actor=witness, panel_id=panel.pk)


@transaction.atomic
def seed_graded(announcement: Announcement, bank: Bank) -> Batch:
    existing = Batch.objects.filter(name=BATCH_NAME).first()
    if existing:
        return existing
    rng = random.Random(2026)
    officer = User.objects.get(username="demo_exam_affairs")
    manager = User.objects.get(username="demo_bank_manager")
    reviewer = User.objects.get(username="demo_bank_manager2")  # not the assembler (§6.3.2.3)
    chief = User.objects.get(username="demo_chief_examiner")
    inspector = User.objects.get(username="demo_inspector")
    leader = User.objects.get(username="demo_examiner_leader")
    offer = announcement.offers.get(occupation=bank.occupation, trade=bank.trade, level=bank.level)
    venue = Room.objects.filter(kind="computer", is_emergency=False).order_by("name").first().venue
    computer = list(Room.objects.filter(venue=venue, kind="computer", is_emergency=False).order_by("name"))[:2]
    workshops = list(Room.objects.filter(venue=venue, kind="practical").order_by("name"))[:2]
    future = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=40)
    batch = scheduling.batch_create(actor=officer, announcement=announcement, name=BATCH_NAME,
                                    notes="演示：考试已结束，成绩已统分并经主考复核确认，待机构管理员发布。")
    theory = scheduling.session_add(actor=officer, batch_id=batch.pk, kind="theory_computer",
                                    starts_at=future.replace(hour=9), ends_at=future.replace(hour=10, minute=30),
                                    duration_minutes=90, offers=[offer], rooms=computer)
    prac = scheduling.session_add(actor=officer, batch_id=batch.pk, kind="practical",
                                  starts_at=future.replace(hour=14), ends_at=future.replace(hour=16),
                                  duration_minutes=120, offers=[offer], rooms=workshops)
    scheduling.batch_transition(actor=officer, batch_id=batch.pk, target=BatchStatus.SCHEDULED)
    # One live seat per application and part: the batch's candidates move from the quarter's first batch.
    move_candidates(officer, [theory, prac], offer, None, "调整至本批次（演示）")
    scheduling.issue_tickets(actor=officer, batch_id=batch.pk)
    supervisor = User.objects.get(username="demo_internal_supervisor")  # the body's own (§6.4.1.1, A.3.6)
    for session in (theory, prac):
        for user, role in ((chief, StaffRole.CHIEF), (inspector, StaffRole.INSPECTOR),
                           (supervisor, StaffRole.SUPERVISOR)):
            staffing.staff_assign(actor=officer, session_id=session.pk, user=user, role=role, venue=venue)
    proctors = list(User.objects.filter(username__startswith="demo_proctor_").order_by("-username"))
    for i, room in enumerate(computer):
        for user in proctors[2 * i:2 * i + 2]:
            staffing.staff_assign(actor=officer, session_id=theory.pk, user=user, role=StaffRole.PROCTOR, venue=venue,
                                  room=room)
    examiners = _holders(venue, "demo_examiner", Role.EXAMINER)
    leaders = _holders(venue, "demo_examiner_leader", Role.EXAMINER_LEADER)
    for i, room in enumerate(workshops):
        staffing.staff_assign(actor=officer, session_id=prac.pk, user=leaders[i % len(leaders)],
                              role=StaffRole.EXAMINER_LEADER, venue=venue, room=room)
        for user in _panel(examiners, i):
            staffing.staff_assign(actor=officer, session_id=prac.pk, user=user, role=StaffRole.EXAMINER, venue=venue,
                                  room=room)
    for room in computer:
        staffing.room_sign_off(actor=chief, session_id=theory.pk, room_id=room.pk,
                               items=dict.fromkeys(ROOM_SIGNOFF_ITEMS, True))
    blueprint = current_blueprint(bank)
    theory_plan = plans.default_plan(blueprint, plans.part_for_session(theory.kind)) | {"seed": 11, "forms": 2}
    theory_plan["types"] = {**theory_plan["types"], "single": theory_plan["types"]["single"] - 5, "short": 1}
    theory_plan["points"] = {**theory_plan["points"], "short": str(SHORT_POINTS)}
    theory_plan["length"] = sum(theory_plan["types"].values())
    made = []
    for session, plan in ((theory, theory_plan),
                          (prac, plans.default_plan(blueprint, plans.part_for_session(prac.kind)) | {"seed": 11})):
        paper = papers.paper_assemble(actor=manager, session_id=session.pk, bank_id=bank.pk, plan=plan)
        papers.paper_review(actor=reviewer, paper_id=paper.pk)
        for step in (papers.paper_lock, papers.paper_seal):
            step(actor=manager, paper_id=paper.pk)
        made.append(paper)
    # Yesterday (demo data only: scheduling refuses a start in the past).
    yesterday = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(days=1)
    morning, afternoon = yesterday.replace(hour=9, minute=0), yesterday.replace(hour=14, minute=0)
    ExamSession.objects.filter(pk=theory.pk).update(starts_at=morning, ends_at=morning + dt.timedelta(minutes=90))
    ExamSession.objects.filter(pk=prac.pk).update(starts_at=afternoon, ends_at=afternoon + dt.timedelta(hours=2))
    theory.refresh_from_db()
    prac.refresh_from_db()
    scheduling.batch_transition(actor=officer, batch_id=batch.pk, target=BatchStatus.IN_PROGRESS)
    delivery.sittings_ensure(actor=officer, session=theory)
    made[0] = papers.paper_release(actor=chief, paper_id=made[0].pk, now=morning)  # at the start signal
    key = papers.open_key_for_grading(actor=officer, paper=made[0])
    key = {f["form"]: {it["position"]: it for it in f["items"]} for f in key["forms"]}
    _sit_theory(theory, chief, key, rng, morning)

    run = services.score_session(actor=officer, session_id=theory.pk, paper_id=made[0].pk, multiple_rule="half")
    services.analyse_run(actor=officer, run_id=run.pk)
    services.screen_similarity(actor=officer, run_id=run.pk)
    _mark(officer, run, examiners, leader, rng)

    made[1] = papers.paper_release(actor=officer, paper_id=made[1].pk, now=afternoon)
    _practical(prac, officer, chief, inspector, examiners, leaders, rng)

    results.results_compile(actor=officer, batch_id=batch.pk)
    results.results_confirm(actor=chief, batch_id=batch.pk)
    scheduling.batch_transition(actor=officer, batch_id=batch.pk, target=BatchStatus.FINISHED)
    batch.refresh_from_db()
    return batch
