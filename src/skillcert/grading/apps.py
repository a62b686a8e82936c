from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "skillcert.grading"
    label = "grading"
    verbose_name = _("阅卷与成绩")
