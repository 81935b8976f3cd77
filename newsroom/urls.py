from django.contrib import admin
from django.urls import include, path

from newsroom import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("desk/issues/", include("issues.desk.urls")),
    path("desk/", include("newsroom.desk.urls")),
    path("", include("issues.urls")),
]
