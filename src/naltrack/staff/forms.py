"""Forms of the staff page and the account page. They check shape; the services (accounts.staff,
accounts.tokens) check meaning and name the field that is wrong."""

from __future__ import annotations

from django import forms

from naltrack.accounts.models import TokenScope
from naltrack.accounts.roles import Role
from naltrack.config import API_TOKEN_MAX_DAYS
from naltrack.web.fields import BoundedForm


class AddStaffForm(BoundedForm):
    form = forms.CharField(widget=forms.HiddenInput, initial="add")
    username = forms.CharField(
        max_length=150, help_text="letters, digits and @ . + - _, e.g. nina.nurse"
    )
    full_name = forms.CharField(max_length=150, required=False, label="Full name")
    # No role is preselected: a slip of the mouse must not make someone a prescriber.
    role = forms.ChoiceField(choices=[("", "Choose a role"), *Role.choices])


class PasswordForm(BoundedForm):
    form = forms.CharField(widget=forms.HiddenInput, initial="password")
    current_password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        label="Current password",
        max_length=128,
    )
    new_password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        label="New password",
        help_text="at least 12 characters, not a common password, not like your user name",
        max_length=128,
    )
    new_password_again = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        label="New password again",
        max_length=128,
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "The two new passwords differ.")
        return data


class TokenForm(BoundedForm):
    form = forms.CharField(widget=forms.HiddenInput, initial="token")
    scope = forms.MultipleChoiceField(
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Scopes (read answers GET; write answers POST)",
        error_messages={"required": "Choose read, write or both."},
    )
    days = forms.IntegerField(
        min_value=1, max_value=API_TOKEN_MAX_DAYS, label="Expires after (days)"
    )
    label = forms.CharField(
        max_length=100, required=False, help_text="what it is for, e.g. the lab interface"
    )
