"""Sessions end after 30 minutes without a request (§10.9; GB/T 22239 session control): staff on the
console, and candidates on the portal (issue #20 item 6c). The exam player does not use the portal session
(it carries its own bearer token, api/exam.py), so a candidate sitting an exam is never cut by this."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _

from . import rules
from .authentication import record_logout

SESSION_KEY = "_sc_last_seen"


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            staff = rules.is_staff_member(user)
            limit = settings.SKILLCERT_STAFF_IDLE_SECONDS if staff else settings.SKILLCERT_CANDIDATE_IDLE_SECONDS
            now = time.time()
            last = request.session.get(SESSION_KEY)
            if last is not None and now - last > limit:
                record_logout(user, reason="idle_timeout")
                logout(request)
                messages.info(request, _("您已超过30分钟未操作，为安全起见已自动退出，请重新登录。"))
                return redirect_to_login(request.get_full_path(), login_url=None if staff else "portal:login")
            request.session[SESSION_KEY] = now
        return self.get_response(request)
