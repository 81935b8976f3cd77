from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom: stories and sources"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from newsroom import checks  # noqa: F401  (registers the prerequisite checks)
        from newsroom.models import Story
        from newsroom.notifications import on_story_transitioned
        from newsroom.workflow import transitioned

        transitioned.connect(
            on_story_transitioned, sender=Story, dispatch_uid="newsroom.story_mail"
        )
