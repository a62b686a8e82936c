"""Login security (§10.8–§10.9; issue #2 §3): lockout, throttling, TOTP, sessions, audit."""

from __future__ import annotations

import datetime as dt
import time

import pyotp
import pytest
from django.urls import reverse
from django.utils import timezone

from skillcert.accounts import authentication as auth
from skillcert.accounts.enums import Role
from skillcert.accounts.middleware import SESSION_KEY
from skillcert.accounts.models import LoginFailure, RecoveryCode, TOTPDevice, User
from skillcert.core.models import AuditEntry
from tests.factories import PASSWORD, user_with_role

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def post_login(client, username, password, ip="192.0.2.10"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def actions(user=None) -> list[str]:
    qs = AuditEntry.objects.order_by("seq")
    if user is not None:
        qs = qs.filter(target_type="accounts.user", target_id=str(user.pk))
    return list(qs.values_list("action", flat=True))


@pytest.fixture
def proctor(world):
    return user_with_role(Role.PROCTOR, world.venue, username="proctor1")


@pytest.fixture
def body_admin(world):
    return user_with_role(Role.BODY_ADMIN, world.body, username="badmin")


def test_password_hasher_is_argon2():
    from skillcert import settings as conf  # the configured list, before the tests' speed-up

    assert conf.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.argon2
def test_stored_password_is_an_argon2_hash(world):
    user = User.objects.create_user("argon", PASSWORD, full_name="甲")
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.parametrize("password, message", [
    ("Short-1a", "太短"),
    ("password1234", "太常见"),
    ("proctor1-2026", "相似"),
])
def test_password_policy_rejects_weak_passwords(world, password, message):
    from django.core.exceptions import ValidationError

    from skillcert.accounts import services

    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=world.platform_admin, username="proctor1", full_name="周", password=password,
                             organisation=world.venue)
    assert message in " ".join(exc.value.message_dict["password"])
    assert not User.objects.filter(username="proctor1").exists()


