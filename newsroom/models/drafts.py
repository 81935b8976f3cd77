"""Unsaved changes to a story, kept on the server as they are typed.

The story form posts its fields here every few seconds while they change,
and once more when the tab is hidden or closed. A draft is one person's:
nobody else sees it, and it never touches the story itself. Saving the
story deletes it; reopening the form offers to restore or discard it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from newsroom.writing.sanitizing import sanitize_body

if TYPE_CHECKING:
    from newsroom.forms import StoryForm
    from newsroom.models.stories import Story
    from newsroom.review.workflow import User

# The fields a draft keeps, as the story form names them.
DRAFT_FIELDS = ("headline", "body", "source", "new_source", "newsletter", "original_url")
# A field's value in a draft is what was typed, within the form's own bounds.
TYPED_LENGTH = 500
# Refusals the autosave tolerates: a draft may be incomplete (no headline
# yet), or name a source that does not exist yet, or an address still being
# typed; anything else (a body over its bounds) is refused as the form would.
INCOMPLETE = {"required", "unknown", "invalid", "invalid_choice"}


class StoryDraft(models.Model):
    story = models.ForeignKey(
        "newsroom.Story",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="drafts",
        help_text="Empty for a story not saved yet.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="story_drafts"
    )
    version = models.PositiveIntegerField(
        default=0, help_text="The story's version the form was loaded from."
    )
    headline = models.CharField(max_length=TYPED_LENGTH, blank=True)
    body = models.TextField(blank=True)
    source = models.CharField(max_length=TYPED_LENGTH, blank=True)
    new_source = models.CharField(max_length=TYPED_LENGTH, blank=True)
    newsletter = models.ForeignKey(
        "newsroom.Newsletter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    original_url = models.CharField(max_length=TYPED_LENGTH, blank=True)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "story"],
                condition=models.Q(story__isnull=False),
                name="one_draft_per_person_and_story",
            ),
            # NULLs are distinct in a unique index: one draft of a new story
            # per person needs its own constraint.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(story__isnull=True),
                name="one_new_story_draft_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Unsaved changes by {self.user} to {self.story or 'a new story'}"

    @classmethod
    def find(cls, *, user: User, story: Story | None) -> StoryDraft | None:
        return cls.objects.filter(user=user, story=story).first()

    @classmethod
    def keep(cls, *, user: User, story: Story | None, form: StoryForm) -> StoryDraft | None:
        """Keep what `form` holds as `user`'s draft of `story`, replacing the
        last one; None (and no draft) when it is the story as saved. The
        caller has checked the form with `refusals(form)`."""
        values = typed_values(form)
        # As saved: the form has copied the typed fields onto `story` itself.
        saved = None if story is None else type(story).objects.for_desk().get(pk=story.pk)
        if saved is not None and cls.matches(saved, values):
            cls.discard(user=user, story=story)
            return None
        draft, _ = cls.objects.update_or_create(
            user=user, story=story, defaults={**values, "saved_at": timezone.now()}
        )
        return draft

    @staticmethod
    def matches(story: Story, values: dict[str, Any]) -> bool:
        """Whether `values` are the story as saved: nothing unsaved to keep
        (an autosave that arrives just after the Save it raced, say)."""
        source = story.source.name if story.source is not None else ""
        return (
            values["headline"] == story.headline
            and values["body"] == story.body
            and values["source"] == source
            and not values["new_source"]
            and values["newsletter"] == story.newsletter
            and values["original_url"] == story.original_url
        )

    @classmethod
    def discard(cls, *, user: User, story: Story | None) -> None:
        cls.objects.filter(user=user, story=story).delete()

    def as_initial(self) -> dict[str, Any]:
        """The form's initial values, as if the person had typed them."""
        initial: dict[str, Any] = {
            name: getattr(self, name) for name in DRAFT_FIELDS if name != "newsletter"
        }
        initial["newsletter"] = self.newsletter_id  # type: ignore[attr-defined]
        initial["version"] = self.version
        return initial


def refusals(form: StoryForm) -> list[str]:
    """What the story form refuses in `form` beyond it being unfinished."""
    form.is_valid()
    return [
        message
        for name, errors in form.errors.as_data().items()
        for error in errors
        if error.code not in INCOMPLETE
        for message in error.messages
    ]


def typed_values(form: StoryForm) -> dict[str, Any]:
    """The draft's fields from a checked form: the headline and body as the
    form cleans them (sanitised), the rest as typed, cut to size."""
    cleaned, raw = form.cleaned_data, form.data
    body = cleaned.get("body")
    body = "" if body is None else sanitize_body(body)
    newsletter = cleaned.get("newsletter")
    version = cleaned.get("version")
    return {
        "headline": cleaned.get("headline") or str(raw.get("headline", ""))[:TYPED_LENGTH],
        "body": body,
        "source": str(raw.get("source", ""))[:TYPED_LENGTH],
        "new_source": str(raw.get("new_source", ""))[:TYPED_LENGTH],
        "newsletter": newsletter,
        "original_url": str(raw.get("original_url", ""))[:TYPED_LENGTH],
        "version": version if version is not None and version >= 0 else 0,
    }
