"""A.2.9 考试终止前15min，向考生预告时间: the marks (WARNING_MINUTES) and the words come from the server with the
player page, and the time left the player compares with them is the server's, so the 15-minute mark falls 15
minutes before the candidate's own deadline: later by a pause, later by 补时 for the room or for that candidate.
The announcement itself (banner and assertive live region) is tested in the browser:
tests/e2e/test_exam_warning_browser.py."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from skillcert.delivery import services as s
from skillcert.delivery.enums import WARNING_MINUTES

from .conftest import login, started

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


def _script(html: str, element_id: str):
    m = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert m, element_id
    return json.loads(m.group(1))


def test_the_player_page_carries_the_warning_marks_and_words(db):
    html = Client().get("/exam/").content.decode()
    assert _script(html, "exam-warnings") == [15, 5] == list(WARNING_MINUTES)
    assert _script(html, "exam-texts")["warning"] == "距考试结束还有 %(m)s 分钟，请注意掌握时间。"
    assert 'id="announce" class="visually-hidden" aria-live="assertive"' in html


def test_the_15_minute_mark_is_15_minutes_before_the_candidates_own_deadline(day):
    start = timezone.now()
    started(day, now=start)  # 90 minutes
    a, b = day.attempts[0], day.attempts[1]
    token, other = login(a, day.sitting.code), login(b, day.sitting.code)

    def left(at, tok=token) -> int:
        return s.attempt_status(token=tok, now=at).remaining_seconds

    assert left(start + 75 * MIN - dt.timedelta(seconds=1)) == 15 * 60 + 1
    assert left(start + 75 * MIN) == 15 * 60
    # A 4-minute pause at 30 minutes moves every mark 4 minutes later.
    s.room_pause(actor=day.proctors[0], sitting_id=day.sitting.pk, reason="停电", now=start + 30 * MIN)
    assert left(start + 33 * MIN) == left(start + 30 * MIN)  # paused: no mark comes nearer
    s.room_resume(actor=day.proctors[0], sitting_id=day.sitting.pk, now=start + 34 * MIN)
    assert left(start + 79 * MIN) == 15 * 60 and left(start + 89 * MIN) == 5 * 60
    # 补时 of 3 minutes for one candidate lifts only that candidate's time above the 5-minute mark again.
    s.compensate(actor=day.proctors[0], sitting_id=day.sitting.pk, minutes=3, reason="个人机器故障",
                 attempt_id=a.pk, now=start + 89 * MIN)
    assert left(start + 89 * MIN) == 8 * 60
    assert left(start + 89 * MIN, other) == 5 * 60
    assert left(start + 92 * MIN) == 5 * 60
