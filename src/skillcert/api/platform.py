"""The supervising platform's API (django-ninja; OpenAPI at /api/v1/openapi.json, browsable at /api/v1/docs).

Read-only JSON for the supervising platform (监管平台, §6.1.1, §6.1.5, §6.5.2): the approved registrations of an
announcement and the confirmed results of a batch. The caller is a skillcert user — with a bearer token
(``accounts.tokens``, issued by ``manage.py api_token``) or a signed-in staff session — and that user's roles and
scope decide what it reads. Every export is audited. Documented in docs/api.md.

Errors answer ``{"error": "…"}`` with 401 (no or unknown token), 403 (no role that reads this), 404 (absent or out
of scope), 409 (results not confirmed) and 422 (an id that is not a number); each operation declares exactly those
it can answer (issue #21 item 6).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest
from django.views.decorators.cache import never_cache
from ninja import NinjaAPI, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from skillcert.accounts import rules
from skillcert.accounts.tokens import user_for_token
from skillcert.core import audit
from skillcert.grading import results
from skillcert.grading import rules as grading_rules
from skillcert.registration import rules as registration_rules
from skillcert.registration import selectors
from skillcert.scheduling.models import Batch

from .common import ReadableJSON, RequestInvalid, request_errors

api = NinjaAPI(title="skillcert supervising platform API", version="1", urls_namespace="api",
               renderer=ReadableJSON(),
               description="Approved registrations and confirmed results for the supervising platform "
                           "(T/QDSF 015—2022 §6.1.1, §6.1.5, §6.5.2). Read-only; every export is audited.")


class PlatformToken(HttpBearer):
    """``Authorization: Bearer sk_…``: a token issued with ``manage.py api_token USER``; it acts as USER."""

    def authenticate(self, request: HttpRequest, token: str):
        return user_for_token(token)


class StaffSession(SessionAuth):
    """A signed-in staff session (the link on an announcement's page works in a browser) — only when the request
    carries no Authorization header: a wrong or revoked token is refused, not excused by a session."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None):
        if "Authorization" in request.headers:
            return None
        return super().authenticate(request, key)


CALLER = [PlatformToken(), StaffSession(csrf=False)]  # read-only GETs: no CSRF to check


class Error(Schema):
    error: str


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, {"error": "authentication required"}, status=401)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"error": "not found"}, status=404)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return api.create_response(request, {"error": str(exc)}, status=exc.status_code)


@api.exception_handler(RequestInvalid)
def _invalid(request, exc):
    """A path id that is not a whole number (``/announcements/abc/registrations``)."""
    return api.create_response(request, {"error": request_errors(exc)[0]}, status=422)


# --- Documents (the shapes of registration.selectors.approved_registrations and grading.results.export_document) ---

class Body(Schema):
    name: str
    certificate_prefix: str
    region_code: str


class AnnouncementRef(Schema):
    id: int
    title: str
    status: str


class Registration(Schema):
    application_id: int
    name: str
    id_type: str
    id_number: str
    phone: str
    employer: str
    education: str | None
    occupation_code: str
    occupation: str
    trade: str | None
    level: int
    level_name: str
    source: str
    fee_status: str
    approved_at: str | None


class Registrations(Schema):
    format: str
    generated_at: str
    body: Body
    announcement: AnnouncementRef
    count: int
    registrations: list[Registration]


class ResultsBody(Schema):
    name: str
    region_code: str


class BatchRef(Schema):
    id: int
    name: str
    announcement: str


class Result(Schema):
    application_id: int
    name: str
    id_type: str
    id_number: str
    occupation_code: str
    trade: str
    level: int
    level_name: str
    theory: str | None
    theory_state: str
    practical: str | None
    practical_state: str
    review: str | None
    review_state: str
    passed: bool | None
    status: str
    confirmed_at: str | None
    published_at: str | None


class Results(Schema):
    format: str
    generated_at: str
    body: ResultsBody
    batch: BatchRef
    count: int
    passed: int
    results: list[Result]


@api.get("/announcements/{pk}/registrations", auth=CALLER, url_name="approved_registrations",
         response={200: Registrations, 401: Error, 403: Error, 404: Error, 422: Error},
         summary="Approved registrations of one announcement (§6.1.5)")
@decorate_view(never_cache)
def approved_registrations(request: HttpRequest, pk: int):
    """For entering candidates into the platform: readers of registrations (the body's office, quality
    supervisors) and the platform admin; another body's announcement is 404."""
    user = request.auth
    if not registration_rules.can_read_registrations(user) and not rules.is_platform_admin(user):
        return Status(403, {"error": "forbidden"})
    ann = selectors.announcement_get_for_user(user, pk, roles=selectors.READ_ROLES)
    document = selectors.approved_registrations(ann)
    audit.record(user, "registration.export.api", target=ann, data={"count": document["count"]})
    return document


@api.get("/batches/{pk}/results", auth=CALLER, url_name="batch_results",
         response={200: Results, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
         summary="Confirmed results of one batch (§6.5.2)")
@decorate_view(never_cache)
def batch_results(request: HttpRequest, pk: int):
    """The confirmed results of one batch (§6.5.2), for the body's office and the supervising authority's quality
    supervisors; nothing before the chief's confirmation (409)."""
    user = request.auth
    if not grading_rules.exports_any(user):
        return Status(403, {"error": "forbidden"})
    batch = Batch.objects.select_related("announcement__body").filter(pk=pk).first()
    if batch is None or not grading_rules.may_export(user, batch):
        raise Http404
    if not batch.results.exists() or batch.results.filter(status="draft").exists():
        return Status(409, {"error": "results not confirmed"})
    document = results.export_document(batch)
    audit.record(user, "grading.results.export_api", target=batch, data={"count": document["count"]})
    return document
