"""Grading: scoring runs, answer sheets, marking, practical panels, review and results (§6.5)."""

from django.urls import path

from ..views import grading as views

urlpatterns = [
    path("grading/", views.grading_list, name="grading_list"),
    path("grading/papers/<int:paper_pk>/score/", views.grading_score, name="grading_score"),
    path("grading/papers/<int:paper_pk>/sheets/", views.grading_sheets, name="grading_sheets"),
    path("grading/runs/<int:pk>/", views.grading_run, name="grading_run"),
    path("grading/runs/<int:pk>/<str:action>/", views.grading_action, name="grading_action"),
    path("grading/results/", views.results_list, name="results_list"),
    path("grading/batches/<int:batch_pk>/results/", views.results_page, name="results_page"),
    path("grading/batches/<int:batch_pk>/results/summary.<str:fmt>", views.results_summary,
         name="results_summary"),
    path("grading/practical/", views.practical_list, name="practical_list"),
    path("grading/practical/<int:session_pk>/rooms/<int:room_pk>/panel/", views.panel_create, name="panel_create"),
    path("grading/panels/<int:pk>/", views.panel_detail, name="panel_detail"),
    path("grading/review/", views.review_list, name="review_list"),
    path("grading/review/<int:session_pk>/rooms/<int:room_pk>/panel/", views.review_panel_create,
         name="review_panel_create"),
    path("grading/review-panels/<int:pk>/", views.review_panel, name="review_panel"),
    path("practical/", views.practical_mine, name="practical_mine"),
    path("practical/<int:pk>/", views.practical_sheet, name="practical_sheet"),
    path("marking/", views.marking_list, name="marking_list"),
    path("marking/<int:pk>/", views.marking_task, name="marking_task"),
]
