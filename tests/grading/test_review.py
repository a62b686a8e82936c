"""Comprehensive review for 技师 and 高级技师 (§6.5.1 综合评审): a panel of at least three examiners scores each
candidate's defence (答辩) and performance evaluation (业绩评价) on 100 points; sheets lock on submission; the
means go into the result and the level's pass rule decides."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from skillcert.accounts.enums import Role
from skillcert.catalog.models import Level
from skillcert.core.errors import ValidationError
from skillcert.core.models import AuditEntry
from skillcert.grading import results, review
from skillcert.grading.models import PartState, PassRule, Result
from skillcert.scheduling.enums import SessionKind
from tests.factories import user_with_role

from .conftest import review_day, sessions_over

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return review_day()


def test_a_review_panel_needs_three_of_the_bodys_examiners_and_a_review_session(day):
    officer, session, room, examiners, leader, _apps = day
    with pytest.raises(ValidationError, match="至少由 3 名"):
        review.review_panel_form(actor=officer, session_id=session.pk, room_id=room.pk, examiners=examiners[:1],
                                 leader=leader)
    outsider = user_with_role(Role.EXAMINER, None, username="elsewhere")
    with pytest.raises(ValidationError, match="不是本机构的考评员"):
        review.review_panel_form(actor=officer, session_id=session.pk, room_id=room.pk,
                                 examiners=[*examiners, outsider], leader=leader)
    with pytest.raises(PermissionDenied):
        review.review_panel_form(actor=examiners[0], session_id=session.pk, room_id=room.pk, examiners=examiners,
                                 leader=leader)
    practical = session.batch.sessions.get(kind=SessionKind.PRACTICAL)
    with pytest.raises(ValidationError, match="只有综合评审场次"):
        review.review_panel_form(actor=officer, session_id=practical.pk, room_id=room.pk, examiners=examiners,
                                 leader=leader)
    panel = review.review_panel_form(actor=officer, session_id=session.pk, room_id=room.pk, examiners=examiners,
                                     leader=leader)
    assert panel.examiners.count() == 3
    assert AuditEntry.objects.filter(action="grading.review_panel.formed").count() == 1
    with pytest.raises(ValidationError, match="已组建"):
        review.review_panel_form(actor=officer, session_id=session.pk, room_id=room.pk, examiners=examiners,
                                 leader=leader)


def test_sheets_lock_on_submission_and_the_means_decide_once_everyone_scored(day):
    officer, session, room, examiners, leader, apps = day
    panel = review.review_panel_form(actor=officer, session_id=session.pk, room_id=room.pk, examiners=examiners,
                                     leader=leader)
    scorers = [*examiners, leader]
    with pytest.raises(ValidationError, match="0 到 100"):
        review.review_submit(actor=leader, panel_id=panel.pk, application_id=apps[0], defence="101", performance="70")
    with pytest.raises(ValidationError) as exc:
        review.review_submit(actor=leader, panel_id=panel.pk, application_id=apps[0], defence="", performance="70")
    assert "defence" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        review.review_submit(actor=officer, panel_id=panel.pk, application_id=apps[0], defence="80", performance="70")
    # apps[0]: 80/70/75 defence, 70/70/58 performance → means 75.00 and 66.00 → passes (each ≥ 60)
    # apps[1]: defence 90, performance 50/55/59 → mean 54.67 → the review fails
    for u, d0, p0, p1 in zip(scorers, ("80", "70", "75"), ("70", "70", "58"), ("50", "55", "59"), strict=True):
        review.review_submit(actor=u, panel_id=panel.pk, application_id=apps[0], defence=d0, performance=p0)
        review.review_submit(actor=u, panel_id=panel.pk, application_id=apps[1], defence="90", performance=p1)
    review.review_submit(actor=leader, panel_id=panel.pk, application_id=apps[2], defence="90", performance="90")
    with pytest.raises(ValidationError, match="不能修改"):
        review.review_submit(actor=leader, panel_id=panel.pk, application_id=apps[0], defence="99", performance="99")
    scores = review.review_scores(session.batch)
    assert scores[apps[0]] == (Decimal("75.00"), Decimal("66.00"), 3, 3)
    assert scores[apps[1]][:2] == (Decimal("90.00"), Decimal("54.67"))
    assert scores[apps[2]] == (None, None, 1, 3) and scores[apps[3]] == (None, None, 0, 3)
    assert AuditEntry.objects.filter(action="grading.review.scored").count() == 7

    sessions_over(session.batch)
    compiled = {r.application_id: r for r in results.results_compile(actor=officer, batch_id=session.batch_id)}
    first, second = compiled[apps[0]], compiled[apps[1]]
    assert (first.defence, first.performance, first.review, first.review_state) == (
        Decimal("75.00"), Decimal("66.00"), Decimal("70.50"), PartState.SCORED)
    assert second.review_state == PartState.SCORED and second.performance == Decimal("54.67")
    assert compiled[apps[2]].review_state == PartState.PENDING
    assert "综合评审评分未完成（1/3）" in compiled[apps[2]].anomalies
    # Theory and practical are not scored in this fixture: nobody's verdict is decided yet.
    assert all(r.passed is None for r in compiled.values())
    level = Level.objects.get(number=2)
    parts = {"theory": (Decimal(60), PartState.SCORED), "practical": (Decimal(60), PartState.SCORED),
             "review": (second.review, second.review_state)}
    assert results.verdict(level, parts, second.defence, second.performance) is False
    PassRule.objects.create(level=level, review_mode="weighted")
    assert results.verdict(level, parts, second.defence, second.performance) is True  # 72.34 ≥ 60

    # Confirmed through the services: theory and practical voided (表B.2) decide every verdict; the chief confirms.
    from skillcert.scheduling import staffing
    from skillcert.scheduling.enums import StaffRole

    chief = user_with_role(Role.CHIEF_EXAMINER, room.venue, username="rv_chief", full_name="评审主考")
    staffing.staff_assign(actor=officer, session_id=session.pk, user=chief, role=StaffRole.CHIEF, venue=room.venue)
    for a in apps:
        for part in ("theory", "practical"):
            results.score_decide(actor=officer, batch_id=session.batch_id, application_id=a, part=part, kind="void",
                                 reason="表B.2")
    results.results_compile(actor=officer, batch_id=session.batch_id)
    assert results.results_confirm(actor=chief, batch_id=session.batch_id) == len(apps)
    assert not Result.objects.filter(batch=session.batch, status="draft").exists()
    with pytest.raises(ValidationError, match="已确认"):
        review.review_submit(actor=examiners[0], panel_id=panel.pk, application_id=apps[2], defence="80",
                             performance="80")


def test_the_pages_form_a_panel_and_take_each_examiners_scores(client, day):
    from django.urls import reverse

    officer, session, room, examiners, leader, apps = day
    client.force_login(officer)
    page = client.get(reverse("console:review_list")).content.decode()
    assert "组建评审小组" in page
    client.post(reverse("console:review_panel_create", args=[session.pk, room.pk]),
                {"examiners": [u.pk for u in examiners], "leader": leader.pk})
    panel = session.review_panels.get()
    url = reverse("console:review_panel", args=[panel.pk])
    for u in [*examiners, leader]:
        client.force_login(u)
        assert 'name="defence"' in client.get(url).content.decode()
        client.post(url, {"application": apps[0], "defence": "80", "performance": "70", "note": "答辩思路清晰"})
    assert panel.sheets.count() == 3
    assert "答辩 80.00 · 业绩评价 70.00（已提交）" in client.get(url).content.decode()
    client.force_login(officer)
    assert client.post(url, {"application": apps[1], "defence": "80", "performance": "70"}).status_code == 403
    body = client.get(url).content.decode()
    assert "3/3" in body and "80.00" in body
