"""Certificate services (§6.6, §8): permission → validate → lock → write → audit, in one transaction."""

from __future__ import annotations

import calendar
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts import duties
from skillcert.catalog.selectors import trade_label
from skillcert.core import audit
from skillcert.core.errors import ValidationError
from skillcert.core.statemachine import transition

from . import ledger, numbering, rules
from .models import (
    Certificate,
    CertificateIssue,
    CertificateRequest,
    CertificateSequence,
    CertificateStatus,
    IssueStatus,
    LedgerEvent,
    ReissueReason,
    RequestKind,
    RequestStatus,
    RevokeReason,
)


def allocate_numbers(*, body, year: int, level: int, count: int = 1) -> list[str]:
    """``count`` consecutive certificate numbers for ``body``, ``year`` (4 digits) and ``level`` (§8.1.1).

    Must run inside the transaction that issues the certificates: the sequence row stays locked until it
    commits, and a rollback gives the numbers back, so the sequence has no gaps and no number is used twice."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_numbers must run inside the issuing transaction")
    prefix = body.certificate_prefix
    try:
        numbering.compose(prefix, year, level, 1)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    if count < 1:
        raise ValidationError(_("发证数量至少为 1。"))
    # The first issue of a year and level creates the row; get_or_create settles a race for it in a savepoint.
    CertificateSequence.objects.get_or_create(body=body, year=year, level=level)
    row = CertificateSequence.objects.select_for_update().get(body=body, year=year, level=level)
    if row.last + count > numbering.MAX_SEQUENCE:
        raise ValidationError(_("%(year)s 年该等级的证书顺序号已不足 %(n)s 个。") % {"year": year, "n": count})
    first = row.last + 1
    row.last += count
    row.save(update_fields=["last"])
    return [numbering.compose(prefix, year, level, seq) for seq in range(first, first + count)]


# --- 证书核发 (§6.6, §8.2.3) -----------------------------------------------------------------------------------

WARN_DAYS = 7


def batch_end(batch) -> dt.datetime | None:
    return batch.sessions.aggregate(end=Max("ends_at"))["end"]


def submit_deadline(batch, end: dt.datetime | None = None) -> dt.date | None:
    """§8.2.3.1: results go to the supervising platform within one month of the batch's end (``end``, when the
    caller has it already)."""
    end = end or batch_end(batch)
    if end is None:
        return None
    day = timezone.localtime(end).date()
    month = day.month % 12 + 1
    year = day.year + (day.month == 12)
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def deadline_state(batch, today: dt.date | None = None, deadline: dt.date | None = None) -> str:
    """"overdue", "soon" (within a week) or "" for the console's warning."""
    deadline = deadline or submit_deadline(batch)
    if deadline is None:
        return ""
    today = today or timezone.localdate()
    return "overdue" if today > deadline else "soon" if (deadline - today).days <= WARN_DAYS else ""


def _passed(batch):
    from skillcert.grading.models import Result, ResultStatus

    return (Result.objects.filter(batch=batch, status=ResultStatus.PUBLISHED, passed=True)
            .select_related("application__candidate", "application__offer__occupation", "application__offer__trade",
                            "application__offer__level"))


@transaction.atomic
def issue_submit(*, actor, batch_id: int) -> CertificateIssue:
    """Submit a batch's published passing results for review (§6.6.1, §8.2.3.1); again after a return."""
    from skillcert.grading import rules as grading_rules
    from skillcert.scheduling.models import Batch

    batch = Batch.objects.select_for_update(of=("self",)).select_related("announcement").get(pk=batch_id)
    if not grading_rules.scores_batch(actor, batch):
        raise PermissionDenied(_("只有本机构的考务人员或机构管理员可以提交证书核发。"))
    if not _passed(batch).exists():
        raise ValidationError(_("本批次没有已发布的合格成绩。"))
    existing = CertificateIssue.objects.filter(batch=batch).first()
    if existing and existing.status != IssueStatus.RETURNED:
        raise ValidationError(_("本批次已提交证书核发。"))
    if existing:
        issue = existing
        transition(issue, IssueStatus.SUBMITTED, submitted_by=actor, submitted_at=timezone.now())
    else:
        issue = CertificateIssue.objects.create(batch=batch, status=IssueStatus.SUBMITTED, submitted_by=actor,
                                                submitted_at=timezone.now())
    deadline = submit_deadline(batch)
    audit.record(actor, "certificates.issue.submitted", target=issue,
                 data={"passed": _passed(batch).count(), "deadline": deadline.isoformat() if deadline else None,
                       "late": deadline_state(batch) == "overdue"})
    return issue


