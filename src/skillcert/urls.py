from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("skillcert.accounts.urls")),
    path("console/", include("skillcert.console.urls")),
    path("portal/", include("skillcert.portal.urls")),
    path("api/", include("skillcert.api.urls")),
    path("", include("skillcert.public.urls")),
]
