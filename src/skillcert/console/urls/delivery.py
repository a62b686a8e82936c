"""Exam day: rooms, rosters and the proctor console (§6.4)."""

from django.urls import path

from ..views import delivery as views

urlpatterns = [
    path("exam-day/", views.delivery_list, name="delivery_list"),
    path("exam-day/sessions/<int:session_pk>/prepare/", views.delivery_prepare, name="delivery_prepare"),
    path("exam-day/rooms/<int:pk>/", views.delivery_room, name="delivery_room"),
    path("exam-day/rooms/<int:pk>/roster.pdf", views.delivery_roster_pdf, name="delivery_roster_pdf"),
    path("exam-day/rooms/<int:pk>/photos/<int:attempt_pk>/", views.delivery_roster_photo,
         name="delivery_roster_photo"),
    path("exam-day/sessions/<int:session_pk>/venues/<int:venue_pk>/", views.delivery_venue,
         name="delivery_venue"),
]