def test_successful_login_without_second_factor_starts_a_new_session(client, proctor):
    client.get(LOGIN)
    before = client.session.session_key
    response = post_login(client, "proctor1", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/console/"
    assert client.session["_auth_user_id"] == str(proctor.pk)
    assert client.session.session_key != before
    assert actions(proctor)[-2:] == ["accounts.login.password_accepted", "accounts.login.succeeded"]


def test_wrong_password_is_refused_and_audited(client, proctor):
    response = post_login(client, "proctor1", "wrong-password-123")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.filter(action="accounts.login.failed").last()
    assert (entry.target_id, entry.outcome, entry.data) == (str(proctor.pk), "failed", {"reason": "bad_password"})


def test_unknown_user_gets_the_same_answer_and_is_audited(client, world):
    response = post_login(client, "nobody", "wrong-password-123")
    assert "用户名或密码不正确" in response.content.decode()
    entry = AuditEntry.objects.filter(action="accounts.login.failed").last()
    assert (entry.actor_label, entry.data) == ("nobody", {"reason": "unknown_user"})


def test_five_failures_from_different_ips_lock_the_account(client, proctor):
    for i in range(5):
        post_login(client, "proctor1", "wrong-password-123", ip=f"198.51.100.{i + 1}")
    proctor.refresh_from_db()
    assert proctor.is_locked()
    assert proctor.locked_until == pytest.approx(timezone.now() + dt.timedelta(minutes=15), abs=dt.timedelta(seconds=5))
    # Even the right password is refused while locked.
    response = post_login(client, "proctor1", PASSWORD, ip="203.0.113.7")
    assert "已被锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert "accounts.user.locked" in actions(proctor)
    assert "accounts.login.refused_locked" in actions(proctor)


def test_four_failures_do_not_lock(client, proctor):
    for _ in range(4):
        post_login(client, "proctor1", "wrong-password-123")
    proctor.refresh_from_db()
    assert not proctor.is_locked()
    assert post_login(client, "proctor1", PASSWORD).status_code == 302


def test_failures_older_than_fifteen_minutes_do_not_count(client, proctor):
    for _ in range(4):
        post_login(client, "proctor1", "wrong-password-123")
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    post_login(client, "proctor1", "wrong-password-123")
    proctor.refresh_from_db()
    assert not proctor.is_locked()


def test_lock_expires_after_fifteen_minutes_and_the_unlock_is_audited(client, proctor):
    for _ in range(5):
        post_login(client, "proctor1", "wrong-password-123")
    User.objects.filter(pk=proctor.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert post_login(client, "proctor1", PASSWORD).status_code == 302
    unlocked = AuditEntry.objects.filter(action="accounts.user.unlocked").last()
    assert unlocked.data["by"] == "expiry"


def test_admin_unlock_is_audited_and_lets_the_user_in(client, world, proctor, body_admin):
    for _ in range(5):
        post_login(client, "proctor1", "wrong-password-123")
    client.force_login(body_admin)
    response = client.post(reverse("console:user_unlock", args=[proctor.pk]))
    assert response.status_code == 302
    proctor.refresh_from_db()
    assert not proctor.is_locked()
    entry = AuditEntry.objects.filter(action="accounts.user.unlocked").last()
    assert (entry.actor_label, entry.data["by"]) == ("badmin", "admin")
    client.logout()
    assert post_login(client, "proctor1", PASSWORD).status_code == 302


def test_one_ip_guessing_many_accounts_is_throttled(client, settings, world):
    settings.SKILLCERT_IP_THROTTLE_THRESHOLD = 6
    users = [user_with_role(Role.PROCTOR, world.venue, username=f"p{i}") for i in range(7)]
    for u in users[:6]:
        post_login(client, u.username, "wrong-password-123", ip="192.0.2.99")
    response = post_login(client, users[6].username, PASSWORD, ip="192.0.2.99")
    assert "此地址登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="accounts.login.throttled").exists()
    # Another address is not affected.
    assert post_login(client, users[6].username, PASSWORD, ip="192.0.2.100").status_code == 302


# --- TOTP --------------------------------------------------------------------------------

def test_privileged_role_must_enrol_totp_before_getting_in(client, body_admin):
    response = post_login(client, "badmin", PASSWORD)
    assert response["Location"] == reverse("accounts:login_enrol")
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("accounts:login_enrol"))
    assert "<svg" in page.content.decode()  # the QR code
    assert client.get(reverse("console:home")).status_code == 302  # still not logged in
    device = TOTPDevice.objects.get(user=body_admin)
    response = client.post(reverse("accounts:login_enrol"), {"code": pyotp.TOTP(device.secret).now()})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    assert client.session["_auth_user_id"] == str(body_admin.pk)
    assert RecoveryCode.objects.filter(user=body_admin).count() == 10
    assert "accounts.totp.enrolled" in actions(body_admin)


@pytest.mark.parametrize("role", [Role.PLATFORM_ADMIN, Role.BODY_ADMIN, Role.BANK_MANAGER, Role.ITEM_WRITER,
                                  Role.ITEM_REVIEWER])
def test_totp_is_required_for_privileged_roles(world, role):
    from skillcert.accounts import rules

    user = user_with_role(role, None if role == Role.PLATFORM_ADMIN else world.body)
    assert rules.totp_required(user)


def test_totp_is_optional_for_other_staff(proctor):
    from skillcert.accounts import rules

    assert not rules.totp_required(proctor)


def _enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, secret=pyotp.random_base32(32), confirmed_at=timezone.now())


