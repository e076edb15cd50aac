"""Recording the medication choice on the choice aid's page."""

from __future__ import annotations

from typing import Any

from django import forms

from naltrack.web.fields import DATE, BoundedForm

from .models import PRIORITY_CHOICES
from .services import MAX_PROGRAM, MAX_REASONS


class ChoiceForm(BoundedForm):
    option = forms.ChoiceField(label="Medication chosen")
    reasons = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_REASONS,
                              label="Reasons", help_text="in the patient's words where possible")  # fmt: skip
    priorities = forms.MultipleChoiceField(
        choices=PRIORITY_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
        label="What matters most to the patient",
    )  # fmt: skip
    referral_program = forms.CharField(max_length=MAX_PROGRAM, required=False,
                                       label="Referred to (program)",
                                       help_text="buprenorphine or methadone only")  # fmt: skip
    referral_on = forms.DateField(widget=DATE, required=False, label="Referral date")

    def __init__(self, *args: Any, options: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [("", "choose..."), *options]  # type: ignore[attr-defined]
