from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from skillcert.accounts.selectors import site_body
from skillcert.catalog.selectors import occupation_list


def home(request: HttpRequest) -> HttpResponse:
    """Public home: the certification body and what it certifies (its filed scope, §6.8.1 b)."""
    body = site_body()
    scope = body.filed_scope.select_related("occupation", "trade", "level") if body else []
    return render(request, "public/home.html", {
        "body": body, "occupations": occupation_list(active_only=True), "scope": scope,
    })


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For the load balancer: answers 200 only when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
