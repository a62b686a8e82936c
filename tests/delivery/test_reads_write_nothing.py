"""The exam day's pages and the proctor API's reads write nothing (issue #21 item 1: a GET never writes).

What the exam clock has decided but nobody has recorded yet — absentees 30 minutes after the start (A.2.8),
attempts past their deadline (A.2.10), a finished room — is shown as done by the reads (delivery.due) and
recorded by the background job or by the next action on the room (delivery.rooms.catch_up), with the same rules.
The rooms of a session are prepared by the button 准备考场, a POST, not by opening the page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from skillcert.accounts.enums import Role
from skillcert.accounts.models import Organisation
from skillcert.delivery import services as s
from skillcert.delivery.enums import AttemptStatus, RoomEventKind, RoomState, SubmittedHow
from skillcert.delivery.models import Attempt, RoomSitting
from tests.factories import user_with_role
from tests.test_get_never_writes import written_tables

from .conftest import checked_in, make_exam_day

pytestmark = pytest.mark.django_db


def _reads(day) -> list[tuple[Client, str]]:
    proctor, chief = Client(), Client()
    proctor.force_login(day.proctors[0])
    chief.force_login(day.chief)
    venue = day.sitting.room.venue_id
    return [(proctor, reverse("console:delivery_list")),
            (proctor, reverse("console:delivery_room", args=[day.sitting.pk])),
            (chief, reverse("console:delivery_venue", args=[day.session.pk, venue])),
            (proctor, f"/api/exam/v1/rooms/{day.sitting.pk}"),
            (chief, f"/api/exam/v1/sessions/{day.session.pk}/venues/{venue}")]


def test_a_room_whose_time_is_up_is_shown_as_finished_without_writing_and_the_next_action_records_it():
    day = make_exam_day(starts_ago_minutes=120)
    start = timezone.now() - dt.timedelta(minutes=100)  # a 90-minute exam: over ten minutes ago
    checked_in(day, *day.attempts[:2])
    s.room_start(actor=day.chief, sitting_id=day.sitting.pk, now=start)
    deadline = start + dt.timedelta(minutes=90)

    for client, url in _reads(day):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, url
        assert written_tables(ctx.captured_queries) - {"django_session"} == set(), url

    proctor = _reads(day)[3][0]
    shown = proctor.get(f"/api/exam/v1/rooms/{day.sitting.pk}").json()
    assert shown["room"]["state"] == RoomState.CLOSED
    rows = {r["id"]: r for r in shown["roster"]}
    assert [rows[a.pk]["status"] for a in day.attempts] == ["submitted", "submitted", "absent", "absent"]
    assert rows[day.attempts[0].pk]["submitted_at"] == deadline.isoformat()
    assert "已结束".encode() in proctor.get(reverse("console:delivery_list")).content
    # nothing recorded yet
    assert RoomSitting.objects.get(pk=day.sitting.pk).state == RoomState.RUNNING
    assert set(Attempt.objects.filter(sitting=day.sitting).values_list("status", flat=True)) == {
        AttemptStatus.CHECKED_IN, AttemptStatus.NOT_ARRIVED}

    # the next action on the room records what was shown, first
    s.event_record(actor=day.proctors[0], sitting_id=day.sitting.pk, kind=RoomEventKind.OTHER, note="考后记录")
    sitting = RoomSitting.objects.get(pk=day.sitting.pk)
    assert sitting.state == RoomState.CLOSED and sitting.absent_marked_at is not None
    done = {a.pk: a for a in Attempt.objects.filter(sitting=day.sitting)}
    assert [done[a.pk].status for a in day.attempts] == ["submitted", "submitted", "absent", "absent"]
    assert done[day.attempts[0].pk].submitted_at == deadline
    assert done[day.attempts[0].pk].submitted_how == SubmittedHow.DEADLINE
    assert s.tick()["closed"] == 0  # the job finds nothing left to do


def test_a_refused_action_records_nothing_of_the_catch_up_either():
    start = timezone.now() - dt.timedelta(minutes=31)
    day = make_exam_day(starts_ago_minutes=40)
    checked_in(day, day.attempts[0])
    s.room_start(actor=day.chief, sitting_id=day.sitting.pk, now=start)
    with pytest.raises(Exception, match="不得入场"):
        s.check_in(actor=day.proctors[0], sitting_id=day.sitting.pk, ticket=day.attempts[1].ticket.number)
    assert RoomSitting.objects.get(pk=day.sitting.pk).absent_marked_at is None
    assert s.tick()["absent"] == 3


def test_the_rooms_are_prepared_by_a_post_not_by_opening_the_page():
    day = make_exam_day(prepared=False)
    proctor, inspector = Client(), Client()
    proctor.force_login(day.proctors[0])
    inspector.force_login(day.inspector)
    url = reverse("console:delivery_prepare", args=[day.session.pk])

    with CaptureQueriesContext(connection) as ctx:
        page = proctor.get(reverse("console:delivery_list"))
    assert written_tables(ctx.captured_queries) - {"django_session"} == set()
    assert "准备考场".encode() in page.content and not RoomSitting.objects.exists()
    assert proctor.get(url).status_code == 405

    # an inspector watches the rooms but does not prepare them; another body's office does not reach them
    assert "准备考场".encode() not in inspector.get(reverse("console:delivery_list")).content
    outsider = Client()
    outsider.force_login(user_with_role(Role.EXAM_AFFAIRS, Organisation.objects.get(name="烟台测试评价机构"),
                                        username="other_office"))
    for client in (inspector, outsider):
        assert client.post(url).status_code == 404
    assert not RoomSitting.objects.exists()

    response = proctor.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("console:delivery_list")
    (sitting,) = RoomSitting.objects.filter(session=day.session)
    assert sitting.attempts.count() == 4
    assert proctor.post(url).status_code == 302 and sitting.attempts.count() == 4  # idempotent
    page = proctor.get(reverse("console:delivery_list")).content.decode()
    assert "准备考场" not in page and reverse("console:delivery_room", args=[sitting.pk]) in page
