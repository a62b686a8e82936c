"""What every console page shares: the staff gate, the one way a refused action becomes a message, and
file downloads. Views import these from here and from nowhere else (issue #21 item 1: one way from a POST
to a service; no view imports another view module's helpers)."""

from __future__ import annotations

import functools
import uuid

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import HttpRequest, HttpResponse

from skillcert.accounts import rules
from skillcert.core.excel import error_report_bytes
from skillcert.core.forms import REFUSALS, flash_refusal, perform, refusal_text
from skillcert.registration.storage import private_storage

REPORT_DIR = "import-reports"
__all__ = ["REFUSALS", "REPORT_DIR", "download", "flash_refusal", "perform", "refusal_text", "staff_required",
           "store_import_report"]


def staff_required(predicate=rules.is_staff_member):
    """Anonymous → login page; signed in without the right → 403 (default deny)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not rules.is_staff_member(request.user) or not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def download(data: bytes, name: str, mime: str) -> HttpResponse:
    """A private file download: never cached by a shared cache."""
    response = HttpResponse(data, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def store_import_report(user, errors) -> str:
    """Keep a refused import's error report for its user; returns the random token of its download URL."""
    token = uuid.uuid4().hex
    private_storage().save(f"{REPORT_DIR}/{user.pk}/{token}.xlsx", ContentFile(error_report_bytes(errors)))
    return token
