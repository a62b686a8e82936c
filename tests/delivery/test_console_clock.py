"""The proctor console's and the venue overview's clock during a pause (表B.2): the room and every candidate's
row carry the exact time left (remaining_ms) and whether the room is paused, so the console (console.js) can stand
still while paused and never jump; the time left read during the pause is the same at every read, and after the
resume it goes on from there. The browser side: tests/e2e/test_console_clock_browser.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from skillcert.delivery import selectors
from skillcert.delivery import services as s
from skillcert.delivery.models import RoomSitting

from .conftest import started

pytestmark = pytest.mark.django_db

SEC = dt.timedelta(seconds=1)
MIN = dt.timedelta(minutes=1)


def _read(day, now):
    sitting = RoomSitting.objects.select_related("session", "room").get(pk=day.sitting.pk)
    room = selectors.sitting_summary(sitting, now)
    rows = {r["id"]: r for r in selectors.roster(sitting, now)}
    venue = selectors.venue_overview(day.session, day.sitting.room.venue_id, now)
    return room, rows, next(v for v in venue if v["id"] == sitting.pk)


def test_the_console_clock_stands_still_through_a_pause_and_goes_on_from_there(day):
    start = timezone.now()
    started(day, now=start)
    a = day.attempts[0]
    s.compensate(actor=day.proctors[0], sitting_id=day.sitting.pk, minutes=2, reason="换机", attempt_id=a.pk,
                 now=start + 5 * MIN)
    room, rows, venue = _read(day, start + 10 * MIN)
    assert not room["paused"] and not venue["paused"]
    assert room["remaining_ms"] == venue["remaining_ms"] == 80 * 60_000
    assert rows[a.pk]["remaining_ms"] == 82 * 60_000 and rows[day.attempts[1].pk]["remaining_ms"] == 80 * 60_000

    paused_at = start + dt.timedelta(minutes=20, milliseconds=400)
    s.room_pause(actor=day.proctors[0], sitting_id=day.sitting.pk, reason="停电", now=paused_at)
    reads = [_read(day, paused_at + d) for d in (SEC, 5 * MIN, 17 * MIN)]
    for room, rows, venue in reads:
        assert room["paused"] and venue["paused"] and room["state"] == "paused"
        assert room["remaining_ms"] == venue["remaining_ms"] == 70 * 60_000 - 400
        assert room["remaining_seconds"] == 70 * 60
        assert rows[a.pk]["remaining_ms"] == 72 * 60_000 - 400

    resumed_at = paused_at + 17 * MIN
    s.room_resume(actor=day.proctors[0], sitting_id=day.sitting.pk, now=resumed_at)
    room, rows, venue = _read(day, resumed_at)
    assert not room["paused"] and not venue["paused"]
    # The pause is made good to the whole second (rounded up for the candidates): the clock goes on from where it
    # stood, or a fraction of a second above it, which the console makes up by running slower — never a jump.
    assert 0 <= room["remaining_ms"] - (70 * 60_000 - 400) < 1000
    assert room["remaining_ms"] == venue["remaining_ms"]
    later, _, _ = _read(day, resumed_at + 10 * SEC)
    assert later["remaining_ms"] == room["remaining_ms"] - 10_000


def test_the_room_api_and_the_venue_api_carry_the_exact_time_and_the_pause(day):
    started(day)
    s.room_pause(actor=day.proctors[0], sitting_id=day.sitting.pk, reason="设备故障")
    c = Client()
    c.force_login(day.proctors[0])
    data = c.get(f"/api/exam/v1/rooms/{day.sitting.pk}").json()
    assert data["room"]["paused"] is True and data["room"]["remaining_ms"] > 89 * 60_000
    assert all(r["remaining_ms"] == data["room"]["remaining_ms"] for r in data["roster"])
    again = c.get(f"/api/exam/v1/rooms/{day.sitting.pk}").json()
    assert again["room"]["remaining_ms"] == data["room"]["remaining_ms"]
    c.force_login(day.chief)
    venue = c.get(f"/api/exam/v1/sessions/{day.session.pk}/venues/{day.sitting.room.venue_id}").json()
    assert venue["rooms"][0]["paused"] is True and venue["rooms"][0]["remaining_ms"] == data["room"]["remaining_ms"]
    page = c.get(f"/console/exam-day/sessions/{day.session.pk}/venues/{day.sitting.room.venue_id}/").content.decode()
    assert 'data-paused="1"' in page
