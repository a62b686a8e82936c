"""Occupation catalogue (§4.2, 表1): occupations, their trades (工种) and skill levels.

Catalogue rows are data, edited by the platform admin; another occupation is added without
code. 表1's rows for 碳排放管理员 (4-09-07-04) are loaded by migration 0002.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

occupation_code_validator = RegexValidator(
    r"^\d-\d{2}-\d{2}-\d{2}$", _("职业编码应为“4-09-07-04”的格式。")
)


class Level(models.Model):
    """The five national skill levels; number 1 = 高级技师/一级 … 5 = 初级工/五级."""

    number = models.PositiveSmallIntegerField(_("等级代码"), unique=True)
    name = models.CharField(_("等级名称"), max_length=20)  # e.g. 高级技师
    grade_name = models.CharField(_("级别"), max_length=10)  # e.g. 一级
    name_en = models.CharField(_("英文名称"), max_length=40, blank=True)

    class Meta:
        ordering = ["-number"]  # 初级 first, as the tables list them
        verbose_name = _("职业技能等级")
        verbose_name_plural = _("职业技能等级")

    def __str__(self) -> str:
        return f"{self.name}（{self.grade_name}）"

    @property
    def requires_comprehensive_review(self) -> bool:
        """技师 and 高级技师 also pass a comprehensive review (§6.5.1, §8.1.2.2)."""
        return self.number <= 2


class Occupation(models.Model):
    code = models.CharField(_("职业编码"), max_length=10, unique=True, validators=[occupation_code_validator])
    name = models.CharField(_("职业名称"), max_length=60, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    description = models.TextField(_("职业定义"), blank=True)
    levels = models.ManyToManyField(Level, verbose_name=_("认定等级"), related_name="occupations")
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("职业")
        verbose_name_plural = _("职业")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Trade(models.Model):
    """工种. An occupation without trades prints “——” in the trade field (§8.2.2.2)."""

    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="trades",
                                   verbose_name=_("职业"))
    name = models.CharField(_("工种名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["occupation", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["occupation", "name"], name="trade_unique_name")]
        verbose_name = _("工种")
        verbose_name_plural = _("工种")

    def __str__(self) -> str:
        return self.name
