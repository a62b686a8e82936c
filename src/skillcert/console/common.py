"""What every console page shares: the staff gate, the one way a refused action becomes a message, and
file downloads. Views import these from here and from nowhere else (issue #21 item 1: one way from a POST
to a service; no view imports another view module's helpers)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import HttpRequest, HttpResponse

from skillcert.accounts import rules
from skillcert.core.errors import DomainError
from skillcert.core.excel import error_report_bytes
from skillcert.registration.storage import private_storage

#: What a service raises to refuse an action; ``perform`` turns each into an error message.
REFUSALS = (ValidationError, DomainError, PermissionDenied)
REPORT_DIR = "import-reports"


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


def refusal_text(exc: Exception) -> str:
    """The words of a refusal: every message of a ValidationError, the text of anything else."""
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


def flash_refusal(request: HttpRequest, exc: Exception) -> None:
    """A refusal (ValidationError, DomainError such as an illegal transition, PermissionDenied) as a message."""
    messages.error(request, refusal_text(exc))


def perform(request: HttpRequest, service: Callable[..., Any], success: str, /, **kwargs) -> Any | None:
    """Run one service for a POST: its result and ``success`` as a message, or ``None`` and the refusal as an
    error message. The single place a console action turns ``ValidationError``, ``DomainError`` and
    ``PermissionDenied`` into what the user reads; the caller redirects either way."""
    try:
        result = service(**kwargs)
    except REFUSALS as exc:
        flash_refusal(request, exc)
        return None
    if success:
        messages.success(request, success)
    return result


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
