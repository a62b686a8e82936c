"""Staff login with lockout and a TOTP second factor; the user's own security settings."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from skillcert.core.context import get_client_ip
from skillcert.core.forms import ListQueryForm, run_service
from skillcert.core.qr import qr_svg

from . import authentication as auth
from . import rules, services
from .forms import CodeForm, LoginForm, PasswordChangeForm, PasswordResetRequestForm, SetPasswordForm
from .models import TOTPDevice, User

PENDING = "_sc_pending_login"
PENDING_MAX_AGE = 300  # seconds between the password and the second factor


def _safe_next(request: HttpRequest, candidate: str | None, default: str = "/console/") -> str:
    if candidate and candidate.startswith("/") and url_has_allowed_host_and_scheme(
            candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return default


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_MAX_AGE:
        request.session.pop(PENDING, None)
        return None
    user = User.objects.filter(pk=pending["uid"], is_active=True).first()
    if user is not None and pending.get("hash") != user.get_session_auth_hash():
        # the password changed (a reset) since it was typed: the half-login ends with it (issue #20 item 6b)
        request.session.pop(PENDING, None)
        return None
    return user


def _finish(request: HttpRequest, user: User, method: str) -> HttpResponse:
    next_url = request.session.get(PENDING, {}).get("next")
    auth.complete_login(user, method=method)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # new session key
    request.session.pop(PENDING, None)
    return redirect(_safe_next(request, next_url))


def login_flow(request: HttpRequest, *, template: str, default_next: str, form_class=LoginForm) -> HttpResponse:
    """Password first, then the second factor when the user's roles (or own choice) require it.
    Shared by the staff login and the candidate portal's login."""
    if request.user.is_authenticated:
        return redirect(_safe_next(request, ListQueryForm(request.GET).value("next"), default_next))
    asked_next = ListQueryForm(request.GET).value("next")
    form = form_class(request.POST or None, initial={"next": asked_next})
    if request.method == "POST" and form.is_valid():
        result = auth.password_login(username=form.cleaned_data["username"],
                                     password=form.cleaned_data["password"], ip=get_client_ip())
        if not result.ok:
            form.add_error(None, result.error)
        else:
            user = result.user
            next_url = _safe_next(request, form.cleaned_data["next"] or asked_next, default_next)
            if rules.totp_required(user):
                request.session.cycle_key()
                request.session[PENDING] = {"uid": user.pk, "at": time.time(), "next": next_url,
                                            "hash": user.get_session_auth_hash()}
                has_device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
                return redirect("accounts:login_verify" if has_device else "accounts:login_enrol")
            request.session[PENDING] = {"uid": user.pk, "at": time.time(), "next": next_url}
            return _finish(request, user, "none")
    return render(request, template, {"form": form, "next": asked_next})


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    return login_flow(request, template="accounts/login.html", default_next="/console/")


