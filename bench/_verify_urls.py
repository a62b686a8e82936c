"""URLs of the bench/certificates.py server: the product's, plus ``/floor/`` — a minimal Django view that selects
one certificate row by the same unique index and returns it as JSON, so the ratio prices only what the API does
beyond the select (parse and validate, throttle, mask, status, log the lookup, the OpenAPI layer) — and ``/orm/``,
the same lookup written with the ORM and the cache throttle (bench/_verify_orm.py), to compare with the API's one
raw SQL statement (issue #21 item 8)."""

from _verify_orm import orm
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path


def floor(request):
    with connection.cursor() as cur:
        cur.execute("SELECT number, name, status FROM certificates_certificate WHERE number = %s AND name = %s",
                    [request.GET.get("number", ""), request.GET.get("name", "")])
        rows = cur.fetchall()
    return JsonResponse({"found": bool(rows), "certificates": [{"number": r[0], "name": r[1], "status": r[2]}
                                                                for r in rows]})


urlpatterns = [path("floor/", floor), path("orm/", orm), path("", include("skillcert.urls"))]
