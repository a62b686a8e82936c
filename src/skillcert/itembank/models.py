"""The question bank (§7): banks per trade × level, the versioned 认定要素细目表, items with immutable
encrypted versions, reviews, acceptance meetings, releases, the usage ledger, problem reports and
approved exports.

Content (stem, options, answer, rubric, explanation, attachments) is sealed with AES-GCM under the
key ring outside the database (``core.crypto``); metadata (element, type, difficulty, status) is plain
so it can be searched and counted.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.models import Organisation
from skillcert.catalog.models import Level, Occupation, Trade

from .enums import (
    EXPORT_TRANSITIONS,
    ITEM_TRANSITIONS,
    MEETING_TRANSITIONS,
    PROBLEM_TRANSITIONS,
    Background,
    ExportFormat,
    ExportStatus,
    Importance,
    ItemStatus,
    ItemType,
    MeetingStatus,
    MeetingVerdict,
    ModuleKind,
    Part,
    ProblemStatus,
    ReviewDecision,
)

User = settings.AUTH_USER_MODEL


class Bank(models.Model):
    """One certification body's bank for one occupation, trade and level (§7.1.3.2 counts per 工种 × 等级)."""

    body = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="banks", verbose_name=_("评价机构"))
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, verbose_name=_("职业"))
    trade = models.ForeignKey(Trade, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("工种"))
    level = models.ForeignKey(Level, on_delete=models.PROTECT, verbose_name=_("等级"))
    item_seq = models.PositiveIntegerField(default=0)  # last item number handed out in this bank
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occupation", "trade__sort_order", "-level__number"]
        constraints = [
            models.UniqueConstraint(fields=["body", "occupation", "trade", "level"], name="bank_unique",
                                    condition=Q(trade__isnull=False)),
            models.UniqueConstraint(fields=["body", "occupation", "level"], name="bank_unique_no_trade",
                                    condition=Q(trade__isnull=True)),
        ]
        verbose_name = _("题库")
        verbose_name_plural = _("题库")

    def __str__(self) -> str:
        trade = self.trade.name if self.trade_id else self.occupation.name
        return f"{trade} · {self.level.name}"

    @property
    def audit_org_id(self) -> int:
        return self.body_id


