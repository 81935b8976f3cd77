"""Desk forms. The rules live on the models; these forms gather input."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString

from newsroom import roles
from newsroom.models import Newsletter, Source, Story
from newsroom.models.invitations import DEFAULT_DAYS, MAX_DAYS
from newsroom.models.planning import PLANNED_FIELDS, Assignment, DeskSettings
from newsroom.models.stories import SOURCE_NAME_LENGTH, STORY_STATUS_WORDS
from newsroom.text import one_line, validate_text
from newsroom.writing.sanitizing import BODY_LIMITS, check_body_bounds


def limit_body(field: forms.Field) -> None:
    """Check a body's bounds before the sanitiser parses it (the model checks
    them again), and say what they are."""
    field.validators.append(check_body_bounds)
    field.help_text = f"{field.help_text} {BODY_LIMITS}".strip()


class SourceNameInput(forms.TextInput):
    """A text input for a source's name, with a <datalist> that
    static/js/source-names.js fills from the server as the editor types.
    Without the script it is a plain text field: type the exact name."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    class Media:
        js = [forms.Script("js/source-names.js", type="module")]

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        attrs = dict(attrs or {})
        names = f"{attrs.get('id') or self.attrs.get('id') or 'id_' + name}-names"
        attrs.update({"list": names, "data-source-names": reverse_lazy("desk:source_names")})
        return format_html(
            '{}<datalist id="{}"></datalist>', super().render(name, value, attrs, renderer), names
        )


class SourceNameField(forms.Field):
    """A source, named: any case, an exact name. An unknown name is refused
    with what to do instead, and the typed text stays in the field."""

    widget = SourceNameInput
    default_error_messages = {
        "unknown": "No source is called “%(name)s”: pick one of the suggestions, "
        "or check the spelling on the Sources page.",
    }

    def __init__(self, *, exclude: Source | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.exclude = exclude

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Source):
            return value.name
        if isinstance(value, int):  # a model form's initial value: the source's pk
            return Source.objects.filter(pk=value).values_list("name", flat=True).first() or ""
        return value

    def to_python(self, value: Any) -> Source | None:
        # No source name holds a control character (and PostgreSQL refuses
        # a NUL in a query): a name typed with one is looked up without it.
        name = one_line(str(value or ""))
        if not name:
            return None
        # No maxlength on the input (a pasted name is never cut); a longer
        # name than a source may have is simply unknown.
        sources = Source.objects.named(name[: SOURCE_NAME_LENGTH + 1])
        if self.exclude is not None:
            sources = sources.exclude(pk=self.exclude.pk)
        source = sources.first()
        if source is None:
            raise ValidationError(self.error_messages["unknown"], "unknown", {"name": name})
        return source


