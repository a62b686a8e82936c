"""Login security (§10.8–§10.9; GB/T 22239-2019 level 3 identification and audit; OWASP ASVS L2).

- Per account: 5 failed attempts within 15 minutes lock the account for 15 minutes,
  whatever addresses they come from. Per address: too many failures block the address.
- A second factor (RFC 6238 TOTP) for privileged roles, with one-time recovery codes.
- Every success, failure, lockout and unlock is written to the audit log.

Passwords are checked with Django's hashers (Argon2 first). An unknown user name costs the
same hashing work as a known one, and gets the same answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.core import audit
from skillcert.core.models import AuditOutcome

from . import rules, throttle
from .enums import TOTP_REQUIRED_ROLES
from .models import LoginFailure, RecoveryCode, TOTPDevice, User
from .selectors import user_find_for_login

log = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
_DUMMY_HASH = None


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.user is not None


def _window_start(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=settings.SKILLCERT_LOCKOUT_WINDOW_SECONDS)


def ip_is_throttled(ip: str | None, now: dt.datetime | None = None) -> bool:
    if not ip:
        return False
    now = now or timezone.now()
    recent = LoginFailure.objects.filter(ip=ip, at__gte=_window_start(now)).count()
    return recent >= settings.SKILLCERT_IP_THROTTLE_THRESHOLD


def _locked_message(user_or_until) -> str:
    locked_until = getattr(user_or_until, "locked_until", user_or_until)
    until = timezone.localtime(locked_until).strftime("%H:%M")
    return _("该账户因多次登录失败已被锁定，请于 %(time)s 后再试，或联系管理员解锁。") % {"time": until}


def _ghost_key(username: str) -> str:
    digest = hashlib.sha256("".join(username.split()).lower().encode()).hexdigest()[:32]
    return f"sc:login-ghost:{digest}"


def _unknown_user_failure(username: str, ip: str | None, now: dt.datetime) -> LoginResult:
    """A name that matches no account locks exactly as a real account does (same count, same window, same
    message), so the lockout does not tell which user names, ID numbers and phones exist (issue #20
    item 6a). The failures are the same ``LoginFailure`` rows; the lock lives in the cache."""
    state = cache.get(_ghost_key(username)) or {}
    until = state.get("locked_until")
    if until and until > now:
        LoginFailure.objects.create(username=username[:150], user=None, ip=ip, at=now, reason="locked")
        audit.record(None, "accounts.login.refused_locked", outcome=AuditOutcome.DENIED,
                     actor_label=username[:150])
        return LoginResult(None, _locked_message(until))
    register_failure(None, username=username, ip=ip, reason="unknown_user")
    since = max(filter(None, [_window_start(now), until]))  # an expired lock restarts the count, as for a user
    failures = LoginFailure.objects.filter(user=None, username__iexact=username[:150], reason="unknown_user",
                                           at__gte=since).count()
    if failures >= settings.SKILLCERT_LOCKOUT_THRESHOLD:
        until = now + dt.timedelta(seconds=settings.SKILLCERT_LOCKOUT_SECONDS)
        cache.set(_ghost_key(username), {"locked_until": until},
                  timeout=settings.SKILLCERT_LOCKOUT_SECONDS + settings.SKILLCERT_LOCKOUT_WINDOW_SECONDS)
        return LoginResult(None, _locked_message(until))
    return LoginResult(None, _("用户名或密码不正确。"))


def _expire_lock_if_due(user: User, now: dt.datetime) -> None:
    if user.locked_until and user.locked_until <= now:
        previous = user.locked_until
        user.locked_until = None
        user.failures_reset_at = now
        user.save(update_fields=["locked_until", "failures_reset_at"])
        audit.record(None, "accounts.user.unlocked", target=user, actor_label="system",
                     data={"by": "expiry", "locked_until": previous})


def register_failure(user: User | None, *, username: str, ip: str | None, reason: str,
                     action: str = "accounts.login.failed") -> bool:
    """Count one failed attempt; lock the account when it reaches the threshold. Returns locked."""
    now = timezone.now()
    LoginFailure.objects.create(username=username[:150], user=user, ip=ip, at=now, reason=reason)
    audit.record(None, action, target=user, outcome=AuditOutcome.FAILED, actor_label=username[:150],
                 data={"reason": reason})
    if user is None:
        return False
    since = max(filter(None, [_window_start(now), user.failures_reset_at]))
    failures = LoginFailure.objects.filter(user=user, at__gte=since).count()
    if failures >= settings.SKILLCERT_LOCKOUT_THRESHOLD and not user.is_locked(now):
        user.locked_until = now + dt.timedelta(seconds=settings.SKILLCERT_LOCKOUT_SECONDS)
        user.save(update_fields=["locked_until"])
        audit.record(None, "accounts.user.locked", target=user, actor_label="system",
                     data={"failures": failures, "locked_until": user.locked_until})
        return True
    return False


@transaction.atomic
def password_login(*, username: str, password: str, ip: str | None) -> LoginResult:
    """First factor. Locks the user row so parallel guesses are all counted."""
    global _DUMMY_HASH
    now = timezone.now()
    username = (username or "").strip()
    generic = _("用户名或密码不正确。")
    if ip_is_throttled(ip, now):
        audit.record(None, "accounts.login.throttled", outcome=AuditOutcome.DENIED, actor_label=username[:150],
                     data={"ip": ip})
        return LoginResult(None, _("此地址登录失败次数过多，请 15 分钟后再试。"))
    found = user_find_for_login(username)
    user = User.objects.select_for_update().get(pk=found.pk) if found else None
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = make_password(secrets.token_urlsafe(16))
        User(password=_DUMMY_HASH).check_password(password)  # same cost as a real check
        return _unknown_user_failure(username, ip, now)
    _expire_lock_if_due(user, now)
    if user.is_locked(now):
        LoginFailure.objects.create(username=username[:150], user=user, ip=ip, at=now, reason="locked")
        audit.record(None, "accounts.login.refused_locked", target=user, outcome=AuditOutcome.DENIED,
                     actor_label=username[:150])
        return LoginResult(None, _locked_message(user))
    if not user.check_password(password) or not user.is_active:
        reason = "bad_password" if user.is_active else "inactive"
        if register_failure(user, username=username, ip=ip, reason=reason):
            return LoginResult(None, _locked_message(user))
        return LoginResult(None, generic)
    audit.record(user, "accounts.login.password_accepted", target=user)
    return LoginResult(user)


def complete_login(user: User, *, method: str) -> None:
    """All factors passed: reset the failure count and record the success."""
    with transaction.atomic():
        now = timezone.now()
        User.objects.filter(pk=user.pk).update(failures_reset_at=now)
        audit.record(user, "accounts.login.succeeded", target=user, data={"second_factor": method})


def record_logout(user: User, *, reason: str) -> None:
    with transaction.atomic():
        audit.record(user, "accounts.session.ended", target=user, data={"reason": reason})


# --- TOTP -----------------------------------------------------------------------------

def _totp(device: TOTPDevice) -> pyotp.TOTP:
    return pyotp.TOTP(device.secret)


def provisioning_uri(user: User, device: TOTPDevice) -> str:
    return _totp(device).provisioning_uri(name=user.username, issuer_name=settings.SKILLCERT_TOTP_ISSUER)


def current_code(user: User) -> str:
    """The code an authenticator shows now (development helper: ``manage.py totp_code``)."""
    return _totp(user.totp_device).now()


class AlreadyEnrolled(Exception):
    """The user has a confirmed authenticator: its secret is never shown again (issue #20 item 1)."""


@transaction.atomic
def totp_begin_enrolment(*, user: User) -> TOTPDevice:
    """A fresh unconfirmed secret (replacing an unconfirmed one). A confirmed device is never handed
    out again: its secret is the second factor, so showing it would let the first factor alone in."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device and device.confirmed_at:
        raise AlreadyEnrolled
    secret = pyotp.random_base32(32)
    if device:
        device.secret, device.last_used_step = secret, 0
        device.save(update_fields=["secret", "last_used_step"])
    else:
        device = TOTPDevice.objects.create(user=user, secret=secret)
    return device


def _accept_code(device: TOTPDevice, code: str) -> bool:
    """Accept the current step ±1 (clock drift), never a step at or before the last one used."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return False
    totp, now = _totp(device), timezone.now()
    step_now = totp.timecode(now)
    for step in (step_now - 1, step_now, step_now + 1):
        if step > device.last_used_step and hmac.compare_digest(totp.generate_otp(step), code):
            device.last_used_step = step
            device.save(update_fields=["last_used_step"])
            return True
    return False


def _code_hash(code: str) -> str:
    normal = code.replace("-", "").replace(" ", "").lower()
    return hmac.new(settings.SECRET_KEY.encode(), normal.encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)  # 40 bits each, single use
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=_code_hash(c)) for c in codes])
    return codes


