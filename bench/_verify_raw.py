"""The verification lookup as it was before issue #21 item 8, kept only so that bench/certificates.py can price
the plain ORM + cache throttle of ``certificates/verification.py`` against it: one raw SQL statement that counts
the address's lookups of the last minute in the log, selects the certificates with the successor joined and
(PostgreSQL) writes the log row, with ``synchronous_commit`` off for that statement, as a prepared statement.

Served at ``/raw/`` by bench/_verify_urls.py, with the same parsing, validation and answer as the API's view.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from skillcert.certificates import numbering
from skillcert.certificates.verification import _clean, _record
from skillcert.core.context import client_ip_from_request

_LOOKUP = """
SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM certificates_verificationlog WHERE ip = %s::inet AND at >= %s LIMIT %s) r)
       AS recent, c.number AS number, c.name, c.id_type, c.id_number, c.occupation, c.trade, c.level, c.body_name,
       c.issue_date, c.status, c.revoked_at, c.revoke_reason, n.number AS successor
FROM (SELECT 1 AS one) o
LEFT JOIN certificates_certificate c ON c.number = %s AND c.name = %s
LEFT JOIN certificates_certificate n ON n.id = c.replaced_by_id
ORDER BY c.issue_date DESC, c.number
LIMIT 20"""
_LOOKUP_AND_LOG = """
WITH cfg AS (SELECT set_config('synchronous_commit', 'off', true) AS v),
hit AS ({lookup}),
logged AS (INSERT INTO certificates_verificationlog (at, ip, method, found)
           SELECT %s, %s::inet, %s, (SELECT CASE WHEN MAX(recent) >= %s THEN 0 ELSE COUNT(number) END FROM hit)
           RETURNING 1)
SELECT hit.* FROM hit CROSS JOIN cfg"""


def raw(request):
    import psycopg

    ip = client_ip_from_request(request)
    number, name = _clean(request.GET.get("number")).upper(), _clean(request.GET.get("name"))
    numbering.parse(number)
    limit, now = settings.SKILLCERT_VERIFY_PER_MINUTE, timezone.now()
    args = [ip, now - dt.timedelta(minutes=1), limit, number, name, now, ip, "number", limit]
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(_LOOKUP_AND_LOG.format(lookup=_LOOKUP), args, prepare=True)
        rows = cur.fetchall()
    if rows[0][0] >= limit:
        return JsonResponse({"error": "查询过于频繁，请一分钟后再试。"}, status=429)
    records = [_record(*row[1:]) for row in rows if row[1] is not None]
    return JsonResponse({"found": bool(records), "certificates": records, "error": "", "signature_ok": None,
                         "signed": None})
