"""The question bank: blueprints, items, review, acceptance, releases and exports (§7, §10)."""

from django.urls import path

from ..views import itembank as views

urlpatterns = [
    path("banks/", views.bank_list, name="bank_list"),
    path("banks/<int:pk>/", views.bank_detail, name="bank_detail"),
    path("banks/<int:pk>/items/", views.item_list, name="item_list"),
    path("banks/<int:pk>/items/new/", views.item_create, name="item_create"),
    path("banks/<int:pk>/items/preview/", views.item_preview, name="item_preview"),
    path("banks/<int:pk>/import/", views.item_import, name="item_import"),
    path("banks/<int:pk>/import/template.xlsx", views.item_import_template, name="item_import_template"),
    path("banks/<int:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("banks/<int:pk>/releases/new/", views.release_create, name="release_create"),
    path("banks/<int:pk>/exports/", views.export_list, name="export_list"),
    path("blueprints/<int:pk>/", views.blueprint_detail, name="blueprint_detail"),
    path("blueprints/<int:pk>/export.xlsx", views.blueprint_export, name="blueprint_export"),
    path("blueprints/<int:pk>/approve/", views.blueprint_approve, name="blueprint_approve"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/transition/", views.item_transition, name="item_transition"),
    path("items/<int:pk>/review/", views.item_review, name="item_review"),
    path("items/<int:pk>/restore/", views.item_restore, name="item_restore"),
    path("items/<int:pk>/compare/", views.item_compare, name="item_compare"),
    path("items/<int:pk>/print/", views.item_print, name="item_print"),
    path("items/<int:pk>/problems/", views.problem_report, name="problem_report"),
    path("item-attachments/<int:pk>/", views.attachment, name="item_attachment"),
    path("problems/<int:pk>/resolve/", views.problem_resolve, name="problem_resolve"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("releases/<int:pk>/", views.release_detail, name="release_detail"),
    path("exports/<int:pk>/decide/", views.export_decide, name="export_decide"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
