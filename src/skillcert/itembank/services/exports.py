"""Approved exports of the bank (§7.3.2, §10.2, §10.5 登记制度): a manager or reviewer asks, stating the purpose;
another bank manager approves; only the requester downloads, within the validity window, a file watermarked
with their name and the time. Reading the items' content goes through
``services.items.contents_for``, so every export is also an audited read."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts import duties
from skillcert.accounts.enums import Role
from skillcert.core import audit
from skillcert.core.statemachine import transition

from .. import exchange, rules
from ..enums import EXPORT_VALID_HOURS, ExportFormat, ExportStatus, ItemStatus
from ..models import Bank, ExportRequest, Item
from .items import contents_for, require_manager


@transaction.atomic
def export_request(*, actor, bank_id: int, format: str, statuses: list[str], reason: str) -> ExportRequest:
    bank = Bank.objects.get(pk=bank_id)
    held = rules.roles_in_bank(actor, bank)
    if not held & {Role.BANK_MANAGER, Role.ITEM_REVIEWER}:
        raise PermissionDenied(_("只有题库管理员或审题员可以申请导出。"))
    if format not in ExportFormat.values:
        raise ValidationError({"format": _("请选择导出格式。")})
    statuses = [s for s in statuses if s in ItemStatus.values]
    if not statuses:
        raise ValidationError({"statuses": _("请选择要导出的试题状态。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请写明导出用途（§10.5 登记制度）。")})
    req = ExportRequest.objects.create(bank=bank, format=format, statuses=statuses, reason=reason.strip(),
                                       requested_by=actor)
    audit.record(actor, "itembank.export.requested", target=req, data={"format": format, "statuses": statuses})
    return req


@transaction.atomic
def export_decide(*, actor, export_id: int, approve: bool) -> ExportRequest:
    req = ExportRequest.objects.select_for_update(of=("self",)).select_related("bank").get(pk=export_id)
    require_manager(actor, req.bank, _("导出须由题库管理员批准。"))
    duties.require_different(duties.BANK_EXPORT, actor, req.requested_by_id)
    transition(req, ExportStatus.APPROVED if approve else ExportStatus.REJECTED, decided_by=actor,
               decided_at=timezone.now())
    audit.record(actor, "itembank.export.decided", target=req, data={"approved": approve})
    return req


def export_usable(req: ExportRequest, now=None) -> bool:
    now = now or timezone.now()
    return (req.status == ExportStatus.APPROVED and req.decided_at is not None
            and (now - req.decided_at).total_seconds() < EXPORT_VALID_HOURS * 3600)


@transaction.atomic
def export_build(*, actor, export_id: int) -> tuple[bytes, str, str]:
    """The approved export's file, watermarked with the exporter and time: (data, file name, mime type)."""
    req = ExportRequest.objects.select_for_update(of=("self",)).select_related("bank__level").get(pk=export_id)
    if req.requested_by_id != actor.pk:
        raise PermissionDenied(_("只有申请人可以下载已批准的导出。"))
    if not export_usable(req):
        raise ValidationError(_("该导出未获批准或已超过%(h)d小时有效期。") % {"h": EXPORT_VALID_HOURS})
    items = list(Item.objects.filter(bank=req.bank, status__in=req.statuses).select_related(
        "current_version", "bank").order_by("code"))
    versions = [i.current_version for i in items]
    for v, i in zip(versions, items, strict=True):
        v.item = i
    opened = contents_for(actor=actor, versions=versions, purpose=f"export:{req.pk}")
    watermark = _("机密 · 导出人：%(u)s（%(n)s）· 导出时间：%(t)s · 导出单号：%(id)d") % {
        "u": actor.full_name or actor.username, "n": actor.username,
        "t": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"), "id": req.pk}
    rows = [(i, opened[i.current_version_id]) for i in items]
    if req.format == ExportFormat.XLSX:
        data, name, mime = exchange.xlsx_export(rows, watermark=watermark), f"bank-{req.bank_id}-{req.pk}.xlsx", \
            exchange.XLSX_MIME
    else:
        data, name, mime = exchange.qti_export(rows, watermark=watermark), f"bank-{req.bank_id}-{req.pk}-qti.zip", \
            "application/zip"
    req.downloads += 1
    req.save(update_fields=["downloads"])
    audit.record(actor, "itembank.export.downloaded", target=req, data={
        "format": req.format, "items": len(items), "watermark": watermark,
        "sha256": hashlib.sha256(data).hexdigest()})
    return data, name, mime
