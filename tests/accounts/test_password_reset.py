"""Password reset (issue #20 item 6b; §10.9 身份鉴别, GB/T 22239 level 3; OWASP ASVS V2.5).

By e-mailed link: the request answers the same whether or not the account exists (and for privileged accounts,
which get no self-service link), is throttled per address and per account; the link works once, for 30 minutes,
and is refused when tampered with; setting the password ends the user's other sessions and logs nobody in past
a second factor. Staff are also reset by an administrator of their scope, never by themselves, and keep their
authenticator."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from skillcert.accounts import authentication as auth
from skillcert.accounts import services
from skillcert.accounts.enums import Role
from skillcert.accounts.models import TOTPDevice, User
from skillcert.accounts.views import PENDING, RESET_URL_TOKEN
from skillcert.core.models import AuditEntry
from tests.factories import PASSWORD, grant, make_candidate, resident_id, user_with_role

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh-jade-river-2027"
LINK = re.compile(r"https?://\S+?(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the mail queued on commit, as the real request does after its transaction."""
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)
    return run


def _ask(on_commit, login: str, *, url_name: str = "accounts:password_reset", ip: str = "192.0.2.10",
         client: Client | None = None):
    client = client or Client()
    return on_commit(client.post, reverse(url_name), {"login": login}, REMOTE_ADDR=ip)


def _page(response, client: Client | None = None) -> str:
    """The page the answer leads to, without the per-request CSRF token and CSP nonce."""
    if response.status_code == 302:
        response = (client or Client()).get(response["Location"])
    body = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"', "", body)


def _link(message) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def _open(client: Client, path: str):
    """Follow a mailed link: the token moves into the session and out of the address bar."""
    response = client.get(path)
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"].endswith(f"/{RESET_URL_TOKEN}/")
    return client.get(response["Location"])


def _set(client: Client, path: str, password: str = NEW_PASSWORD):
    page = _open(client, path)
    assert page.status_code == 200 and 'name="new_password"' in page.content.decode()
    return client.post(page.wsgi_request.path, {"new_password": password, "new_password2": password})


def _invalid(response) -> bool:
    return response.status_code == 200 and "此重置链接无效" in response.content.decode()


def _results(action: str = "accounts.password_reset.requested") -> list[str]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq").values_list("data__result", flat=True))


@pytest.fixture
def proctor(world):
    return user_with_role(Role.PROCTOR, world.venue, username="proctor_reset", email="proctor@example.com")


# --- The request: one answer for everyone ----------------------------------------------------------

def test_the_answer_is_the_same_for_an_account_an_unknown_name_a_privileged_one_and_one_without_mail(
        world, proctor, on_commit):
    user_with_role(Role.BODY_ADMIN, world.body, username="badmin_reset", email="badmin@example.com")
    user_with_role(Role.EXAM_AFFAIRS, world.body, username="nomail_reset")
    inactive = user_with_role(Role.PROCTOR, world.venue, username="gone_reset", email="gone@example.com")
    services.user_update(actor=world.platform_admin, user_id=inactive.pk, is_active=False,
                         organisation=inactive.organisation)
    answers = {name: _ask(on_commit, name, ip=f"192.0.2.{i}") for i, name in enumerate(
        ["proctor_reset", "nobody_at_all", "badmin_reset", "nomail_reset", "gone_reset"])}
    assert {r.status_code for r in answers.values()} == {302}
    assert {r["Location"] for r in answers.values()} == {reverse("accounts:password_reset") + "?sent=1"}
    pages = {name: _page(r) for name, r in answers.items()}
    assert len(set(pages.values())) == 1
    assert "重置链接已发送到该邮箱" in pages["proctor_reset"]
    # only the ordinary, active account with an address got a mail
    assert [m.to for m in mail.outbox] == [["proctor@example.com"]]
    assert _results() == ["mailed", "no_account", "privileged", "no_email", "inactive"]


