"""证书台账 (§8.2.4.2 谁评价、谁发证、谁负责): every certificate traceable from the blank sheet to the holder.

Blank stock is received by serial run (``stock_receive``); a paper certificate is printed on the next blank sheets
the officer names (``print_paper``), so each printed sheet carries one certificate; a spoiled sheet — misprint,
jam, a recalled certificate — is destroyed before two witnesses (``spoil``); a printed certificate is handed over
in person against the recipient's signature or mailed with a tracking number (``deliver``). 补发, 收回 and 撤销
are written by the request services. ``report`` sums it per batch or per period and lists what is not yet traced.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts import duties
from skillcert.accounts import rules as accounts_rules
from skillcert.core import audit
from skillcert.core.errors import ValidationError
from skillcert.core.statemachine import transition, transition_many

from .models import (
    Certificate,
    CertificateIssue,
    CertificateStatus,
    LedgerEntry,
    LedgerEvent,
    SheetState,
    StockReceipt,
    StockSheet,
)

MAX_RECEIPT = 20_000
_PREFIX = re.compile(r"^[A-Z0-9]{0,10}$")


def _office(actor, body_id: int) -> None:
    if not accounts_rules.is_office(actor, body_id):
        raise PermissionDenied(_("证书台账由发证机构的考务人员或机构管理员登记。"))


def entry(actor, body_id: int, event: str, **fields) -> LedgerEntry:
    """One ledger line, written inside the caller's transaction."""
    return LedgerEntry.objects.create(body_id=body_id, event=event, actor=actor, at=timezone.now(), **fields)


@transaction.atomic
def stock_receive(*, actor, body_id: int, prefix: str, first: int, last: int, width: int = 7,
                  received_on: dt.date, source: str) -> StockReceipt:
    """空白证书入库: sheets ``prefix``+``first`` … ``prefix``+``last``; a serial already in stock is refused."""
    from skillcert.accounts.models import Organisation

    _office(actor, body_id)
    body = Organisation.objects.select_for_update().get(pk=body_id)
    prefix = (prefix or "").strip().upper()
    if not _PREFIX.match(prefix):
        raise ValidationError({"prefix": _("印刷编号前缀只能是不超过 10 位的大写字母或数字。")})
    if not 4 <= width <= 10:
        raise ValidationError({"width": _("编号位数应在 4 到 10 之间。")})
    if first < 1 or last < first:
        raise ValidationError({"last": _("截止编号不能小于起始编号。")})
    if last >= 10 ** width:
        raise ValidationError({"last": _("截止编号超出 %(w)s 位。") % {"w": width}})
    if last - first + 1 > MAX_RECEIPT:
        raise ValidationError({"last": _("一次入库最多 %(n)s 张。") % {"n": MAX_RECEIPT}})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("入库日期不能晚于今天。")})
    if not source.strip():
        raise ValidationError({"source": _("请填写来源（印制单位或上级发放单位）。")})
    receipt = StockReceipt(body=body, prefix=prefix, first=first, last=last, width=width, received_on=received_on,
                           source=source.strip()[:200], received_by=actor)
    serials = [receipt.serial(n) for n in range(first, last + 1)]
    taken = StockSheet.objects.filter(body=body, serial__in=serials).order_by("serial").first()
    if taken is not None:
        raise ValidationError({"first": _("印刷编号 %(s)s 已入库。") % {"s": taken.serial}})
    receipt.save()
    StockSheet.objects.bulk_create([StockSheet(receipt=receipt, body=body, serial=s) for s in serials],
                                   batch_size=2000)
    entry(actor, body.pk, LedgerEvent.RECEIVED, receipt=receipt, count=len(serials),
          note=f"{serials[0]}–{serials[-1]}")
    audit.record(actor, "certificates.stock.received", target=receipt,
                 data={"first": serials[0], "last": serials[-1], "count": len(serials), "source": receipt.source})
    return receipt


def printed_sheet(cert: Certificate) -> StockSheet | None:
    return cert.sheets.filter(state=SheetState.PRINTED).first()


