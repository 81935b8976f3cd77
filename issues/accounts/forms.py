"""The forms of the subscriber account pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.db.models import Q

from issues.models import Subscription
from newsroom.models import Newsletter

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class InviteForm(forms.Form):
    email = forms.EmailField()
    newsletters = forms.ModelMultipleChoiceField(
        queryset=Newsletter.objects.all(), widget=forms.CheckboxSelectMultiple
    )


class SignupForm(UserCreationForm):  # type: ignore[type-arg]
    email = forms.EmailField(help_text="We send a link to confirm it.")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this address exists: sign in, or reset its password."
            )
        return email


class SubscriptionsForm(forms.Form):
    """A subscriber's own choice: the newsletters open to self sign-up, and
    those staff granted them (which they may leave, not rejoin by themselves)."""

    newsletters = forms.ModelMultipleChoiceField(
        queryset=Newsletter.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Newsletters I subscribe to",
        error_messages={"invalid_choice": "Choose among the newsletters listed."},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The reader's own newsletters by their subscriptions' reader index:
        # an OR across a join to the subscriptions read every subscription.
        mine = Subscription.objects.filter(user=user).values("newsletter")
        self.choices = Newsletter.objects.filter(Q(open_to_self_signup=True) | Q(pk__in=mine))
        cast(forms.ModelMultipleChoiceField, self.fields["newsletters"]).queryset = self.choices