class Blueprint(models.Model):
    """One version of a bank's 认定要素细目表 (§7.2.2.2–7.2.2.3). Approved versions are frozen: a new
    version is a new row, so papers built on an old one keep it."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="blueprints", verbose_name=_("题库"))
    version = models.PositiveIntegerField(_("版本"))
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("审定人"))
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)

    class Meta:
        ordering = ["bank", "-version"]
        constraints = [models.UniqueConstraint(fields=["bank", "version"], name="blueprint_unique_version")]
        verbose_name = _("认定要素细目表")
        verbose_name_plural = _("认定要素细目表")

    def __str__(self) -> str:
        return f"{self.bank} · {_('细目表')} v{self.version}"

    @property
    def audit_org_id(self) -> int:
        return self.bank.body_id


class BlueprintNode(models.Model):
    """A module (depth 1, e.g. ``B``), unit (``B.02``) or element (``B.02.03``) of a blueprint."""

    blueprint = models.ForeignKey(Blueprint, on_delete=models.CASCADE, related_name="nodes")
    code = models.CharField(_("代码"), max_length=20)
    name = models.CharField(_("名称"), max_length=200)
    depth = models.PositiveSmallIntegerField(_("层级"))  # 1 module, 2 unit, 3 element
    module_kind = models.CharField(_("模块类别"), max_length=20, choices=ModuleKind.choices)
    weight = models.DecimalField(_("比重（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    importance = models.CharField(_("重要程度"), max_length=1, choices=Importance.choices, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["blueprint", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["blueprint", "code"], name="blueprint_node_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def part(self) -> str:
        from .enums import MODULE_PART

        return MODULE_PART[self.module_kind]


class Item(models.Model):
    """An item's metadata and workflow status; its content lives in its versions."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="items", verbose_name=_("题库"))
    code = models.CharField(_("试题编号"), max_length=20)  # e.g. T000123, unique within the bank
    part = models.CharField(_("部分"), max_length=10, choices=Part.choices)
    type = models.CharField(_("题型"), max_length=12, choices=ItemType.choices)
    element_code = models.CharField(_("认定点代码"), max_length=20)
    difficulty = models.PositiveSmallIntegerField(_("设计难度"), validators=[MinValueValidator(1),
                                                                          MaxValueValidator(5)])
    empirical_difficulty = models.FloatField(_("实测难度"), null=True, blank=True)  # p value, from grading
    discrimination = models.FloatField(_("区分度"), null=True, blank=True)  # from grading
    expected_seconds = models.PositiveIntegerField(_("预计用时（秒）"), default=60)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    enemy_group = models.CharField(_("互斥组"), max_length=40, blank=True,
                                   help_text=_("同一互斥组的试题不得出现在同一份试卷中。"))
    status = models.CharField(_("状态"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.DRAFT)
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="authored_items",
                               verbose_name=_("命题人"))
    reviewer = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("审题人"))
    current_version = models.ForeignKey("ItemVersion", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("当前版本"))
    exposure_count = models.PositiveIntegerField(_("使用次数"), default=0)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    TRANSITIONS = ITEM_TRANSITIONS

    class Meta:
        ordering = ["bank", "code"]
        constraints = [models.UniqueConstraint(fields=["bank", "code"], name="item_unique_code")]
        indexes = [
            models.Index(fields=["bank", "status", "type", "element_code"], name="item_search"),
            models.Index(fields=["element_code"], name="item_element"),
        ]
        verbose_name = _("试题")
        verbose_name_plural = _("试题")

    def __str__(self) -> str:
        return self.code

    @property
    def audit_org_id(self) -> int:
        return self.bank.body_id


class ItemVersion(models.Model):
    """An immutable snapshot of an item: sealed content plus the metadata it had. Papers reference
    exact versions (next issue), so a version row is never changed after it is written — only its
    sealing is renewed by key rotation (``rotate_item_key``, a bulk update that leaves the plaintext and
    its digest as they were)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    meta = models.JSONField(default=dict)  # type, element_code, difficulty, expected_seconds … at this version
    key_id = models.CharField(max_length=16)
    sealed = models.BinaryField()
    digest = models.CharField(max_length=64)  # SHA-256 of the plaintext content, to compare without opening
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    restored_from = models.PositiveIntegerField(_("恢复自版本"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("修改人"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["item", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="item_version_unique")]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("item versions are immutable; write a new version instead")
        super().save(*args, **kwargs)

    SEALED_FIELDS = ("key_id", "sealed")  # sealed under the item key ring (core.crypto.sealed_tables)

    def aad(self) -> bytes:
        return f"item:{self.item_id}:v{self.number}".encode()


class ItemAttachment(models.Model):
    """An image (chart, table) used by an item's content; sealed like the text. Versions name the
    attachments they use, so an attachment is never changed or deleted once written."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    key_id = models.CharField(max_length=16)
    sealed = models.BinaryField()
    digest = models.CharField(max_length=64)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    SEALED_FIELDS = ("key_id", "sealed")  # sealed under the item key ring (core.crypto.sealed_tables)

    def aad(self) -> bytes:
        return f"attachment:{self.item_id}:{self.digest}".encode()


