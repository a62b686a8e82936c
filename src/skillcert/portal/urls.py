from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("signup/", views.signup, name="signup"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("profile/", views.profile, name="profile"),
    path("profile/photo/", views.photo, name="photo"),
    path("profile/photo/upload/", views.photo_upload, name="photo_upload"),
    path("profile/certificates/add/", views.certificate_add, name="certificate_add"),
    path("profile/certificates/<int:pk>/delete/", views.certificate_delete, name="certificate_delete"),
    path("announcements/<int:pk>/apply/", views.apply, name="apply"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/recheck/", views.result_recheck, name="result_recheck"),
    path("certificates/<int:pk>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("tickets/<int:pk>.pdf", views.ticket_pdf, name="ticket_pdf"),
]
