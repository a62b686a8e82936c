"""Blind double marking of subjective items (§6.3.3 阅卷): two markers, a tolerance, the leader's third marking,
and markers never see who wrote a script (pages and HTML source)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from skillcert.accounts.enums import Role
from skillcert.core.errors import ValidationError
from skillcert.core.models import AuditEntry
from skillcert.grading import services as grading
from skillcert.grading.models import MarkingTask, Script, ScriptStatus, TaskStatus
from tests.factories import user_with_role

from .conftest import TEXTS, sat_with_short_answers

pytestmark = pytest.mark.django_db

@pytest.fixture
def marking():
    day, m1, m2, leader = sat_with_short_answers()
    run = grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    return day, run, m1, m2, leader


def _open(marking):
    day, run, m1, m2, leader = marking
    (task,) = grading.marking_open(actor=day.officer, run_id=run.pk, markers=[m1, m2], leader=leader)
    return task


def test_opening_makes_one_coded_script_per_candidate_and_scores_blanks_zero(marking):
    task = _open(marking)
    assert task.item_type == "short" and task.tolerance == Decimal("2.5")  # 12 points × 20 %, in half points
    scripts = list(task.scripts.all())
    assert len(scripts) == 4 and len({s.code for s in scripts}) == 4
    blank = [s for s in scripts if s.status == ScriptStatus.FINAL]
    assert len(blank) == 1 and blank[0].final == 0 and blank[0].rule == "blank"
    assert AuditEntry.objects.filter(action="grading.marking.opened").count() == 1


def test_a_task_every_candidate_left_blank_is_done_at_opening():
    """Nothing to mark: the task does not stay 阅卷中 waiting for a mark that cannot be recorded."""
    day, m1, m2, leader = sat_with_short_answers(["", ""])
    run = grading.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    (task,) = grading.marking_open(actor=day.officer, run_id=run.pk, markers=[m1, m2], leader=leader)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert list(task.scripts.values_list("status", "rule")) == [(ScriptStatus.FINAL, "blank")] * 2
    with pytest.raises(ValidationError, match="已定分"):
        grading.mark_record(actor=m1, task_id=task.pk, code=task.scripts.first().code, points="1")


def test_a_task_with_scripts_to_mark_stays_open(marking):
    task = _open(marking)
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_opening_needs_two_markers_and_a_separate_leader(marking):
    day, run, m1, m2, leader = marking
    for markers, lead, msg in [([m1], leader, "两名"), ([m1, m2], m1, "考评组长"), ([m1, leader], leader, "仲裁"),
                               ([m1, day.proctors[0]], leader, "不是本机构的考评员")]:
        with pytest.raises(ValidationError, match=msg):
            grading.marking_open(actor=day.officer, run_id=run.pk, markers=markers, leader=lead)
    with pytest.raises(PermissionDenied):
        grading.marking_open(actor=m1, run_id=run.pk, markers=[m1, m2], leader=leader)
    _open(marking)
    with pytest.raises(ValidationError, match="已开始阅卷"):
        grading.marking_open(actor=day.officer, run_id=run.pk, markers=[m1, m2], leader=leader)


def test_within_tolerance_the_mean_beyond_it_the_leader_decides(marking):
    _day, _run, m1, m2, leader = marking
    task = _open(marking)
    a, b, c = task.scripts.filter(status=ScriptStatus.WAITING).order_by("code")
    grading.mark_record(actor=m1, task_id=task.pk, code=a.code, points="8")
    with pytest.raises(ValidationError, match="另一位阅卷人"):
        grading.mark_record(actor=m1, task_id=task.pk, code=a.code, points="8")
    grading.mark_record(actor=m2, task_id=task.pk, code=a.code, points="10.5")  # |8 − 10.5| = 2.5 ≤ 2.5
    a.refresh_from_db()
    assert (a.status, a.final, a.rule) == (ScriptStatus.FINAL, Decimal("9.25"), "mean")
    grading.mark_record(actor=m1, task_id=task.pk, code=b.code, points="2")
    grading.mark_record(actor=m2, task_id=task.pk, code=b.code, points="10")
    b.refresh_from_db()
    assert b.status == ScriptStatus.THIRD and b.final is None
    with pytest.raises(PermissionDenied):
        grading.mark_record(actor=m1, task_id=task.pk, code=b.code, points="6")
    grading.mark_record(actor=leader, task_id=task.pk, code=b.code, points="6")
    b.refresh_from_db()
    assert (b.status, b.final, b.rule) == (ScriptStatus.FINAL, Decimal("6"), "leader")
    with pytest.raises(ValidationError, match="已定分"):
        grading.mark_record(actor=leader, task_id=task.pk, code=b.code, points="7")
    for bad, msg in [("13", "0 到 12"), ("-1", "0 到 12"), ("3.3", "0.5 分"), ("", "请填写分数"), ("NaN", "0 到 12")]:
        with pytest.raises(ValidationError, match=msg):
            grading.mark_record(actor=m1, task_id=task.pk, code=c.code, points=bad)
    with pytest.raises(PermissionDenied):
        grading.mark_record(actor=leader, task_id=task.pk, code=c.code, points="5")  # not a double marker
    grading.mark_record(actor=m2, task_id=task.pk, code=c.code, points="1")
    grading.mark_record(actor=m1, task_id=task.pk, code=c.code, points="0")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert AuditEntry.objects.filter(action="grading.mark.recorded").count() == 7


def test_each_marker_gets_scripts_they_have_not_marked_and_the_leader_the_arbitrations(marking):
    _day, _run, m1, m2, leader = marking
    task = _open(marking)
    first = grading.next_script(m1, task)
    grading.mark_record(actor=m1, task_id=task.pk, code=first.code, points="3")
    assert grading.next_script(m1, task) != first
    assert grading.next_script(m2, task) == first  # the half-marked script first
    assert grading.next_script(leader, task) is None
    grading.mark_record(actor=m2, task_id=task.pk, code=first.code, points="12")
    assert grading.next_script(leader, task) == first


def test_markers_never_see_who_wrote_a_script(client, marking):
    day, _run, m1, _m2, _leader = marking
    task = _open(marking)
    client.force_login(m1)
    pages = [client.get(reverse("console:marking_list")), client.get(reverse("console:marking_task", args=[task.pk]))]
    assert all(p.status_code == 200 for p in pages)
    html = "".join(p.content.decode() for p in pages)
    shown = Script.objects.get(task=task, code=grading.next_script(m1, task).code)
    assert shown.code in html and TEXTS[[a.pk for a in day.attempts].index(shown.attempt_id)] in html
    for a in day.attempts:
        for secret in (a.application.full_name, a.ticket.number, a.application.id_number,
                       f"/attempts/{a.pk}", f'value="{a.pk}"'):
            assert secret not in html, secret
    # and the item's content was opened for marking, audited
    assert AuditEntry.objects.filter(action="papers.document.opened", data__purpose__startswith="marking").exists()


def test_the_marking_page_takes_a_mark_and_moves_on(client, marking):
    day, _run, m1, _m2, _leader = marking
    task = _open(marking)
    client.force_login(m1)
    script = grading.next_script(m1, task)
    r = client.post(reverse("console:marking_task", args=[task.pk]), {"code": script.code, "points": "7"})
    assert r.status_code == 302
    assert script.marks.get().points == 7
    page = client.get(reverse("console:marking_task", args=[task.pk])).content.decode()
    assert script.code not in page  # the next one
    client.force_login(day.proctors[0])
    assert client.get(reverse("console:marking_task", args=[task.pk])).status_code == 403
    other = user_with_role(Role.EXAMINER, day.session.batch.announcement.body, username="marker3")
    client.force_login(other)
    assert client.get(reverse("console:marking_task", args=[task.pk])).status_code == 404
    assert MarkingTask.objects.count() == 1