def test_enrolled_user_passes_with_a_current_code(client, body_admin):
    device = _enrolled(body_admin)
    assert post_login(client, "badmin", PASSWORD)["Location"] == reverse("accounts:login_verify")
    response = client.post(reverse("accounts:login_verify"), {"code": pyotp.TOTP(device.secret).now()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(body_admin.pk)
    assert AuditEntry.objects.filter(action="accounts.login.succeeded").last().data == {"second_factor": "totp"}


def test_a_used_code_cannot_be_replayed(client, body_admin):
    device = _enrolled(body_admin)
    code = pyotp.TOTP(device.secret).now()
    post_login(client, "badmin", PASSWORD)
    assert client.post(reverse("accounts:login_verify"), {"code": code}).status_code == 302
    client.logout()
    post_login(client, "badmin", PASSWORD)
    response = client.post(reverse("accounts:login_verify"), {"code": code})
    assert response.status_code == 200
    assert "动态口令不正确或已使用" in response.content.decode()


def test_wrong_codes_count_towards_lockout(client, body_admin):
    _enrolled(body_admin)
    post_login(client, "badmin", PASSWORD)
    for _ in range(5):
        client.post(reverse("accounts:login_verify"), {"code": "000000"})
    body_admin.refresh_from_db()
    assert body_admin.is_locked()
    assert "_auth_user_id" not in client.session


def test_recovery_code_works_once(client, body_admin):
    _enrolled(body_admin)
    codes = auth.recovery_codes_regenerate(user=body_admin)
    post_login(client, "badmin", PASSWORD)
    assert client.post(reverse("accounts:login_verify"), {"code": codes[0]}).status_code == 302
    client.logout()
    post_login(client, "badmin", PASSWORD)
    assert client.post(reverse("accounts:login_verify"), {"code": codes[0]}).status_code == 200
    assert "accounts.totp.recovery_code_used" in actions(body_admin)


def test_second_factor_page_expires_after_five_minutes(client, body_admin):
    device = _enrolled(body_admin)
    post_login(client, "badmin", PASSWORD)
    session = client.session
    session["_sc_pending_login"]["at"] = time.time() - 301
    session.save()
    response = client.post(reverse("accounts:login_verify"), {"code": pyotp.TOTP(device.secret).now()})
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_voluntary_enrolment_for_other_staff(client, proctor):
    client.force_login(proctor)
    assert client.get(reverse("accounts:security_totp")).status_code == 200
    device = TOTPDevice.objects.get(user=proctor)
    response = client.post(reverse("accounts:security_totp"), {"code": pyotp.TOTP(device.secret).now()})
    assert len(response.context["codes"]) == 10
    from skillcert.accounts import rules

    assert rules.totp_required(User.objects.get(pk=proctor.pk))


def test_admin_reset_totp_forces_re_enrolment(client, body_admin, world):
    _enrolled(body_admin)
    client.force_login(world.platform_admin)
    client.post(reverse("console:user_reset_totp", args=[body_admin.pk]))
    assert not TOTPDevice.objects.filter(user=body_admin).exists()
    client.logout()
    assert post_login(client, "badmin", PASSWORD)["Location"] == reverse("accounts:login_enrol")


# --- Sessions ----------------------------------------------------------------------------

def test_staff_session_ends_after_thirty_minutes_idle(client, proctor):
    post_login(client, "proctor1", PASSWORD)
    assert client.get(reverse("console:home")).status_code == 200
    session = client.session
    session[SESSION_KEY] = time.time() - 31 * 60
    session.save()
    response = client.get(reverse("console:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="accounts.session.ended").last().data == {"reason": "idle_timeout"}


def test_activity_within_thirty_minutes_keeps_the_session(client, proctor):
    post_login(client, "proctor1", PASSWORD)
    session = client.session
    session[SESSION_KEY] = time.time() - 29 * 60
    session.save()
    assert client.get(reverse("console:home")).status_code == 200


def test_logout_is_post_only_and_audited(client, proctor):
    post_login(client, "proctor1", PASSWORD)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="accounts.session.ended").last().data == {"reason": "logout"}


def test_open_redirect_after_login_is_refused(client, proctor):
    response = client.post(LOGIN + "?next=https://evil.example/", {"username": "proctor1", "password": PASSWORD,
                                                                    "next": "https://evil.example/"})
    assert response["Location"] == "/console/"


def test_candidate_portal_session_ends_after_thirty_minutes_idle(client, world):
    """Issue #20 item 6c: candidates too, back to the portal's login."""
    from tests.factories import make_candidate

    cand = make_candidate(71)
    client.post(reverse("portal:login"), {"username": cand.id_number, "password": PASSWORD})
    assert client.get(reverse("portal:profile")).status_code == 200
    session = client.session
    session[SESSION_KEY] = time.time() - 31 * 60
    session.save()
    response = client.get(reverse("portal:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="accounts.session.ended").last().data == {"reason": "idle_timeout"}


def test_idle_timeout_does_not_touch_a_candidate_sitting_an_exam(db):
    """The player authenticates with its bearer token, not the portal session: an hour without a portal
    request (the candidate is writing the exam) leaves the exam log-in working."""
    import json

    from django.test import Client

    from tests.delivery.conftest import checked_in, make_exam_day

    day = make_exam_day(1)
    checked_in(day)
    day.sitting.refresh_from_db()
    a = day.attempts[0]
    player = Client()
    r = player.post("/api/exam/v1/login", data=json.dumps({"ticket_number": a.ticket.number, "id_number":
                    a.application.id_number, "room_code": day.sitting.code}), content_type="application/json")
    token = r.json()["token"]
    portal = Client()
    portal.force_login(a.application.candidate)
    session = portal.session
    session[SESSION_KEY] = time.time() - 60 * 60
    session.save()
    assert portal.get(reverse("portal:profile")).status_code == 302  # the portal session ended ...
    r = player.get("/api/exam/v1/attempt", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200  # ... the exam goes on
