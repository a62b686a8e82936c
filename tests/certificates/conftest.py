"""Certificate fixtures: a published batch with passing results, and its certificates issued.

Built through the services only: four candidates sit a computer-based theory paper, three answer every item as the
opened key says and one hands in a blank paper; their practical is sat in a second batch, scored by a panel of
examiners on the sheets and unsealed before two witnesses, and that batch's results confirmed — so the first batch's
results combine both parts (§6.5.1). The body is placed under its supervising authority by the platform admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from skillcert.accounts import services as accounts_services
from skillcert.accounts.enums import OrgKind, Role
from skillcert.accounts.models import User
from skillcert.grading.models import Result
from tests.factories import paper_reviewer, user_with_role

OBJECTIVE_PLAN = {"forms": 2, "length": 11, "types": {"single": 5, "multiple": 2, "judge": 3, "fill": 1},
                  "points": {"single": "8", "multiple": "10", "judge": "6", "fill": "22"}, "elements": [],
                  "difficulty_bands": [], "mean_difficulty": {"min": 0, "max": 1}, "exclude_recent": 0,
                  "time_limit": 10, "seed": 3}


@pytest.fixture
def passed():
    return passed_batch()


def _right(item: dict, key: str):
    if item["type"] == "multiple":
        return sorted(key)
    if item["type"] == "fill":
        return key.split("|")[0]
    return key


def _sit_theory(day, right: int) -> None:
    """Everyone in; the first ``right`` candidates answer every item as the opened key says, the others hand in a
    blank paper; the room closes when its clock runs out."""
    from skillcert.delivery import services as delivery
    from skillcert.papers import services as papers
    from tests.delivery.conftest import login, started

    started(day)
    day.sitting.refresh_from_db()
    day.paper.refresh_from_db()  # released by the chief at the start
    opened = papers.open_key_for_grading(actor=day.officer, paper=day.paper)
    key = {f["form"]: {it["position"]: it for it in f["items"]} for f in opened["forms"]}
    for n, a in enumerate(day.attempts):
        aid = delivery.attempt_for_token(login(a, day.sitting.code))
        items = delivery.attempt_paper(attempt_id=aid)
        a.refresh_from_db(fields=["form_number"])
        if n < right:
            saves = [{"seq": i, "position": it["position"],
                      "value": _right(it, key[a.form_number][it["position"]]["answer"])}
                     for i, it in enumerate(items, start=1)]
            delivery.answers_save(attempt_id=aid, saves=saves)
        delivery.attempt_submit(attempt_id=aid)
    delivery.tick(now=day.sitting.started_at + dt.timedelta(minutes=day.session.duration_minutes + 1),
                  sitting_id=day.sitting.pk)


def _practical_elsewhere(day, application_ids: list[int]):
    """A second batch with the practical of the same offer: the candidates seated and ticketed, the bank's practical
    paper sealed and released at the start, a panel of two examiners and a leader scoring every piece on the sheets
    (full marks), the code map opened before two witnesses, the results compiled and confirmed by the chief."""
    from skillcert.grading import practical, results
    from skillcert.itembank.models import Bank
    from skillcert.papers import services as papers
    from skillcert.scheduling import services as scheduling
    from skillcert.scheduling import staffing
    from skillcert.scheduling.enums import PRACTICAL_CHECKS, BatchStatus, StaffRole
    from skillcert.scheduling.models import ExamSession
    from tests.grading.conftest import PRACTICAL_PLAN, sessions_over
    from tests.papers.conftest import fill_bank
    from tests.scheduling.conftest import at

    officer, announcement = day.officer, day.session.batch.announcement
    venue, body = day.sitting.room.venue, announcement.body
    bank = Bank.objects.get(pk=day.paper.bank_id)
    fill_bank(bank, User.objects.get(username="item_writer"), 0, 6, seed=9)
    room = scheduling.room_save(actor=officer, venue=venue, name="实操室", kind="practical", capacity=6, columns=3,
                                checks=dict.fromkeys(PRACTICAL_CHECKS, True), safety_officer="安全员甲",
                                workstations=[f"W{i:02d}" for i in range(1, 7)])
    batch = scheduling.batch_create(actor=officer, announcement=announcement, name="2026年第二批（实际操作）")
    offer = day.attempts[0].application.offer
    session = scheduling.session_add(actor=officer, batch_id=batch.pk, kind="practical", starts_at=at(12, 14),
                                     ends_at=at(12, 17), duration_minutes=120, offers=[offer], rooms=[room])
    scheduling.batch_transition(actor=officer, batch_id=batch.pk, target=BatchStatus.SCHEDULED)
    scheduling.allocate(actor=officer, session_id=session.pk, seed=7)
    scheduling.issue_tickets(actor=officer, batch_id=batch.pk)
    staffing.staff_assign(actor=officer, session_id=session.pk, user=day.chief, role=StaffRole.CHIEF, venue=venue)
    manager = User.objects.get(username="bank_manager")
    paper = papers.paper_assemble(actor=manager, session_id=session.pk, bank_id=bank.pk, plan=dict(PRACTICAL_PLAN))
    papers.paper_review(actor=paper_reviewer(body), paper_id=paper.pk)  # not the assembler (§6.3.2.3)
    for step in (papers.paper_lock, papers.paper_seal):
        step(actor=manager, paper_id=paper.pk)
    # Time passes (there is no clock service): the practical starts, its paper is released at the start.
    ExamSession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=5))
    papers.paper_release(actor=officer, paper_id=paper.pk)
    examiners = [user_with_role(Role.EXAMINER, venue, username=f"cert_ex{i}", full_name=f"考评{i}") for i in (1, 2)]
    leader = user_with_role(Role.EXAMINER_LEADER, body, username="cert_ex_leader", full_name="考评组长")
    panel = practical.panel_form(actor=officer, session_id=session.pk, room_id=room.pk, examiners=examiners,
                                 leader=leader)
    pieces = [practical.piece_collect(actor=officer, panel_id=panel.pk, application_id=a) for a in application_ids]
    full = [c["max"] for c in practical.sheet_criteria(officer, panel)]
    for piece in pieces:
        for who in (*examiners, leader):
            practical.sheet_submit(actor=who, panel_id=panel.pk, code=piece.code, given=full)
    witness = user_with_role(Role.EXAM_AFFAIRS, body, username="cert_witness", full_name="见证人")
    practical.unseal_request(actor=officer, panel_id=panel.pk, witnesses=[witness, leader])
    for who in (witness, leader):
        practical.unseal_confirm(actor=who, panel_id=panel.pk)
    sessions_over(batch)
    results.results_compile(actor=officer, batch_id=batch.pk)
    results.results_confirm(actor=day.chief, batch_id=batch.pk)
    return batch


def passed_batch():
    """A published batch where three of four candidates passed (theory answered right here, practical scored in
    another batch); a quality supervisor of the body's supervising authority; the body's admin.
    Returns (day, batch, results in application order, supervisor, admin)."""
    from skillcert.grading import results as grading_results
    from skillcert.grading import services as grading
    from tests.delivery.conftest import make_exam_day

    day = make_exam_day(4, plan=dict(OBJECTIVE_PLAN), theory_items=60)
    batch = day.session.batch
    _sit_theory(day, right=3)
    grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    _practical_elsewhere(day, [a.application_id for a in day.attempts])
    grading_results.results_compile(actor=day.officer, batch_id=batch.pk)
    grading_results.results_confirm(actor=day.chief, batch_id=batch.pk)
    body = batch.announcement.body
    admin = user_with_role(Role.BODY_ADMIN, body, username="body_admin_cert")
    grading_results.results_publish(actor=admin, batch_id=batch.pk)
    padmin = User.objects.get(username="padmin")
    authority = accounts_services.organisation_create(actor=padmin, kind=OrgKind.AUTHORITY, name="主管部门",
                                                    region_code="370200")
    accounts_services.organisation_update(actor=padmin, organisation_id=body.pk, parent=authority)
    supervisor = user_with_role(Role.QUALITY_SUPERVISOR, authority, username="qs_cert")
    ready_to_print(batch, admin)
    # The three who answered right come first: results in the order the candidates sat.
    order = {a.application_id: i for i, a in enumerate(day.attempts)}
    results = sorted(Result.objects.filter(batch=batch).select_related("application__offer"),
                     key=lambda r: order[r.application_id])
    assert [r.passed for r in results] == [True, True, True, False], [(r.theory, r.practical) for r in results]
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