class StoryForm(forms.ModelForm):
    """Write or edit a story. Carries the version it was loaded from."""

    source = SourceNameField(
        required=False,
        help_text="Cited in bold at the end of the story. Type a few letters to see "
        "the sources we have.",
        error_messages={
            "unknown": "No source is called “%(name)s”: pick one of the suggestions, "
            "or add it as a new source in the next field.",
        },
    )
    new_source = forms.CharField(
        label="…or add a new source",
        max_length=120,
        required=False,
        help_text="Type a name to create the source (or reuse one of the same name).",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Story
        fields = ["headline", "body", "source", "new_source", "newsletter", "original_url"]
        widgets = {"original_url": forms.URLInput(attrs={"placeholder": "https://"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_body(self.fields["body"])
        # The headline's limit shows as a counter and a refusal, never as a
        # browser that silently cuts a pasted headline at maxlength.
        headline = self.fields["headline"]
        limit = headline.widget.attrs.pop("maxlength", None)
        headline.widget.attrs["data-limit"] = limit
        headline.help_text = f"At most {limit} characters."
        if self.instance.pk and "version" not in self.initial:
            self.initial["version"] = self.instance.version
        newsletters = cast(forms.ModelChoiceField, self.fields["newsletter"]).queryset
        # One newsletter (the usual start): nothing to choose.
        if (
            newsletters is not None
            and not self.instance.newsletter_id
            and len(choices := newsletters[:2]) == 1
        ):
            self.initial["newsletter"] = choices[0].pk

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        name = (cleaned.get("new_source") or "").strip()
        if name and cleaned.get("source"):
            self.add_error("new_source", "Pick a source or name a new one, not both.")
        elif name:
            source = Source.objects.named(name).first() or Source(name=name)
            try:
                source.full_clean()
            except ValidationError as error:
                self.add_error("new_source", error.messages)
            else:
                cleaned["source"] = source
        return cleaned

    def save_story(self, *, by: Any) -> Story:
        """Save a new story, its first history row and any new source, all or
        nothing (the edit path goes through Story.save_edit)."""
        with transaction.atomic():
            story = self.apply()
            story._history_user = by  # type: ignore[attr-defined]
            story.save()
        return story

    def apply(self) -> Story:
        """Copy the cleaned fields onto the instance, creating a new source if named."""
        source = self.cleaned_data.get("source")
        if source is not None and source.pk is None:
            source.save()
        story = super().save(commit=False)
        story.source = source
        return story

    @property
    def loaded_version(self) -> int:
        """The version the form was loaded from. A form without one (a script,
        a tampered page) counts as made from no version at all, so that its
        save is refused like a stale one rather than overwriting blindly."""
        value = self.cleaned_data.get("version")
        return int(value) if value is not None else 0


class RequestChangesForm(forms.Form):
    comment = forms.CharField(
        label="What needs to change",
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[validate_text],
        help_text="The author sees this on the desk and by email.",
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why withdraw it?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text],
        help_text="The author sees this on the story and by email.",
    )


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = ["name", "homepage"]


class SourceMergeForm(forms.Form):
    target = SourceNameField(
        label="Merge into",
        help_text="Its stories move to this source; this duplicate is then deleted.",
    )

    def __init__(self, *args: Any, duplicate: Source, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target = cast(SourceNameField, self.fields["target"])
        target.exclude = duplicate
        target.error_messages["unknown"] = (
            "No other source is called “%(name)s”: pick one of the suggestions "
            "(a source cannot be merged into itself)."
        )


def story_authors() -> Any:
    """People who wrote a story, by name. Their ids come from a loose index
    scan, one probe into the stories' author index per author (a recursive
    query that PostgreSQL and SQLite both run): neither a DISTINCT over every
    story nor a probe per account, which reads every subscriber too."""
    quote = connection.ops.quote_name
    table = quote(Story._meta.db_table)
    author = quote(Story._meta.get_field("author").column)
    # Only the model's own (quoted) names go into the text; no value does.
    authors = RawSQL(  # noqa: S611
        f"WITH RECURSIVE authors(id) AS ("  # noqa: S608
        f" SELECT MIN({author}) FROM {table}"
        f" UNION ALL"
        f" SELECT (SELECT MIN({author}) FROM {table} WHERE {author} > authors.id)"
        f" FROM authors WHERE authors.id IS NOT NULL"
        f") SELECT id FROM authors WHERE id IS NOT NULL",
        [],
    )
    return get_user_model().objects.filter(pk__in=authors).order_by("username")


class StoryFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False)
    status = forms.ChoiceField(
        choices=[("", "Any status"), *STORY_STATUS_WORDS.items()], required=False
    )
    newsletter = forms.ModelChoiceField(
        queryset=Newsletter.objects.all(), required=False, empty_label="Any newsletter"
    )
    source = SourceNameField(
        required=False, widget=SourceNameInput(attrs={"placeholder": "Any source"})
    )
    author: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Any author"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["author"]).queryset = story_authors()

    def filter(self, stories: Any) -> Any:
        if not self.is_bound:
            return stories
        if not self.is_valid():
            return stories.none()  # the form says what is wrong; never "all stories"
        data = self.cleaned_data
        for field in ("status", "newsletter", "source", "author"):
            if data.get(field):
                stories = stories.filter(**{field: data[field]})
        return stories.search(data.get("q") or "")


class InviteForm(forms.Form):
    """Invite an outside reviewer (see newsroom.review.invitations)."""

    email = forms.EmailField(label="Their email address")
    days = forms.IntegerField(
        label="Link valid for (days)",
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text="You can withdraw the link at any time.",
    )


class AssignmentForm(forms.ModelForm):
    """Plan a story: a slot with a working headline, a writer and a due time."""

    assignee: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, label="Writer", help_text="The editor who writes it."
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Assignment
        fields = PLANNED_FIELDS
        widgets = {
            "due_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = roles.editors()
        self.fields["due_at"].help_text = "When it should be submitted for review."
        if self.instance.pk and "version" not in self.initial:
            self.initial["version"] = self.instance.version
        # One newsletter (the usual start): nothing to choose.
        if not self.initial.get("newsletter") and len(only := Newsletter.objects.all()[:2]) == 1:
            self.initial["newsletter"] = only[0].pk

    @property
    def loaded_version(self) -> int:
        """The version the form was loaded from; none counts as a stale one."""
        value = self.cleaned_data.get("version")
        return int(value) if value is not None else 0


class DigestForm(forms.ModelForm):
    """Whether a desk user gets the daily digest, and at which hour."""

    class Meta:
        model = DeskSettings
        fields = ["daily_digest", "digest_hour"]
        labels = {"daily_digest": "Mail me each day what is due that day"}


class CalendarFilter(forms.Form):
    """The planning calendar's filters: a week, a newsletter, a person."""

    week = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    newsletter = forms.ModelChoiceField(
        Newsletter.objects.all(), required=False, empty_label="Every newsletter"
    )
    person = forms.ModelChoiceField(
        get_user_model().objects.none(), required=False, empty_label="Everyone"
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Any desk user may be asked for (one row, by primary key); the
        # choices offered are set by offer_people() once the weeks are known.
        # Who is on the desk is asked only when someone is asked for.
        if self.data.get("person"):
            self.fields["person"].queryset = roles.desk_users()  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control" if name == "week" else "form-select"

    def offer_people(self, people: Iterable[int]) -> None:
        """Offer as people those who owe something in the weeks shown, and
        the one chosen: one query by primary key, not every account."""
        chosen = self.cleaned_data.get("person") if self.is_valid() else None
        ids = set(people) | ({chosen.pk} if chosen else set())
        field = cast(forms.ModelChoiceField, self.fields["person"])
        field.queryset = get_user_model().objects.filter(pk__in=ids).order_by("username")