@transaction.atomic
def totp_confirm_enrolment(*, user: User, code: str) -> list[str] | None:
    """Confirm the device with a first code; return the recovery codes (shown once)."""
    device = TOTPDevice.objects.select_for_update().get(user=user)
    if device.confirmed_at:
        return None
    if not _accept_code(device, code):
        audit.record(user, "accounts.totp.enrolment_failed", target=user, outcome=AuditOutcome.FAILED)
        return None
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    codes = _new_recovery_codes(user)
    audit.record(user, "accounts.totp.enrolled", target=user)
    return codes


@transaction.atomic
def second_factor_verify(*, user: User, code: str, ip: str | None) -> LoginResult:
    """A TOTP code or a recovery code. Failures count towards the account lockout."""
    user = User.objects.select_for_update().get(pk=user.pk)
    now = timezone.now()
    if user.is_locked(now):
        return LoginResult(None, _locked_message(user))
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if device and _accept_code(device, code):
        return LoginResult(user)
    cleaned = (code or "").strip()
    if len(cleaned.replace("-", "")) == 10:
        rc = RecoveryCode.objects.select_for_update().filter(
            user=user, code_hash=_code_hash(cleaned), used_at__isnull=True).first()
        if rc:
            rc.used_at = now
            rc.save(update_fields=["used_at"])
            left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
            audit.record(user, "accounts.totp.recovery_code_used", target=user, data={"remaining": left})
            return LoginResult(user)
    if register_failure(user, username=user.username, ip=ip, reason="bad_otp",
                        action="accounts.login.second_factor_failed"):
        return LoginResult(None, _locked_message(user))
    return LoginResult(None, _("动态口令不正确或已使用，请输入验证器上的最新6位数字。"))


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    codes = _new_recovery_codes(user)
    audit.record(user, "accounts.totp.recovery_codes_regenerated", target=user)
    return codes


