from django.contrib import admin
from django.urls import include, path

from newsroom import health
from newsroom.review import outside
from newsroom.security import passwords

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Before Django's own: the reset mail goes through the queue, rate-limited.
    path("accounts/password_reset/", passwords.password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("desk/issues/", include("issues.desk.urls")),
    path("desk/", include("newsroom.desk.urls")),
    path("review/story/<int:pk>/<str:token>/", outside.outside_story, name="outside_story"),
    path(
        "review/story/<int:pk>/<str:token>/comment/",
        outside.outside_story_comment,
        name="outside_story_comment",
    ),
    path(
        "review/story/<int:pk>/<str:token>/verdict/",
        outside.outside_story_verdict,
        name="outside_story_verdict",
    ),
    path(
        "review/story/<int:pk>/<str:token>/reply/",
        outside.outside_story_reply,
        name="outside_story_reply",
    ),
    path("", include("issues.urls")),
]