@transaction.atomic
def print_paper(*, actor, issue_id: int, first_serial: str, certificate_ids: list[int] | None = None
                ) -> list[tuple[Certificate, StockSheet]]:
    """印制: the valid certificates of an issue that have no printed sheet (or those named), each on the next blank
    sheet from ``first_serial`` in serial order; the caller renders the PDF for exactly these pairs."""
    issue = CertificateIssue.objects.select_related("batch__announcement").get(pk=issue_id)
    body_id = issue.batch.announcement.body_id
    _office(actor, body_id)
    certs = (Certificate.objects.select_for_update().filter(issue=issue, status=CertificateStatus.VALID)
             .exclude(sheets__state=SheetState.PRINTED).order_by("number"))
    if certificate_ids is not None:
        certs = certs.filter(pk__in=certificate_ids)
    certs = list(certs)
    if not certs:
        raise ValidationError(_("没有待打印的证书：有效证书都已印制（重印须先登记销毁原证）。"))
    from .documents import check_printable

    check_printable(certs)  # §8.2.3.2–3: the photos and the seal, before a blank sheet is used
    first_serial = (first_serial or "").strip().upper()
    start = StockSheet.objects.filter(body_id=body_id, serial=first_serial).first()
    if start is None:
        raise ValidationError({"first_serial": _("印刷编号 %(s)s 不在本机构的空白证书库存中。") % {"s": first_serial}})
    if start.state != SheetState.BLANK:
        raise ValidationError({"first_serial": _("印刷编号 %(s)s 不是空白证书（%(state)s）。") % {
            "s": first_serial, "state": start.get_state_display()}})
    # One run of stock (one prefix and width), so the serials sort as numbers.
    sheets = list(StockSheet.objects.select_for_update().filter(
        receipt_id=start.receipt_id, state=SheetState.BLANK, serial__gte=first_serial).order_by("serial")[:len(certs)])
    if len(sheets) < len(certs):
        raise ValidationError({"first_serial": _("从 %(s)s 起本批空白证书只剩 %(have)s 张，需要 %(need)s 张。") % {
            "s": first_serial, "have": len(sheets), "need": len(certs)}})
    now = timezone.now()
    transition_many(StockSheet.objects.filter(pk__in=[s.pk for s in sheets]), SheetState.PRINTED)
    for cert, sheet in zip(certs, sheets, strict=True):
        sheet.certificate = cert
    StockSheet.objects.bulk_update(sheets, ["certificate"])
    sheets = list(StockSheet.objects.filter(pk__in=[s.pk for s in sheets]).order_by("serial"))
    LedgerEntry.objects.bulk_create([
        LedgerEntry(body_id=body_id, event=LedgerEvent.PRINTED, certificate=cert, issue=issue, sheet=sheet, at=now,
                    actor=actor) for cert, sheet in zip(certs, sheets, strict=True)])
    audit.record(actor, "certificates.printed", target=issue,
                 data={"kind": "paper", "count": len(certs), "numbers": [certs[0].number, certs[-1].number],
                       "sheets": [sheets[0].serial, sheets[-1].serial]})
    return list(zip(certs, sheets, strict=True))


def _witnesses(actor, raw: list[str]) -> str:
    names = [n.strip() for n in raw if n and n.strip()]
    if len(set(names)) < 2:
        raise ValidationError({"witnesses": _("销毁须有两名监销人（不含经办人本人），请填写两人姓名。")})
    return "、".join(dict.fromkeys(names))[:120]


