"""The intake forms: a new inquiry (quick to fill on the phone), each step, and conversion."""

from __future__ import annotations

from django import forms

from naltrack.patients.models import SexAtBirthChoice
from naltrack.web.fields import DATE, BoundedForm

from .models import CloseReason, PayKind, PreferredContact, Source, WhatFor
from .services import ID_MAX, NAME_MAX, NOTE_MAX, PLAIN_MAX, REFERRER_MAX

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
CHOOSE = [("", "choose...")]


class InquiryForm(BoundedForm):
    given_name = forms.CharField(max_length=NAME_MAX, label="Given name")
    family_name = forms.CharField(max_length=NAME_MAX, label="Family name")
    phone = forms.CharField(max_length=32, required=False, label="Phone")
    preferred_contact = forms.ChoiceField(
        choices=PreferredContact.choices, initial=PreferredContact.CALL, label="Preferred contact"
    )
    what_for = forms.ChoiceField(
        choices=WhatFor.choices, initial=WhatFor.UNKNOWN, label="Help with"
    )
    source = forms.ChoiceField(choices=CHOOSE + Source.choices, label="Referral source")
    referrer = forms.CharField(max_length=REFERRER_MAX, required=False, label="Referred by",
                               help_text="who referred: a hospital, a court, a doctor")  # fmt: skip
    birth_date = forms.DateField(widget=DATE, required=False, label="Birth date")
    sex_at_birth = forms.ChoiceField(choices=CHOOSE + SexAtBirthChoice.choices, required=False,
                                     label="Sex at birth")  # fmt: skip
    email = forms.CharField(max_length=254, required=False, label="Email")
    note = forms.CharField(max_length=NOTE_MAX, required=False, label="Note",
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="the minimum: what they asked, when to call")  # fmt: skip


class ContactedForm(BoundedForm):
    note = forms.CharField(max_length=NOTE_MAX, required=False, label="Note")


class InsuranceForm(BoundedForm):
    pay_kind = forms.ChoiceField(choices=CHOOSE + PayKind.choices, label="Paid by")
    payer = forms.CharField(max_length=PLAIN_MAX, required=False, label="Payer",
                            help_text="insurer, or the program or grant")  # fmt: skip
    plan = forms.CharField(max_length=PLAIN_MAX, required=False, label="Plan")
    member_id = forms.CharField(max_length=ID_MAX, required=False, label="Member id")
    group_number = forms.CharField(max_length=ID_MAX, required=False, label="Group")
    note = forms.CharField(max_length=NOTE_MAX, required=False, label="Note")


class AssessmentForm(BoundedForm):
    assessment_on = forms.DateField(widget=DATE, label="Assessment day")
    assessment_time = forms.TimeField(widget=TIME, required=False, input_formats=["%H:%M"],
                                      label="Time")  # fmt: skip
    note = forms.CharField(max_length=NOTE_MAX, required=False, label="Note")


class CloseForm(BoundedForm):
    close_reason = forms.ChoiceField(choices=CHOOSE + CloseReason.choices, label="Reason")
    note = forms.CharField(max_length=NOTE_MAX, required=False, label="Note",
                           help_text="required when the reason is other")  # fmt: skip


class ConvertForm(BoundedForm):
    prescriber = forms.ChoiceField(choices=[], label="Prescriber who leads care")
    birth_date = forms.DateField(widget=DATE, required=False, label="Birth date")
    sex_at_birth = forms.ChoiceField(choices=CHOOSE + SexAtBirthChoice.choices, required=False,
                                     label="Sex at birth")  # fmt: skip
    what_for = forms.ChoiceField(choices=WhatFor.choices, label="Episode treats")

    def __init__(self, *args: object, team: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["prescriber"].choices = CHOOSE + team  # type: ignore[attr-defined]


STEP_FORMS: dict[str, type[BoundedForm]] = {
    "contacted": ContactedForm,
    "insurance_checked": InsuranceForm,
    "assessment_booked": AssessmentForm,
    "closed": CloseForm,
}
