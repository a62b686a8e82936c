from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrityConfig(AppConfig):
    name = "skillcert.integrity"
    label = "integrity"
    verbose_name = _("诚信档案")
