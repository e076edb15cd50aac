"""Booking a visit and marking it kept, missed or cancelled."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms

from naltrack.web.fields import DATE, BoundedForm

from .models import AppointmentKind, AppointmentStatus, Weekday


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


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _time(label: str, required: bool = False, help_text: str = "") -> forms.TimeField:
    return forms.TimeField(required=required, label=label, input_formats=["%H:%M"], widget=TIME,
                           help_text=help_text)  # fmt: skip


class WithClinicianAndRoom(BoundedForm):
    """A visit's clinician and room, chosen from the active clinicians and rooms."""

    clinician = forms.ChoiceField(required=False, label="Clinician")
    room = forms.TypedChoiceField(required=False, label="Room or resource", coerce=int,
                                  empty_value=None)  # fmt: skip

    def __init__(self, *args: Any, clinicians: list[tuple[str, str]] = (), rooms: list[tuple[int, str]] = (),  # type: ignore[assignment]
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["clinician"].choices = [("", "(none)"), *clinicians]  # type: ignore[attr-defined]
        self.fields["room"].choices = [("", "(none)"), *rooms]  # type: ignore[attr-defined]


class BookVisitForm(WithClinicianAndRoom, AppointmentForm):
    field_order = ("kind", "on", "time", "clinician", "room", "note")


class MoveForm(WithClinicianAndRoom):
    field_order = ("appointment", "on", "time", "clinician", "room")
    appointment = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(widget=DATE, label="Day")
    time = _time("Time", help_text="empty: booked by the day")


class CancelForm(BoundedForm):
    appointment = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=300, label="Reason for cancelling",
                             help_text="required; no clinical detail")  # fmt: skip


class MarkForm(BoundedForm):
    appointment = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=[("kept", "Kept"), ("missed", "No-show")])


class HoursForm(BoundedForm):
    """Opening and closing time per weekday; both empty: closed that day."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for _value, label in Weekday.choices:
            name = label.lower()
            self.fields[f"{name}_opens"] = _time(f"{label} opens")
            self.fields[f"{name}_closes"] = _time(f"{label} closes")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for _value, label in Weekday.choices:
            name = label.lower()
            opens, closes = data.get(f"{name}_opens"), data.get(f"{name}_closes")
            if (opens is None) != (closes is None) and not self.errors:
                field = f"{name}_closes" if closes is None else f"{name}_opens"
                self.add_error(field, f"give both times on {label}, or neither for a closed day")
        return data

    def hours(self) -> dict[int, tuple[time, time] | None]:
        d = self.cleaned_data
        out: dict[int, tuple[time, time] | None] = {}
        for value, label in Weekday.choices:
            opens, closes = d.get(f"{label.lower()}_opens"), d.get(f"{label.lower()}_closes")
            out[value] = (opens, closes) if opens and closes else None
        return out


class HolidayForm(BoundedForm):
    on = forms.DateField(widget=DATE, label="Day")
    name = forms.CharField(max_length=100, label="Name", help_text="e.g. New Year's Day")


class RemoveHolidayForm(BoundedForm):
    holiday = forms.IntegerField(widget=forms.HiddenInput)


class RoomForm(BoundedForm):
    name = forms.CharField(max_length=100, label="Room or resource")


class RoomActiveForm(BoundedForm):
    room = forms.IntegerField(widget=forms.HiddenInput)
    active = forms.TypedChoiceField(choices=[("1", "in use"), ("0", "retired")],
                                    coerce=lambda v: v == "1")  # fmt: skip
