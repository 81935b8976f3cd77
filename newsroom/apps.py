from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_tables(*, using: str = "default", **kwargs: Any) -> None:
    """Create the table of every database cache in CACHES (the rate limits'
    store by default), wherever `migrate` runs: `make run`, the compose
    file's migrate service, the test database. Does nothing when they exist."""
    call_command("createcachetable", database=using, verbosity=0)


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Newsroom: stories and sources"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from newsroom import checks  # noqa: F401  (registers the prerequisite checks)
        from newsroom.models import Story
        from newsroom.review.transition_mail import on_story_transitioned
        from newsroom.review.workflow import transitioned

        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="newsroom.cache")
        transitioned.connect(
            on_story_transitioned, sender=Story, dispatch_uid="newsroom.story_mail"
        )
