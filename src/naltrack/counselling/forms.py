from __future__ import annotations

from django import forms

from naltrack.web.fields import DATE, BoundedForm

from .models import Attendance, SessionKind


class SessionForm(BoundedForm):
    held_on = forms.DateField(widget=DATE, label="Held on")
    kind = forms.ChoiceField(choices=SessionKind.choices, label="Session")
    attendance = forms.ChoiceField(choices=Attendance.choices)
    minutes = forms.IntegerField(required=False, min_value=1, max_value=600)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                           help_text="confidential: counselors and prescribers only")  # fmt: skip
