from django.urls import path

from . import views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/scope/", views.organisation_scope, name="organisation_scope"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<int:pk>/reset-totp/", views.user_reset_totp, name="user_reset_totp"),
    path("users/<int:pk>/roles/new/", views.role_assign, name="role_assign"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export.xlsx", views.audit_export, name="audit_export"),
    path("catalog/", views.catalog_list, name="catalog_list"),
    path("catalog/new/", views.occupation_edit, name="occupation_create"),
    path("catalog/<int:pk>/", views.occupation_edit, name="occupation_edit"),
    path("catalog/<int:occupation_pk>/trades/new/", views.trade_edit, name="trade_create"),
    path("catalog/<int:occupation_pk>/trades/<int:pk>/", views.trade_edit, name="trade_edit"),
]
