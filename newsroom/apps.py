from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


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
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from newsroom import checks  # noqa: F401  (registers the prerequisite checks)
        from newsroom.models import Story
        from newsroom.review.transition_mail import on_story_transitioned
        from newsroom.review.workflow import transitioned
        from newsroom.roles import forget_holders

        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="newsroom.cache")
        # Who holds a role, kept for a request (roles.reviewer_ids), is
        # forgotten when an account, a group or a grant changes.
        users = get_user_model()
        for sender in (users, Group):
            post_save.connect(forget_holders, sender=sender, dispatch_uid=f"roles.{sender}.save")
            post_delete.connect(forget_holders, sender=sender, dispatch_uid=f"roles.{sender}.del")
        for through in (
            users.groups.through,
            users.user_permissions.through,
            Group.permissions.through,
        ):
            m2m_changed.connect(forget_holders, sender=through, dispatch_uid=f"roles.{through}")
        transitioned.connect(
            on_story_transitioned, sender=Story, dispatch_uid="newsroom.story_mail"
        )