@never_cache
def login_verify(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.warning(request, _("登录已超时，请重新输入用户名和密码。"))
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = auth.second_factor_verify(user=user, code=form.cleaned_data["code"], ip=get_client_ip())
        if result.ok:
            return _finish(request, user, "totp")
        form.add_error("code", result.error)
    return render(request, "accounts/login_verify.html", {"form": form, "pending_user": user})


def _enrolment_context(user: User, device: TOTPDevice, form: CodeForm) -> dict:
    secret = device.secret
    return {
        "form": form,
        "pending_user": user,
        "qr": qr_svg(auth.provisioning_uri(user, device)),
        "secret_groups": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    }


def _enrol(request: HttpRequest, user: User, template: str, on_confirmed, *, enrolled_url: str) -> HttpResponse:
    """Show a fresh secret as a QR code (GET); confirm it with a first code (POST).
    Only for a user with no confirmed device (callers check; the service refuses as well)."""
    device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if request.method == "POST" and device is None:
        return redirect(request.get_full_path())  # a code posted before any secret was shown: show one (a GET)
    if request.method != "POST":
        try:
            device = auth.totp_begin_enrolment(user=user)
        except auth.AlreadyEnrolled:
            return redirect(enrolled_url)
        form = CodeForm()
    else:
        form = CodeForm(request.POST)
    if form.is_bound and form.is_valid():
        codes = auth.totp_confirm_enrolment(user=user, code=form.cleaned_data["code"])
        if codes is not None:
            return on_confirmed(codes)
        form.add_error("code", _("动态口令不正确，请核对手机时间后输入验证器上的最新6位数字。"))
    return render(request, template, _enrolment_context(user, device, form))


@never_cache
def login_enrol(request: HttpRequest) -> HttpResponse:
    """Privileged users without an authenticator enrol one before they get in. A user who has one is sent
    to the code page: nothing in the half-logged-in state shows or replaces a confirmed factor."""
    user = _pending_user(request)
    if user is None:
        messages.warning(request, _("登录已超时，请重新输入用户名和密码。"))
        return redirect("accounts:login")
    if TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        return redirect("accounts:login_verify")

    def logged_in(codes):
        response = _finish(request, user, "totp_enrolled")
        return render(request, "accounts/recovery_codes.html", {"codes": codes, "continue_url": response.url})

    return _enrol(request, user, "accounts/login_enrol.html", logged_in, enrolled_url="accounts:login_verify")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    staff = rules.is_staff_member(request.user)
    if request.user.is_authenticated:
        auth.record_logout(request.user, reason="logout")
    logout(request)
    messages.success(request, _("您已安全退出。"))
    return redirect("accounts:login" if staff else "portal:login")


def _show_recovery_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    context = {"codes": codes, "continue_url": reverse("accounts:security")}
    return render(request, "accounts/recovery_codes.html", context)


@login_required
@never_cache
def security_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = TOTPDevice.objects.filter(user=user).first()
    return render(request, "accounts/security.html", {
        "device": device if device and device.confirmed_at else None,
        "totp_required": rules.totp_required(user),
        "recovery_left": user.recovery_codes.filter(used_at__isnull=True).count(),
    })


@login_required
@never_cache
def security_totp(request: HttpRequest) -> HttpResponse:
    """Voluntary enrolment for staff whose role does not require it (or re-enrolment after reset)."""
    if TOTPDevice.objects.filter(user=request.user, confirmed_at__isnull=False).exists():
        return redirect("accounts:security")
    return _enrol(request, request.user, "accounts/security_totp.html",
                  lambda codes: _show_recovery_codes(request, codes), enrolled_url="accounts:security")


@login_required
@require_POST
def security_recovery_codes(request: HttpRequest) -> HttpResponse:
    if not TOTPDevice.objects.filter(user=request.user, confirmed_at__isnull=False).exists():
        return redirect("accounts:security")
    codes = auth.recovery_codes_regenerate(user=request.user)
    return _show_recovery_codes(request, codes)


@login_required
@sensitive_post_parameters()
@never_cache
def security_password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not request.user.check_password(form.cleaned_data["old_password"]):
            form.add_error("old_password", _("当前密码不正确。"))
        elif run_service(form, services.user_set_password, actor=request.user, user_id=request.user.pk,
                         password=form.cleaned_data["new_password"]) is not None:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, User.objects.get(pk=request.user.pk))
            messages.success(request, _("密码已修改。"))
            return redirect("accounts:security")
    return render(request, "accounts/security_password.html", {"form": form})




# --- Password reset by e-mailed link (issue #20 item 6b) -------------------------------------------

RESET_SESSION_TOKEN = "_sc_password_reset_token"  # noqa: S105 (a session key, not a secret)
RESET_URL_TOKEN = "set-password"  # noqa: S105 (stands in for the token in the URL)


def password_reset_flow(request: HttpRequest, *, template: str, form_class=PasswordResetRequestForm) -> HttpResponse:
    """The request page, shared by the staff login and the candidate portal. Whatever was typed — an account
    that exists or not, a privileged one, one with no e-mail — the answer is the same redirect to the same
    notice; only an address over its limit is told so (that says nothing about any account)."""
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if auth.password_reset_request(login=form.cleaned_data["login"], ip=get_client_ip()):
            return redirect(f"{request.path}?sent=1")
        form.add_error(None, _("此地址申请重置密码的次数过多，请 1 小时后再试。"))
    sent = request.method != "POST" and ListQueryForm(request.GET).value("sent") == "1"
    return render(request, template, {"form": form, "sent": sent,
                                      "minutes": settings.PASSWORD_RESET_TIMEOUT // 60})


@sensitive_post_parameters("login")
@never_cache
def password_reset(request: HttpRequest) -> HttpResponse:
    return password_reset_flow(request, template="accounts/password_reset.html")


def _reset_invalid(request: HttpRequest) -> HttpResponse:
    request.session.pop(RESET_SESSION_TOKEN, None)
    return render(request, "accounts/password_reset_confirm.html", {"invalid": True})


@sensitive_post_parameters()
@never_cache
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Set a new password from a mailed link. The token leaves the address bar at once (kept in the session,
    like Django's own view), so it is not in the history or any Referer. Used, expired and tampered links get
    one message. Nobody is logged in here: the user then signs in, with his second factor if he has one."""
    user = auth.password_reset_user(uidb64)
    if token == RESET_URL_TOKEN:
        token = request.session.get(RESET_SESSION_TOKEN, "")
    elif user is not None and auth.RESET_TOKENS.check_token(user, token):
        request.session[RESET_SESSION_TOKEN] = token
        return redirect(request.path.replace(token, RESET_URL_TOKEN))
    if user is None or not auth.RESET_TOKENS.check_token(user, token):
        return _reset_invalid(request)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = run_service(form, auth.password_reset_complete, user_id=user.pk, token=token,
                               password=form.cleaned_data["new_password"])
        except auth.ResetLinkInvalid:
            return _reset_invalid(request)
        if done is not None:
            request.session.pop(RESET_SESSION_TOKEN, None)
            messages.success(request, _("新密码已设置，请用新密码登录。"))
            return redirect("accounts:login" if rules.is_staff_member(done) else "portal:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form, "reset_user": user})
