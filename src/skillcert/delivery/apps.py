from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "skillcert.delivery"
    label = "delivery"
    verbose_name = _("机考实施")
