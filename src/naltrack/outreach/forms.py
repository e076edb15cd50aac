"""Logging an outreach attempt: on the outreach page of a patient, and inline on Today's rows."""

from __future__ import annotations

from django import forms

from naltrack.web.fields import DATE, BoundedForm

from .models import AttemptKindChoice, OutcomeChoice
from .services import NEXT_STEP_MAX


class AttemptForm(BoundedForm):
    # No default: an attempt logged in a hurry must not read "reached" because it was first.
    kind = forms.ChoiceField(choices=[("", "choose..."), *AttemptKindChoice.choices], label="How")
    outcome = forms.ChoiceField(
        choices=[("", "choose..."), *OutcomeChoice.choices], label="Outcome"
    )
    next_step = forms.CharField(max_length=NEXT_STEP_MAX, required=False, label="Next step",
                                help_text="no clinical detail: who does what next")  # fmt: skip
    next_attempt_on = forms.DateField(widget=DATE, required=False, label="Next attempt on")
    attempted_on = forms.DateField(widget=DATE, required=False, label="Day of the attempt",
                                   help_text="empty: today")  # fmt: skip
