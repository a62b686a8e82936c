"""Certificates (§6.6, §8). So far: the number sequences (§8.1.1)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateSequence(models.Model):
    """The last sequence number given for one body, year of issue and level (§8.1.1): incremented only inside
    the transaction that issues the certificates, under a row lock, so numbers have no gaps, are never reused and
    stay unique however many are issued at once."""

    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="certificate_sequences")
    year = models.PositiveSmallIntegerField(_("发证年份"))
    level = models.PositiveSmallIntegerField(_("等级代码"))
    last = models.PositiveIntegerField(_("已用顺序号"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["body", "year", "level"], name="certificate_sequence_once"),
                       models.CheckConstraint(condition=models.Q(last__lte=999_999), name="certificate_sequence_max")]
        verbose_name = _("证书顺序号")
        verbose_name_plural = _("证书顺序号")

    def __str__(self) -> str:
        return f"{self.body_id}/{self.year}/{self.level}: {self.last}"
