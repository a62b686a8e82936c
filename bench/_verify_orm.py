"""The verification lookup written the plain way — Django ORM and the shared cache throttle of accounts/throttle.py —
kept only so that bench/certificates.py can price it against the raw SQL statement of
``certificates/verification.py`` (issue #21 item 8: keep the simpler one unless it is measurably slower; it was).

A lookup here is a cache count (add + incr), one indexed select with the successor joined, and the log row inserted
in its own transaction with ``synchronous_commit`` off (the same durability as the product's): five or six round
trips to Redis and PostgreSQL where the product makes one. Served at ``/orm/`` by bench/_verify_urls.py, with the
same parsing, validation and answer as the API's view.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse

from skillcert.accounts import throttle
from skillcert.certificates import numbering
from skillcert.certificates.models import Certificate, VerificationLog
from skillcert.certificates.verification import _clean, _record
from skillcert.core.context import client_ip_from_request


class _PerMinute(throttle.Limit):
    @property
    def attempts(self) -> int:
        return settings.SKILLCERT_VERIFY_PER_MINUTE

    @property
    def window(self) -> int:
        return 60


VERIFY_ADDRESS = _PerMinute("verify-address", "SKILLCERT_VERIFY_PER_MINUTE")
FIELDS = ("number", "name", "id_type", "id_number", "occupation", "trade", "level", "body_name", "issue_date",
          "status", "revoked_at", "revoke_reason", "replaced_by__number")


def _log(ip: str | None, method: str, found: int) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit TO OFF")
        VerificationLog.objects.create(ip=ip, method=method, found=found)


def orm(request):
    ip = client_ip_from_request(request)
    number, name = _clean(request.GET.get("number")).upper(), _clean(request.GET.get("name"))
    numbering.parse(number)
    if throttle.hit(VERIFY_ADDRESS, ip) > VERIFY_ADDRESS.attempts:
        _log(ip, "number", 0)
        return JsonResponse({"error": "查询过于频繁，请一分钟后再试。"}, status=429)
    rows = Certificate.objects.filter(number=number, name=name).order_by("-issue_date", "number").values_list(*FIELDS)
    records = [_record(*row) for row in rows[:20]]
    _log(ip, "number", len(records))
    return JsonResponse({"found": bool(records), "certificates": records, "error": "", "signature_ok": None,
                         "signed": None})
