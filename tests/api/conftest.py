"""Callers for the API tests: an exam day with a started room, a candidate's bearer token, the chief examiner's
signed-in session (with its CSRF token), and an API token for the body's exam affairs officer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from skillcert.accounts.tokens import token_issue
from tests.delivery.conftest import ExamDay, login, make_exam_day, started

CSRF = "c" * 32  # an unmasked CSRF secret: the cookie and the X-CSRFToken header carry the same value


@dataclass
class Callers:
    day: ExamDay
    candidate_token: str
    platform_token: str
    staff_cookies: dict[str, str]  # the chief examiner's session and the CSRF cookie
    ids: dict[str, int]  # real path parameters: sitting_id, attempt_id, session_id, venue_id; the platform's pk


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def callers(db) -> Callers:
    day = make_exam_day(n=2, theory_items=60)
    started(day)
    day.sitting.refresh_from_db()
    return Callers(
        day=day,
        candidate_token=login(day.attempts[0], day.sitting.code),
        platform_token=token_issue(actor=None, user=day.officer, name="监管平台"),
        staff_cookies={settings.SESSION_COOKIE_NAME: session_cookie(day.chief), settings.CSRF_COOKIE_NAME: CSRF},
        ids={"sitting_id": day.sitting.pk, "attempt_id": day.attempts[1].pk, "session_id": day.session.pk,
             "venue_id": day.sitting.room.venue_id},
    )
