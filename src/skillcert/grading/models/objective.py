"""Objective scoring of computer-based attempts (§6.3.3 阅卷) and what it yields about the paper: each run of a
session's attempts of one paper against its sealed key, every attempt's per-item points, the item analysis
(§6.3.2.2) and the answer similarity screening (表B.1). Every score is reproducible from its inputs: a run records
the rule it applied and the digest of the sealed key it read."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.models import User
from skillcert.delivery.models import Attempt
from skillcert.itembank.models import Item, ItemVersion
from skillcert.papers.models import Paper
from skillcert.scheduling.models import ExamSession

from ..scoring import MultipleRule


class ScoringRun(models.Model):
    """One objective scoring of a session's computer-based attempts of one paper against its sealed key.
    A later run (e.g. after a key correction) supersedes the earlier one; both are kept."""

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="scoring_runs",
                                verbose_name=_("场次"))
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="scoring_runs", verbose_name=_("试卷"))
    multiple_rule = models.CharField(_("多选题计分规则"), max_length=12, choices=MultipleRule.choices)
    key_digest = models.CharField(_("答案文件摘要（SHA-256）"), max_length=64)
    attempts = models.PositiveIntegerField(_("评分人次"), default=0)
    absent = models.PositiveIntegerField(_("缺考人数"), default=0)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("评分人"))
    started_at = models.DateTimeField(_("评分时间"), auto_now_add=True)
    superseded_at = models.DateTimeField(_("被替代时间"), null=True, blank=True)
    test_stats = models.JSONField(_("试卷分析"), default=dict, blank=True)  # per form: n, mean, sd, alpha, sem
    analysed_at = models.DateTimeField(_("试题分析时间"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("客观题评分")
        verbose_name_plural = _("客观题评分")

    def __str__(self) -> str:
        return f"{self.paper.code} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def audit_org_id(self) -> int:
        return self.session.audit_org_id


class AttemptScore(models.Model):
    """An attempt's objective score in one run: ``items`` maps each position to its points ("4.00") for the
    automatically scored types, or to null for the items people mark."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="scores")
    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="scores")
    objective = models.DecimalField(_("客观题得分"), max_digits=6, decimal_places=2)
    items = models.JSONField(_("各题得分"), default=dict)
    to_mark = models.PositiveSmallIntegerField(_("待人工评阅题数"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "attempt"], name="grading_score_once_per_run")]
        ordering = ["run", "attempt"]

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.objective}"


class ItemAnalysis(models.Model):
    """One item's statistics in one scoring run (§6.3.2.2 试卷质量分析): difficulty, corrected point-biserial,
    option analysis and the flags raised to the bank managers."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="item_stats")
    form_number = models.PositiveSmallIntegerField(_("卷号"))
    position = models.PositiveSmallIntegerField(_("题号"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="analyses")
    version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="analyses")
    n = models.PositiveIntegerField(_("人数"))
    p = models.FloatField(_("难度 p"))
    r_pb = models.FloatField(_("点二列相关（校正）"), null=True, blank=True)
    options = models.JSONField(_("选项分析"), default=list, blank=True)
    flags = models.JSONField(_("提示"), default=list, blank=True)

    class Meta:
        ordering = ["run", "form_number", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "form_number", "position"],
                                               name="grading_item_analysis_once")]

    def __str__(self) -> str:
        return f"{self.run_id} · {self.form_number}-{self.position}: p={self.p:.2f}"


class SimilarityScreening(models.Model):
    """Answer similarity screening of one scoring run (表B.1 雷同试卷): evidence for the staff's decision.
    ``flagged``: [{"a", "b" (attempt ids), "identical", "expected", "p", "form"}]; ``clusters``: lists of
    attempt ids."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="screenings")
    alpha = models.FloatField(_("误报率上限 α"))
    pairs_tested = models.BigIntegerField(_("比对对数"))
    flagged = models.JSONField(_("可疑对"), default=list, blank=True)
    clusters = models.JSONField(_("可疑群组"), default=list, blank=True)
    screened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("筛查人"))
    screened_at = models.DateTimeField(_("筛查时间"), auto_now_add=True)

    class Meta:
        ordering = ["-screened_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.run_id} · α={self.alpha:g}: {len(self.flagged)}"

    @property
    def audit_org_id(self) -> int:
        return self.run.audit_org_id
