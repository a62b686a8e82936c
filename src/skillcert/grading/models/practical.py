"""The practical examination's scoring (§6.4.1.4, §6.4.2.1, A.3.4–A.3.8): the examiners' panel of a room with its
sealed code map and the witnesses who open it, the room's records, the coded work pieces and each examiner's
scoring sheet."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.models import User
from skillcert.papers.models import Paper
from skillcert.scheduling.models import ExamSession


class PracticalRule(models.TextChoices):
    MEAN = "mean", _("各考评员评分的平均分")
    MEDIAN = "median", _("各考评员评分的中位数")
    TRIMMED = "trimmed", _("去掉一个最高分和一个最低分后的平均分（至少 4 名考评员时）")


class PracticalPanel(models.Model):
    """考评小组 of one practical room of a session for one trade's paper (§6.4.1.4, §6.4.2.1, A.3.4–A.3.8): at
    least three examiners score every work piece of the candidates sitting that paper independently on its
    scoring sheet; the code-to-candidate map is sealed until score consolidation."""

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="practical_panels",
                                verbose_name=_("场次"))
    room = models.ForeignKey("scheduling.Room", on_delete=models.PROTECT, related_name="+", verbose_name=_("考场"))
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="+", verbose_name=_("试卷"))
    form_number = models.PositiveSmallIntegerField(_("卷号"), default=1)
    examiners = models.ManyToManyField(User, related_name="practical_panels", verbose_name=_("考评员"))
    leader = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("考评组长"))
    rule = models.CharField(_("成绩计算规则"), max_length=10, choices=PracticalRule.choices, default=PracticalRule.MEAN)
    spread_limit = models.DecimalField(_("评分差异提示阈值"), max_digits=5, decimal_places=2, default=10)
    map_key_id = models.CharField(max_length=16, blank=True)
    sealed_map = models.BinaryField(default=b"")  # {code: application id}, AES-GCM, bound to this panel
    witnesses = models.ManyToManyField(User, through="UnsealWitness", related_name="+")
    unsealed_at = models.DateTimeField(_("开封对号时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("组建人"))
    created_at = models.DateTimeField(_("组建时间"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "room", "paper"],
                                               name="grading_one_panel_per_room_and_paper")]
        verbose_name = _("考评小组")
        verbose_name_plural = _("考评小组")

    def __str__(self) -> str:
        return f"{self.session} · {self.room.name} · {self.paper.bank}"

    @property
    def audit_org_id(self) -> int:
        return self.session.audit_org_id

    SEALED_FIELDS = ("map_key_id", "sealed_map")  # sealed under the item key ring (core.crypto.sealed_tables)

    def aad(self) -> bytes:
        return f"grading.practicalpanel:{self.pk}".encode()


class PracticalEventKind(models.TextChoices):
    DELAY = "delay", _("设备或考场问题延误")
    FINISHED = "finished", _("操作完成")
    SAFETY = "safety", _("安全文明生产情况")
    VIOLATION = "violation", _("违纪")
    CHECK = "check", _("质量督导检查")


class PracticalEvent(models.Model):
    """实操考场记录 (A.3.4, A.3.6): delays recorded with the time given back, each workstation's completion time,
    safety and conduct, violations, and the quality supervisor's checks — by workstation, not by name (the work
    pieces stay coded)."""

    panel = models.ForeignKey("PracticalPanel", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("类别"), max_length=10, choices=PracticalEventKind.choices)
    seat = models.ForeignKey("scheduling.Seat", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("工位"))
    minutes = models.PositiveSmallIntegerField(_("顺延（分钟）"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("时间"))
    note = models.CharField(_("记录"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name = _("实操考场记录")
        verbose_name_plural = _("实操考场记录")

    def __str__(self) -> str:
        return f"{self.panel_id} {self.kind} {self.occurred_at:%H:%M}"

    @property
    def audit_org_id(self) -> int:
        return self.panel.audit_org_id


class UnsealWitness(models.Model):
    """A witness named for opening the code map (A.3.7 登记、统分时方可开封对号); confirms in their own account."""

    panel = models.ForeignKey(PracticalPanel, on_delete=models.CASCADE, related_name="unseal_witnesses")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("见证人"))
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["panel", "user"], name="grading_witness_once")]

    def __str__(self) -> str:
        return f"{self.panel_id}: {self.user_id}"


class WorkPiece(models.Model):
    """A candidate's work piece, known by its random code (A.3.7); whose it is stays sealed until unsealing."""

    panel = models.ForeignKey(PracticalPanel, on_delete=models.CASCADE, related_name="pieces")
    code = models.CharField(_("编号"), max_length=12)
    collected_at = models.DateTimeField(_("收取时间"), auto_now_add=True)
    collected_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("编号员"))
    application = models.ForeignKey("registration.Application", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="work_pieces")  # set only when the map is opened
    voided = models.BooleanField(_("成绩作废"), default=False)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    final = models.DecimalField(_("成绩"), max_digits=6, decimal_places=2, null=True, blank=True)
    spread = models.DecimalField(_("评分极差"), max_digits=6, decimal_places=2, null=True, blank=True)
    flagged = models.BooleanField(_("评分差异过大"), default=False)

    class Meta:
        ordering = ["panel", "code"]
        constraints = [models.UniqueConstraint(fields=["panel", "code"], name="grading_piece_code_unique")]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_org_id(self) -> int:
        return self.panel.audit_org_id


class PracticalSheet(models.Model):
    """One examiner's scoring sheet for one work piece (评分记录表), locked on submission."""

    piece = models.ForeignKey(WorkPiece, on_delete=models.CASCADE, related_name="sheets")
    examiner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("考评员"))
    scores = models.JSONField(_("各评分项得分"), default=list)  # [{"task", "index", "max", "given"}], no wording
    deductions = models.JSONField(_("安全文明扣分"), default=list)  # [{"reason", "points"}]
    total = models.DecimalField(_("合计"), max_digits=6, decimal_places=2)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        ordering = ["piece", "submitted_at"]
        constraints = [models.UniqueConstraint(fields=["piece", "examiner"], name="grading_one_sheet_per_examiner")]

    def __str__(self) -> str:
        return f"{self.piece.code}: {self.total}"
