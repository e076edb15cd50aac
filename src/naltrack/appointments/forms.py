"""Booking a visit and marking it kept, missed or cancelled."""

from __future__ import annotations

from django import forms

from naltrack.web.fields import DATE, BoundedForm

from .models import AppointmentKind, AppointmentStatus


class AppointmentForm(BoundedForm):
    kind = forms.ChoiceField(choices=AppointmentKind.choices, label="Visit")
    on = forms.DateField(widget=DATE, label="Day")
    time = forms.TimeField(required=False, label="Time", input_formats=["%H:%M"],
                           widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                           help_text="optional, clinic time; leave empty for a visit booked by the day")  # fmt: skip
    note = forms.CharField(max_length=500, required=False,
                           help_text="seen by all staff who see the schedule: no clinical detail")  # fmt: skip


class AppointmentStatusForm(BoundedForm):
    appointment = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=[c for c in AppointmentStatus.choices if c[0] != "booked"])
