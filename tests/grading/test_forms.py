"""The grading pages' forms refuse bad input before any service runs (issue #21 item 1): a score that is not a
number or out of its bounds, a tolerance or ceiling out of range, an id that is not one of the page's objects —
each answered by a message naming the field, in Chinese, with nothing written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from skillcert.accounts.enums import Role
from skillcert.grading import practical, review, services
from skillcert.grading.models import (
    Mark,
    MarkingTask,
    PracticalEvent,
    RecheckRequest,
    RecheckStatus,
    ResultChange,
    ReviewSheet,
    ScoreDecision,
    SimilarityScreening,
)
from tests.factories import user_with_role

from .conftest import make_practical_day, published_batch, review_day, sat_with_short_answers

pytestmark = pytest.mark.django_db

FAR = str(2**31 - 1)  # an id nobody's object has


def _said(client, url, data) -> str:
    """POST ``data`` and return the messages shown after the redirect."""
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    return " ".join(str(m) for m in response.context["messages"])


def test_marking_refuses_bad_points_a_wrong_tolerance_and_another_bodys_leader(client):
    day, m1, m2, leader = sat_with_short_answers()
    run = services.score_session(actor=day.officer, session_id=day.session.pk, paper_id=day.paper.pk)
    client.force_login(day.officer)
    screen = reverse("console:grading_action", args=[run.pk, "screen"])
    for alpha in ("0.5", "x", "NaN", "0"):
        assert "误报率上限" in _said(client, screen, {"alpha": alpha})
    assert not SimilarityScreening.objects.exists()
    mark = reverse("console:grading_action", args=[run.pk, "mark"])
    good = {"markers": [m1.pk, m2.pk], "leader": leader.pk, "tolerance": "20"}
    for tolerance in ("80", "-5", "x", "1e400"):
        assert "误差允许值" in _said(client, mark, good | {"tolerance": tolerance})
    elsewhere = user_with_role(Role.EXAMINER_LEADER, None, username="leader_elsewhere")
    assert "阅卷组长" in _said(client, mark, good | {"leader": elsewhere.pk})
    assert "阅卷组长" in _said(client, mark, good | {"leader": ""})
    assert "阅卷人" in _said(client, mark, good | {"markers": [m1.pk, FAR]})
    assert not MarkingTask.objects.exists()
    assert "已开始阅卷" in _said(client, mark, good)
    task = MarkingTask.objects.get()
    client.force_login(m1)
    url = reverse("console:marking_task", args=[task.pk])
    script = services.next_script(m1, task)
    for points in ("abc", str(task.points + 1), "-1", "7.3", "NaN", "1e400", ""):
        assert "分数" in _said(client, url, {"code": script.code, "points": points}), points
    assert not Mark.objects.exists()
    assert "已评分" in _said(client, url, {"code": script.code, "points": "7.5"})
    assert Mark.objects.get().points == 7.5


def test_review_scores_are_bounded_and_name_a_candidate_of_the_room(client):
    officer, session, room, examiners, leader, apps = review_day()
    panel = review.review_panel_form(actor=officer, session_id=session.pk, room_id=room.pk, examiners=examiners,
                                     leader=leader)
    client.force_login(examiners[0])
    url = reverse("console:review_panel", args=[panel.pk])
    good = {"application": apps[0], "defence": "80", "performance": "70"}
    assert "答辩成绩" in _said(client, url, good | {"defence": "101"})
    assert "答辩成绩" in _said(client, url, good | {"defence": "x"})
    assert "业绩评价成绩" in _said(client, url, good | {"performance": "-1"})
    assert "业绩评价成绩" in _said(client, url, good | {"performance": "70.123"})
    assert "该考生不在本考场" in _said(client, url, good | {"application": FAR})
    assert "该考生不在本考场" in _said(client, url, good | {"application": "x"})
    assert not ReviewSheet.objects.exists()
    assert "评分已提交" in _said(client, url, good)
    assert ReviewSheet.objects.count() == 1


def test_result_corrections_and_recheck_answers_take_a_score_on_100_points(client):
    day, batch = published_batch()
    result = batch.results.order_by("pk").first()
    candidate = result.application.candidate
    client.force_login(candidate)  # the candidate's own request goes through a form too (portal)
    asked = reverse("portal:result_recheck", args=[result.application_id])
    assert "该科目没有可以复核的成绩" in _said(client, asked, {"part": "bogus", "reason": "请核对"})
    assert "申请复核的理由" in _said(client, asked, {"part": "theory", "reason": ""})
    assert not RecheckRequest.objects.exists()
    assert "成绩复核申请已提交" in _said(client, asked, {"part": "theory", "reason": "请核对"})
    recheck = RecheckRequest.objects.get()
    url = reverse("console:results_page", args=[batch.pk])
    client.force_login(day.officer)
    change = {"action": "change", "result": result.pk, "part": "theory", "new": "80", "reason": "漏评"}
    assert "更正后的分数" in _said(client, url, change | {"new": "150"})
    assert "更正后的分数" in _said(client, url, change | {"new": "NaN"})
    assert "该成绩不在本批次" in _said(client, url, change | {"result": FAR})
    assert "科目无效" in _said(client, url, change | {"part": "bogus"})
    assert not ResultChange.objects.exists()
    answer = {"action": "recheck", "recheck": recheck.pk, "outcome": "corrected", "response": "第 3 题漏评"}
    assert "请填写更正后的分数" in _said(client, url, answer)
    assert "更正后的分数" in _said(client, url, answer | {"new": "-3"})
    assert "该复核申请不在本批次" in _said(client, url, answer | {"recheck": FAR, "new": "80"})
    recheck.refresh_from_db()
    assert recheck.status == RecheckStatus.PENDING and not ResultChange.objects.exists()
    decide = {"action": "decide", "application": FAR, "part": "practical", "kind": "void", "reason": "违纪"}
    assert "该考生不在本批次" in _said(client, url, decide)
    assert "处理方式无效" in _said(client, url, decide | {"application": result.application_id, "kind": "x"})
    assert ScoreDecision.objects.filter(kind="void").count() == 0
    assert "该更正申请不在本批次" in _said(client, url, {"action": "approve", "change": "x"})
    assert client.post(url, {"action": "bogus"}).status_code == 404
    assert "已提出更正" not in _said(client, url, answer | {"new": "80"})  # accepted: the correction awaits approval
    recheck.refresh_from_db()
    assert recheck.status == RecheckStatus.CORRECTED and RecheckRequest.objects.get().change.new == 80


def test_the_practical_room_record_takes_minutes_from_1_to_60_and_a_seat_of_the_room(client):
    officer, s, examiners, leader, _apps, _world = make_practical_day()
    panel = practical.panel_form(actor=officer, session_id=s.practical.pk, room_id=s.prac_room.pk,
                                 examiners=examiners, leader=leader)
    client.force_login(officer)
    url = reverse("console:panel_detail", args=[panel.pk])
    delay = {"action": "record", "kind": "delay", "minutes": "8", "note": "工位电源跳闸"}
    for minutes in ("x", "0", "90", "1e400"):
        assert "顺延时间" in _said(client, url, delay | {"minutes": minutes})
    assert "该工位不在本考场" in _said(client, url, delay | {"seat": FAR})
    assert "记录类别" in _said(client, url, delay | {"kind": "bogus"})
    assert "本考场没有该准考证号的考生" in _said(client, url, {"action": "collect", "ticket": "nobody"})
    assert not PracticalEvent.objects.exists() and not panel.pieces.exists()
    assert "已记入考场记录" in _said(client, url, delay)
    assert PracticalEvent.objects.get().minutes == 8
    create = reverse("console:panel_create", args=[s.practical.pk, s.prac_room.pk])
    form = {"examiners": [u.pk for u in examiners], "leader": leader.pk, "rule": "mean", "spread_limit": "x"}
    assert "评分差异提示阈值" in _said(client, create, form)
    assert "成绩计算规则无效" in _said(client, create, form | {"spread_limit": "10", "rule": "bogus"})
