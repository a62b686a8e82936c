"""Announcements (认定公告, §6.1.2): what a body offers, where, when and at what fee."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from skillcert.accounts.models import Organisation
from skillcert.catalog.models import Level, Occupation, Trade

from .enums import AnnouncementStatus


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
