"""Public verification (§8.3 证书查询): by certificate number + name, by ID number + name, or by the signed QR.

No enumeration: a miss answers in the same shape whatever was wrong (the lookup is one indexed query on both
fields at once, so a wrong name costs what a wrong number costs); only a malformed number is named as such, which
tells nothing about who holds what. Lookups are limited per client address and minute
(``SKILLCERT_VERIFY_PER_MINUTE``) and every one is logged (``VerificationLog``) without what was typed.

Why raw SQL here (issue #21 item 8): the lookup is the busiest public URL, and one statement does the whole of it
— count the address's lookups of the last minute in the log, select the certificate with its successor's number,
write the log row — in one round trip (``_LOOKUP_AND_LOG``). The plain way (the ORM, and the cache throttle of
accounts/throttle.py on Redis) takes five or six round trips; bench/certificates.py keeps it
(bench/_verify_orm.py) and measures both against the floor: on the shared 2-core machine, raw SQL 0.91 × the
floor, the ORM + cache 0.38 × (0.41 × the raw SQL). Read ``_query`` first: every statement is spelled out above it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.registration.idnumbers import mask_id

from . import numbering, signing
from .models import Certificate, CertificateStatus, RevokeReason

FILE_MAX_BYTES = 5 * 1024 * 1024


class TooMany(Exception):
    """The client asked too often; try again in a minute."""


@dataclass
class Answer:
    certificates: list[dict] = field(default_factory=list)
    signed: dict | None = None  # the QR's signed content, when a token was checked
    signature_ok: bool | None = None  # None: no token given
    error: str = ""  # a malformed number or missing field, never "not found" details


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def public_record(cert: Certificate) -> dict:
    """What the public sees (ID number masked), with the status and what it means."""
    return _record(cert.number, cert.name, cert.id_type, cert.id_number, cert.occupation, cert.trade, cert.level,
                   cert.body_name, cert.issue_date, cert.status, cert.revoked_at, cert.revoke_reason,
                   cert.replaced_by.number if cert.replaced_by_id else None)


def _day(value) -> str | None:
    return None if value is None else str(value)[:10]  # a date, or SQLite's text of one


def _record(number, name, id_type, id_number, occupation, trade, level, body, issue_date, status, revoked_at,
            revoke_reason, replaced_by) -> dict:
    record = {"number": number, "name": name, "id_type": id_type, "id_number": mask_id(id_number),
              "occupation": occupation, "trade": trade, "level": level, "body": body, "issue_date": _day(issue_date),
              "status": status, "status_label": str(CertificateStatus(status).label)}
    if status == CertificateStatus.REVOKED:
        record.update(revoked_at=_day(revoked_at), revoke_reason=str(RevokeReason(revoke_reason).label)
                      if revoke_reason in RevokeReason.values else revoke_reason)
    if replaced_by:
        record["replaced_by"] = replaced_by
    return record


# A lookup is one statement: the address's lookups in the last minute (counted up to the limit) and the matching
# certificates with the successor's number joined — a select by a unique index, not an ORM query per part.
_LOOKUP = """
SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM certificates_verificationlog WHERE ip = %s AND at >= %s LIMIT %s) r)
       AS recent, c.number AS number, c.name, c.id_type, c.id_number, c.occupation, c.trade, c.level, c.body_name,
       c.issue_date, c.status, c.revoked_at, c.revoke_reason, n.number AS successor
FROM (SELECT 1 AS one) o
LEFT JOIN certificates_certificate c ON {where}
LEFT JOIN certificates_certificate n ON n.id = c.replaced_by_id
ORDER BY c.issue_date DESC, c.number
LIMIT 20"""
_WHERE = {"number": "c.number = %s AND c.name = %s", "id": "c.id_number = %s AND c.name = %s",
          "token": "c.number = %s", "none": "1 = 0"}
_LOG = "INSERT INTO certificates_verificationlog (at, ip, method, found) VALUES (%s, %s, %s, %s)"
# PostgreSQL: the log row is written by the same statement, so a lookup is one round trip, and the statement's
# commit does not wait for the disk (``set_config(…, true)`` lasts for this statement's own transaction only): a
# crash may lose the last moment's log rows, never a certificate.
_LOOKUP_AND_LOG = """
WITH cfg AS (SELECT set_config('synchronous_commit', 'off', true) AS v),
hit AS ({lookup}),
logged AS (INSERT INTO certificates_verificationlog (at, ip, method, found)
           SELECT %s, %s::inet, %s, (SELECT CASE WHEN MAX(recent) >= %s THEN 0 ELSE COUNT(number) END FROM hit)
           RETURNING 1)
