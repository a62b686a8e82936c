from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("v1/announcements/<int:pk>/registrations", views.approved_registrations, name="approved_registrations"),
    path("v1/batches/<int:pk>/results", views.batch_results, name="batch_results"),
]
