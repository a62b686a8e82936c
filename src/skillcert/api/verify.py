"""The public certificate verification API (django-ninja; OpenAPI at /api/verify/v1/openapi.json).

Same rules as the verification page (``certificates/verification.py``): no enumeration, a limit per client
address and minute (429), every lookup logged. Documented in docs/api.md.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI, Schema

from skillcert.certificates import verification
from skillcert.core.context import client_ip_from_request

api = NinjaAPI(title="skillcert certificate verification API", version="1", urls_namespace="verify_api",
               description="Public verification of vocational skill level certificates (T/QDSF 015—2022 §8.3).")


class Record(Schema):
    number: str
    name: str
    id_type: str
    id_number: str  # masked: region and last four
    occupation: str
    trade: str
    level: str
    body: str
    issue_date: str
    status: str  # valid / revoked / replaced
    status_label: str
    revoked_at: str | None = None
    revoke_reason: str | None = None
    replaced_by: str | None = None


class Answer(Schema):
    found: bool
    certificates: list[Record]
    signature_ok: bool | None = None  # for ?token=: the QR's signature checked against the published key
    signed: dict | None = None
    error: str = ""


class Error(Schema):
    error: str


@api.get("/certificates", response={200: Answer, 400: Answer, 429: Error}, summary="Verify a certificate")
def certificates(request: HttpRequest, number: str = "", name: str = "", id_number: str = "", token: str = ""):
    """Look up by ``number`` + ``name``, by ``id_number`` + ``name``, or by the QR ``token``. A miss answers
    ``found: false`` whatever was wrong."""
    # The body is built to the declared schemas (which document it) and sent as it is: the lookup answers many
    # times a second, and the records come from verification._record in exactly that shape.
    try:
        answer = verification.lookup(ip=client_ip_from_request(request), number=number, name=name,
                                     id_number=id_number, token=token)
    except verification.TooMany as exc:
        return JsonResponse({"error": str(exc)}, status=429)
    body = {"found": bool(answer.certificates), "certificates": answer.certificates, "error": answer.error,
            "signature_ok": answer.signature_ok, "signed": answer.signed}
    return JsonResponse(body, status=400 if answer.error else 200)
