from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "skillcert.scheduling"
    label = "scheduling"
    verbose_name = _("考务编排")
