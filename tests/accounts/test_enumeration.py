"""Nothing tells which user names, ID numbers and phones exist (issue #20 item 6a; §10.9, ASVS V2.2, V3.2):
the lockout of an unknown name looks exactly like a real lockout, and sign-up answers one neutral message."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from skillcert.accounts.enums import Role
from skillcert.accounts.models import User
from skillcert.registration import candidates
from tests.factories import PASSWORD, make_candidate, resident_id, user_with_role

pytestmark = pytest.mark.django_db


def _answers(url: str, username: str, n: int = 7) -> list[str]:
    """The error text of each of ``n`` wrong-password attempts, each from its own address."""
    out = []
    for i in range(n):
        r = Client().post(url, {"username": username, "password": "wrong-password-123"}, REMOTE_ADDR=f"198.51.100.{i}")
        assert r.status_code == 200
        errors = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', r.content.decode(), re.S)
        out.append(re.sub(r"\d\d:\d\d", "HH:MM", errors.group(1)) if errors else "")  # the minute may turn
    return out


@pytest.mark.parametrize("url_name", ["accounts:login", "portal:login"])
def test_an_unknown_name_locks_exactly_like_a_real_account(world, url_name):
    user_with_role(Role.PROCTOR, world.venue, username="proctor_enum")
    url = reverse(url_name)
    real, ghost = _answers(url, "proctor_enum"), _answers(url, "nobody_here")
    assert real == ghost
    assert "用户名或密码不正确" in real[0]
    assert "已被锁定" in real[4] and "已被锁定" in real[6]


def test_an_unknown_id_number_locks_like_a_candidate_and_even_the_right_password_is_refused_after(world):
    cand = make_candidate(31)
    url = reverse("portal:login")
    assert _answers(url, cand.id_number) == _answers(url, resident_id(32))
    r = Client().post(url, {"username": cand.id_number, "password": PASSWORD})
    assert "已被锁定" in r.content.decode()


def test_the_lock_of_an_unknown_name_ends_when_a_real_one_would(world, settings):
    settings.SKILLCERT_LOCKOUT_SECONDS = 0  # expires at once
    answers = _answers(reverse("accounts:login"), "ghost_expiring", n=6)
    assert "已被锁定" in answers[4]
    assert "用户名或密码不正确" in answers[5]  # the count restarted after the expired lock, as for a user


def _signup(client, n, *, id_number=None, phone=None, ip="192.0.2.30"):
    return client.post(reverse("portal:signup"), {
        "full_name": f"新考生{n}", "id_type": "resident_id", "id_number": id_number or resident_id(n),
        "phone": phone or f"137{n:08d}", "email": "", "password": "Kaoshi-mima-2026", "password2": "Kaoshi-mima-2026",
    }, REMOTE_ADDR=ip)


def test_sign_up_with_a_registered_id_or_a_used_phone_answers_one_neutral_message(world):
    existing = make_candidate(41)
    taken_id = _signup(Client(), 42, id_number=existing.id_number)
    taken_phone = _signup(Client(), 43, phone=existing.phone)
    for r in (taken_id, taken_phone):
        assert r.status_code == 200
        body = r.content.decode()
        assert str(candidates.SIGNUP_REFUSED) in body
        assert "已注册。" not in body and "已被其他账户使用" not in body
    strip = lambda r: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|value="[^"]*"', "", r.content.decode())  # noqa: E731
    assert strip(taken_id) == strip(taken_phone)
    assert User.objects.filter(phone="13700000042").count() == 0


def test_a_genuine_new_candidate_still_registers_and_is_signed_in(world):
    client = Client()
    r = _signup(client, 44)
    assert r.status_code == 302 and r["Location"] == reverse("portal:profile")
    assert User.objects.get(id_number=resident_id(44)).full_name == "新考生44"
    assert "_auth_user_id" in client.session


def test_weak_password_is_refused_the_same_way_whether_or_not_the_id_exists(world):
    existing = make_candidate(45)
    answers = []
    for id_number in (existing.id_number, resident_id(46)):
        r = Client().post(reverse("portal:signup"), {
            "full_name": "某人", "id_type": "resident_id", "id_number": id_number, "phone": "13600000001",
            "password": "12345678", "password2": "12345678"})
        answers.append("太短" in r.content.decode() and str(candidates.SIGNUP_REFUSED) not in r.content.decode())
    assert answers == [True, True]


def test_refused_sign_ups_are_throttled_per_address(world, settings):
    settings.SKILLCERT_THROTTLE_SIGNUP_ADDRESS = (3, 3600)
    existing = make_candidate(47)
    for n in range(3):
        _signup(Client(), 50 + n, id_number=existing.id_number, ip="192.0.2.99")
    r = _signup(Client(), 60, ip="192.0.2.99")  # even a genuine one from that address waits
    assert "次数过多" in r.content.decode()
    assert not User.objects.filter(id_number=resident_id(60)).exists()
    assert _signup(Client(), 61, ip="192.0.2.100").status_code == 302
