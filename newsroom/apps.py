from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom: stories and sources"
    default_auto_field = "django.db.models.BigAutoField"
