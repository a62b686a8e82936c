"""The exam API while a room is paused (表B.2; issue #20 item 9): a save or a submission answers 423 with the
machine-readable code "paused" and writes nothing; GET /status says paused with the time left standing still;
after the proctor's resume the held save is accepted and the submission goes through."""

from __future__ import annotations

import pytest
from django.test import Client

from skillcert.delivery.models import Answer, Attempt

from .conftest import checked_in
from .test_api import candidate_login, get, post

pytestmark = pytest.mark.django_db


def test_save_and_submit_during_a_pause_answer_423_paused_and_write_nothing(day):
    checked_in(day, day.attempts[0])
    cand, chief = Client(), Client()
    chief.force_login(day.chief)
    token = candidate_login(cand, day, day.attempts[0])["token"]
    assert post(chief, f"/rooms/{day.sitting.pk}/start").status_code == 200
    item = next(i for i in get(cand, "/paper", token).json()["items"] if i["type"] == "fill")
    ok = post(cand, "/answers", {"saves": [{"seq": 1, "position": item["position"], "value": "暂停前"}]}, token)
    assert ok.status_code == 200 and ok.json() == {"acked": [1]}
    running = get(cand, "/status", token).json()
    assert running["paused"] is False and running["room_state"] == "running" and running["remaining_ms"] > 0

    proctor = Client()
    proctor.force_login(day.proctors[0])
    assert post(proctor, f"/rooms/{day.sitting.pk}/pause", {"reason": "停电"}).status_code == 200
    held = {"saves": [{"seq": 2, "position": item["position"], "value": "暂停后"}]}
    r = post(cand, "/answers", held, token)
    assert r.status_code == 423 and r.json()["code"] == "paused" and "暂停" in r.json()["detail"]
    assert list(Answer.objects.filter(attempt_id=day.attempts[0].pk).values_list("value", "seq")) == [("暂停前", 1)]
    r = post(cand, "/submit", token=token)
    assert r.status_code == 423 and r.json()["code"] == "paused"
    assert Attempt.objects.get(pk=day.attempts[0].pk).status == "answering"
    first, second = get(cand, "/status", token).json(), get(cand, "/status", token).json()
    assert first["paused"] is True and first["room_state"] == "paused"
    assert first["remaining_ms"] == second["remaining_ms"]  # the clock stands still
    assert get(cand, "/status", "not-a-token").status_code == 401 and get(cand, "/status").status_code == 401

    assert post(proctor, f"/rooms/{day.sitting.pk}/resume").status_code == 200
    resumed = get(cand, "/status", token).json()
    assert resumed["paused"] is False and 0 <= resumed["remaining_ms"] - first["remaining_ms"] < 1000
    assert post(cand, "/answers", held, token).json() == {"acked": [2]}
    assert Answer.objects.get(attempt_id=day.attempts[0].pk).value == "暂停后"
    assert post(cand, "/submit", token=token).json()["status"] == "submitted"
    assert get(cand, "/status", token).status_code == 401  # the log-in ended with the submission


def test_other_refusals_carry_their_code_too(day):
    """The class, not the instance: every domain refusal of the exam API names its code (here a log-in ended by
    an authorised change of computer)."""
    from skillcert.delivery import services

    checked_in(day, day.attempts[0])
    cand = Client()
    old = candidate_login(cand, day, day.attempts[0])["token"]
    services.relogin_authorise(actor=day.proctors[0], attempt_id=day.attempts[0].pk, reason="计算机故障")
    candidate_login(Client(), day, day.attempts[0])
    for r in (post(cand, "/answers", {"saves": []}, old), get(cand, "/status", old)):
        assert r.status_code == 401 and r.json()["code"] == "not_logged_in"