@transaction.atomic
def issue_review(*, actor, issue_id: int, approve: bool, note: str = "") -> CertificateIssue:
    issue = (CertificateIssue.objects.select_for_update(of=("self",)).select_related("batch__announcement")
             .get(pk=issue_id))
    if not rules.reviews_issue(actor, issue.batch):
        raise PermissionDenied(_("认定结果由监管方的质量督导人员审核。"))
    duties.require_different(duties.CERTIFICATE_REVIEW, actor, issue.submitted_by_id)
    if issue.status != IssueStatus.SUBMITTED:
        raise ValidationError(_("该批次不在待审核状态。"))
    if not approve and not note.strip():
        raise ValidationError({"note": _("退回须写明原因。")})
    transition(issue, IssueStatus.APPROVED if approve else IssueStatus.RETURNED,
               reviewed_by=actor, reviewed_at=timezone.now(), review_note=note.strip()[:500])
    audit.record(actor, "certificates.issue.reviewed", target=issue, data={"approved": approve,
                                                                            "note": issue.review_note})
    return issue


def _certificate(number: str, issue: CertificateIssue, result, day: dt.date, **extra) -> Certificate:
    """The content as printed (§8.2.2.1), from the application and the catalogue as they are now."""
    from skillcert.accounts.enums import IdType

    app, offer, body = result.application, result.application.offer, issue.batch.announcement.body
    return Certificate(
        number=number, issue=issue, body=body, result=result, application=app, holder=app.candidate,
        name=app.full_name, id_type=str(IdType(app.id_type).label) if app.id_type in IdType.values else app.id_type,
        id_number=app.id_number, occupation=offer.occupation.name, occupation_code=offer.occupation.code,
        trade=trade_label(offer.trade), level=offer.level.name, level_number=offer.level.number,
        body_name=body.name, issue_date=day, **extra)


@transaction.atomic
def issue_certificates(*, actor, issue_id: int, issue_date: dt.date | None = None) -> list[Certificate]:
    """核发: one certificate per published passing result of an approved batch, numbered per level in one
    transaction (§8.1.1), the content as it will be printed (§8.2.2); the holders are told."""
    from skillcert.core.notify import notify_many

    issue = (CertificateIssue.objects.select_for_update(of=("self",)).select_related("batch__announcement__body")
             .get(pk=issue_id))
    body = issue.batch.announcement.body
    if not rules.issues(actor, body.pk):
        raise PermissionDenied(_("只有机构管理员可以核发证书。"))
    if issue.status != IssueStatus.APPROVED:
        raise ValidationError(_("认定结果审核通过后才能核发证书。"))
    day = issue_date or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"issue_date": _("发证日期不能晚于今天。")})
    by_level: dict[int, list] = {}
    for result in _passed(issue.batch).order_by("application__offer__level__number", "application_id"):
        by_level.setdefault(result.application.offer.level.number, []).append(result)
    made = []
    for level, rows in sorted(by_level.items()):
        numbers = allocate_numbers(body=body, year=day.year, level=level, count=len(rows))
        for number, result in zip(numbers, rows, strict=True):
            made.append(_certificate(number, issue, result, day))
    Certificate.objects.bulk_create(made)
    transition(issue, IssueStatus.ISSUED, issued_by=actor, issued_at=timezone.now(), issue_date=day)
    notify_many((cert.holder, _("职业技能等级证书已核发"),  # one INSERT; the mail queued after the commit
                 _("您的%(level)s证书（编号 %(number)s）已核发。") % {"level": cert.level, "number": cert.number}, "")
                for cert in made)
    audit.record(actor, "certificates.issued", target=issue,
                 data={"count": len(made), "issue_date": day.isoformat(),
                       "numbers": [made[0].number, made[-1].number] if made else []})
    return made



# --- 补发 and 撤销 (§8.2.4.1, §6.8.2, §8.4.2) ------------------------------------------------------------------

def _office_of(actor, cert: Certificate) -> None:
    from skillcert.accounts import rules as accounts_rules

    if not accounts_rules.is_office(actor, cert.body_id):
        raise PermissionDenied(_("只有发证机构的考务人员或机构管理员可以办理。"))


