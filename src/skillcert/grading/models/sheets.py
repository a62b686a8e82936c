"""Answer sheets (答题卡) of paper-based theory sessions: each reading, from the optical-mark reader or typed twice
by two clerks, and the reading that settles a disagreement."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.models import User
from skillcert.papers.models import Paper


class SheetSource(models.TextChoices):
    OMR = "omr", _("光标阅读机导入")
    FIRST = "first", _("第一遍录入")
    SECOND = "second", _("第二遍录入")
    RESOLVED = "resolved", _("核对原卡后确定")


class SheetEntry(models.Model):
    """One reading of one candidate's answer sheet (答题卡) of a paper-based theory session: imported from the
    optical-mark reader, or typed by a clerk. Two manual readings by two different clerks must agree before the
    sheet counts; where they differ, someone reads the paper sheet and records what it says (``RESOLVED``)."""

    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="sheet_entries", verbose_name=_("试卷"))
    application = models.ForeignKey("registration.Application", on_delete=models.PROTECT,
                                    related_name="sheet_entries")
    source = models.CharField(_("来源"), max_length=8, choices=SheetSource.choices)
    form_number = models.PositiveSmallIntegerField(_("卷别"), default=1)
    absent = models.BooleanField(_("缺考"), default=False)
    answers = models.JSONField(_("作答"), default=dict, blank=True)  # position (str) → value as the player keeps it
    marks = models.JSONField(_("主观题得分"), default=dict, blank=True)  # position (str) → points marked on the script
    entered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人"))
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        ordering = ["paper", "application", "source"]
        constraints = [models.UniqueConstraint(fields=["paper", "application", "source"],
                                               name="grading_one_sheet_reading_per_source")]
        verbose_name = _("答题卡录入")
        verbose_name_plural = _("答题卡录入")

    def __str__(self) -> str:
        return f"{self.paper_id}/{self.application_id} {self.source}"

    @property
    def audit_org_id(self) -> int:
        return self.paper.session.audit_org_id
