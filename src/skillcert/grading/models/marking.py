"""Marking of the subjective items by people (§6.3.3 阅卷): a task per item of a paper's form, a coded script per
candidate, two independent marks and the leader's third beyond the tolerance; each with its TRANSITIONS."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.models import User
from skillcert.delivery.models import Attempt
from skillcert.papers.models import Paper

from .objective import ScoringRun


class TaskStatus(models.TextChoices):
    OPEN = "open", _("阅卷中")
    DONE = "done", _("已完成")


class ScriptStatus(models.TextChoices):
    WAITING = "waiting", _("待评")
    THIRD = "third", _("待组长仲裁")
    FINAL = "final", _("已定分")


# grading.services.mark_record: the task is done once its last script has its final score.
TASK_TRANSITIONS = {TaskStatus.OPEN: {TaskStatus.DONE}, TaskStatus.DONE: set()}
# §6.3.3: two marks within the tolerance give the final score; beyond it the leader marks a third time.
SCRIPT_TRANSITIONS = {
    ScriptStatus.WAITING: {ScriptStatus.FINAL, ScriptStatus.THIRD},
    ScriptStatus.THIRD: {ScriptStatus.FINAL},
    ScriptStatus.FINAL: set(),
}


class MarkingTask(models.Model):
    """Marking of one subjective item across every candidate of a paper's form (§6.3.3 阅卷): two markers per
    script, a tolerance, the leader's third marking beyond it. Markers see script codes, never candidates."""

    run = models.ForeignKey(ScoringRun, on_delete=models.PROTECT, related_name="marking_tasks")
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="marking_tasks", verbose_name=_("试卷"))
    form_number = models.PositiveSmallIntegerField(_("卷号"))
    position = models.PositiveSmallIntegerField(_("题号"))
    item_type = models.CharField(_("题型"), max_length=12)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=2)
    tolerance = models.DecimalField(_("评分误差允许值"), max_digits=5, decimal_places=2)
    markers = models.ManyToManyField(User, related_name="marking_tasks", verbose_name=_("阅卷人"))
    leader = models.ForeignKey(User, on_delete=models.PROTECT, related_name="led_marking_tasks",
                               verbose_name=_("阅卷组长"))
    status = models.CharField(_("状态"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织人"))
    opened_at = models.DateTimeField(_("开始时间"), auto_now_add=True)

    TRANSITIONS = TASK_TRANSITIONS

    class Meta:
        ordering = ["paper", "form_number", "position"]
        constraints = [models.UniqueConstraint(fields=["paper", "form_number", "position"],
                                               name="grading_one_task_per_item")]
        verbose_name = _("阅卷任务")
        verbose_name_plural = _("阅卷任务")

    def __str__(self) -> str:
        return _("%(paper)s 卷%(form)s 第%(pos)s题") % {"paper": self.paper.code, "form": self.form_number,
                                                       "pos": self.position}

    @property
    def audit_org_id(self) -> int:
        return self.run.audit_org_id


class Script(models.Model):
    """One candidate's answer to a task's item, known to markers only by its random ``code``."""

    task = models.ForeignKey(MarkingTask, on_delete=models.CASCADE, related_name="scripts")
    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="scripts")
    code = models.CharField(_("密号"), max_length=12)
    status = models.CharField(_("状态"), max_length=8, choices=ScriptStatus.choices, default=ScriptStatus.WAITING)
    final = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    rule = models.CharField(_("定分方式"), max_length=40, blank=True)
    finalised_at = models.DateTimeField(_("定分时间"), null=True, blank=True)

    TRANSITIONS = SCRIPT_TRANSITIONS

    class Meta:
        ordering = ["task", "code"]
        constraints = [models.UniqueConstraint(fields=["task", "attempt"], name="grading_one_script_per_attempt"),
                       models.UniqueConstraint(fields=["task", "code"], name="grading_script_code_unique")]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_org_id(self) -> int:
        return self.task.audit_org_id


class Mark(models.Model):
    """One marker's score for a script: round 1 and 2 by two different markers, round 3 by the leader."""

    script = models.ForeignKey(Script, on_delete=models.CASCADE, related_name="marks")
    marker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="marks", verbose_name=_("阅卷人"))
    round = models.PositiveSmallIntegerField(_("评次"))
    points = models.DecimalField(_("给分"), max_digits=5, decimal_places=2)
    comment = models.CharField(_("评语"), max_length=300, blank=True)
    at = models.DateTimeField(_("评分时间"), auto_now_add=True)

    class Meta:
        ordering = ["script", "round"]
        constraints = [models.UniqueConstraint(fields=["script", "round"], name="grading_one_mark_per_round"),
                       models.UniqueConstraint(fields=["script", "marker"], name="grading_one_mark_per_marker")]

    def __str__(self) -> str:
        return f"{self.script.code} #{self.round}: {self.points}"
