"""Public verification (§8.3 证书查询): by certificate number + name, by ID number + name, or by the signed QR.

No enumeration: a miss answers in the same shape whatever was wrong (the lookup is one indexed query on both
fields at once, so a wrong name costs what a wrong number costs); only a malformed number is named as such, which
tells nothing about who holds what. Lookups are limited per client address and minute
(``SKILLCERT_VERIFY_PER_MINUTE``, counted by the shared cache throttle of accounts/throttle.py) and every one is
logged (``VerificationLog``) without what was typed, refusals included.

Plain ORM and the cache (issue #21 item 8): a lookup is a cache count, one indexed select and one insert.
bench/certificates.py prices it against its floor and against the earlier single raw SQL statement (kept in
bench/_verify_raw.py for that comparison); docs/adr records the figures.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from skillcert.accounts import throttle
from skillcert.scheduling.documents import mask_id

from . import numbering, signing
from .models import Certificate, CertificateStatus, RevokeReason, VerificationLog

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


class _PerMinute(throttle.Limit):
    """SKILLCERT_VERIFY_PER_MINUTE lookups per client address and minute."""

    @property
    def attempts(self) -> int:
        return settings.SKILLCERT_VERIFY_PER_MINUTE

    @property
    def window(self) -> int:
        return 60


VERIFY_ADDRESS = _PerMinute("verify-address", "SKILLCERT_VERIFY_PER_MINUTE")
_FIELDS = ("number", "name", "id_type", "id_number", "occupation", "trade", "level", "body_name", "issue_date",
           "status", "revoked_at", "revoke_reason", "replaced_by__number")


def _admit(ip: str | None, method: str) -> None:
    """Count one lookup against the address's limit (the shared cache throttle of accounts/throttle.py: Redis in
    production, so the limit holds across every app node). Over the limit the refusal is logged and TooMany
    raised; a refused lookup counts too, so a client that keeps asking stays refused. An address of None (no
    client address known) is not limited."""
    if throttle.hit(VERIFY_ADDRESS, ip) > VERIFY_ADDRESS.attempts:
        _log(ip, method, 0)
        raise TooMany(_("查询过于频繁，请一分钟后再试。"))


def _find(**match) -> list[dict]:
    """The public records of the certificates matching ``match`` exactly (both fields at once, by a unique or
    indexed column), the successor's number joined: one query. Nothing for an empty ``match``."""
    if not match:
        return []
    rows = Certificate.objects.filter(**match).order_by("-issue_date", "number").values_list(*_FIELDS)[:20]
    return [_record(*row) for row in rows]


def _log(ip: str | None, method: str, found: int) -> None:
    VerificationLog.objects.create(ip=ip, method=method, found=found)


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
        match = {"number": answer.signed["no"]} if answer.signed else {}
    elif number:
        method = "number"
        try:
            numbering.parse(number)
        except ValueError as exc:
            answer.error = str(exc)
        if not name:
            answer.error = answer.error or _("请填写姓名。")
        match = {} if answer.error else {"number": number, "name": name}
    else:
        method = "id"
        if not name:
            answer.error = _("请填写姓名。")
        match = {} if answer.error else {"id_number": id_number, "name": name}
    _admit(ip, method)
    answer.certificates = _find(**match)
    _log(ip, method, len(answer.certificates))
    return answer


def lookup_file(*, ip: str | None, data: bytes) -> Answer:
    """核验电子证书文件: the PDF's own signature (``pades.tokens``) must hold over the whole file; then every
    certificate it carries is looked up as its QR would be. Rate-limited and logged like any lookup."""
    from . import pades

    if len(data) > FILE_MAX_BYTES:
        return Answer(signature_ok=False, error=_("文件超过 5 MB，不是本平台签发的电子证书。"))
    _admit(ip, "file")  # over the limit: refused before the file is read
    answer = Answer()
    signed = [signing.verify(t) for t in pades.tokens(data) or []]
    answer.signature_ok = bool(signed) and all(signed)
    if answer.signature_ok:
        answer.signed = signed[0]
        for item in signed:  # a file of one issue holds at most a few dozen
            answer.certificates += _find(number=item["no"])
    _log(ip, "file", len(answer.certificates))
    return answer
