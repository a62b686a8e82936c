"""Certificates: issue review, printing, delivery, the ledger and the platform (§8)."""

from django.urls import path

from ..views import certificates as views

urlpatterns = [
    path("certificates/", views.certificate_issues, name="certificate_issues"),
    path("certificates/batches/<int:batch_pk>/<str:action>/", views.certificate_issue_action,
         name="certificate_issue_action"),
    path("certificates/issues/<int:pk>/", views.certificate_list, name="certificate_list"),
    path("certificates/issues/<int:pk>/requests/<int:request_pk>/<str:which>/", views.certificate_request_file,
         name="certificate_request_file"),
    path("certificates/issues/<int:pk>/roster.<str:fmt>", views.certificate_roster, name="certificate_roster"),
    path("certificates/issues/<int:pk>/print/", views.certificate_print, name="certificate_print"),
    path("certificates/issues/<int:pk>/deliver/", views.certificate_deliver, name="certificate_deliver"),
    path("certificates/issues/<int:pk>/handover.pdf", views.certificate_handover_sheet,
         name="certificate_handover_sheet"),
    path("certificates/ledger/", views.certificate_ledger, name="certificate_ledger"),
    path("certificates/layout/", views.certificate_layout, name="certificate_layout"),
    path("certificates/platform/", views.certificate_platform, name="certificate_platform"),
    path("certificates/issues/<int:pk>/<str:kind>.pdf", views.certificate_pdf, name="certificate_pdf"),
]
