"""Certificates (§6.6, §8). So far: the number sequences (§8.1.1)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from skillcert.core.files import private_storage


class CertificateSequence(models.Model):
    """The last sequence number given for one body, year of issue and level (§8.1.1): incremented only inside
    the transaction that issues the certificates, under a row lock, so numbers have no gaps, are never reused and
    stay unique however many are issued at once."""

    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="certificate_sequences")
    year = models.PositiveSmallIntegerField(_("发证年份"))
    level = models.PositiveSmallIntegerField(_("等级代码"))
    last = models.PositiveIntegerField(_("已用顺序号"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["body", "year", "level"], name="certificate_sequence_once"),
                       models.CheckConstraint(condition=models.Q(last__lte=999_999), name="certificate_sequence_max")]
        verbose_name = _("证书顺序号")
        verbose_name_plural = _("证书顺序号")

    def __str__(self) -> str:
        return f"{self.body_id}/{self.year}/{self.level}: {self.last}"


class IssueStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交审核")
    RETURNED = "returned", _("审核退回")
    APPROVED = "approved", _("审核通过")
    ISSUED = "issued", _("已发证")


# certificates.services: issue_submit (again after a return), issue_review, issue_certificates.
ISSUE_TRANSITIONS = {
    IssueStatus.SUBMITTED: {IssueStatus.APPROVED, IssueStatus.RETURNED},
    IssueStatus.RETURNED: {IssueStatus.SUBMITTED},
    IssueStatus.APPROVED: {IssueStatus.ISSUED},
    IssueStatus.ISSUED: set(),
}


class CertificateIssue(models.Model):
    """证书核发 of one batch (§6.6): its published passing results submitted to the supervising side within a month
    of the batch's end (§8.2.3.1), reviewed there (§6.6.1), then issued by the body with numbers and a date."""

    batch = models.OneToOneField("scheduling.Batch", on_delete=models.PROTECT, related_name="certificate_issue",
                                 verbose_name=_("批次"))
    status = models.CharField(_("状态"), max_length=10, choices=IssueStatus.choices, default=IssueStatus.SUBMITTED)
    submitted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("提交人"))
    submitted_at = models.DateTimeField(_("提交时间"))
    reviewed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("审核人"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    issued_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("发证人"))
    issued_at = models.DateTimeField(_("发证操作时间"), null=True, blank=True)
    issue_date = models.DateField(_("发证日期"), null=True, blank=True)

    TRANSITIONS = ISSUE_TRANSITIONS

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("证书核发")
        verbose_name_plural = _("证书核发")

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.status}"

    @property
    def audit_org_id(self) -> int:
        return self.batch.audit_org_id


class RevokeReason(models.TextChoices):
    CHEATING = "cheating", _("事后查实考试作弊")
    FORGERY = "forgery", _("伪造或变造材料取得")
    TRANSFER = "transfer", _("转让、出借证书")
    OTHER = "other", _("其他违规情形")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已撤销")
    REPLACED = "replaced", _("已补发新证")


# certificates.services.request_decide: an approved reissue replaces the certificate, an approved revocation
# revokes it (§8.2.4.1, §8.4.2); either is final.
CERTIFICATE_TRANSITIONS = {
    CertificateStatus.VALID: {CertificateStatus.REPLACED, CertificateStatus.REVOKED},
    CertificateStatus.REPLACED: set(),
    CertificateStatus.REVOKED: set(),
}