@transaction.atomic
def request_reissue(*, actor, certificate_id: int, reason: str, detail: str, id_checked: bool, full_name: str = "",
                    id_type: str = "", id_number: str = "", photo=None, evidence=None) -> CertificateRequest:
    """补发: the holder applied in person with the original ID card (§8.2.4.1); decided by a second person.

    For 证书信息错误 the request carries the corrected data (``full_name``, ``id_type``, ``id_number``, a new
    ``photo``; blank = unchanged, at least one must differ from the certificate) and the evidence (``evidence``,
    an uploaded PDF/JPG/PNG, and the note in ``detail``); the values pass the validators of sign-up and import.
    Corrections on another reason are refused."""
    from skillcert.registration import candidates
    from skillcert.registration.uploads import check_document, check_photo

    cert = Certificate.objects.select_for_update(of=("self",)).select_related("application").get(pk=certificate_id)
    _office_of(actor, cert)
    if reason not in ReissueReason.values:
        raise ValidationError({"reason": _("请选择补发原因。")})
    if not id_checked:
        raise ValidationError({"id_checked": _("补发须由持证人持身份证原件办理，请先核验。")})
    asked = bool(str(full_name or "").strip() or id_type or str(id_number or "").strip() or photo is not None)
    if reason != ReissueReason.WRONG:
        if asked:
            raise ValidationError({"reason": _("只有“证书信息错误”的补发可以更正持证人信息。")})
        return _request(actor, cert, RequestKind.REISSUE, reason, detail, id_checked=True)
    if not detail.strip():
        raise ValidationError({"detail": _("请写明情况和证据。")})
    changes = candidates.identity_changes(application_id=cert.application_id, full_name=full_name, id_type=id_type,
                                          id_number=id_number)
    checked_photo = check_photo(photo, field="photo") if photo is not None else None
    if not changes and checked_photo is None:
        raise ValidationError({"full_name": _("证书信息错误补发须填写更正后的信息：姓名、证件类型、证件号码或证件照，"
                                              "至少一项与原证不同。")})
    if evidence is None:
        raise ValidationError({"evidence": _("证书信息错误补发须上传证明材料（如身份证、户籍证明的扫描件）。")})
    checked_evidence = check_document(evidence, field="evidence", label=_("证明材料"))
    corrections = {("name" if f == "full_name" else f): c for f, c in changes.items()}
    if checked_photo is not None:
        profile = getattr(cert.holder, "candidate_profile", None)
        corrections["photo"] = {"old": profile.photo_sha256 if profile else "", "new": checked_photo.sha256}
    req = _request(actor, cert, RequestKind.REISSUE, reason, detail, id_checked=True, corrections=corrections,
                   evidence_name=checked_evidence.original_name, evidence_type=checked_evidence.content_type,
                   evidence_sha256=checked_evidence.sha256,
                   new_photo_sha256=checked_photo.sha256 if checked_photo else "")
    req.evidence.save(checked_evidence.content.name, checked_evidence.content, save=False)
    if checked_photo is not None:
        req.new_photo.save(checked_photo.content.name, checked_photo.content, save=False)
    req.save(update_fields=["evidence", "new_photo"])
    return req


@transaction.atomic
def request_revoke(*, actor, certificate_id: int, reason: str, detail: str,
                   bar_until: dt.date | None = None) -> CertificateRequest:
    """撤销 with the reason and the evidence (§6.8.2, §8.4.2); decided by a second person."""
    cert = Certificate.objects.select_for_update().get(pk=certificate_id)
    _office_of(actor, cert)
    if reason not in RevokeReason.values:
        raise ValidationError({"reason": _("请选择撤销原因。")})
    if bar_until is not None and bar_until < timezone.localdate():
        raise ValidationError({"bar_until": _("诚信记录截止日期不能早于今天。")})
    return _request(actor, cert, RequestKind.REVOKE, reason, detail, bar_until=bar_until)


def _request(actor, cert: Certificate, kind: str, reason: str, detail: str, **extra) -> CertificateRequest:
    if cert.status != CertificateStatus.VALID:
        raise ValidationError(_("该证书已%(s)s，不能再办理。") % {"s": cert.get_status_display()})
    if not detail.strip():
        raise ValidationError({"detail": _("请写明情况和证据。")})
    if cert.requests.filter(status=RequestStatus.PENDING).exists():
        raise ValidationError(_("该证书已有待审批的申请。"))
    req = CertificateRequest.objects.create(certificate=cert, kind=kind, reason=reason, detail=detail.strip()[:1000],
                                            requested_by=actor, **extra)
    data = {"number": cert.number, "reason": reason, "detail": req.detail}
    if req.corrections:
        data.update(corrections=sorted(req.corrections), evidence_sha256=req.evidence_sha256)
    audit.record(actor, f"certificates.{kind}.requested", target=req, data=data)
    return req


