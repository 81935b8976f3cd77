"""The forms of the subscriber account pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from newsroom.models import Newsletter

if TYPE_CHECKING:
    pass


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
    newsletters = forms.ModelMultipleChoiceField(
        queryset=Newsletter.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Newsletters I subscribe to",
    )
