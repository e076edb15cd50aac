"""The chart's forms: the day of a printed visit summary."""

from __future__ import annotations

from datetime import date

from django import forms

from naltrack.web.fields import DATE, BoundedForm


class VisitDayForm(BoundedForm):
    day = forms.DateField(label="Day of the visit", widget=DATE)

    def __init__(self, *args: object, today: date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["day"].widget.attrs["max"] = today.isoformat()

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        if day > self.today:
            raise forms.ValidationError(
                "is in the future: a visit summary is of a day that has been"
            )
        return day
