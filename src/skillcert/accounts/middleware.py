"""Staff sessions end after 30 minutes without a request (§10.9; GB/T 22239 session control)."""

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
        if user is not None and user.is_authenticated and rules.is_staff_member(user):
            now = time.time()
            last = request.session.get(SESSION_KEY)
            if last is not None and now - last > settings.SKILLCERT_STAFF_IDLE_SECONDS:
                record_logout(user, reason="idle_timeout")
                logout(request)
                messages.info(request, _("您已超过30分钟未操作，为安全起见已自动退出，请重新登录。"))
                return redirect_to_login(request.get_full_path())
            request.session[SESSION_KEY] = now
        return self.get_response(request)
