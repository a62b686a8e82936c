"""The floor server of bench/delivery.py: skillcert's own settings (same middleware, database, gunicorn) with one
URL only — a minimal Django view that upserts one row. Both the settings module and the URLconf:

    DJANGO_SETTINGS_MODULE=_floor gunicorn --pythonpath src,bench skillcert.wsgi:application …
"""

import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from skillcert.settings import *  # noqa: F403 — the product's settings, unchanged but for the URLconf

ROOT_URLCONF = __name__

CREATE = ("CREATE TABLE bench_floor_answer (client integer NOT NULL, position integer NOT NULL, value jsonb NOT NULL, "
          "seq integer NOT NULL, saved_at timestamptz NOT NULL, PRIMARY KEY (client, position))")
UPSERT = ("INSERT INTO bench_floor_answer (client, position, value, seq, saved_at) VALUES (%s, %s, %s, %s, now()) "
          "ON CONFLICT (client, position) DO UPDATE SET value = EXCLUDED.value, seq = EXCLUDED.seq, "
          "saved_at = EXCLUDED.saved_at WHERE bench_floor_answer.seq < EXCLUDED.seq")


@csrf_exempt
def upsert(request):
    from django.db import connection

    if request.method == "GET":  # the benchmark's warm-up: the app is loaded and the connection opened
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        return JsonResponse({"ok": True})
    body = json.loads(request.body)
    with connection.cursor() as cur:
        cur.execute(UPSERT, [body["client"], body["position"], json.dumps(body["value"]), body["seq"]])
    return JsonResponse({"acked": [body["seq"]]})


urlpatterns = [path("floor/", upsert)]