@transaction.atomic
def spoil(*, actor, body_id: int, serial: str, reason: str, witnesses: list[str]) -> StockSheet:
    """销毁: a blank sheet, or a printed one not yet handed over (misprint), or the old certificate recalled on a
    reissue — destroyed before two witnesses. A printed certificate whose sheet is spoiled is printed again."""
    _office(actor, body_id)
    sheet = (StockSheet.objects.select_for_update(of=("self",)).select_related("certificate")
             .filter(body_id=body_id, serial=(serial or "").strip().upper()).first())
    if sheet is None:
        raise ValidationError({"serial": _("印刷编号 %(s)s 不在本机构的空白证书库存中。") % {"s": serial}})
    if sheet.state == SheetState.SPOILED:
        raise ValidationError({"serial": _("印刷编号 %(s)s 已销毁。") % {"s": sheet.serial}})
    cert = sheet.certificate
    if cert is not None and cert.status == CertificateStatus.VALID and delivered(cert):
        raise ValidationError({"serial": _("证书 %(n)s 已发放，不能销毁；须先办理补发或撤销。") % {"n": cert.number}})
    if not reason.strip():
        raise ValidationError({"reason": _("请写明销毁原因。")})
    names = _witnesses(actor, witnesses)
    duties.require_different(duties.DESTRUCTION_WITNESS, actor, *(w for w in witnesses if w))
    transition(sheet, SheetState.SPOILED)
    entry(actor, body_id, LedgerEvent.SPOILED, sheet=sheet, certificate=cert, issue=cert.issue if cert else None,
          witnesses=names, note=reason.strip()[:500])
    audit.record(actor, "certificates.sheet.spoiled", target=sheet.receipt,
                 data={"serial": sheet.serial, "certificate": cert.number if cert else None, "witnesses": names,
                       "reason": reason.strip()[:500]})
    return sheet


def delivered(cert: Certificate) -> bool:
    return cert.ledger.filter(event__in=(LedgerEvent.HANDED, LedgerEvent.MAILED)).exists()


@transaction.atomic
def deliver(*, actor, certificate_id: int, how: str, recipient: str, signed: bool = False, tracking: str = "",
            note: str = "") -> LedgerEntry:
    """发放: handed over in person (``how="handed"``, the recipient signs the 发放签收表) or mailed with the
    tracking number (``how="mailed"``); once per printed certificate."""
    cert = Certificate.objects.select_for_update().get(pk=certificate_id)
    _office(actor, cert.body_id)
    if how not in (LedgerEvent.HANDED, LedgerEvent.MAILED):
        raise ValidationError({"how": _("请选择发放方式。")})
    if cert.status != CertificateStatus.VALID:
        raise ValidationError(_("证书 %(n)s 已%(s)s，不能发放。") % {"n": cert.number, "s": cert.get_status_display()})
    sheet = printed_sheet(cert)
    if sheet is None:
        raise ValidationError(_("证书 %(n)s 尚未印制。") % {"n": cert.number})
    if delivered(cert):
        raise ValidationError(_("证书 %(n)s 已发放。") % {"n": cert.number})
    recipient = recipient.strip()
    if not recipient:
        raise ValidationError({"recipient": _("请填写领取人或收件人姓名。")})
    if how == LedgerEvent.HANDED and not signed:
        raise ValidationError({"signed": _("当面发放须由领取人在发放签收表上签字确认。")})
    tracking = tracking.strip()
    if how == LedgerEvent.MAILED and not re.fullmatch(r"[A-Za-z0-9-]{6,40}", tracking):
        raise ValidationError({"tracking": _("请填写快递单号（6–40 位字母或数字）。")})
    line = entry(actor, cert.body_id, how, certificate=cert, issue=cert.issue, sheet=sheet, recipient=recipient[:60],
                 tracking=tracking if how == LedgerEvent.MAILED else "", note=note.strip()[:500])
    audit.record(actor, f"certificates.{how}", target=cert,
                 data={"number": cert.number, "sheet": sheet.serial, "recipient": line.recipient,
                       "tracking": line.tracking})
    return line


# --- 台账报表 -----------------------------------------------------------------------------------------------------

def entries(body_id: int, *, issue: CertificateIssue | None = None, start: dt.date | None = None,
            end: dt.date | None = None):
    qs = LedgerEntry.objects.filter(body_id=body_id)
    if issue is not None:
        qs = qs.filter(issue=issue)
    if start is not None:
        qs = qs.filter(at__date__gte=start)
    if end is not None:
        qs = qs.filter(at__date__lte=end)
    return qs.select_related("certificate", "sheet", "receipt", "actor")


