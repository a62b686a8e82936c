"""Public verification (§8.3 证书查询): by certificate number + name, by ID number + name, or by the signed QR.

No enumeration: a miss answers in the same shape whatever was wrong (the lookup is one indexed query on both
fields at once, so a wrong name costs what a wrong number costs); only a malformed number is named as such, which
tells nothing about who holds what. Lookups are limited per client address and minute
(``SKILLCERT_VERIFY_PER_MINUTE``) and every one is logged (``VerificationLog``) without what was typed.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.scheduling.documents import mask_id

from . import numbering, signing
from .models import Certificate, CertificateStatus, VerificationLog

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
    record = {"number": cert.number, "name": cert.name, "id_type": cert.id_type, "id_number": mask_id(cert.id_number),
              "occupation": cert.occupation, "trade": cert.trade, "level": cert.level, "body": cert.body_name,
              "issue_date": cert.issue_date.isoformat(), "status": cert.status,
              "status_label": str(CertificateStatus(cert.status).label)}
    if cert.status == CertificateStatus.REVOKED:
        record.update(revoked_at=cert.revoked_at.isoformat() if cert.revoked_at else None,
                      revoke_reason=cert.get_revoke_reason_display())
    if cert.replaced_by_id:
        record["replaced_by"] = cert.replaced_by.number
    return record


def _throttle(ip: str | None, now: dt.datetime) -> None:
    if ip and VerificationLog.objects.filter(ip=ip, at__gte=now - dt.timedelta(minutes=1)).count() >= \
            settings.SKILLCERT_VERIFY_PER_MINUTE:
        raise TooMany(_("查询过于频繁，请一分钟后再试。"))


def lookup(*, ip: str | None, number: str = "", name: str = "", id_number: str = "", token: str = "") -> Answer:
    """One public lookup; raises TooMany over the limit. Logged whatever the outcome (a request that asks for
    nothing is not a lookup)."""
    number, name, id_number, token = _clean(number).upper(), _clean(name), _clean(id_number).upper(), token.strip()
    if not (number or id_number or token):
        return Answer(error=_("请填写证书编号或证件号码，以及姓名。"))
    _throttle(ip, timezone.now())
    answer, method = Answer(), "number"
    qs = Certificate.objects.select_related("replaced_by")
    if token:
        method = "token"
        answer.signed = signing.verify(token)
        answer.signature_ok = answer.signed is not None
        if answer.signed:
            answer.certificates = [public_record(c) for c in qs.filter(number=answer.signed["no"])]
    elif number:
        try:
            numbering.parse(number)
        except ValueError as exc:
            answer.error = str(exc)
        if not name:
            answer.error = answer.error or _("请填写姓名。")
        if not answer.error:
            answer.certificates = [public_record(c) for c in qs.filter(number=number, name=name)]
    else:
        method = "id"
        if not name:
            answer.error = _("请填写姓名。")
        else:
            answer.certificates = [public_record(c) for c in qs.filter(id_number=id_number, name=name)
                                   .order_by("-issue_date", "number")[:20]]
    VerificationLog.objects.create(ip=ip, method=method, found=len(answer.certificates))
    return answer


def lookup_file(*, ip: str | None, data: bytes) -> Answer:
    """核验电子证书文件: the PDF's own signature (``pades.tokens``) must hold over the whole file; then every
    certificate it carries is looked up as its QR would be. Rate-limited and logged like any lookup."""
    from . import pades

    if len(data) > FILE_MAX_BYTES:
        return Answer(signature_ok=False, error=_("文件超过 5 MB，不是本平台签发的电子证书。"))
    _throttle(ip, timezone.now())
    answer = Answer()
    signed = [signing.verify(t) for t in pades.tokens(data) or []]
    answer.signature_ok = bool(signed) and all(signed)
    if answer.signature_ok:
        answer.signed = signed[0]
        numbers = [s["no"] for s in signed]
        found = {c.number: c for c in Certificate.objects.select_related("replaced_by").filter(number__in=numbers)}
        answer.certificates = [public_record(found[n]) for n in numbers if n in found]
    VerificationLog.objects.create(ip=ip, method="file", found=len(answer.certificates))
    return answer
