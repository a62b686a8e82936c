"""Separation of duties, for auditors (§4.3, §10.9)."""

from django.urls import path

from ..views import duties as views

urlpatterns = [
    path("duties/", views.duties_page, name="duties"),
]
