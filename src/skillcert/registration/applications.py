"""Applications (报名, §6.1.3), eligibility review (§6.1.4, §4.1) and fees (§6.1.2 d).

Statuses move only through ``APPLICATION_TRANSITIONS``; every move is audited and the
candidate is notified in the portal and by e-mail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.accounts import rules
from skillcert.accounts.models import User
from skillcert.core import audit
from skillcert.core.notify import notify
from skillcert.core.statemachine import require_transition, transition
from skillcert.integrity.services import refuse_if_barred

from . import eligibility
from . import rules as registration_rules
from .candidates import profile_of
from .enums import (
    APPLICATION_TRANSITIONS,
    DECLARATIONS,
    FEE_TRANSITIONS,
    LIVE_STATUSES,
    PENDING_REVIEW,
    AnnouncementStatus,
    ApplicationStatus,
    DocumentKind,
    FeeEntryKind,
    FeeStatus,
)
from .models import Announcement, AnnouncementOffer, Application, ApplicationDocument, CandidateProfile, FeeEntry
from .services import effective_rule_set
from .uploads import check_document

STATUS_LABELS = dict(ApplicationStatus.choices)


# --- Eligibility --------------------------------------------------------------------------

def facts_for(app: Application, applied_on: dt.date) -> eligibility.Facts:
    certs = [eligibility.PriorCertificate(c["occupation"], c["level"], dt.date.fromisoformat(c["issued_on"]),
                                          c.get("number", "")) for c in app.certificates]
    return eligibility.Facts(
        occupation_code=app.offer.occupation.code, applied_on=applied_on,
        education=eligibility.Education(app.education) if app.education else None,
        years_in_occupation=float(app.years_in_occupation), certificates=certs)


def judge(app: Application, applied_on: dt.date) -> tuple[bool, str]:
    """Evaluate the rules that apply to this application; (eligible, explanation in Chinese)."""
    offer = app.offer
    rule_set, origin = effective_rule_set(app.announcement.body_id, offer.occupation, offer.level,
                                          app.announcement_id)
    if rule_set is None:
        return False, _("本机构尚未设置该职业、等级的申报条件，须由审核人员人工审核。")
    verdict = eligibility.evaluate(rule_set, facts_for(app, applied_on))
    prefix = {"announcement": _("依据本公告专门设定的申报条件。"), "body": _("依据本机构设定的申报条件。"),
              "example": _("依据系统示例申报条件（可由机构修改）。")}[origin]
    return verdict.eligible, prefix + "\n" + verdict.explanation()


def _snapshot(app: Application, user: User, profile: CandidateProfile) -> None:
    app.full_name, app.id_type, app.id_number, app.phone = user.full_name, user.id_type, user.id_number, user.phone
    app.employer, app.education, app.years_in_occupation = profile.employer, profile.education, \
        profile.years_in_occupation
    app.certificates = [{"occupation": c.occupation.code, "level": c.level.number, "number": c.number,
                         "issued_on": c.issued_on.isoformat()}
                        for c in profile.certificates.select_related("occupation", "level")]


# --- Checks shared by submission and resubmission -------------------------------------------

def _check_open(ann: Announcement, now: dt.datetime) -> None:
    if ann.status != AnnouncementStatus.PUBLISHED:
        raise ValidationError(_("该公告当前不接受报名。"))
    if now < ann.registration_opens:
        raise ValidationError(_("报名尚未开始（%(t)s 开始）。") % {
            "t": timezone.localtime(ann.registration_opens).strftime("%Y-%m-%d %H:%M")})
    if now >= ann.registration_closes:
        raise ValidationError(_("报名已截止（%(t)s 截止）。") % {
            "t": timezone.localtime(ann.registration_closes).strftime("%Y-%m-%d %H:%M")})


def _check_declarations(user: User, declarations: Mapping[str, bool], signature: str) -> dict[str, str]:
    missing = [key for key in DECLARATIONS if not declarations.get(key)]
    if missing:
        raise ValidationError({"declarations": _("请逐项阅读并勾选全部承诺事项（§4.1）。")})
    if (signature or "").strip() != user.full_name:
        raise ValidationError({"signature": _("签名须与证件姓名“%(name)s”一致。") % {"name": user.full_name}})
    now = timezone.now().isoformat()
    return {key: now for key in DECLARATIONS}


def _save_documents(app: Application, uploads: Mapping[str, object], verified_online: Iterable[str], *,
                    require_all: bool) -> list[dict]:
    """Check every upload first, then write; each §6.1.3 material is a file or marked verified online."""
    online = set(verified_online)
    labels = dict(DocumentKind.choices)
    existing = {d.kind: d for d in app.documents.all()} if app.pk else {}
    checked, errors = {}, {}
    for kind in DocumentKind.values:
        upload = uploads.get(kind)
        field = f"doc_{kind}"
        if upload:
            try:
                checked[kind] = check_document(upload, field=field, label=str(labels[kind]))
            except ValidationError as exc:
                errors.update(exc.message_dict)
        elif kind not in online and (require_all or kind not in existing):
            errors[field] = [_("请上传%(label)s，或勾选“已网络核验”。") % {"label": labels[kind]}]
    if errors:
        raise ValidationError(errors)
    written = []
    for kind in DocumentKind.values:
        doc = existing.get(kind) or ApplicationDocument(application=app, kind=kind)
        if kind in checked:
            c = checked[kind]
            if doc.file:
                old = doc.file.name
                transaction.on_commit(lambda old=old, storage=doc.file.storage: storage.delete(old))
            doc.file.save(c.content.name, c.content, save=False)
            doc.verified_online, doc.original_name, doc.content_type = False, c.original_name, c.content_type
            doc.size, doc.sha256 = c.size, c.sha256
        elif kind in online:
            doc.verified_online = True
        else:
            continue
        doc.save()
        written.append({"kind": kind, "verified_online": doc.verified_online, "sha256": doc.sha256})
    return written


def _notify(app: Application, subject: str, body: str) -> None:
    notify(app.candidate, subject, body, url=reverse("portal:application_detail", args=[app.pk]))


# --- Candidate actions ---------------------------------------------------------------------

@dataclass(frozen=True)
class Submission:
    declarations: Mapping[str, bool]
    signature: str
    uploads: Mapping[str, object]
    verified_online: Iterable[str] = ()


@transaction.atomic
def application_submit(*, actor: User, announcement_id: int, offer_id: int, submission: Submission) -> Application:
    """A candidate applies for one offer of a published announcement inside its window."""
    if not rules.is_candidate(actor):
        raise PermissionDenied(_("只有考生账户可以报名。"))
    user = User.objects.select_for_update().get(pk=actor.pk)  # one submission at a time per candidate
    now = timezone.now()
    ann = Announcement.objects.select_related("body").get(pk=announcement_id)
    _check_open(ann, now)
    offer = AnnouncementOffer.objects.select_related("occupation", "level", "trade").filter(
        pk=offer_id, announcement=ann).first()
    if offer is None:
        raise ValidationError({"offer": _("请选择本公告提供的职业（工种）和等级。")})
    refuse_if_barred(id_type=user.id_type, id_number=user.id_number, on=timezone.localdate(now))
    if Application.objects.filter(announcement=ann, candidate=user, status__in=LIVE_STATUSES).exists():
        raise ValidationError(_("您已报名本公告，不能重复报名；可在“我的报名”中查看。"))
    profile = profile_of(user)
    if not profile.photo:
        raise ValidationError(_("请先在“个人资料”中上传证件照（用于准考证和证书）。"))
    if profile.education is None:
        raise ValidationError(_("请先在“个人资料”中填写学历。"))
    signed = _check_declarations(user, submission.declarations, submission.signature)
    app = Application(announcement=ann, offer=offer, candidate=user, submitted_at=now, declarations=signed,
                      signature=submission.signature.strip(), fee_due_fen=offer.fee_fen)
    _snapshot(app, user, profile)
    app.eligible, app.explanation = judge(app, timezone.localdate(now))
    app.save()
    docs = _save_documents(app, submission.uploads, submission.verified_online, require_all=True)
    audit.record(actor, "registration.application.submitted", target=app, data={
        "offer": str(offer), "eligible": app.eligible, "documents": docs})
    _notify(app, _("报名已提交：%(t)s") % {"t": ann.title},
            _("您报考的 %(offer)s 已提交，等待资格审核。系统初审：%(v)s") % {
                "offer": offer, "v": _("符合申报条件") if app.eligible else _("暂不符合申报条件，请查看说明")})
    return app


def _own_application(actor: User, application_id: int) -> Application:
    app = Application.objects.select_for_update().filter(pk=application_id, candidate=actor).first()
    if app is None:
        raise PermissionDenied
    return app


@transaction.atomic
def application_resubmit(*, actor: User, application_id: int, submission: Submission) -> Application:
    """After "returned for correction": the candidate fixes the profile or the documents and sends it back."""
    app = _own_application(actor, application_id)
    require_transition(APPLICATION_TRANSITIONS, app.status, ApplicationStatus.RESUBMITTED, labels=STATUS_LABELS)
    now = timezone.now()
    app = Application.objects.select_related("announcement__body", "offer__occupation", "offer__level").get(pk=app.pk)
    # A return may come after the window closed (review goes on); only an archived announcement is final.
    if app.announcement.status == AnnouncementStatus.ARCHIVED:
        raise ValidationError(_("该公告已归档，不能再提交。"))
    user = User.objects.get(pk=actor.pk)
    app.declarations = _check_declarations(user, submission.declarations, submission.signature)
    _snapshot(app, user, profile_of(user))
    app.eligible, app.explanation = judge(app, timezone.localdate(now))
    previous = transition(app, ApplicationStatus.RESUBMITTED, labels=STATUS_LABELS, save=False, submitted_at=now)
    app.save()
    docs = _save_documents(app, submission.uploads, submission.verified_online, require_all=False)
    audit.record(actor, "registration.application.resubmitted", target=app, data={
        "status": {"old": previous, "new": app.status}, "eligible": app.eligible, "documents": docs})
    _notify(app, _("报名已重新提交"), _("您修改后的报名已提交，等待资格审核。"))
    return app


@transaction.atomic
def application_withdraw(*, actor: User, application_id: int) -> Application:
    """The candidate withdraws before a decision (submitted, returned or resubmitted)."""
    app = _own_application(actor, application_id)
    require_transition(APPLICATION_TRANSITIONS, app.status, ApplicationStatus.WITHDRAWN, labels=STATUS_LABELS)
    previous = transition(app, ApplicationStatus.WITHDRAWN, labels=STATUS_LABELS)
    audit.record(actor, "registration.application.withdrawn", target=app,
                 data={"status": {"old": previous, "new": app.status}})
    _notify(app, _("报名已撤回"), _("您已撤回报名。如需报考，可在报名期内重新报名。"))
    return app


# --- Review ------------------------------------------------------------------------------

DECISIONS = (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.RETURNED)


def _decide(actor: User, app: Application, decision: str, note: str) -> None:
    require_transition(APPLICATION_TRANSITIONS, app.status, decision, labels=STATUS_LABELS)
    note = (note or "").strip()
    if decision in (ApplicationStatus.REJECTED, ApplicationStatus.RETURNED) and not note:
        raise ValidationError({"note": _("不通过或退回修改时必须填写原因，考生将看到这段说明。")})
    previous = transition(app, decision, labels=STATUS_LABELS, review_note=note, reviewer=actor,
                          decided_at=timezone.now())
    audit.record(actor, f"registration.application.{decision}", target=app, data={
        "status": {"old": previous, "new": decision}, "note": note, "eligible": app.eligible})
    subject, body = {
        ApplicationStatus.APPROVED: (_("资格审核通过"), _("您报考的 %(offer)s 已通过资格审核，请留意准考证打印通知。")),
        ApplicationStatus.REJECTED: (_("资格审核未通过"), _("您报考的 %(offer)s 未通过资格审核。原因：%(note)s")),
        ApplicationStatus.RETURNED: (_("报名被退回修改"), _("您报考的 %(offer)s 需要修改后重新提交。说明：%(note)s")),
    }[decision]
    _notify(app, subject, body % {"offer": app.offer, "note": note})


@transaction.atomic
def application_review(*, actor: User, application_id: int, decision: str, note: str = "") -> Application:
    """Approve, reject (reason required) or return for correction (reason required)."""
    app = (Application.objects.select_for_update(of=("self",))
           .select_related("announcement", "offer__occupation", "offer__level", "offer__trade", "candidate")
           .get(pk=application_id))
    if not registration_rules.reviews_applications(actor, app.announcement.body_id):
        raise PermissionDenied(_("您无权审核该报名。"))
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("请选择审核结论。")})
    _decide(actor, app, decision, note)
    return app


@dataclass(frozen=True)
class BulkResult:
    approved: list[int]
    skipped: list[tuple[int, str]]


@transaction.atomic
def application_bulk_approve(*, actor: User, announcement_id: int, application_ids: Iterable[int]) -> BulkResult:
    """Approve the chosen applications that await review and that the rules judged eligible; the
    rest are skipped with the reason (they need a reviewer's individual look)."""
    ann = Announcement.objects.get(pk=announcement_id)
    if not registration_rules.reviews_applications(actor, ann.body_id):
        raise PermissionDenied(_("您无权审核该公告的报名。"))
    approved, skipped = [], []
    apps = (Application.objects.select_for_update(of=("self",)).filter(announcement=ann, pk__in=list(application_ids))
            .order_by("pk"))
    for app in apps.select_related("offer__occupation", "offer__level", "offer__trade", "candidate"):
        if app.status not in PENDING_REVIEW:
            skipped.append((app.pk, _("状态为“%(s)s”") % {"s": STATUS_LABELS[app.status]}))
        elif not app.eligible:
            skipped.append((app.pk, _("系统判定不符合申报条件，需逐份审核")))
        else:
            _decide(actor, app, ApplicationStatus.APPROVED, "")
            approved.append(app.pk)
    audit.record(actor, "registration.application.bulk_approved", target=ann,
                 data={"approved": len(approved), "skipped": [pk for pk, _r in skipped]})
    return BulkResult(approved, skipped)


# --- Fees (收费标准, §6.1.2 d) -----------------------------------------------------------------

FEE_STATUS_AFTER = {FeeEntryKind.PAID: FeeStatus.PAID, FeeEntryKind.WAIVED: FeeStatus.WAIVED,
                    FeeEntryKind.REFUNDED: FeeStatus.REFUNDED}
FEE_ALLOWED_FROM = {kind: {s for s, targets in FEE_TRANSITIONS.items() if after in targets}
                    for kind, after in FEE_STATUS_AFTER.items()}


def yuan_to_fen(value: Decimal | str | int) -> int:
    amount = Decimal(str(value))
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("金额应为不小于0、最多两位小数的数字（元）。")})
    return int(amount * 100)