class Certificate(models.Model):
    """职业技能等级证书 (§8.2.2.1): the content as issued, kept as it was printed — later edits to the candidate,
    the catalogue or the body do not change a certificate."""

    number = models.CharField(_("证书编号"), max_length=22, unique=True)
    issue = models.ForeignKey(CertificateIssue, on_delete=models.PROTECT, related_name="certificates")
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="certificates",
                             verbose_name=_("评价机构"))
    result = models.ForeignKey("grading.Result", on_delete=models.PROTECT, related_name="certificates")
    application = models.ForeignKey("registration.Application", on_delete=models.PROTECT,
                                    related_name="level_certificates")
    holder = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="certificates",
                               verbose_name=_("持证人"))
    name = models.CharField(_("姓名"), max_length=60)
    id_type = models.CharField(_("证件类型"), max_length=40)
    id_number = models.CharField(_("证件号码"), max_length=40)
    occupation = models.CharField(_("职业名称"), max_length=100)
    occupation_code = models.CharField(_("职业编码"), max_length=20)
    trade = models.CharField(_("工种名称"), max_length=100)  # "——" when the occupation has none (§8.2.2.2)
    level = models.CharField(_("职业技能等级"), max_length=40)
    level_number = models.PositiveSmallIntegerField(_("等级代码"))
    body_name = models.CharField(_("评价机构名称"), max_length=120)
    issue_date = models.DateField(_("发证日期"))
    status = models.CharField(_("状态"), max_length=10, choices=CertificateStatus.choices,
                              default=CertificateStatus.VALID)
    revoked_at = models.DateField(_("撤销日期"), null=True, blank=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=10, choices=RevokeReason.choices, blank=True)
    replaced_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="replaces", verbose_name=_("补发的新证"))
    is_reissue = models.BooleanField(_("补发"), default=False)
    # The status last reported to the national platform (§6.6.2, §8.3); blank = never reported.
    reported_status = models.CharField(_("已上报状态"), max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    TRANSITIONS = CERTIFICATE_TRANSITIONS

    class Meta:
        ordering = ["number"]
        indexes = [models.Index(fields=["id_number", "name"], name="certificate_id_name")]
        verbose_name = _("职业技能等级证书")
        verbose_name_plural = _("职业技能等级证书")

    def __str__(self) -> str:
        return self.number

    @property
    def audit_org_id(self) -> int:
        return self.body_id


class VerificationLog(models.Model):
    """Every public lookup (§8.3), hit or miss: when, from where, how — never what was typed."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=8)  # number / id / token
    found = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["ip", "at"], name="verification_ip_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.method} {self.found}"


class RequestKind(models.TextChoices):
    REISSUE = "reissue", _("补发")
    REVOKE = "revoke", _("撤销")


class ReissueReason(models.TextChoices):
    LOSS = "loss", _("遗失")
    DAMAGE = "damage", _("损坏")
    WRONG = "wrong", _("证书信息错误")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


REQUEST_TRANSITIONS = {  # certificates.services.request_decide, by a second person
    RequestStatus.PENDING: {RequestStatus.APPROVED, RequestStatus.REJECTED},
    RequestStatus.APPROVED: set(),
    RequestStatus.REJECTED: set(),
}


def _request_file_path(instance, filename: str) -> str:
    return f"certificates/requests/{instance.certificate_id}/{filename}"


CORRECTABLE = ("name", "id_type", "id_number", "photo")  # the holder's data printed on the certificate (§8.2.2.1)


class CertificateRequest(models.Model):
    """补发 (§8.2.4.1) or 撤销 (§6.8.2, §8.4.2) of one certificate: asked with the reason and the evidence, decided
    by a second person; a damaged or wrong certificate is recorded as recalled when its replacement is issued.

    A reissue for 证书信息错误 carries the corrected holder's data (``corrections``: field → {"old", "new"}, for
    name, ID type and number; the new photo in ``new_photo``) and the uploaded evidence; on approval the new
    certificate prints the corrected data and the candidate's record is corrected through registration's service."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(_("类别"), max_length=8, choices=RequestKind.choices)
    reason = models.CharField(_("原因"), max_length=10)  # ReissueReason or RevokeReason
    detail = models.CharField(_("情况说明与证据"), max_length=1000)
    id_checked = models.BooleanField(_("已核验身份证原件"), default=False)
    bar_until = models.DateField(_("诚信记录截止日期"), null=True, blank=True)  # revocation: None = 长期
    status = models.CharField(_("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    recalled = models.BooleanField(_("旧证已收回"), default=False)
    new_certificate = models.OneToOneField(Certificate, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+", verbose_name=_("新证"))
    corrections = models.JSONField(_("更正内容"), default=dict, blank=True)
    new_photo = models.FileField(_("更正后的证件照"), upload_to=_request_file_path, storage=private_storage,
                                 blank=True)
    new_photo_sha256 = models.CharField(max_length=64, blank=True)
    evidence = models.FileField(_("证明材料"), upload_to=_request_file_path, storage=private_storage, blank=True)
    evidence_name = models.CharField(_("证明材料文件名"), max_length=200, blank=True)
    evidence_type = models.CharField(max_length=60, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)

    TRANSITIONS = REQUEST_TRANSITIONS

    class Meta:
        ordering = ["-requested_at"]
        constraints = [models.CheckConstraint(condition=~models.Q(decided_by=models.F("requested_by")),
                                              name="certificate_request_second_person")]
        verbose_name = _("证书补发与撤销")
        verbose_name_plural = _("证书补发与撤销")

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.kind}: {self.status}"

    @property
    def reason_label(self) -> str:
        choices = ReissueReason if self.kind == RequestKind.REISSUE else RevokeReason
        return str(choices(self.reason).label) if self.reason in choices.values else self.reason

    @property
    def correction_rows(self) -> list[dict]:
        """The corrections side by side for the decider: label, old, new (ID types by their names)."""
        from skillcert.accounts.enums import IdType

        labels = {"name": _("姓名"), "id_type": _("证件类型"), "id_number": _("证件号码"), "photo": _("证件照")}
        rows = []
        for name in CORRECTABLE:
            change = self.corrections.get(name)
            if not change:
                continue
            old, new = change.get("old", ""), change.get("new", "")
            if name == "id_type":
                old, new = (str(IdType(v).label) if v in IdType.values else v for v in (old, new))
            rows.append({"field": name, "label": labels[name], "old": old, "new": new})
        return rows

    @property
    def audit_org_id(self) -> int:
        return self.certificate.body_id


# --- 证书台账 (§8.2.4.2 谁评价、谁发证、谁负责) --------------------------------------------------------------------

class StockReceipt(models.Model):
    """Blank certificate stock (空白证书) received by a body: a run of consecutive sheet serials."""

    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="certificate_stock",
                             verbose_name=_("评价机构"))
    prefix = models.CharField(_("印刷编号前缀"), max_length=10, blank=True)
    first = models.PositiveIntegerField(_("起始编号"))
    last = models.PositiveIntegerField(_("截止编号"))
    width = models.PositiveSmallIntegerField(_("编号位数"), default=7)
    received_on = models.DateField(_("入库日期"))
    source = models.CharField(_("来源"), max_length=200)
    received_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("经办人"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(first__lte=models.F("last")),
                                              name="stock_receipt_range")]
        verbose_name = _("空白证书入库")
        verbose_name_plural = _("空白证书入库")

    def __str__(self) -> str:
        return f"{self.serial(self.first)}–{self.serial(self.last)}"

    def serial(self, n: int) -> str:
        return f"{self.prefix}{n:0{self.width}d}"

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    @property
    def audit_org_id(self) -> int:
        return self.body_id


