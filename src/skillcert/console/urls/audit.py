"""The audit log (§10.5)."""

from django.urls import path

from ..views import audit as views

urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
]
