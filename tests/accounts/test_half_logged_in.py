"""The half-logged-in state (issue #20 item 1; §10.9, GB/T 22239 level 3 identification): the password was
right, the second factor is still owed. Nothing reachable then may reveal or replace a factor (TOTP secret,
recovery codes, password) or let the user in.

Every URL under /accounts/ and /portal/ is taken from the URL resolver, so a URL added later is walked too."""

from __future__ import annotations

import pyotp
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from skillcert.accounts import authentication as auth
from skillcert.accounts.enums import Role
from skillcert.accounts.models import RecoveryCode, TOTPDevice, User
from skillcert.accounts.views import PENDING
from tests.factories import PASSWORD, user_with_role

pytestmark = pytest.mark.django_db

SECRET_TEMPLATES = {"accounts/login_enrol.html", "accounts/security_totp.html", "accounts/recovery_codes.html",
                    "accounts/_enrol_body.html"}


def _patterns(prefix: str) -> list[tuple[str, URLPattern]]:
    """(namespace:name, pattern) of every URL mounted under ``prefix`` ("accounts/", "portal/")."""
    found = []

    def walk(resolvers, namespace, route):
        for p in resolvers:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns, route + str(p.pattern))
            elif isinstance(p, URLPattern) and p.name and (route + str(p.pattern)).startswith(prefix):
                found.append((namespace + p.name, p))

    walk(get_resolver().url_patterns, "", "")
    return found


def _url(name: str, pattern: URLPattern, user: User) -> str:
    """Fill each path converter with a plausible value (the user's own pk for ints)."""
    values = {"int": user.pk, "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}
    converters = getattr(pattern.pattern, "converters", {})
    kwargs = {}
    for key, conv in converters.items():
        kind = type(conv).__name__.replace("Converter", "").lower()
        kwargs[key] = values.get(kind, "x")
    return reverse(name, kwargs=kwargs)


def _enrolled(user: User) -> tuple[TOTPDevice, list[str]]:
    auth.totp_begin_enrolment(user=user)
    device = TOTPDevice.objects.get(user=user)
    codes = auth.totp_confirm_enrolment(user=user, code=pyotp.TOTP(device.secret).now())
    device.refresh_from_db()
    return device, codes


def _state(user: User) -> tuple:
    user.refresh_from_db()
    device = TOTPDevice.objects.get(user=user)
    return (user.password, device.secret, device.confirmed_at,
            sorted(RecoveryCode.objects.filter(user=user).values_list("code_hash", "used_at")))


def _assert_nothing_revealed(response, device: TOTPDevice, codes: list[str], where: str) -> None:
    body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
    groups = " ".join(device.secret[i:i + 4] for i in range(0, len(device.secret), 4))
    assert device.secret not in body, where
    assert groups not in body, where
    assert "otpauth" not in body, where
    for code in codes:
        assert code not in body, where
    used = {t.name for t in getattr(response, "templates", []) if t.name}
    assert not used & SECRET_TEMPLATES, (where, used & SECRET_TEMPLATES)


def _half_logged_in(client, login_url: str, username: str) -> None:
    response = client.post(login_url, {"username": username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.50")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login_verify")
    assert PENDING in client.session
    assert "_auth_user_id" not in client.session


def _walk(client, login_url: str, username: str, user: User, device: TOTPDevice, codes: list[str],
          prefixes: tuple[str, ...]) -> int:
    before = _state(user)
    walked = 0
    for prefix in prefixes:
        for name, pattern in _patterns(prefix):
            url = _url(name, pattern, user)
            for method in ("get", "post"):
                client.logout()
                _half_logged_in(client, login_url, username)
                data = {"code": "000000", "new_password": "Another-pass-2026", "new_password2": "Another-pass-2026",
                        "password": "Another-pass-2026", "password2": "Another-pass-2026", "username": username,
                        "login": username, "old_password": PASSWORD}
                response = getattr(client, method)(url, data) if method == "post" else client.get(url)
                where = f"{method.upper()} {url}"
                assert response.status_code < 500, where
                _assert_nothing_revealed(response, device, codes, where)
                assert "_auth_user_id" not in client.session, where
                assert _state(user) == before, where
                walked += 1
    return walked


def test_every_accounts_url_in_the_half_logged_in_state_reveals_and_resets_nothing(client, world):
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin_half")
    device, codes = _enrolled(admin)
    walked = _walk(client, reverse("accounts:login"), "badmin_half", admin, device, codes, ("accounts/",))
    assert walked >= 2 * len(_patterns("accounts/")) >= 16


def test_enrolment_page_of_a_user_with_a_confirmed_device_sends_to_the_code_page(client, world):
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin_enrol")
    device, _codes = _enrolled(admin)
    _half_logged_in(client, reverse("accounts:login"), "badmin_enrol")
    response = client.get(reverse("accounts:login_enrol"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login_verify")
    # the code the old page handed out no longer logs anyone in: the secret never left the server
    assert TOTPDevice.objects.get(user=admin).secret == device.secret


def test_the_enrolment_service_refuses_a_confirmed_device(world):
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin_svc")
    _enrolled(admin)
    with pytest.raises(auth.AlreadyEnrolled):
        auth.totp_begin_enrolment(user=admin)


def test_posting_the_enrolment_page_before_it_was_shown_answers_with_a_fresh_secret(client, world):
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin_post")
    client.post(reverse("accounts:login"), {"username": "badmin_post", "password": PASSWORD})
    response = client.post(reverse("accounts:login_enrol"), {"code": "123456"})
    assert response.status_code == 302 and not TOTPDevice.objects.filter(user=admin).exists()  # the POST writes nothing
    response = client.get(response["Location"])
    assert response.status_code == 200 and "secret_groups" in response.context
    assert TOTPDevice.objects.get(user=admin).confirmed_at is None
    assert "_auth_user_id" not in client.session


def test_candidate_with_a_device_half_logged_in_through_the_portal_reveals_nothing(client, world):
    """The portal shares ``login_flow``: a candidate who enrolled an authenticator is half-logged-in too."""
    from tests.factories import make_candidate

    candidate = make_candidate(7)
    device, codes = _enrolled(candidate)
    walked = _walk(client, reverse("portal:login"), candidate.id_number, candidate, device, codes,
                   ("accounts/", "portal/"))
    assert walked >= 2 * len(_patterns("portal/"))
