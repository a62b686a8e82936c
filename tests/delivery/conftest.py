"""A computer room ready for exam day: four candidates (碳排放核算员 中级) seated and ticketed, a chief examiner,
two proctors and an inspector posted, the room signed off, and the paper assembled, locked and sealed.
The session starts a minute ago (so the API, which reads the real clock, may start the room)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from skillcert.accounts.enums import Role
from skillcert.accounts.models import User
from skillcert.delivery import services as delivery
from skillcert.delivery.models import Attempt, RoomSitting
from skillcert.papers import services as papers
from skillcert.papers.models import Paper
from skillcert.scheduling import services as scheduling
from skillcert.scheduling import staffing
from skillcert.scheduling.enums import FACILITIES, ROOM_SIGNOFF_ITEMS, SUPPORT_STAFF, BatchStatus, StaffRole
from skillcert.scheduling.models import ExamSession
from tests.factories import build_registration, build_world, paper_reviewer, user_with_role
from tests.itembank.conftest import make_bank
from tests.papers.conftest import fill_bank
from tests.scheduling.conftest import approve_imported, at, theory_room

PLAN = {"forms": 2, "length": 12, "types": {"single": 5, "multiple": 2, "judge": 3, "fill": 1, "short": 1},
        "points": {"single": "8", "multiple": "10", "judge": "6", "fill": "10", "short": "12"},
        "elements": [], "difficulty_bands": [], "mean_difficulty": {"min": 0, "max": 1},
        "exclude_recent": 0, "time_limit": 10, "seed": 3}


@dataclass
class ExamDay:
    officer: User
    chief: User
    proctors: list[User]
    inspector: User
    session: ExamSession
    paper: Paper
    sitting: RoomSitting | None
    attempts: list[Attempt] = field(default_factory=list)
    sittings: list[RoomSitting] = field(default_factory=list)

    @property
    def start(self) -> dt.datetime:
        return self.session.starts_at


def make_exam_day(n: int = 4, *, starts_ago_minutes: int = 1, duration: int = 90,
                  room_size: int | None = None, plan: dict | None = None, theory_items: int = 160,
                  kind: str = "theory_computer", prepared: bool = True) -> ExamDay:
    """``room_size``: split the candidates over computer rooms of that size (the benchmark's 2,000 candidates in
    rooms of 30); the proctors are posted to the first room, the chief runs them all. ``sitting`` and
    ``attempts`` are the first room's. ``plan`` and ``theory_items``: a bigger paper (the grading benchmark).
    ``kind="theory_paper"``: a paper-based theory session in theory (not computer) rooms — it has no room
    sittings or attempts (``sitting`` is None): its answers come back on sheets."""
    world = build_world()
    reg = build_registration(world)
    manager = user_with_role(Role.BANK_MANAGER, world.body, username="bank_manager", full_name="张管理")
    writer = user_with_role(Role.ITEM_WRITER, world.body, username="item_writer", full_name="刘命题")
    bank = make_bank(world, manager)
    fill_bank(bank, writer, theory_items, 0)
    approve_imported(reg, n, trades=("碳排放核算员",))
    venue = world.venue
    scheduling.venue_profile_save(actor=reg.officer, venue=venue, facilities=dict.fromkeys(FACILITIES, True),
                                  support_staff=dict.fromkeys(SUPPORT_STAFF, 1))
    room_kind = "theory" if kind == "theory_paper" else "computer"
    if room_size is None:
        rooms = [theory_room(reg, "第1考场", capacity=max(n, 6), columns=3, location="1号楼301", kind=room_kind)]
    else:
        rooms = [theory_room(reg, f"第{i + 1:03d}考场", capacity=room_size, location=f"{i // 20 + 1}号楼",
                             kind=room_kind)
                 for i in range(-(-n // room_size))]
    room = rooms[0]
    batch = scheduling.batch_create(actor=reg.officer, announcement=reg.announcement, name="2026年第一批")
    session = scheduling.session_add(actor=reg.officer, batch_id=batch.pk, kind=kind,
                                     starts_at=at(10, 9), ends_at=at(10, 11), duration_minutes=duration,
                                     offers=[reg.offers[("碳排放核算员", 4)]], rooms=rooms)
    scheduling.batch_transition(actor=reg.officer, batch_id=batch.pk, target=BatchStatus.SCHEDULED)
    scheduling.allocate(actor=reg.officer, session_id=session.pk, seed=7)
    scheduling.issue_tickets(actor=reg.officer, batch_id=batch.pk)
    chief = user_with_role(Role.CHIEF_EXAMINER, venue, username="chief", full_name="王主考")
    proctors = [user_with_role(Role.PROCTOR, venue, username=f"proctor{i}", full_name=f"监考{i}") for i in (1, 2)]
    inspector = user_with_role(Role.INSPECTOR, venue, username="inspector", full_name="赵巡考")
    staffing.staff_assign(actor=reg.officer, session_id=session.pk, user=chief, role=StaffRole.CHIEF, venue=venue)
    for p in proctors:
        staffing.staff_assign(actor=reg.officer, session_id=session.pk, user=p, role=StaffRole.PROCTOR, venue=venue,
                              room=room)
    staffing.staff_assign(actor=reg.officer, session_id=session.pk, user=inspector, role=StaffRole.INSPECTOR,
                          venue=venue)
    paper = papers.paper_assemble(actor=manager, session_id=session.pk, bank_id=bank.pk, plan=dict(plan or PLAN))
    papers.paper_review(actor=paper_reviewer(world.body), paper_id=paper.pk)
    papers.paper_lock(actor=manager, paper_id=paper.pk)
    paper = papers.paper_seal(actor=manager, paper_id=paper.pk)
    for r in rooms:
        staffing.room_sign_off(actor=chief, session_id=session.pk, room_id=r.pk,
                               items=dict.fromkeys(ROOM_SIGNOFF_ITEMS, True))
    now = timezone.now()
    ExamSession.objects.filter(pk=session.pk).update(starts_at=now - dt.timedelta(minutes=starts_ago_minutes),
                                                     ends_at=now + dt.timedelta(hours=3))
    session.refresh_from_db()
    # the rooms prepared (准备考场) unless the test is about that step
    sittings = delivery.sittings_ensure(actor=reg.officer, session=session) if prepared else []
    sitting = sittings[0] if sittings else None
    attempts = [] if sitting is None else list(
        sitting.attempts.select_related("ticket", "application").order_by("assignment__seat__number"))
    return ExamDay(reg.officer, chief, proctors, inspector, session, paper, sitting, attempts, sittings)


@pytest.fixture
def day(db) -> ExamDay:
    return make_exam_day()


def checked_in(day: ExamDay, *attempts: Attempt) -> None:
    for a in attempts or day.attempts:
        delivery.check_in(actor=day.proctors[0], sitting_id=day.sitting.pk, ticket=a.ticket.number)


def started(day: ExamDay, now: dt.datetime | None = None) -> RoomSitting:
    """Everyone checked in and the room started by the chief (who releases the sealed paper)."""
    checked_in(day)
    return delivery.room_start(actor=day.chief, sitting_id=day.sitting.pk, now=now)


def login(a: Attempt, code: str) -> str:
    token, _ = delivery.attempt_login(ticket_number=a.ticket.number, id_number=a.application.id_number,
                                      room_code=code)
    return token
