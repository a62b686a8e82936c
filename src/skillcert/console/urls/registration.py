"""Registration: plans, announcements, applications, eligibility and imports (§6.1)."""

from django.urls import path

from ..views import registration as views

urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/export.xlsx", views.plan_export, name="plan_export"),
    path("plan-rows/<int:pk>/delete/", views.plan_row_delete, name="plan_row_delete"),
    path("announcements/", views.announcement_list, name="announcement_list"),
    path("announcements/new/", views.announcement_create, name="announcement_create"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement_detail"),
    path("announcements/<int:pk>/edit/", views.announcement_edit, name="announcement_edit"),
    path("announcements/<int:pk>/transition/", views.announcement_transition, name="announcement_transition"),
    path("announcements/<int:pk>/summary.xlsx", views.registration_summary_export, name="registration_summary_export"),
    path("announcements/<int:pk>/applications/", views.application_list, name="application_list"),
    path("announcements/<int:pk>/applications/approve/", views.application_bulk_approve,
         name="application_bulk_approve"),
    path("announcements/<int:pk>/import/", views.import_page, name="import_page"),
    path("announcements/<int:pk>/import/template.xlsx", views.import_template, name="import_template"),
    path("import-reports/<str:token>.xlsx", views.import_report, name="import_report"),
    path("rules/", views.rule_set_list, name="rule_set_list"),
    path("rules/<int:occupation_pk>/<int:level_pk>/", views.rule_set_edit, name="rule_set_edit"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/photo/", views.application_photo, name="application_photo"),
    path("applications/<int:pk>/fees/", views.fee_record, name="fee_record"),
    path("documents/<int:pk>/", views.document, name="document"),
]