def test_candidates_ask_by_id_number_or_phone_and_get_the_same_answer_as_an_unknown_one(world, on_commit):
    cand = make_candidate(61, email="c61@example.com")
    by_id = _ask(on_commit, cand.id_number.lower(), url_name="portal:password_reset", ip="192.0.2.1")
    by_phone = _ask(on_commit, cand.phone, url_name="portal:password_reset", ip="192.0.2.2")
    unknown = _ask(on_commit, resident_id(62), url_name="portal:password_reset", ip="192.0.2.3")
    assert by_id["Location"] == by_phone["Location"] == unknown["Location"] == \
        reverse("portal:password_reset") + "?sent=1"
    assert _page(by_id) == _page(unknown)
    assert [m.to for m in mail.outbox] == [["c61@example.com"]] * 2
    assert _results() == ["mailed", "mailed", "no_account"]


def test_a_privileged_account_gets_no_self_service_link_even_by_id_number(world, on_commit):
    """A candidate who is also an item writer (a TOTP role) is reset by an administrator only."""
    cand = make_candidate(63, email="c63@example.com")
    grant(cand, Role.ITEM_WRITER, world.body)
    answer = _ask(on_commit, cand.id_number, url_name="portal:password_reset")
    assert answer["Location"].endswith("?sent=1")
    assert mail.outbox == []
    assert _results() == ["privileged"]


def test_the_mail_checks_again_when_it_goes_out(world, proctor):
    """A role that needs a second factor, granted between the request and the mail, stops the mail."""
    grant(proctor, Role.BANK_MANAGER, world.body)
    assert auth.password_reset_send(user_id=proctor.pk, kind=auth.RESET_SELF) is False
    assert mail.outbox == []


def test_a_blank_or_overlong_name_is_a_form_error_not_a_server_error(world):
    r = Client().post(reverse("accounts:password_reset"), {"login": ""})
    assert r.status_code == 200 and 'class="error"' in r.content.decode()
    r = Client().post(reverse("accounts:password_reset"), {"login": "x" * 500})
    assert r.status_code == 200 and 'class="error"' in r.content.decode()


# --- Throttles ---------------------------------------------------------------------------------------

def test_requests_are_throttled_per_address_whatever_names_they_carry(world, proctor, on_commit, settings):
    settings.SKILLCERT_THROTTLE_RESET_ADDRESS = (3, 3600)
    for i in range(3):
        assert _ask(on_commit, f"ghost{i}", ip="203.0.113.5").status_code == 302
    refused = _ask(on_commit, "proctor_reset", ip="203.0.113.5")  # even a real account, once over the limit
    assert refused.status_code == 200 and "次数过多" in refused.content.decode()
    assert mail.outbox == []
    assert AuditEntry.objects.filter(action="accounts.password_reset.throttled").count() == 1
    assert _ask(on_commit, "proctor_reset", ip="203.0.113.6").status_code == 302  # another address is not held
    assert len(mail.outbox) == 1


def test_mails_are_throttled_per_account_silently_whichever_name_and_address_is_used(world, on_commit):
    cand = make_candidate(64, email="c64@example.com")
    for i, login in enumerate([cand.id_number, cand.phone, cand.username, cand.id_number]):
        answer = _ask(on_commit, login, url_name="portal:password_reset", ip=f"198.51.100.{i}")
        assert answer["Location"].endswith("?sent=1")  # the fourth is answered the same ...
    assert len(mail.outbox) == 3  # ... but sends nothing (SKILLCERT_THROTTLE_RESET_ACCOUNT = 3 an hour)
    assert _results() == ["mailed", "mailed", "mailed", "account_throttled"]


# --- The link ------------------------------------------------------------------------------------------

