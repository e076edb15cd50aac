"""Form widgets and the bounds every area's forms share, written once.

Every form of naltrack derives from BoundedForm: a day outside the plausible range
(web/bounds.py) and a text longer than its column are refused beside the field, on SQLite as on
PostgreSQL. (Django's CharField already refuses a NUL character.)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from .bounds import FIRST_DAY, LAST_DAY, LONG_TEXT, day_problem

DATE = forms.DateInput(attrs={"type": "date"})


def _plausible_day(value: date | datetime | None) -> None:
    if value is None:
        return
    problem = day_problem(value.date() if isinstance(value, datetime) else value)
    if problem:
        raise ValidationError(problem.capitalize() + ".", code="implausible_day")


class BoundedForm(forms.Form):
    """A form whose every day is within the plausible range and every text has a maximum length
    (LONG_TEXT unless the field sets its own)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                field.validators.append(_plausible_day)
                if isinstance(field, forms.DateField):
                    field.widget.attrs.setdefault("min", FIRST_DAY.isoformat())
                    field.widget.attrs.setdefault("max", LAST_DAY.isoformat())
            elif isinstance(field, forms.CharField) and field.max_length is None:
                field.max_length = LONG_TEXT
                field.validators.append(MaxLengthValidator(LONG_TEXT))
                field.widget.attrs.setdefault("maxlength", str(LONG_TEXT))