def report(body_id: int, *, issue: CertificateIssue | None = None, start: dt.date | None = None,
           end: dt.date | None = None) -> dict:
    """Counts per event, the stock on hand, and — for a batch — every certificate not yet traced to its holder."""
    counts = dict.fromkeys(LedgerEvent.values, 0)
    rows = entries(body_id, issue=issue, start=start, end=end)
    for row in rows.order_by().values("event").annotate(n=Sum("count")):
        counts[row["event"]] = row["n"]
    stock = StockSheet.objects.filter(body_id=body_id).aggregate(
        blank=Count("pk", filter=Q(state=SheetState.BLANK)), printed=Count("pk", filter=Q(state=SheetState.PRINTED)),
        spoiled=Count("pk", filter=Q(state=SheetState.SPOILED)), total=Count("pk"))
    out = {"counts": [(LedgerEvent(e).label, e, counts[e]) for e in LedgerEvent.values], "stock": stock,
           "entries": rows.order_by("at", "pk")}
    if issue is not None:
        out["untraced"] = untraced(issue)
        out["certificates"] = issue.certificates.count()
    return out


def untraced(issue: CertificateIssue) -> list[tuple[Certificate, str]]:
    """The valid certificates of an issue not yet printed, or printed but not handed over or mailed."""
    certs = issue.certificates.filter(status=CertificateStatus.VALID).annotate(
        printed=Count("sheets", filter=Q(sheets__state=SheetState.PRINTED), distinct=True),
        out=Count("ledger", filter=Q(ledger__event__in=(LedgerEvent.HANDED, LedgerEvent.MAILED)), distinct=True),
    ).order_by("number")
    return [(c, _("未印制") if not c.printed else _("已印制未发放")) for c in certs if not (c.printed and c.out)]


def report_header() -> list[str]:
    return [_("时间"), _("事项"), _("证书编号"), _("姓名"), _("印刷编号"), _("数量"), _("领取人"), _("快递单号"),
            _("监销人"), _("说明"), _("经办人")]


def report_rows(rows) -> list[list[str]]:
    out = []
    for e in rows:
        out.append([timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"), e.get_event_display(),
                    e.certificate.number if e.certificate else "", e.certificate.name if e.certificate else "",
                    e.sheet.serial if e.sheet else (str(e.receipt) if e.receipt else ""), str(e.count), e.recipient,
                    e.tracking, e.witnesses, e.note, e.actor.full_name or e.actor.username])
    return out


def handover_sheet_pdf(issue: CertificateIssue, printed_by: str) -> bytes:
    """证书发放签收表: each printed, valid certificate of an issue with its sheet serial and an empty column for the
    recipient's signature and date; the signed sheet is archived with the batch."""
    from skillcert.core.pdf import printed_footer, table_pdf
    from skillcert.registration.idnumbers import mask_id

    sheets = (StockSheet.objects.filter(certificate__issue=issue, state=SheetState.PRINTED,
                                        certificate__status=CertificateStatus.VALID)
              .select_related("certificate").order_by("certificate__number"))
    rows = [[str(i), s.certificate.number, s.certificate.name, mask_id(s.certificate.id_number), s.serial,
             s.certificate.level, "", ""] for i, s in enumerate(sheets, start=1)]
    header = [_("序号"), _("证书编号"), _("姓名"), _("证件号码"), _("印刷编号"), _("职业技能等级"),
              _("领取人签字"), _("领取日期")]
    return table_pdf(title=_("%(batch)s 证书发放签收表") % {"batch": issue.batch.name},
                     lines=[issue.batch.announcement.body.name, _("共 %(n)s 本") % {"n": len(rows)}],
                     header=header, rows=rows, widths_mm=[11, 52, 22, 26, 30, 24, 60, 28],
                     footer=printed_footer(printed_by))
