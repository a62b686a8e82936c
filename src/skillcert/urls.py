from django.urls import include, path
from django.views.i18n import set_language

from skillcert.api.exam import api as exam_api
from skillcert.api.platform import api as platform_api
from skillcert.api.verify import api as verify_api

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("skillcert.accounts.urls")),
    path("console/", include("skillcert.console.urls")),
    path("portal/", include("skillcert.portal.urls")),
    path("api/exam/v1/", exam_api.urls),
    path("api/verify/v1/", verify_api.urls),
    path("api/v1/", platform_api.urls),
    path("exam/", include("skillcert.exam.urls")),
    path("", include("skillcert.public.urls")),
]
