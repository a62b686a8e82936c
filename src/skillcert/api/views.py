"""Machine API for the supervising platform (§6.1.1, §6.1.5). Documented in docs/api.md."""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from skillcert.accounts import rules
from skillcert.core import audit
from skillcert.registration import selectors

from .tokens import user_for_bearer


def _caller(request: HttpRequest):
    header = request.headers.get("Authorization", "")
    if header:
        return user_for_bearer(header)
    return request.user if request.user.is_authenticated else None


@never_cache
def approved_registrations(request: HttpRequest, pk: int) -> JsonResponse:
    """GET /api/v1/announcements/<pk>/registrations — approved registrations of one announcement."""
    user = _caller(request)
    if user is None:
        return JsonResponse({"error": "authentication required"}, status=401)
    if not rules.has_role(user, *selectors.READ_ROLES) and not rules.is_platform_admin(user):
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        ann = selectors.announcement_get_for_user(user, pk, roles=selectors.READ_ROLES)
    except Http404:
        return JsonResponse({"error": "not found"}, status=404)
    document = selectors.approved_registrations(ann)
    audit.record(user, "registration.export.api", target=ann, data={"count": document["count"]})
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False})