class SheetState(models.TextChoices):
    BLANK = "blank", _("空白")
    PRINTED = "printed", _("已打印")
    SPOILED = "spoiled", _("已销毁")


# certificates.ledger: print_paper uses blank sheets; spoil destroys a blank or a printed (not delivered) one.
SHEET_TRANSITIONS = {
    SheetState.BLANK: {SheetState.PRINTED, SheetState.SPOILED},
    SheetState.PRINTED: {SheetState.SPOILED},
    SheetState.SPOILED: set(),
}


class StockSheet(models.Model):
    """One sheet of blank stock, by its printed serial: blank, printed with one certificate, or spoiled."""

    receipt = models.ForeignKey(StockReceipt, on_delete=models.PROTECT, related_name="sheets")
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(_("印刷编号"), max_length=20)
    state = models.CharField(_("状态"), max_length=8, choices=SheetState.choices, default=SheetState.BLANK)
    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="sheets", verbose_name=_("证书"))

    STATE_FIELD = "state"
    TRANSITIONS = SHEET_TRANSITIONS

    class Meta:
        ordering = ["serial"]
        constraints = [models.UniqueConstraint(fields=["body", "serial"], name="stock_sheet_serial_once")]
        verbose_name = _("空白证书")
        verbose_name_plural = _("空白证书")

    def __str__(self) -> str:
        return self.serial


