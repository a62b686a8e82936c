"""成绩复核申请: after publication a candidate may ask, within the window the publisher set, for one part of their
result to be checked again, once per part; the office answers (the score stands, or a correction is requested,
applied only when a second person approves); every step is audited and the candidate is told."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from skillcert.accounts.enums import Role
from skillcert.core.errors import ValidationError
from skillcert.core.models import AuditEntry, Notification
from skillcert.grading import results
from skillcert.grading.models import Part, RecheckRequest, RecheckStatus, Result, ResultRelease
from tests.factories import user_with_role

from .conftest import published_batch

pytestmark = pytest.mark.django_db


def _published(days: int = 10):
    day, batch = published_batch(days)
    admin = user_with_role(Role.BODY_ADMIN, batch.announcement.body, username="publisher2")
    with pytest.raises(ValidationError):
        results.results_publish(actor=admin, batch_id=batch.pk, recheck_days=0)
    return day, batch


def test_a_candidate_asks_once_per_part_within_the_window(client):
    _day, batch = _published(days=10)
    release = ResultRelease.objects.get(batch=batch)
    assert dt.timedelta(days=9, hours=23) < release.recheck_until - timezone.now() <= dt.timedelta(days=10)
    mine = Result.objects.filter(batch=batch).select_related("application__candidate").first()
    candidate = mine.application.candidate
    other = Result.objects.exclude(pk=mine.pk).filter(batch=batch).first()
    with pytest.raises(PermissionDenied):
        results.recheck_request(actor=candidate, result_id=other.pk, part=Part.THEORY, reason="不是我的")
    with pytest.raises(ValidationError) as exc:
        results.recheck_request(actor=candidate, result_id=mine.pk, part=Part.THEORY, reason="  ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        results.recheck_request(actor=candidate, result_id=mine.pk, part=Part.REVIEW, reason="不需要综合评审")

    client.force_login(candidate)
    page = reverse("portal:application_detail", args=[mine.application_id])
    assert 'id="recheck-form"' in client.get(page).content.decode()
    client.post(reverse("portal:result_recheck", args=[mine.application_id]),
                {"part": "theory", "reason": "主观题得分偏低，请核对"})
    assert RecheckRequest.objects.filter(result=mine, part=Part.THEORY, status=RecheckStatus.PENDING).exists()
    with pytest.raises(ValidationError, match="已申请过"):
        results.recheck_request(actor=candidate, result_id=mine.pk, part=Part.THEORY, reason="再查一次")
    body = client.get(page).content.decode()
    assert "主观题得分偏低" in body and '<option value="theory"' not in body

    ResultRelease.objects.filter(batch=batch).update(recheck_until=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError, match="期限"):
        results.recheck_request(actor=candidate, result_id=mine.pk, part=Part.PRACTICAL, reason="过期")
    assert 'id="recheck-form"' not in client.get(page).content.decode()
    assert "已于" in client.get(page).content.decode()


def test_the_office_answers_and_a_correction_needs_a_second_person(client):
    day, batch = _published()
    first, second = Result.objects.filter(batch=batch).select_related("application__candidate")[:2]
    upheld = results.recheck_request(actor=first.application.candidate, result_id=first.pk, part=Part.THEORY,
                                     reason="请核对")
    corrected = results.recheck_request(actor=second.application.candidate, result_id=second.pk,
                                        part=Part.THEORY, reason="第 3 题漏评")
    with pytest.raises(PermissionDenied):
        results.recheck_handle(actor=day.chief, recheck_id=upheld.pk, outcome="upheld", response="无误")
    with pytest.raises(ValidationError) as exc:
        results.recheck_handle(actor=day.officer, recheck_id=upheld.pk, outcome="upheld", response="")
    assert "response" in exc.value.message_dict
    results.recheck_handle(actor=day.officer, recheck_id=upheld.pk, outcome="upheld",
                           response="经核对原始答卷和评分记录，成绩无误。")
    assert Notification.objects.filter(user=first.application.candidate, subject="成绩复核申请已答复").exists()
    with pytest.raises(ValidationError, match="已答复"):
        results.recheck_handle(actor=day.officer, recheck_id=upheld.pk, outcome="upheld", response="again")

    url = reverse("console:results_page", args=[batch.pk])
    client.force_login(day.officer)
    assert "第 3 题漏评" in client.get(url).content.decode()
    client.post(url, {"action": "recheck", "recheck": corrected.pk, "outcome": "corrected", "new": "80",
                      "response": "第 3 题漏评，已更正。"})
    corrected.refresh_from_db()
    assert corrected.status == RecheckStatus.CORRECTED and corrected.change.new == Decimal(80)
    second.refresh_from_db()
    assert second.theory != Decimal(80)  # not until another person approves
    with pytest.raises(PermissionDenied):
        results.change_decide(actor=day.officer, change_id=corrected.change_id, approve=True)
    approver = user_with_role(Role.EXAM_AFFAIRS, batch.announcement.body, username="approver")
    results.change_decide(actor=approver, change_id=corrected.change_id, approve=True)
    second.refresh_from_db()
    assert second.theory == Decimal(80)
    assert Notification.objects.filter(user=second.application.candidate, subject="成绩已更正").exists()
    client.force_login(second.application.candidate)
    assert "80" in client.get(reverse("portal:application_detail", args=[second.application_id])).content.decode()
    assert {e.action for e in AuditEntry.objects.filter(action__startswith="grading.recheck")} == {
        "grading.recheck.requested", "grading.recheck.handled"}
