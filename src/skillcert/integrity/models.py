"""Candidates' integrity records (§6.8.2 考生诚信档案): forged information or cheating bars a
person from applying while the bar lasts. Keyed by identity document, so a new account with
the same ID number is barred too."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BarReason(models.TextChoices):
    FORGED_INFORMATION = "forged_information", _("伪造申报信息")
    CHEATING = "cheating", _("考试舞弊")
    CERTIFICATE_FRAUD = "certificate_fraud", _("骗取、转让或涂改证书")


class IntegrityBar(models.Model):
    id_type = models.CharField(_("证件类型"), max_length=20)
    id_number = models.CharField(_("证件号码"), max_length=40, db_index=True)
    full_name = models.CharField(_("姓名"), max_length=60)
    reason = models.CharField(_("原因"), max_length=24, choices=BarReason.choices)
    details = models.TextField(_("情况说明"))
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"), null=True, blank=True, help_text=_("留空表示长期。"))
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, verbose_name=_("记录机构"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("诚信记录")
        verbose_name_plural = _("诚信记录")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                                   name="integrity_bar_period"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} · {self.get_reason_display()}"

    @property
    def audit_org_id(self) -> int:
        return self.body_id
