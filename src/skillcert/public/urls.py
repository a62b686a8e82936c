from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("announcements/", views.announcement_list, name="announcement_list"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement_detail"),
    path("announcements/<int:pk>/print.pdf", views.announcement_print, name="announcement_print"),
    path("healthz", views.healthz, name="healthz"),
    path("verify/", views.verify, name="verify"),
    path(".well-known/skillcert-certificate-key", views.certificate_key, name="certificate_key"),
    path(".well-known/skillcert-certificate.pem", views.certificate_pem, name="certificate_pem"),
]
