"""Machine API for the supervising platform (§6.1.1, §6.1.5). Documented in docs/api.md."""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from skillcert.accounts import rules
from skillcert.core import audit
from skillcert.registration import rules as registration_rules
from skillcert.registration import selectors
from skillcert.scheduling.models import Batch

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
    if not registration_rules.can_read_registrations(user) and not rules.is_platform_admin(user):
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        ann = selectors.announcement_get_for_user(user, pk, roles=selectors.READ_ROLES)
    except Http404:
        return JsonResponse({"error": "not found"}, status=404)
    document = selectors.approved_registrations(ann)
    audit.record(user, "registration.export.api", target=ann, data={"count": document["count"]})
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False})


@never_cache
def batch_results(request: HttpRequest, pk: int) -> JsonResponse:
    """GET /api/v1/batches/<pk>/results — the confirmed results of one batch (§6.5.2), for the body's office
    and the supervising authority's quality supervisors; nothing before the chief's confirmation."""
    from skillcert.grading import results
    from skillcert.grading import rules as grading_rules

    user = _caller(request)
    if user is None:
        return JsonResponse({"error": "authentication required"}, status=401)
    if not grading_rules.exports_any(user):
        return JsonResponse({"error": "forbidden"}, status=403)
    batch = Batch.objects.select_related("announcement__body").filter(pk=pk).first()
    if batch is None or not grading_rules.may_export(user, batch):
        return JsonResponse({"error": "not found"}, status=404)
    if not batch.results.exists() or batch.results.filter(status="draft").exists():
        return JsonResponse({"error": "results not confirmed"}, status=409)
    document = results.export_document(batch)
    audit.record(user, "grading.results.export_api", target=batch, data={"count": document["count"]})
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False})