def _correct(actor, req: CertificateRequest, cert: Certificate, new: Certificate) -> None:
    """证书信息错误 (§8.2.4.1): the candidate's record corrected through registration's service (the account, the
    applications, the photo — audited there, with this request as the evidence), and the new certificate printed with
    the corrected data. Raises, and the whole decision rolls back, if a value no longer passes (say the corrected ID
    number was taken by another account meanwhile)."""
    from skillcert.accounts.enums import IdType
    from skillcert.registration import candidates

    new_value = {f: c["new"] for f, c in req.corrections.items()}
    photo = req.new_photo.open("rb") if "photo" in new_value and req.new_photo else None
    try:
        candidates.identity_correct(
            actor=actor, user_id=cert.holder_id, application_id=cert.application_id,
            full_name=new_value.get("name", ""), id_type=new_value.get("id_type", ""),
            id_number=new_value.get("id_number", ""), photo=photo,
            reason=_("证书 %(n)s 信息错误补发：%(d)s") % {"n": cert.number, "d": req.detail},
            evidence=_("补发申请 %(pk)s 的证明材料 %(name)s（SHA-256 %(sha)s）") % {
                "pk": req.pk, "name": req.evidence_name, "sha": req.evidence_sha256})
    finally:
        if photo is not None:
            photo.close()
    if "name" in new_value:
        new.name = new_value["name"]
    if "id_type" in new_value:
        t = new_value["id_type"]
        new.id_type = str(IdType(t).label) if t in IdType.values else t
    if "id_number" in new_value:
        new.id_number = new_value["id_number"]


_BAR_REASON = {RevokeReason.CHEATING: "cheating", RevokeReason.FORGERY: "forged_information",
               RevokeReason.TRANSFER: "certificate_fraud", RevokeReason.OTHER: "certificate_fraud"}


@transaction.atomic
def request_decide(*, actor, request_id: int, approve: bool) -> CertificateRequest:
    """The second person approves — the replacement is issued (the old one replaced, and recalled when damaged or
    wrong), or the certificate is revoked at once and the holder's integrity record written — or rejects."""
    from skillcert.core.notify import notify
    from skillcert.integrity.services import bar_record

    # The certificate is locked with the request (of="certificate"): approving replaces or revokes it, and a new
    # request for it is checked under that same lock (request_reissue / request_revoke).
    req = CertificateRequest.objects.select_for_update(of=("self", "certificate")).select_related(
        "certificate__issue__batch__announcement__body", "certificate__result__application").get(pk=request_id)
    cert = req.certificate
    if not rules.issues(actor, cert.body_id):
        raise PermissionDenied(_("补发和撤销由发证机构的机构管理员审批。"))
    duties.require_different(duties.CERTIFICATE_REQUEST, actor, req.requested_by_id)
    if req.status != RequestStatus.PENDING:
        raise ValidationError(_("该申请已处理。"))
    transition(req, RequestStatus.APPROVED if approve else RequestStatus.REJECTED, save=False,
               decided_by=actor, decided_at=timezone.now())
    today = timezone.localdate()
    if approve and req.kind == RequestKind.REISSUE:
        (number,) = allocate_numbers(body=cert.body, year=today.year, level=cert.level_number)
        new = _certificate(number, cert.issue, cert.result, today, is_reissue=True)
        if req.corrections:
            _correct(actor, req, cert, new)
        new.save()
        transition(cert, CertificateStatus.REPLACED, replaced_by=new)
        req.new_certificate, req.recalled = new, req.reason in (ReissueReason.DAMAGE, ReissueReason.WRONG)
        ledger.entry(actor, cert.body_id, LedgerEvent.REISSUED, certificate=new, issue=cert.issue,
                     note=_("原证 %(n)s，%(r)s") % {"n": cert.number, "r": req.reason_label})
        if req.recalled:
            ledger.entry(actor, cert.body_id, LedgerEvent.RECALLED, certificate=cert, issue=cert.issue,
                         sheet=ledger.printed_sheet(cert), note=_("补发新证 %(n)s 时收回") % {"n": number})
        notify(cert.holder, _("证书已补发"), _("您的证书已补发，新证书编号 %(n)s。") % {"n": number})
    elif approve:
        transition(cert, CertificateStatus.REVOKED, revoked_at=today, revoke_reason=req.reason)
        ledger.entry(actor, cert.body_id, LedgerEvent.REVOKED, certificate=cert, issue=cert.issue,
                     note=req.reason_label)
        app = cert.result.application
        bar_record(actor=actor, body=cert.body, id_type=app.id_type, id_number=cert.id_number, full_name=cert.name,
                   reason=_BAR_REASON[req.reason], starts_on=today, ends_on=req.bar_until,
                   details=_("撤销证书 %(n)s：%(d)s") % {"n": cert.number, "d": req.detail})
        notify(cert.holder, _("证书已撤销"), _("您的证书 %(n)s 已被撤销（%(r)s）。") % {
            "n": cert.number, "r": RevokeReason(req.reason).label})
    req.save(update_fields=["status", "decided_by", "decided_at", "new_certificate", "recalled"])
    audit.record(actor, f"certificates.{req.kind}.decided", target=req,
                 data={"approved": approve, "number": cert.number,
                       "new": req.new_certificate.number if req.new_certificate else None, "recalled": req.recalled,
                       "corrected": sorted(req.corrections) if approve else []})
    return req


