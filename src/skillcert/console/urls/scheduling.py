"""Scheduling: venues, rooms, batches, sessions, seats, tickets and staff (§6.2, §6.4.1)."""

from django.urls import path

from ..views import scheduling as views

urlpatterns = [
    path("venues/", views.venue_list, name="venue_list"),
    path("venues/<int:pk>/", views.venue_detail, name="venue_detail"),
    path("venues/<int:venue_pk>/rooms/new/", views.room_edit, name="room_create"),
    path("venues/<int:venue_pk>/rooms/<int:pk>/", views.room_edit, name="room_edit"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/settings/", views.batch_settings, name="batch_settings"),
    path("batches/<int:pk>/transition/", views.batch_transition, name="batch_transition"),
    path("batches/<int:pk>/tickets/issue/", views.batch_issue_tickets, name="batch_issue_tickets"),
    path("batches/<int:pk>/tickets/print/", views.batch_print_tickets, name="batch_print_tickets"),
    path("batches/<int:pk>/readiness/", views.batch_readiness, name="batch_readiness"),
    path("batches/<int:pk>/venues/<int:venue_pk>/postings.pdf", views.venue_postings, name="venue_postings"),
    path("batches/<int:pk>/work-cards.pdf", views.work_cards, name="work_cards"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/allocate/", views.session_allocate, name="session_allocate"),
    path("sessions/<int:pk>/rooms/<int:room_pk>/<str:kind>.pdf", views.room_document, name="room_document"),
    path("sessions/<int:pk>/rooms/<int:room_pk>/sign-off/", views.room_sign_off, name="room_sign_off"),
    path("staff/<int:pk>/remove/", views.staff_remove, name="staff_remove"),
    path("staff-profiles/<int:pk>/", views.staff_profile, name="staff_profile"),
    path("staff-profiles/<int:pk>/photo/", views.staff_photo, name="staff_photo"),
    path("my-sittings/", views.my_sittings, name="my_sittings"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status.json", views.job_status, name="job_status"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
]
