from django.contrib import admin
from django.urls import include, path

from newsroom import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("desk/issues/", include("issues.desk_urls")),
    path("desk/", include("newsroom.desk_urls")),
    path("", include("issues.urls")),
]