def test_the_link_sets_a_new_password_once_and_is_then_refused(world, proctor, on_commit):
    _ask(on_commit, "proctor_reset")
    path = _link(mail.outbox[0])
    assert "30 分钟" in mail.outbox[0].body
    browser = Client()
    done = _set(browser, path)
    assert done.status_code == 302 and done["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in browser.session  # nobody is logged in by the reset page
    proctor.refresh_from_db()
    assert proctor.check_password(NEW_PASSWORD)
    entry = AuditEntry.objects.get(action="accounts.password_reset.completed")
    assert entry.actor_id == proctor.pk and entry.target_id == str(proctor.pk)
    # used: the same link, in the same browser or another, is refused with the one message
    assert _invalid(Client().get(path))
    assert _invalid(browser.get(path))
    again = browser.post(path.rsplit("/", 2)[0] + f"/{RESET_URL_TOKEN}/",
                         {"new_password": "Other-jade-river-2028", "new_password2": "Other-jade-river-2028"})
    assert _invalid(again)
    proctor.refresh_from_db()
    assert proctor.check_password(NEW_PASSWORD)
    # and the new password logs in
    r = Client().post(reverse("accounts:login"), {"username": "proctor_reset", "password": NEW_PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/console/"


def test_two_links_then_one_used_voids_the_other(world, proctor, on_commit):
    _ask(on_commit, "proctor_reset", ip="192.0.2.1")
    _ask(on_commit, "proctor_reset", ip="192.0.2.2")
    first, second = _link(mail.outbox[0]), _link(mail.outbox[1])
    assert _set(Client(), second).status_code == 302
    assert _invalid(Client().get(first))


def test_the_link_expires_after_thirty_minutes(world, proctor, on_commit, monkeypatch, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 30 * 60
    _ask(on_commit, "proctor_reset")
    path = _link(mail.outbox[0])
    real_now = auth.RESET_TOKENS._now
    monkeypatch.setattr(auth.RESET_TOKENS, "_now", lambda: real_now() + dt.timedelta(minutes=29))
    assert Client().get(path).status_code == 302  # still valid
    monkeypatch.setattr(auth.RESET_TOKENS, "_now", lambda: real_now() + dt.timedelta(minutes=31))
    assert _invalid(Client().get(path))
    # a page opened in time and submitted too late is refused as well
    monkeypatch.setattr(auth.RESET_TOKENS, "_now", lambda: real_now() + dt.timedelta(minutes=29))
    browser = Client()
    page = _open(browser, path)
    monkeypatch.setattr(auth.RESET_TOKENS, "_now", lambda: real_now() + dt.timedelta(minutes=31))
    late = browser.post(page.wsgi_request.path, {"new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert _invalid(late)
    proctor.refresh_from_db()
    assert proctor.check_password(PASSWORD)


def test_a_tampered_link_is_refused_with_the_same_message(world, proctor, on_commit):
    other = user_with_role(Role.PROCTOR, world.venue, username="other_reset")
    _ask(on_commit, "proctor_reset")
    path = _link(mail.outbox[0])
    _root, uid, token = path.rstrip("/").rsplit("/", 2)
    flipped = token[:-1] + ("a" if token[-1] != "a" else "b")
    other_uid = urlsafe_base64_encode(force_bytes(other.pk))
    base = reverse("accounts:password_reset")
    for bad in (f"{base}{uid}/{flipped}/", f"{base}{other_uid}/{token}/", f"{base}!!!/{token}/",
                f"{base}{uid}/{RESET_URL_TOKEN}/", f"{base}{urlsafe_base64_encode(b'99999')}/{token}/"):
        assert _invalid(Client().get(bad)), bad
        assert _invalid(Client().post(bad, {"new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})), bad
    for user in (proctor, other):
        user.refresh_from_db()
        assert user.check_password(PASSWORD)


def test_the_new_password_goes_through_the_validators_and_the_link_survives_a_refusal(world, proctor, on_commit):
    _ask(on_commit, "proctor_reset")
    path = _link(mail.outbox[0])
    browser = Client()
    weak = _set(browser, path, password="proctor_reset1")
    assert weak.status_code == 200
    body = weak.content.decode()
    assert 'class="error"' in body and "此重置链接无效" not in body
    mismatch = browser.post(weak.wsgi_request.path, {"new_password": NEW_PASSWORD, "new_password2": "x"})
    assert "两次输入的新密码不一致" in mismatch.content.decode()
    proctor.refresh_from_db()
    assert proctor.check_password(PASSWORD)
    ok = browser.post(weak.wsgi_request.path, {"new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert ok.status_code == 302


def test_setting_the_password_ends_the_users_other_sessions(world, proctor, on_commit):
    elsewhere = Client()
    assert elsewhere.post(reverse("accounts:login"), {"username": "proctor_reset", "password": PASSWORD},
                          REMOTE_ADDR="192.0.2.77").status_code == 302
    assert elsewhere.get(reverse("console:home")).status_code == 200
    _ask(on_commit, "proctor_reset")
    assert _set(Client(), _link(mail.outbox[0])).status_code == 302
    after = elsewhere.get(reverse("console:home"))
    assert after.status_code == 302 and after["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in elsewhere.session


def test_a_user_with_an_authenticator_still_needs_it_after_the_reset(world, on_commit):
    cand = make_candidate(65, email="c65@example.com")
    auth.totp_begin_enrolment(user=cand)
    device = TOTPDevice.objects.get(user=cand)
    auth.totp_confirm_enrolment(user=cand, code=pyotp.TOTP(device.secret).now())
    _ask(on_commit, cand.id_number, url_name="portal:password_reset")
    browser = Client()
    done = _set(browser, _link(mail.outbox[0]))
    assert done["Location"] == reverse("portal:login")  # a candidate goes back to the portal's login
    assert "_auth_user_id" not in browser.session
    r = browser.post(reverse("portal:login"), {"username": cand.id_number, "password": NEW_PASSWORD})
    assert r["Location"] == reverse("accounts:login_verify")
    assert PENDING in browser.session and "_auth_user_id" not in browser.session
    assert TOTPDevice.objects.get(user=cand).confirmed_at is not None


# --- Reset by an administrator -------------------------------------------------------------------------

def _console_reset(client: Client, admin: User, target: User, on_commit, reason: str = "本人来电，已核实身份"):
    client.force_login(admin)
    return on_commit(client.post, reverse("console:user_reset_password", args=[target.pk]), {"reason": reason})


def test_a_body_admin_resets_a_user_in_his_scope_by_mail(world, proctor, on_commit):
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin_resets")
    elsewhere = Client()
    elsewhere.force_login(proctor)
    assert elsewhere.get(reverse("console:home")).status_code == 200
    r = _console_reset(Client(), admin, proctor, on_commit)
    assert r.status_code == 302 and r["Location"] == reverse("console:user_detail", args=[proctor.pk])
    proctor.refresh_from_db()
    assert not proctor.has_usable_password()
    assert elsewhere.get(reverse("console:home")).status_code == 302  # his sessions ended at once
    (message,) = mail.outbox
    assert message.to == ["proctor@example.com"] and "管理员已重置" in message.body
    entry = AuditEntry.objects.get(action="accounts.user.password_reset")
    assert entry.actor_id == admin.pk and entry.data["delivery"] == "email"
    assert entry.data["reason"] == "本人来电，已核实身份"
    assert _set(Client(), _link(message)).status_code == 302
    proctor.refresh_from_db()
    assert proctor.check_password(NEW_PASSWORD)
    # his self-service requests meanwhile got nothing: an unusable password is for the administrator's link
    # (asserted before the link was used: see test_an_admin_reset_user_gets_no_self_service_link)


def test_an_admin_reset_user_gets_no_self_service_link(world, proctor, on_commit):
    services.user_password_reset(actor=world.platform_admin, user_id=proctor.pk, reason="离职交接")
    mail.outbox.clear()
    assert _ask(on_commit, "proctor_reset")["Location"].endswith("?sent=1")
    assert mail.outbox == [] and _results() == ["unusable_password"]


def test_without_an_email_the_admin_is_shown_a_one_time_link(world, on_commit):
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin_inperson")
    target = user_with_role(Role.EXAM_AFFAIRS, world.body, username="officer_nomail")
    r = _console_reset(Client(), admin, target, on_commit)
    assert r.status_code == 200
    body = r.content.decode()
    assert "当面交给本人" in body and mail.outbox == []
    path = LINK.search(body).group(1)
    assert AuditEntry.objects.get(action="accounts.user.password_reset").data["delivery"] == "in_person"
    assert _set(Client(), path).status_code == 302
    target.refresh_from_db()
    assert target.check_password(NEW_PASSWORD)


def test_the_platform_admin_resets_anyone_and_the_authenticator_stays(world, on_commit):
    target = user_with_role(Role.BODY_ADMIN, world.other_body, username="bank_reset", email="bank@example.com")
    auth.totp_begin_enrolment(user=target)
    device = TOTPDevice.objects.get(user=target)
    codes = auth.totp_confirm_enrolment(user=target, code=pyotp.TOTP(device.secret).now())
    assert _console_reset(Client(), world.platform_admin, target, on_commit).status_code == 302
    assert AuditEntry.objects.get(action="accounts.user.password_reset").data["has_second_factor"] is True
    browser = Client()
    assert _set(browser, _link(mail.outbox[0]))["Location"] == reverse("accounts:login")
    kept = TOTPDevice.objects.get(user=target)
    assert (kept.secret, kept.confirmed_at) == (device.secret, TOTPDevice.objects.get(pk=device.pk).confirmed_at)
    assert kept.confirmed_at is not None and target.recovery_codes.filter(used_at__isnull=True).count() == len(codes)
    r = browser.post(reverse("accounts:login"), {"username": "bank_reset", "password": NEW_PASSWORD})
    assert r["Location"] == reverse("accounts:login_verify")  # the second factor is still asked for
    assert "_auth_user_id" not in browser.session


def test_an_admin_out_of_scope_gets_404_and_the_service_refuses(world, proctor, on_commit):
    other_admin = user_with_role(Role.BODY_ADMIN, world.other_body, username="other_badmin_reset")
    client = Client()
    client.force_login(other_admin)
    assert client.get(reverse("console:user_reset_password", args=[proctor.pk])).status_code == 404
    assert _console_reset(client, other_admin, proctor, on_commit).status_code == 404
    with pytest.raises(PermissionDenied):
        services.user_password_reset(actor=other_admin, user_id=proctor.pk, reason="越权")
    proctor.refresh_from_db()
    assert proctor.check_password(PASSWORD) and mail.outbox == []
    assert not AuditEntry.objects.filter(action="accounts.user.password_reset").exists()


def test_an_admin_cannot_reset_himself_this_way(world, on_commit):
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin_self", email="self@example.com")
    client = Client()
    client.force_login(admin)
    page = client.get(reverse("console:user_reset_password", args=[admin.pk]))
    assert page.status_code == 200 and "不能用此方式重置自己的密码" in page.content.decode()
    assert 'name="reason"' not in page.content.decode()
    r = _console_reset(client, admin, admin, on_commit)
    assert r.status_code == 200 and "不能用此方式重置自己的密码" in r.content.decode()
    for actor in (admin, world.platform_admin):
        with pytest.raises(ValidationError):
            services.user_password_reset(actor=actor, user_id=actor.pk, reason="自己")
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD) and mail.outbox == []


@pytest.mark.parametrize("role", [Role.EXAM_AFFAIRS, Role.INTERNAL_SUPERVISOR, Role.PROCTOR])
def test_a_non_admin_gets_403_and_the_service_refuses(world, proctor, on_commit, role):
    actor = user_with_role(role, world.body if role != Role.PROCTOR else world.venue, username=f"non_admin_{role}")
    assert _console_reset(Client(), actor, proctor, on_commit).status_code == 403
    with pytest.raises(PermissionDenied):
        services.user_password_reset(actor=actor, user_id=proctor.pk, reason="越权")
    proctor.refresh_from_db()
    assert proctor.check_password(PASSWORD)


def test_a_reason_is_required_and_an_inactive_account_is_refused(world, proctor, on_commit):
    admin = user_with_role(Role.BODY_ADMIN, world.body, username="badmin_reason")
    r = _console_reset(Client(), admin, proctor, on_commit, reason="  ")
    assert r.status_code == 200 and 'class="error"' in r.content.decode()
    services.user_update(actor=admin, user_id=proctor.pk, is_active=False, organisation=proctor.organisation)
    with pytest.raises(ValidationError):
        services.user_password_reset(actor=admin, user_id=proctor.pk, reason="停用账户")
    proctor.refresh_from_db()
    assert proctor.check_password(PASSWORD) and mail.outbox == []


def test_a_reset_during_the_second_factor_step_ends_the_half_login(world, on_commit):
    """Someone who typed the old password and now owes the code is sent back to the login by the reset."""
    target = user_with_role(Role.BODY_ADMIN, world.body, username="bank_half", email="bh@example.com")
    auth.totp_begin_enrolment(user=target)
    device = TOTPDevice.objects.get(user=target)
    auth.totp_confirm_enrolment(user=target, code=pyotp.TOTP(device.secret).now())
    half = Client()
    assert half.post(reverse("accounts:login"), {"username": "bank_half", "password": PASSWORD}
                     )["Location"] == reverse("accounts:login_verify")
    assert half.get(reverse("accounts:login_verify")).status_code == 200
    services.user_password_reset(actor=world.platform_admin, user_id=target.pk, reason="疑似泄露")
    device.refresh_from_db()
    r = half.post(reverse("accounts:login_verify"), {"code": pyotp.TOTP(device.secret).now()})
    assert r.status_code == 302 and r["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in half.session and PENDING not in half.session
