"""Papers (§6.3.2.1, §7.2.2.6): one paper per session and bank, with its assembly plan (组卷方案), forms
(the main paper and backups 备用卷 that share no item, 附录B), the exact item versions of each form, the
sealed documents, and the custody ledger (§6.3.2.2–6.3.2.3, A.2, §10.1, §10.4–§10.5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skillcert.itembank.models import Bank, Item, ItemVersion
from skillcert.scheduling.models import ExamSession, Room

from .enums import (
    DISCREPANCY_TRANSITIONS,
    PAPER_TRANSITIONS,
    CustodyKind,
    DiscrepancyStatus,
    DocKind,
    PaperStatus,
    SolverStatus,
)

User = settings.AUTH_USER_MODEL


class Paper(models.Model):
    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="papers", verbose_name=_("场次"))
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="papers", verbose_name=_("题库"))
    code = models.CharField(_("试卷编号"), max_length=40, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=PaperStatus.choices, default=PaperStatus.ASSEMBLED)
    plan = models.JSONField(_("组卷方案"), default=dict)
    solver_status = models.CharField(_("求解结果"), max_length=10, choices=SolverStatus.choices, blank=True)
    objective = models.FloatField(_("最弱一卷的区分度之和"), null=True, blank=True)
    bound = models.FloatField(_("最优上界"), null=True, blank=True)
    solve_seconds = models.FloatField(_("求解用时（秒）"), null=True, blank=True)
    diagnosis = models.JSONField(_("不满足的方案行"), default=list, blank=True)
    content_hash = models.CharField(_("内容摘要（SHA-256）"), max_length=64, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("组卷人"))
    created_at = models.DateTimeField(_("组卷时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("审核人"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    locked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("锁定人"))
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    sealed_at = models.DateTimeField(_("密封时间"), null=True, blank=True)
    released_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("启封下发人"))
    released_at = models.DateTimeField(_("启封下发时间"), null=True, blank=True)

    TRANSITIONS = PAPER_TRANSITIONS

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("试卷")
        verbose_name_plural = _("试卷")
        constraints = [models.UniqueConstraint(fields=["session", "bank"], name="paper_session_bank_unique")]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_org_id(self) -> int:
        return self.bank.body_id


class PaperForm(models.Model):
    """One form of a paper: number 1 is the main paper (正式卷), the rest are backups (备用卷)."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="forms")
    number = models.PositiveSmallIntegerField(_("卷号"))

    class Meta:
        ordering = ["paper", "number"]
        constraints = [models.UniqueConstraint(fields=["paper", "number"], name="paper_form_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def letter(self) -> str:
        return chr(ord("A") + self.number - 1)

    @property
    def label(self) -> str:
        return (_("%(l)s卷（正式卷）") if self.number == 1 else _("%(l)s卷（备用卷）")) % {"l": self.letter}


class PaperItem(models.Model):
    """An item in a form at an exact version: later edits of the item write new versions and never touch
    this row once the paper is locked."""

    form = models.ForeignKey(PaperForm, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("题号"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="paper_uses")
    version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="paper_uses")
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["form", "position"]
        constraints = [models.UniqueConstraint(fields=["form", "position"], name="paper_item_position_unique"),
                       models.UniqueConstraint(fields=["form", "item"], name="paper_item_once_per_form")]

    def __str__(self) -> str:
        return f"{self.form_id}#{self.position}"


class SealedDocument(models.Model):
    """A paper's content sealed at 密封 (§10.2): each form's paper, and the answer key with the scoring
    standard as a separate document (the key travels apart from the papers)."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("文件"), max_length=8, choices=DocKind.choices)
    form_number = models.PositiveSmallIntegerField(_("卷号"))
    key_id = models.CharField(max_length=16)
    sealed = models.BinaryField()
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paper", "kind", "form_number"]
        constraints = [models.UniqueConstraint(fields=["paper", "kind", "form_number"], name="sealed_doc_unique")]

    def __str__(self) -> str:
        return f"{self.paper_id}:{self.kind}:{self.form_number}"

    SEALED_FIELDS = ("key_id", "sealed")  # sealed under the item key ring (core.crypto.sealed_tables)

    def aad(self) -> bytes:
        return f"paper:{self.paper_id}:{self.kind}:{self.form_number}".encode()


class CustodyEvent(models.Model):
    """One step of the paper's custody, confirmed by every person it names in their own account."""

    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="custody_events")
    kind = models.CharField(_("环节"), max_length=10, choices=CustodyKind.choices)
    occurred_at = models.DateTimeField(_("时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=120, blank=True)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("考场"))
    count = models.PositiveIntegerField(_("份数"), null=True, blank=True)
    spoiled = models.PositiveIntegerField(_("废品份数"), null=True, blank=True)
    spoiled_destroyed = models.BooleanField(_("废品已当场销毁"), default=False)
    bag_no = models.CharField(_("袋号"), max_length=40, blank=True)
    seal_no = models.CharField(_("密封条号"), max_length=40, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name = _("保密交接记录")
        verbose_name_plural = _("保密交接记录")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def audit_org_id(self) -> int:
        return self.paper.bank.body_id


class CustodyParty(models.Model):
    """A person an event names (operator, escort, giver, receiver, witness), and when they confirmed."""

    event = models.ForeignKey(CustodyEvent, on_delete=models.CASCADE, related_name="parties")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="custody_parties")
    role = models.CharField(_("身份"), max_length=12)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        ordering = ["event", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "user", "role"], name="custody_party_unique")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.role}:{self.user_id}"


class Discrepancy(models.Model):
    """A count that does not match what was issued (§6.3.2.3, A.2.12): open until someone resolves it."""

    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="discrepancies")
    event = models.OneToOneField(CustodyEvent, on_delete=models.PROTECT, related_name="discrepancy")
    expected = models.PositiveIntegerField(_("应有份数"))
    actual = models.PositiveIntegerField(_("实有份数"))
    status = models.CharField(_("状态"), max_length=10, choices=DiscrepancyStatus.choices,
                              default=DiscrepancyStatus.OPEN)
    resolution = models.TextField(_("处理情况"), blank=True)
    resolved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    TRANSITIONS = DISCREPANCY_TRANSITIONS

    class Meta:
        ordering = ["-pk"]
        constraints = [models.CheckConstraint(condition=~Q(expected=models.F("actual")),
                                              name="discrepancy_counts_differ")]

    def __str__(self) -> str:
        return f"{self.expected}≠{self.actual}"

    @property
    def audit_org_id(self) -> int:
        return self.paper.bank.body_id
