"""Forms for registration, episodes, the assessment and the medication list. They check shape only;
the services check meaning and say which field is wrong."""

from __future__ import annotations

from typing import Any

from django import forms

from naltrack.clinical.vocab import Indication
from naltrack.web.fields import DATE, BoundedForm

from .models import DSM5_CRITERIA, OpioidKindChoice, ReminderChannel, SexAtBirthChoice

INDICATIONS = ((Indication.OUD.value, "Opioid use disorder (OUD)"),
               (Indication.AUD.value, "Alcohol use disorder (AUD)"))  # fmt: skip


class EpisodeForm(BoundedForm):
    indications = forms.MultipleChoiceField(
        choices=INDICATIONS, widget=forms.CheckboxSelectMultiple, label="Treated for"
    )
    start_date = forms.DateField(widget=DATE, label="Episode starts on")

    def indication_set(self) -> frozenset[Indication]:
        return frozenset(Indication(v) for v in self.cleaned_data["indications"])


class DetailsFields(BoundedForm):
    """A patient's details: the same fields at registration and on the details page."""

    given_name = forms.CharField(max_length=100)
    family_name = forms.CharField(max_length=100)
    birth_date = forms.DateField(widget=DATE)
    sex_at_birth = forms.ChoiceField(choices=(("", "Choose…"), *SexAtBirthChoice.choices))
    phone = forms.CharField(max_length=32, required=False)
    email = forms.CharField(max_length=254, required=False)
    address = forms.CharField(max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}), label="Postal address",
                              help_text="for letters and home visits; optional")  # fmt: skip
    preferred_reminder_channel = forms.ChoiceField(
        choices=ReminderChannel.choices,
        initial=ReminderChannel.NONE,
        label="Reminders by",
        help_text="reminders never carry clinical details",
    )
    support_person_name = forms.CharField(max_length=200, required=False)
    support_person_phone = forms.CharField(max_length=32, required=False)


class DetailsForm(DetailsFields):
    """The details page: the details and the version they were read at (optimistic concurrency:
    a save from an older version is refused, details.update_details)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PatientForm(EpisodeForm, DetailsFields):
    """Registration: no MRN (naltrack assigns it, with the clinic's prefix and a check digit)."""

    # The care team: they open the chart without breaking the glass (docs/care-teams.md).
    prescriber = forms.ChoiceField(
        choices=(), label="Prescriber (care team)",
        help_text="leads treatment and opens the chart; required",
        error_messages={"required": "Choose the prescriber who will start treatment (required)."},
    )  # fmt: skip
    nurse = forms.ChoiceField(choices=(), required=False, label="Nurse (care team)",
                              help_text="optional")  # fmt: skip
    counselor = forms.ChoiceField(choices=(), required=False, label="Counselor (care team)",
                                  help_text="optional")  # fmt: skip

    field_order = ("given_name", "family_name", "birth_date", "sex_at_birth", "phone", "email",
                   "address", "preferred_reminder_channel", "support_person_name", "support_person_phone",
                   "indications", "start_date", "prescriber", "nurse", "counselor")  # fmt: skip

    def __init__(
        self, *args: Any, team: dict[str, list[tuple[str, str]]] | None = None, **kwargs: Any
    ) -> None:
        """`team`: for each of prescriber, nurse and counselor, the active staff of that role as
        (user name, label)."""
        super().__init__(*args, **kwargs)
        for name, empty in (("prescriber", "Choose a prescriber"), ("nurse", "None yet"),
                            ("counselor", "None yet")):  # fmt: skip
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", empty), *(team or {}).get(name, [])]


class AssessmentForm(BoundedForm):
    assessed_on = forms.DateField(widget=DATE)
    substance = forms.ChoiceField(choices=(("OUD", "Opioids"), ("AUD", "Alcohol")),
                                  label="Substance assessed")  # fmt: skip
    dsm5_criteria = forms.MultipleChoiceField(
        choices=DSM5_CRITERIA,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="DSM-5 criteria met in the past 12 months",
    )
    on_maintenance_therapy = forms.BooleanField(
        required=False,
        label="On maintenance therapy (tolerance and withdrawal are then not counted)",
    )
    last_opioid_use = forms.DateField(required=False, widget=DATE)
    last_opioid_kind = forms.ChoiceField(
        choices=(("", "—"), *OpioidKindChoice.choices),
        required=False,
        label="Kind of opioid last used",
    )
    last_alcohol_use = forms.DateField(required=False, widget=DATE)
    other_substances = forms.CharField(max_length=500, required=False)
    goals = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                            label="The patient's goals")  # fmt: skip
    co_occurring_conditions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Co-occurring conditions"
    )


class MedicationForm(BoundedForm):
    name = forms.CharField(max_length=200, label="Medication")
    rxnorm = forms.CharField(max_length=16, required=False, label="RxNorm code",
                             help_text="optional; digits")  # fmt: skip
    started_on = forms.DateField(required=False, widget=DATE)


class StopMedicationForm(BoundedForm):
    medication = forms.IntegerField(widget=forms.HiddenInput)
    stopped_on = forms.DateField(widget=DATE, label="Stopped on")


class AllergyForm(BoundedForm):
    substance = forms.CharField(max_length=200)
    reaction = forms.CharField(max_length=200, required=False)