# --- 证书版式 and the body's seal (§8.2.3.3) ----------------------------------------------------------------------

SEAL_MAX_BYTES = 2 * 1024 * 1024


def _seal_png(data: bytes) -> bytes:
    """The uploaded seal as an RGBA PNG: PNG or JPEG, 200–3000 px a side, near-white made transparent so the
    seal overprints the body's name as a stamp would."""
    import io

    from PIL import Image, ImageChops, UnidentifiedImageError

    if not data or len(data) > SEAL_MAX_BYTES:
        raise ValidationError({"seal": _("印章图片须为不超过 2 MB 的 PNG 或 JPEG 文件。")})
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only: format and size are checked before decoding
        if image.format not in ("PNG", "JPEG"):
            raise ValidationError({"seal": _("印章图片须为 PNG 或 JPEG 文件。")})
        if not (200 <= min(image.size) and max(image.size) <= 3000):
            raise ValidationError({"seal": _("印章图片每边应在 200 到 3000 像素之间。")})
        image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        raise ValidationError({"seal": _("无法读取印章图片，请上传 PNG 或 JPEG 文件。")}) from None
    red, green, blue, alpha = image.convert("RGBA").split()
    paper = ImageChops.darker(ImageChops.darker(red, green), blue).point(lambda v: 0 if v > 235 else 255)
    image = Image.merge("RGBA", (red, green, blue, ImageChops.multiply(alpha, paper)))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@transaction.atomic
def layout_save(*, actor, body_id: int, seal: bytes | None = None, remove_seal: bool = False, seal_mm: int = 40,
                offset_x_mm: int = 0, offset_y_mm: int = 0, preprinted: bool = False):
    """The body admin keeps the body's seal image and the printer calibration for its blank stock (§8.2.3)."""
    import hashlib

    from django.core.files.base import ContentFile

    from skillcert.accounts.models import Organisation

    from .models import CertificateLayout

    if not rules.issues(actor, body_id):
        raise PermissionDenied(_("证书版式和印章由机构管理员维护。"))
    Organisation.objects.select_for_update().get(pk=body_id)
    if not 20 <= seal_mm <= 50:
        raise ValidationError({"seal_mm": _("印章直径应在 20 到 50 毫米之间。")})
    for name, value in (("offset_x_mm", offset_x_mm), ("offset_y_mm", offset_y_mm)):
        if not -20 <= value <= 20:
            raise ValidationError({name: _("偏移应在 -20 到 20 毫米之间。")})
    png = _seal_png(seal) if seal else None
    layout = CertificateLayout.objects.filter(body_id=body_id).first() or CertificateLayout(body_id=body_id)
    layout.seal_mm, layout.offset_x_mm, layout.offset_y_mm = seal_mm, offset_x_mm, offset_y_mm
    layout.preprinted, layout.updated_by = preprinted, actor
    if png is not None:
        if layout.seal:
            layout.seal.delete(save=False)
        layout.seal.save(f"{body_id}.png", ContentFile(png), save=False)
        layout.seal_sha256 = hashlib.sha256(png).hexdigest()
    elif remove_seal and layout.seal:
        layout.seal.delete(save=False)
        layout.seal, layout.seal_sha256 = "", ""
    layout.save()
    audit.record(actor, "certificates.layout.saved", target=layout,
                 data={"seal_sha256": layout.seal_sha256, "seal_mm": seal_mm, "offset": [offset_x_mm, offset_y_mm],
                       "preprinted": preprinted})
    return layout