@transaction.atomic
def fee_record(*, actor: User | None, application_id: int, kind: str, amount_fen: int, receipt_number: str = "",
               note: str = "", channel: str = "offline") -> FeeEntry:
    """The one place a fee event is recorded. Staff record offline payments, waivers and refunds;
    a payment gateway would call this with ``channel="gateway"`` and its transaction number."""
    app = Application.objects.select_for_update().get(pk=application_id)
    if channel == "offline" and not registration_rules.reviews_applications(actor, app.announcement.body_id):
        raise PermissionDenied(_("您无权登记该报名的费用。"))
    if kind not in FEE_STATUS_AFTER:
        raise ValidationError({"kind": _("请选择缴费、减免或退费。")})
    if app.fee_status not in FEE_ALLOWED_FROM[kind]:
        raise ValidationError({"kind": _("当前缴费状态为“%(s)s”，不能登记%(k)s。") % {
            "s": app.get_fee_status_display(), "k": FeeEntryKind(kind).label}})
    if kind == FeeEntryKind.PAID and app.status not in LIVE_STATUSES:
        raise ValidationError({"kind": _("该报名已%(s)s，不能登记缴费。") % {"s": app.get_status_display()}})
    receipt_number = (receipt_number or "").strip()
    if kind in (FeeEntryKind.PAID, FeeEntryKind.REFUNDED) and not receipt_number:
        raise ValidationError({"receipt_number": _("缴费和退费必须填写票据号。")})
    if receipt_number and FeeEntry.objects.filter(receipt_number=receipt_number).exists():
        raise ValidationError({"receipt_number": _("票据号“%(n)s”已登记过。") % {"n": receipt_number}})
    if kind == FeeEntryKind.PAID and amount_fen != app.fee_due_fen:
        raise ValidationError({"amount": _("缴费金额应为应缴费用 %(due).2f 元。") % {"due": app.fee_due_fen / 100}})
    if kind == FeeEntryKind.REFUNDED:
        paid = sum(e.amount_fen for e in app.fee_entries.filter(kind=FeeEntryKind.PAID))
        if not 0 < amount_fen <= paid:
            raise ValidationError({"amount": _("退费金额应大于0且不超过已缴 %(p).2f 元。") % {"p": paid / 100}})
    if kind == FeeEntryKind.WAIVED:
        amount_fen = app.fee_due_fen
    entry = FeeEntry.objects.create(application=app, kind=kind, amount_fen=amount_fen, receipt_number=receipt_number,
                                    channel=channel, note=note.strip(), recorded_by=actor)
    previous = transition(app, FEE_STATUS_AFTER[kind], field="fee_status")
    audit.record(actor, f"registration.fee.{kind}", target=app, actor_label=None if actor else channel, data={
        "amount_fen": amount_fen, "receipt_number": receipt_number, "channel": channel,
        "fee_status": {"old": previous, "new": app.fee_status}})
    return entry