class ItemReview(models.Model):
    """A §7.2.4 review of one item version."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="reviews")
    version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("审题人"))
    checklist = models.JSONField(_("审核要点"), default=dict)  # "a".."d" → bool
    decision = models.CharField(_("结论"), max_length=8, choices=ReviewDecision.choices)
    comments = models.TextField(_("审核意见"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["item", "-created_at"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.decision}"


class AcceptanceMeeting(models.Model):
    """A §7.2.6 technical acceptance meeting over a set of approved items."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("题库"))
    title = models.CharField(_("会议名称"), max_length=120)
    held_on = models.DateField(_("会议日期"))
    place = models.CharField(_("地点"), max_length=120)
    status = models.CharField(_("状态"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.OPEN)
    verdict = models.CharField(_("验收结论"), max_length=6, choices=MeetingVerdict.choices, blank=True)
    minutes = models.TextField(_("会议纪要与验收意见"), blank=True)
    items = models.ManyToManyField(Item, through="AcceptanceItem", related_name="meetings")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("生效时间"), null=True, blank=True)

    TRANSITIONS = MEETING_TRANSITIONS

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_org_id(self) -> int:
        return self.bank.body_id


class AcceptanceItem(models.Model):
    meeting = models.ForeignKey(AcceptanceMeeting, on_delete=models.CASCADE)
    item = models.ForeignKey(Item, on_delete=models.PROTECT)
    version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "item"], name="acceptance_item_unique")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.item_id}"


class AcceptanceMember(models.Model):
    """A panel member (§7.2.6.2) and their signature on the result (§7.2.6.3)."""

    meeting = models.ForeignKey(AcceptanceMeeting, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("成员"))
    background = models.CharField(_("专业背景"), max_length=12, choices=Background.choices)
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)

    class Meta:
        ordering = ["meeting", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="acceptance_member_unique")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.user_id}"


class BankRelease(models.Model):
    """A versioned release of the bank (§7.2.3, §7.2.5): the exact item versions in use from now on,
    with the 编制说明 (a–f) and the revision record (a–c)."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="releases", verbose_name=_("题库"))
    number = models.PositiveIntegerField(_("发布版本"))
    blueprint = models.ForeignKey(Blueprint, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("细目表版本"))
    notes = models.JSONField(_("编制说明"), default=dict)  # §7.2.3 a–f
    revision = models.JSONField(_("修订记录"), default=dict)  # §7.2.5 a–c
    item_versions = models.ManyToManyField(ItemVersion, related_name="releases")
    released_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人"))
    released_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        ordering = ["bank", "-number"]
        constraints = [models.UniqueConstraint(fields=["bank", "number"], name="bank_release_unique")]

    def __str__(self) -> str:
        return f"{self.bank} · R{self.number}"

    @property
    def audit_org_id(self) -> int:
        return self.bank.body_id


class ItemUsage(models.Model):
    """The §7.3.3 ledger: which paper used which item version."""

    version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="usages")
    paper_ref = models.CharField(_("试卷"), max_length=80)
    used_at = models.DateTimeField(_("使用时间"), auto_now_add=True)

    class Meta:
        ordering = ["-used_at"]
        constraints = [models.UniqueConstraint(fields=["version", "paper_ref"], name="item_usage_unique")]

    def __str__(self) -> str:
        return f"{self.version_id} → {self.paper_ref}"


class ItemProblem(models.Model):
    """A problem reported against an item (§7.3.1 收集题库运行问题), tracked to resolution."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="problems")
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("报告人"))
    description = models.TextField(_("问题描述"))
    status = models.CharField(_("状态"), max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("报告时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    TRANSITIONS = PROBLEM_TRANSITIONS

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.description[:40]}"

    @property
    def audit_org_id(self) -> int:
        return self.item.bank.body_id


class ExportRequest(models.Model):
    """An export of bank content; approved by a bank manager other than the requester (§7.3.2, §10.5)."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="exports", verbose_name=_("题库"))
    format = models.CharField(_("格式"), max_length=6, choices=ExportFormat.choices)
    statuses = models.JSONField(_("试题状态"), default=list)
    reason = models.CharField(_("用途"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    downloads = models.PositiveIntegerField(_("下载次数"), default=0)

    TRANSITIONS = EXPORT_TRANSITIONS

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                                   name="export_not_self_approved"),
        ]

    def __str__(self) -> str:
        return f"{self.bank} · {self.format} #{self.pk}"

    @property
    def audit_org_id(self) -> int:
        return self.bank.body_id