# --- Password reset by e-mailed link (issue #20 item 6b; §10.9; ASVS V2.5) -------------------------
#
# The request answers the same whatever was typed: one lookup query, one audit entry, and the mail queued on
# commit (a Celery task: in production the request only enqueues). The link carries Django's
# PasswordResetTokenGenerator token: it hashes the password and the last login, so it works once, and for
# PASSWORD_RESET_TIMEOUT (30 minutes). Only the user id goes through the queue; the task makes the token.
# Holders of a role that requires a second factor get no self-service link: an administrator resets them
# (services.user_password_reset), and their authenticator stays.

RESET_TOKENS = PasswordResetTokenGenerator()
RESET_SELF, RESET_ADMIN = "self", "admin"


def _reset_refusal(user: User | None, kind: str = RESET_SELF) -> str:
    """Why ``user`` gets no reset mail ("" when he does). Never shown to the person asking: audited only."""
    if user is None:
        return "no_account"
    if not user.is_active:
        return "inactive"
    if not user.email:
        return "no_email"
    if kind == RESET_SELF:
        if not user.has_usable_password():
            return "unusable_password"
        if rules.roles_of(user) & TOTP_REQUIRED_ROLES:
            return "privileged"
    return ""


@transaction.atomic
def password_reset_request(*, login: str, ip: str | None) -> bool:
    """A reset link asked for by name (user name, ID number or phone, as at the login). Returns False only when
    the address is over its limit — that answer is the same for every name. Whether a mail goes out is audited
    and never told: existing or not, privileged or not, the caller answers the same."""
    if throttle.blocked(throttle.RESET_ADDRESS, ip):
        audit.record(None, "accounts.password_reset.throttled", outcome=AuditOutcome.DENIED,
                     actor_label=(login or "")[:150], ip=ip)
        return False
    throttle.hit(throttle.RESET_ADDRESS, ip)
    login = (login or "").strip()[:150]
    user = user_find_for_login(login)
    reason = _reset_refusal(user)
    if not reason and throttle.blocked(throttle.RESET_ACCOUNT, str(user.pk)):
        reason = "account_throttled"
    if not reason:
        throttle.hit(throttle.RESET_ACCOUNT, str(user.pk))
        user_id = user.pk
        transaction.on_commit(lambda: queue_reset_mail(user_id, RESET_SELF), robust=True)  # a broker down: logged
    audit.record(None, "accounts.password_reset.requested", target=user, actor_label=login,
                 outcome=AuditOutcome.DENIED if reason else AuditOutcome.SUCCESS,
                 ip=ip, data={"result": reason or "mailed"})
    return True


def queue_reset_mail(user_id: int, kind: str) -> None:
    from .tasks import password_reset_mail

    password_reset_mail.delay(user_id, kind)


def password_reset_link(user: User) -> str:
    """The absolute link for ``user`` in his current state (made after his password last changed)."""
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    path = reverse("accounts:password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": RESET_TOKENS.make_token(user)})
    return settings.SKILLCERT_SITE_URL + path


def password_reset_send(*, user_id: int, kind: str) -> bool:
    """The mail (run by the task). Checks again: a role granted or an address removed since the request counts."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    user = User.objects.filter(pk=user_id).first()
    if _reset_refusal(user, kind):
        return False
    context = {"user": user, "link": password_reset_link(user), "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
               "by_admin": kind == RESET_ADMIN}
    subject = _("重置您的职业技能等级认定平台密码")
    body = render_to_string("accounts/password_reset_email.txt", context)
    try:
        send_mail(subject, body, None, [user.email], fail_silently=False)
    except Exception:  # the operator sees the log; the person asks again
        log.exception("password reset mail to user %s failed", user_id)
        return False
    return True


def password_reset_user(uidb64: str) -> User | None:
    """The active user a link names, or None for anything malformed."""
    from django.utils.encoding import force_str
    from django.utils.http import urlsafe_base64_decode

    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


class ResetLinkInvalid(Exception):
    """Used, expired, tampered with, or for an account no longer active: one message for all."""


@transaction.atomic
def password_reset_complete(*, user_id: int, token: str, password: str) -> User:
    """Set the new password through the validators. The token is checked again under the row lock, so two
    submissions of one link cannot both succeed. Changing the password ends the user's other sessions (the
    session auth hash) and voids every other link; it does not log anyone in and leaves the second factor."""
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None or not RESET_TOKENS.check_token(user, token):
        raise ResetLinkInvalid
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(user, "accounts.password_reset.completed", target=user)
    return user
