"""证书数据上报 to the national platform (§6.6.2 碳排放职业能力建设平台, §8.3) and talent statistics (§8.1.2.3).

``report_build`` exports every certificate of a body that is new or whose status changed since it was last
reported — a revoked certificate goes out as 撤销 so the platform deletes it (§8.4.2), a replaced one as 补发 with
its successor — as an Excel file in the fixed format of ``docs/national-platform.md`` (column names and codes do
not follow the UI language), archived as a ``PlatformReport`` (§8.3.3). ``talent_counts`` counts the people the
standard counts: holders of a valid certificate that has been reported, so is queryable nationally (§8.1.2.3).
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.core import audit
from skillcert.core.errors import ValidationError

from . import rules
from .models import Certificate, CertificateStatus, PlatformReport

# The exchange format, version 1 — fixed wording, see docs/national-platform.md.
COLUMNS = ["操作类型", "证书编号", "姓名", "证件类型", "证件号码", "职业编码", "职业名称", "工种名称",
           "职业技能等级", "等级代码", "评价机构", "机构证书代码", "发证日期", "证书状态", "补发新证编号", "原证编号",
           "撤销日期", "撤销原因"]
OPERATION = {"add": "新增", "revoke": "撤销", "replace": "补发"}
STATUS = {CertificateStatus.VALID: "有效", CertificateStatus.REVOKED: "已撤销", CertificateStatus.REPLACED: "已补发"}
REVOKE = {"cheating": "考试作弊", "forgery": "伪造材料", "transfer": "转让出借", "other": "其他"}


def _operation(cert: Certificate) -> str:
    if cert.status == CertificateStatus.REVOKED:
        return OPERATION["revoke"]
    if cert.status == CertificateStatus.REPLACED:
        return OPERATION["replace"]
    return OPERATION["add"]


def pending(body_id: int):
    """Certificates not yet reported in their current status."""
    return Certificate.objects.filter(body_id=body_id).exclude(reported_status=F("status"))


def row(cert: Certificate, prefix: str) -> list[str]:
    old = getattr(cert, "replaces", None) if cert.is_reissue else None
    return [_operation(cert), cert.number, cert.name, cert.id_type, cert.id_number, cert.occupation_code,
            cert.occupation, cert.trade, cert.level, str(cert.level_number), cert.body_name, prefix,
            cert.issue_date.isoformat(), STATUS[cert.status], cert.replaced_by.number if cert.replaced_by_id else "",
            old.number if old else "", cert.revoked_at.isoformat() if cert.revoked_at else "",
            REVOKE.get(cert.revoke_reason, "")]


@transaction.atomic
def report_build(*, actor, body_id: int) -> PlatformReport:
    from skillcert.accounts.models import Organisation
    from skillcert.core.excel import workbook_bytes

    if not rules.issues(actor, body_id):
        raise PermissionDenied(_("证书数据由机构管理员上报。"))
    body = Organisation.objects.select_for_update().get(pk=body_id)
    certs = list(pending(body_id).select_for_update(of=("self",)).select_related("replaced_by", "replaces")
                 .order_by("issue_date", "number"))
    if not certs:
        raise ValidationError(_("没有需要上报的新证书或状态变化。"))
    data = workbook_bytes("证书数据", COLUMNS, (row(c, body.certificate_prefix) for c in certs))
    digest = hashlib.sha256(data).hexdigest()
    report = PlatformReport(body=body, by=actor, count=len(certs), sha256=digest)
    report.file.save(f"certificates-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx", ContentFile(data), save=False)
    report.save()
    for status in CertificateStatus.values:
        Certificate.objects.filter(pk__in=[c.pk for c in certs if c.status == status]).update(reported_status=status)
    audit.record(actor, "certificates.platform.reported", target=report,
                 data={"count": len(certs), "sha256": digest,
                       "operations": {op: sum(_operation(c) == op for c in certs) for op in OPERATION.values()}})
    return report


def talent_counts(body_ids) -> dict:
    """§8.1.2.3: people holding a valid, reported certificate — by level and by year of issue; a person counts once
    per level."""
    qs = Certificate.objects.filter(body_id__in=body_ids, status=CertificateStatus.VALID,
                                    reported_status=CertificateStatus.VALID)
    by_level = list(qs.values("level_number", "level").annotate(people=Count("id_number", distinct=True))
                    .order_by("-level_number"))
    by_year = list(qs.values("issue_date__year").annotate(people=Count("id_number", distinct=True),
                                                          certificates=Count("pk")).order_by("issue_date__year"))
    return {"people": qs.values("id_number").distinct().count(), "by_level": by_level, "by_year": by_year,
            "unreported": Certificate.objects.filter(body_id__in=body_ids, status=CertificateStatus.VALID)
            .filter(~Q(reported_status=CertificateStatus.VALID)).count()}