class LedgerEvent(models.TextChoices):
    RECEIVED = "received", _("空白证书入库")
    PRINTED = "printed", _("印制")
    SPOILED = "spoiled", _("销毁")
    HANDED = "handed", _("当面发放")
    MAILED = "mailed", _("邮寄发放")
    REISSUED = "reissued", _("补发")
    RECALLED = "recalled", _("收回旧证")
    REVOKED = "revoked", _("撤销")


class LedgerEntry(models.Model):
    """证书台账: one line per event in a certificate's life, from the blank sheet to the holder's hands (§8.2.4.2).
    Written only by the services, never edited."""

    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    event = models.CharField(_("事项"), max_length=10, choices=LedgerEvent.choices)
    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="ledger", verbose_name=_("证书"))
    issue = models.ForeignKey(CertificateIssue, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sheet = models.ForeignKey(StockSheet, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    receipt = models.ForeignKey(StockReceipt, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField(_("数量"), default=1)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    witnesses = models.CharField(_("监销人"), max_length=120, blank=True)
    recipient = models.CharField(_("领取人"), max_length=60, blank=True)
    tracking = models.CharField(_("快递单号"), max_length=60, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["body", "at"], name="ledger_body_at")]
        verbose_name = _("证书台账")
        verbose_name_plural = _("证书台账")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.event}"


def _seal_path(instance, filename: str) -> str:
    return f"certificates/seals/{instance.body_id}.png"


class CertificateLayout(models.Model):
    """How a body's certificates are printed (§8.2.3): its seal image, placed by the printer over the body's name
    (§8.2.3.3 — never stamped by hand on a printed page it did not come with), and the printer's calibration for the
    blank stock (offsets; whether the stock comes with the frame and title preprinted)."""

    body = models.OneToOneField("accounts.Organisation", on_delete=models.PROTECT, related_name="certificate_layout")
    seal = models.FileField(_("印章图片"), upload_to=_seal_path, storage=private_storage,
                            blank=True)
    seal_sha256 = models.CharField(max_length=64, blank=True)
    seal_mm = models.PositiveSmallIntegerField(_("印章直径（毫米）"), default=40)
    offset_x_mm = models.SmallIntegerField(_("水平偏移（毫米）"), default=0)
    offset_y_mm = models.SmallIntegerField(_("垂直偏移（毫米）"), default=0)
    preprinted = models.BooleanField(_("空白证书已预印边框和标题"), default=False)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("证书版式")
        verbose_name_plural = _("证书版式")

    def __str__(self) -> str:
        return str(self.body_id)

    @property
    def audit_org_id(self) -> int:
        return self.body_id


def _report_path(instance, filename: str) -> str:
    return f"certificates/reports/{instance.body_id}/{filename}"


class PlatformReport(models.Model):
    """证书数据上报 (§6.6.2, §8.3): one export of the certificates that are new or changed since the last, in the
    documented format (docs/national-platform.md), kept as the archived copy (§8.3.3)."""

    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    count = models.PositiveIntegerField(_("条数"))
    file = models.FileField(upload_to=_report_path, storage=private_storage)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("证书数据上报")
        verbose_name_plural = _("证书数据上报")

    def __str__(self) -> str:
        return f"{self.body_id} {self.at:%Y-%m-%d %H:%M}: {self.count}"

    @property
    def audit_org_id(self) -> int:
        return self.body_id
