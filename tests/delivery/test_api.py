"""The exam API over HTTP: the candidate's scope is their own attempt (bearer token), a proctor's their rooms
(signed-in session); OpenAPI served at a stable URL."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from skillcert.delivery.models import Attempt

from .conftest import checked_in

API = "/api/exam/v1"


def post(client, path, body=None, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(API + path, data=json.dumps(body or {}), content_type="application/json", **headers)


def get(client, path, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(API + path, **headers)


def candidate_login(client, day, a):
    day.sitting.refresh_from_db()
    r = post(client, "/login", {"ticket_number": a.ticket.number, "id_number": a.application.id_number,
                                "room_code": day.sitting.code})
    assert r.status_code == 200, r.content
    return r.json()


@pytest.mark.django_db
def test_openapi_is_served_and_lists_the_operations(client):
    r = client.get(f"{API}/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p in ["/api/exam/v1/login", "/api/exam/v1/answers", "/api/exam/v1/submit", "/api/exam/v1/time",
              "/api/exam/v1/rooms/{sitting_id}/start", "/api/exam/v1/attempts/{attempt_id}/relogin"]:
        assert p in paths
    docs = client.get(f"{API}/docs")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()  # closed networks: no CDN


@pytest.mark.django_db
def test_a_whole_attempt_through_the_api(day):
    proctor, cand = Client(), Client()
    proctor.force_login(day.proctors[0])
    a = day.attempts[0]
    r = post(proctor, f"/rooms/{day.sitting.pk}/check-in", {"ticket": a.ticket.number})
    assert r.status_code == 200 and r.json()["counts"]["checked_in"] == 1
    data = candidate_login(cand, day, a)
    token = data["token"]
    assert data["candidate"]["name"] == a.application.full_name and data["time"]["room_state"] == "waiting"
    assert "****" in data["candidate"]["id_masked"] or "*" in data["candidate"]["id_masked"]
    assert get(cand, "/paper", token).status_code == 400  # not started
    r = post(proctor, f"/rooms/{day.sitting.pk}/start")
    assert r.status_code == 400 and "尚未启封" in r.json()["detail"]  # a proctor cannot release the paper
    chief = Client()
    chief.force_login(day.chief)
    assert post(chief, f"/rooms/{day.sitting.pk}/start").status_code == 200
    paper = get(cand, "/paper", token).json()
    item = next(i for i in paper["items"] if i["type"] == "single")
    assert paper["time"]["remaining_seconds"] > 0
    assert all("answer" not in i and "rubric" not in i for i in paper["items"])
    r = post(cand, "/answers", {"saves": [{"seq": 1, "position": item["position"], "value": item["options"][2]["key"]},
                                         {"seq": 2, "position": item["position"], "value": item["options"][1]["key"]}]},
             token)
    assert r.json() == {"acked": [1, 2]}
    assert get(cand, "/answers", token).json() == {
        "answers": [{"position": item["position"], "value": item["options"][1]["key"], "seq": 2}], "max_seq": 2}
    bad = post(cand, "/answers", {"saves": [{"seq": 3, "position": item["position"], "value": "Z"}]}, token)
    assert bad.status_code == 400 and "选项无效" in bad.json()["detail"]
    room = get(proctor, f"/rooms/{day.sitting.pk}").json()
    row = next(x for x in room["roster"] if x["id"] == a.pk)
    assert row["status"] == "answering" and row["answered"] == 1
    assert post(cand, "/signals", {"kind": "copy_paste", "detail": "paste"}, token).json() == {"kept": True}
    assert post(cand, "/submit", token=token).json()["status"] == "submitted"
    late = post(cand, "/answers", {"saves": [{"seq": 4, "position": item["position"], "value": ""}]}, token)
    assert late.status_code == 401  # the log-in ended with the submission


@pytest.mark.django_db
def test_candidate_scope_is_their_own_attempt(day):
    checked_in(day, *day.attempts[:2])
    c = Client()
    token = candidate_login(c, day, day.attempts[0])["token"]
    assert get(c, "/attempt").status_code == 401
    assert get(c, "/attempt", "not-a-token").status_code == 401
    # The save checks its token inside its own transaction: a wrong or missing one is refused just the same.
    assert post(c, "/answers", {"saves": []}, "not-a-token").status_code == 401
    assert post(c, "/answers", {"saves": []}).status_code == 401
    assert get(c, "/attempt", token).json()["candidate"]["attempt_id"] == day.attempts[0].pk
    # A candidate's token opens nothing of the proctor's.
    assert get(c, f"/rooms/{day.sitting.pk}", token).status_code == 401


@pytest.mark.django_db
def test_proctor_scope_is_their_rooms(day):
    from skillcert.accounts.enums import Role
    from tests.factories import user_with_role

    stranger = user_with_role(Role.PROCTOR, day.sitting.room.venue, username="stranger")
    c = Client()
    c.force_login(stranger)
    assert get(c, f"/rooms/{day.sitting.pk}").status_code == 404
    assert post(c, f"/rooms/{day.sitting.pk}/start").status_code == 404
    assert post(c, f"/attempts/{day.attempts[0].pk}/identity").status_code == 404
    assert get(Client(), f"/rooms/{day.sitting.pk}").status_code == 401
    insp = Client()
    insp.force_login(day.inspector)
    assert get(insp, f"/rooms/{day.sitting.pk}").status_code == 200
    assert post(insp, f"/rooms/{day.sitting.pk}/pause", {"reason": "x"}).status_code == 403
    r = get(insp, f"/sessions/{day.session.pk}/venues/{day.sitting.room.venue_id}")
    assert r.status_code == 200 and r.json()["rooms"][0]["counts"]["not_arrived"] == 4
    assert get(c, f"/sessions/{day.session.pk}/venues/{day.sitting.room.venue_id}").status_code == 404


@pytest.mark.django_db
def test_proctor_api_requires_csrf(day):
    c = Client(enforce_csrf_checks=True)
    c.force_login(day.proctors[0])
    r = post(c, f"/rooms/{day.sitting.pk}/check-in", {"ticket": day.attempts[0].ticket.number})
    assert r.status_code == 403
    assert Attempt.objects.get(pk=day.attempts[0].pk).status == "not_arrived"


@pytest.mark.django_db
def test_validation_errors_name_the_field(day):
    c = Client()
    c.force_login(day.proctors[0])
    r = post(c, f"/rooms/{day.sitting.pk}/compensate", {"minutes": 45, "reason": ""})
    assert r.status_code == 400 and set(r.json()["fields"]) == {"minutes", "reason"}


@pytest.mark.django_db
def test_console_pages_render(day):
    c = Client()
    c.force_login(day.proctors[0])
    r = c.get("/console/exam-day/")
    assert r.status_code == 200 and "第1考场".encode() in r.content
    r = c.get(f"/console/exam-day/rooms/{day.sitting.pk}/")
    assert r.status_code == 200 and day.sitting.code.encode() in r.content
    assert day.attempts[0].application.full_name.encode() in r.content
    c.force_login(day.inspector)
    r = c.get(f"/console/exam-day/sessions/{day.session.pk}/venues/{day.sitting.room.venue_id}/")
    assert r.status_code == 200 and "全部考场一览".encode() in r.content
    assert Client().get("/exam/").status_code == 200


@pytest.mark.django_db
def test_the_time_poll_finalises_an_attempt_whose_deadline_passed(day):
    """A player left at 00:00 learns from its next time poll that it was submitted (A.2.10)."""
    import datetime as dt

    from django.utils import timezone

    from skillcert.delivery.models import RoomSitting

    checked_in(day, day.attempts[0])
    c = Client()
    token = candidate_login(c, day, day.attempts[0])["token"]
    chief = Client()
    chief.force_login(day.chief)
    post(chief, f"/rooms/{day.sitting.pk}/start")
    get(c, "/paper", token)
    RoomSitting.objects.filter(pk=day.sitting.pk).update(started_at=timezone.now() - dt.timedelta(minutes=91))
    t = get(c, "/time", token).json()
    assert t["status"] == "submitted" and t["remaining_seconds"] == 0
    assert Attempt.objects.get(pk=day.attempts[0].pk).submitted_how == "deadline"
