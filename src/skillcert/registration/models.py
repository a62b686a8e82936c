"""Registration (§6.1): annual plans, announcements, candidate profiles, applications with
their documents, eligibility rule sets, fees and bulk imports."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.models import Organisation
from skillcert.catalog.models import Level, Occupation, Trade

from .enums import (
    ANNOUNCEMENT_TRANSITIONS,
    APPLICATION_TRANSITIONS,
    FEE_TRANSITIONS,
    LIVE_STATUSES,
    AnnouncementStatus,
    ApplicationSource,
    ApplicationStatus,
    DocumentKind,
    Education,
    FeeEntryKind,
    FeeStatus,
)
from .storage import private_storage


class AnnualPlan(models.Model):
    """年度工作计划 (§6.1.2, §6.7.3): the batches a body intends in a year."""

    body = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="annual_plans",
                             verbose_name=_("评价机构"))
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    notes = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("年度工作计划")
        verbose_name_plural = _("年度工作计划")
        constraints = [models.UniqueConstraint(fields=["body", "year"], name="annual_plan_unique_year")]

    def __str__(self) -> str:
        return f"{self.body.name} {self.year}"

    @property
    def total_planned(self) -> int:
        return sum(r.planned_candidates for r in self.rows.all())

    @property
    def audit_org_id(self) -> int:
        return self.body_id


class AnnualPlanRow(models.Model):
    """One intended batch: occupation × trade × level in a month, with the expected number of candidates."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="rows")
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, verbose_name=_("职业"))
    trade = models.ForeignKey(Trade, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("工种"))
    level = models.ForeignKey(Level, on_delete=models.PROTECT, verbose_name=_("等级"))
    month = models.PositiveSmallIntegerField(_("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    planned_candidates = models.PositiveIntegerField(_("计划人数"))
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["month", "occupation", "trade", "-level__number"]
        verbose_name = _("计划批次")
        verbose_name_plural = _("计划批次")

    def __str__(self) -> str:
        return f"{self.month}月 {self.occupation.name} {self.level}"


class Announcement(models.Model):
    body = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="announcements",
                             verbose_name=_("评价机构"))
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"), blank=True)
    eligibility = models.TextField(_("申报条件"))
    assessment_method = models.TextField(_("认定方式"))
    exam_areas = models.TextField(_("考区考点说明"), blank=True)
    venues = models.ManyToManyField(Organisation, related_name="+", verbose_name=_("考点"))
    registration_opens = models.DateTimeField(_("报名开始时间"))
    registration_closes = models.DateTimeField(_("报名截止时间"))
    status = models.CharField(_("状态"), max_length=12, choices=AnnouncementStatus.choices,
                              default=AnnouncementStatus.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    TRANSITIONS = ANNOUNCEMENT_TRANSITIONS

    class Meta:
        ordering = ["-registration_opens"]
        verbose_name = _("认定公告")
        verbose_name_plural = _("认定公告")
        constraints = [
            models.CheckConstraint(condition=models.Q(registration_closes__gt=models.F("registration_opens")),
                                   name="announcement_window"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_org_id(self) -> int:
        return self.body_id


class AnnouncementOffer(models.Model):
    """One occupation × trade × level offered, with its fee (收费标准, in fen)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="offers")
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, verbose_name=_("职业"))
    trade = models.ForeignKey(Trade, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("工种"))
    level = models.ForeignKey(Level, on_delete=models.PROTECT, verbose_name=_("等级"))
    fee_fen = models.PositiveIntegerField(_("收费标准（分）"))

    class Meta:
        ordering = ["occupation", "trade", "-level__number"]
        constraints = [
            models.UniqueConstraint(fields=["announcement", "occupation", "trade", "level"],
                                    condition=models.Q(trade__isnull=False), name="offer_unique_trade"),
            models.UniqueConstraint(fields=["announcement", "occupation", "level"],
                                    condition=models.Q(trade__isnull=True), name="offer_unique_no_trade"),
        ]

    def __str__(self) -> str:
        trade = self.trade.name if self.trade else "——"
        return f"{self.occupation.name} / {trade} / {self.level}"

    @property
    def fee_yuan(self) -> str:
        return f"{self.fee_fen / 100:.2f}"


class EligibilityRuleSet(models.Model):
    """申报条件 as data (§6.1.4): a body's rules for one occupation and level, optionally only
    for one announcement (enterprise-specific conditions). See :mod:`.eligibility`."""

    body = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="rule_sets",
                             verbose_name=_("评价机构"))
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, verbose_name=_("职业"))
    level = models.ForeignKey(Level, on_delete=models.PROTECT, verbose_name=_("等级"))
    announcement = models.ForeignKey(Announcement, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="rule_sets", verbose_name=_("仅适用于公告"))
    rules = models.JSONField(_("申报条件"))
    note = models.CharField(_("依据说明"), max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["occupation", "-level__number"]
        verbose_name = _("申报条件")
        verbose_name_plural = _("申报条件")
        constraints = [
            models.UniqueConstraint(fields=["body", "occupation", "level"], condition=Q(announcement__isnull=True),
                                    name="rule_set_unique_default"),
            models.UniqueConstraint(fields=["announcement", "occupation", "level"],
                                    condition=Q(announcement__isnull=False), name="rule_set_unique_announcement"),
        ]

    def __str__(self) -> str:
        return f"{self.occupation.name} {self.level}"

    @property
    def audit_org_id(self) -> int:
        return self.body_id


def _photo_path(instance, filename: str) -> str:
    return f"photos/{instance.user_id}/{filename}"


class CandidateProfile(models.Model):
    """What a candidate tells about themselves once and reuses in every application."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="candidate_profile")
    education = models.PositiveSmallIntegerField(_("学历"), choices=Education.choices, null=True, blank=True)
    school = models.CharField(_("毕业院校及专业"), max_length=120, blank=True)
    employer = models.CharField(_("工作单位"), max_length=120, blank=True)
    years_in_occupation = models.DecimalField(_("从事本职业年限"), max_digits=4, decimal_places=1, default=0,
                                              validators=[MinValueValidator(0), MaxValueValidator(60)])
    work_history = models.TextField(_("工作经历"), blank=True,
                                    help_text=_("按时间顺序填写：起止年月、单位、岗位。"))
    photo = models.FileField(_("证件照"), storage=private_storage, upload_to=_photo_path, blank=True)
    photo_sha256 = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("考生资料")
        verbose_name_plural = _("考生资料")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def audit_org_id(self) -> None:
        return None


class PriorCertificate(models.Model):
    """A certificate the candidate already holds (used by the eligibility rules)."""

    profile = models.ForeignKey(CandidateProfile, on_delete=models.CASCADE, related_name="certificates")
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, verbose_name=_("职业"))
    level = models.ForeignKey(Level, on_delete=models.PROTECT, verbose_name=_("等级"))
    number = models.CharField(_("证书编号"), max_length=40)
    issued_on = models.DateField(_("发证日期"))

    class Meta:
        ordering = ["-issued_on"]
        verbose_name = _("已取得证书")
        verbose_name_plural = _("已取得证书")
        constraints = [models.UniqueConstraint(fields=["profile", "number"], name="prior_certificate_unique")]

    def __str__(self) -> str:
        return f"{self.occupation.name} {self.level} {self.number}"


class ImportBatch(models.Model):
    """One all-or-nothing Excel import (§6.1.4 bulk registration by an employer)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.PROTECT, related_name="import_batches")
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.row_count})"

    @property
    def audit_org_id(self) -> int:
        return self.announcement.body_id


class Application(models.Model):
    """报名 (§6.1.3): one candidate for one offer of an announcement.

    The facts the eligibility engine judged (education, years, certificates) are copied in at
    submission, so the verdict a reviewer sees cannot drift when the profile changes later.
    """

    announcement = models.ForeignKey(Announcement, on_delete=models.PROTECT, related_name="applications",
                                     verbose_name=_("认定公告"))
    offer = models.ForeignKey(AnnouncementOffer, on_delete=models.PROTECT, related_name="applications",
                              verbose_name=_("报考职业（工种）和等级"))
    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications",
                                  verbose_name=_("考生"))
    status = models.CharField(_("状态"), max_length=12, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.SUBMITTED, db_index=True)
    source = models.CharField(_("报名方式"), max_length=8, choices=ApplicationSource.choices,
                              default=ApplicationSource.PORTAL)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="applications")
    # Snapshot of the facts at (re)submission.
    full_name = models.CharField(_("姓名"), max_length=60)
    id_type = models.CharField(_("证件类型"), max_length=20)
    id_number = models.CharField(_("证件号码"), max_length=40)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    employer = models.CharField(_("工作单位"), max_length=120, blank=True)
    education = models.PositiveSmallIntegerField(_("学历"), choices=Education.choices, null=True, blank=True)
    years_in_occupation = models.DecimalField(_("从事本职业年限"), max_digits=4, decimal_places=1, default=0)
    certificates = models.JSONField(_("已取得证书"), default=list, blank=True)
    declarations = models.JSONField(_("承诺事项"), default=dict, blank=True)
    signature = models.CharField(_("签名"), max_length=60, blank=True)
    eligible = models.BooleanField(_("符合申报条件"), default=False)
    explanation = models.TextField(_("资格审核意见（系统）"), blank=True)
    fee_due_fen = models.PositiveIntegerField(_("应缴费用（分）"), default=0)
    fee_status = models.CharField(_("缴费状态"), max_length=10, choices=FeeStatus.choices, default=FeeStatus.DUE)
    submitted_at = models.DateTimeField(_("提交时间"))
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("审核人"))
    review_note = models.TextField(_("审核意见"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    TRANSITIONS = APPLICATION_TRANSITIONS
    FEE_STATUS_TRANSITIONS = FEE_TRANSITIONS

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [
            models.UniqueConstraint(fields=["announcement", "candidate"], condition=Q(status__in=LIVE_STATUSES),
                                    name="application_one_live_per_announcement"),
        ]
        indexes = [models.Index(fields=["announcement", "status"])]

    def __str__(self) -> str:
        return f"{self.full_name} · {self.offer}"

    @property
    def fee_due_yuan(self) -> str:
        return f"{self.fee_due_fen / 100:.2f}"

    @property
    def audit_org_id(self) -> int:
        return self.announcement.body_id


def _document_path(instance, filename: str) -> str:
    return f"applications/{instance.application_id}/{filename}"


class ApplicationDocument(models.Model):
    """One §6.1.3 material: an uploaded file, or marked as verified online (注 to §6.1.3)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("材料"), max_length=12, choices=DocumentKind.choices)
    verified_online = models.BooleanField(_("已网络核验"), default=False)
    file = models.FileField(storage=private_storage, upload_to=_document_path, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=60, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="document_unique_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.original_name or _('网络核验')})"

    @property
    def audit_org_id(self) -> int:
        return self.application.announcement.body_id


class FeeEntry(models.Model):
    """One fee event (收费, §6.1.2 d). Offline today; a payment gateway records through the same service."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="fee_entries")
    kind = models.CharField(_("类型"), max_length=10, choices=FeeEntryKind.choices)
    amount_fen = models.PositiveIntegerField(_("金额（分）"))
    receipt_number = models.CharField(_("票据号"), max_length=40, blank=True)
    channel = models.CharField(_("渠道"), max_length=20, default="offline")
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at"]
        constraints = [
            models.UniqueConstraint(fields=["receipt_number"], condition=~Q(receipt_number=""),
                                    name="fee_receipt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_yuan}"

    @property
    def amount_yuan(self) -> str:
        """Money is kept in fen and always shown in 元 (ARCHITECTURE: money in fen)."""
        return f"{self.amount_fen / 100:.2f}"
