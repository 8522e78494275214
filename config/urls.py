from django.contrib import admin
from django.urls import include, path

from apps.core.views import healthz, home

handler400 = "apps.core.views.bad_request"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("apps.accounts.urls")),
    path("", include("apps.delegations.urls")),
    path("", include("apps.lobby.urls")),
    path("", include("apps.proceedings.urls")),
    path("", include("apps.caucus.urls")),
]
