"""The staff console's routes, one module per domain (issue #21 item 5); the names are flat under ``console:``."""

from . import (
    accounts,
    audit,
    catalog,
    certificates,
    delivery,
    duties,
    grading,
    itembank,
    papers,
    registration,
    scheduling,
)

app_name = "console"
urlpatterns = [
    *accounts.urlpatterns,
    *audit.urlpatterns,
    *duties.urlpatterns,
    *catalog.urlpatterns,
    *registration.urlpatterns,
    *scheduling.urlpatterns,
    *itembank.urlpatterns,
    *papers.urlpatterns,
    *delivery.urlpatterns,
    *grading.urlpatterns,
    *certificates.urlpatterns,
]
