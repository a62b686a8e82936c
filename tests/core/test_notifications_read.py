"""Notifications are marked read by a POST, never by opening the list (issue #21 item 1: a GET never writes)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from skillcert.accounts.enums import Role
from skillcert.core.models import Notification
from skillcert.core.notify import notify
from tests.factories import user_with_role


@pytest.fixture
def inbox(db):
    me = user_with_role(Role.CANDIDATE, None, username="reader")
    other = user_with_role(Role.CANDIDATE, None, username="someone_else")
    first, second = notify(me, "第一条"), notify(me, "第二条")
    theirs = notify(other, "别人的")
    return me, other, first, second, theirs


def _unread(user) -> set[int]:
    return set(Notification.objects.filter(user=user, read_at__isnull=True).values_list("pk", flat=True))


def test_opening_the_list_marks_nothing_and_offers_the_button(client, inbox):
    me, _other, first, second, _theirs = inbox
    client.force_login(me)
    response = client.get(reverse("portal:notifications"))
    assert response.status_code == 200
    assert _unread(me) == {first.pk, second.pk}
    assert "全部标为已读" in response.content.decode()
    assert response.context["read_form"].initial["up_to"] == second.pk


def test_the_button_marks_the_shown_ones_read_and_only_the_candidates_own(client, inbox):
    me, other, _first, second, theirs = inbox
    client.force_login(me)
    later = notify(me, "页面打开后才到的")  # arrived after the page was drawn: stays unread
    response = client.post(reverse("portal:notifications_read"), {"up_to": second.pk})
    assert response.status_code == 302
    assert _unread(me) == {later.pk}
    assert _unread(other) == {theirs.pk}


def test_bad_input_is_refused_naming_the_field_and_nothing_is_marked(client, inbox):
    me, _other, first, second, _theirs = inbox
    client.force_login(me)
    response = client.post(reverse("portal:notifications_read"), {"up_to": "abc"})
    assert response.status_code == 302
    assert any(str(m).startswith("最新消息：") for m in get_messages(response.wsgi_request))
    assert _unread(me) == {first.pk, second.pk}
    assert client.get(reverse("portal:notifications_read")).status_code == 405


def test_staff_and_visitors_cannot_mark(client, inbox, world):
    me, *_ = inbox
    assert client.post(reverse("portal:notifications_read"), {"up_to": 10**6}).status_code == 302  # to log in
    client.force_login(user_with_role(Role.EXAM_AFFAIRS, world.body, username="office_reader"))
    assert client.post(reverse("portal:notifications_read"), {"up_to": 10**6}).status_code == 403
    assert len(_unread(me)) == 2