SELECT hit.* FROM hit CROSS JOIN cfg"""


def _query(ip: str | None, where: str, params: list, method: str | None = None) -> list[dict]:
    """The matching certificates' public records, and — given ``method`` — the lookup logged with the number of
    records answered (0 when refused).
    TooMany (nothing returned) when the address is over its limit: SKILLCERT_VERIFY_PER_MINUTE lookups a minute,
    counted in the log itself so the limit holds across every app node; the count stops at the limit, so it costs
    the same however busy the address."""
    from django.db import connection

    limit = settings.SKILLCERT_VERIFY_PER_MINUTE
    now = timezone.now()
    since = connection.ops.adapt_datetimefield_value(now - dt.timedelta(minutes=1))
    sql, args = _LOOKUP.format(where=_WHERE[where]), [ip, since, limit, *params]
    together = method is not None and connection.vendor == "postgresql"
    if together:
        sql, args = _LOOKUP_AND_LOG.format(lookup=sql.replace("ip = %s", "ip = %s::inet")), [
            *args, now, ip, method, limit]
        rows = _prepared(connection, sql, args)
    else:
        with connection.cursor() as cur:
            cur.execute(sql, args)
            rows = cur.fetchall()
    refused = rows[0][0] >= limit  # an address of None matches no log row: 0
    if method is not None and not together:
        _log(ip, method, 0 if refused else sum(row[1] is not None for row in rows))
    if refused:
        raise TooMany(_("查询过于频繁，请一分钟后再试。"))
    return [_record(*row[1:]) for row in rows if row[1] is not None]


def _prepared(connection, sql: str, args: list) -> list[tuple]:
    """``sql`` as a prepared statement on Django's own PostgreSQL connection (a server-side-binding cursor): the
    lookup is planned once per connection, not on every request as Django's client-side binding would."""
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cur:
        cur.execute(sql, args, prepare=True)
        return cur.fetchall()


def _log(ip: str | None, method: str, found: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(_LOG, [connection.ops.adapt_datetimefield_value(timezone.now()), ip, method, found])


def lookup(*, ip: str | None, number: str = "", name: str = "", id_number: str = "", token: str = "") -> Answer:
    """One public lookup; raises TooMany over the limit. Logged whatever the outcome, refusals included (a request
    that asks for nothing is not a lookup)."""
    number, name, id_number, token = _clean(number).upper(), _clean(name), _clean(id_number).upper(), token.strip()
    if not (number or id_number or token):
        return Answer(error=_("请填写证书编号或证件号码，以及姓名。"))
    answer = Answer()
    if token:
        method = "token"
        answer.signed = signing.verify(token)
        answer.signature_ok = answer.signed is not None
        where, params = ("token", [answer.signed["no"]]) if answer.signed else ("none", [])
    elif number:
        method = "number"
        try:
            numbering.parse(number)
        except ValueError as exc:
            answer.error = str(exc)
        if not name:
            answer.error = answer.error or _("请填写姓名。")
        where, params = ("none", []) if answer.error else ("number", [number, name])
    else:
        method = "id"
        if not name:
            answer.error = _("请填写姓名。")
        where, params = ("none", []) if answer.error else ("id", [id_number, name])
    answer.certificates = _query(ip, where, params, method)
    return answer


def lookup_file(*, ip: str | None, data: bytes) -> Answer:
    """核验电子证书文件: the PDF's own signature (``pades.tokens``) must hold over the whole file; then every
    certificate it carries is looked up as its QR would be. Rate-limited and logged like any lookup."""
    from . import pades

    if len(data) > FILE_MAX_BYTES:
        return Answer(signature_ok=False, error=_("文件超过 5 MB，不是本平台签发的电子证书。"))
    _query(ip, "none", [])  # over the limit: refused before the file is read
    answer = Answer()
    signed = [signing.verify(t) for t in pades.tokens(data) or []]
    answer.signature_ok = bool(signed) and all(signed)
    if answer.signature_ok:
        answer.signed = signed[0]
        for item in signed:  # a file of one issue holds at most a few dozen
            answer.certificates += _query(ip, "token", [item["no"]])
    _log(ip, "file", len(answer.certificates))
    return answer
