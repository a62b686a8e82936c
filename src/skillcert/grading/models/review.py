"""The comprehensive review (§6.5.1 综合评审) of 技师/高级技师: the panel of a room and each examiner's sheet of
defence and performance scores."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.models import User
from skillcert.scheduling.models import ExamSession


class ReviewPanel(models.Model):
    """综合评审小组 (§6.5.1) of one room of a review session: at least three examiners, one of them the leader,
    each scoring every candidate's defence (答辩) and performance evaluation (业绩评价) on 100 points."""

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="review_panels",
                                verbose_name=_("场次"))
    room = models.ForeignKey("scheduling.Room", on_delete=models.PROTECT, related_name="review_panels",
                             verbose_name=_("考场"))
    leader = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("评审组长"))
    examiners = models.ManyToManyField(User, related_name="review_panels", verbose_name=_("评审专家"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "room"]
        constraints = [models.UniqueConstraint(fields=["session", "room"], name="grading_one_review_panel_per_room")]
        verbose_name = _("综合评审小组")
        verbose_name_plural = _("综合评审小组")

    def __str__(self) -> str:
        return f"{self.session} · {self.room}"

    @property
    def audit_org_id(self) -> int:
        return self.session.audit_org_id


class ReviewSheet(models.Model):
    """One examiner's scores of one candidate in the comprehensive review; locked once submitted."""

    panel = models.ForeignKey(ReviewPanel, on_delete=models.PROTECT, related_name="sheets")
    application = models.ForeignKey("registration.Application", on_delete=models.PROTECT,
                                    related_name="review_sheets")
    examiner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="review_sheets")
    defence = models.DecimalField(_("答辩"), max_digits=5, decimal_places=2)
    performance = models.DecimalField(_("业绩评价"), max_digits=5, decimal_places=2)
    note = models.CharField(_("评语"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        ordering = ["panel", "application", "examiner"]
        constraints = [models.UniqueConstraint(fields=["panel", "application", "examiner"],
                                               name="grading_review_sheet_once")]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.examiner_id}: {self.defence} {self.performance}"

    @property
    def audit_org_id(self) -> int:
        return self.panel.audit_org_id
