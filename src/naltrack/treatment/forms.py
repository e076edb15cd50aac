from __future__ import annotations

from django import forms

from naltrack.web.fields import DATE, BoundedForm

from .models import (
    PSYCHOSOCIAL_COMPONENTS,
    AdministrationStatus,
    FormulationChoice,
    Needle,
    Site,
    StopReasonChoice,
)
from .plans import FIELD_LABELS


class AdministrationForm(BoundedForm):
    formulation = forms.ChoiceField(
        choices=[c for c in FormulationChoice.choices if c[0] != "implant"]
    )
    status = forms.ChoiceField(choices=AdministrationStatus.choices)
    given_at = forms.DateTimeField(
        label="Given at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    site = forms.ChoiceField(choices=[("", "—"), *[c for c in Site.choices if c[0] != "oral"]], required=False,
                             label="Injection site")  # fmt: skip
    needle = forms.ChoiceField(choices=[("", "—"), *Needle.choices], required=False)
    kit = forms.IntegerField(required=False, widget=forms.Select, label="Kit from the stock",
                             help_text="the patient's own kit first, then first-expiring; lot and expiry come from it")  # fmt: skip
    lot = forms.CharField(max_length=40, required=False, label="Lot number")
    expiry = forms.DateField(required=False, widget=DATE, label="Lot expiry")
    dose_mg = forms.IntegerField(
        required=False, min_value=1, max_value=2000, label="Oral dose (mg)"
    )
    observed = forms.BooleanField(
        required=False, initial=True, label="Observed by staff (untick if self-reported)"
    )
    reason = forms.CharField(
        max_length=500, required=False, label="Reason (held or refused; or why late)"
    )
    opioid_use_reported = forms.BooleanField(
        required=False, label="Patient reports opioid use since the last dose"
    )
    reversal_agent_discussed = forms.BooleanField(
        required=False, label="Overdose reversal agent (naloxone) discussed"
    )
    reversal_agent_on_hand = forms.BooleanField(
        required=False, label="Patient has naloxone on hand"
    )
    confirm_warnings = forms.BooleanField(
        required=False, label="I have read the warnings and give the dose"
    )


class InjectionOverrideForm(BoundedForm):
    formulation = forms.ChoiceField(
        choices=[("xr_injection", "Injection"), ("oral", "Tablets")],
        label="The dose to allow",
        required=False,
    )
    dose_mg = forms.IntegerField(
        required=False, min_value=1, max_value=400, label="Tablet dose (mg)",
        help_text="for tablets: the dose you allow today",
    )  # fmt: skip
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 3}), label="Clinical reason"
    )


class PlanForm(BoundedForm):
    # The version the editor showed (0: none yet): a save after someone else's is refused.
    based_on_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    formulation = forms.ChoiceField(choices=FormulationChoice.choices)
    regimen = forms.ChoiceField(choices=())
    goals = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    psychosocial = forms.MultipleChoiceField(choices=PSYCHOSOCIAL_COMPONENTS, required=False,
                                             widget=forms.CheckboxSelectMultiple, label="Psychosocial components")  # fmt: skip
    triggers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Relapse prevention: triggers",
    )
    warning_signs = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    coping_strategies = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    support_contacts = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    relapse_management = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                         label="Relapse management: what happens after a lapse")  # fmt: skip
    planned_duration_days = forms.IntegerField(
        min_value=1, max_value=3650, initial=180, label="Planned duration (days)"
    )
    discontinuation_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    patient_may_edit = forms.BooleanField(
        required=False,
        label="The patient may edit the relapse-prevention and relapse-management plans in the portal",
        help_text="triggers, warning signs, coping steps and people to call; each edit is a new "
        "version you see in the plan history",
    )
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for change",
        help_text="required: the plan history shows it beside what changed",
        error_messages={
            "required": "Not saved: say why the plan changes (what you typed is kept)."
        },
    )

    def __init__(
        self,
        *args: object,
        regimen_choices: list[tuple[str, str]],
        read_only: tuple[str, ...] = (),
        **kwargs: object,
    ) -> None:
        """`read_only`: the parts the user's role may not change (treatment/plans.py
        read_only_fields): left out of the form; the page shows them as text."""
        super().__init__(*args, **kwargs)
        self.fields["regimen"].choices = regimen_choices  # type: ignore[attr-defined]
        for name, field in self.fields.items():  # the names the chart and the history use
            if name in FIELD_LABELS and name != "patient_may_edit":
                field.label = FIELD_LABELS[name]
        for name in read_only:
            del self.fields[name]


class DiscontinueForm(BoundedForm):
    on = forms.DateField(widget=DATE, label="Last day in treatment")
    stop_reason = forms.ChoiceField(
        choices=[("", "—"), *StopReasonChoice.choices], label="Why treatment stops"
    )
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 3}), label="In words"
    )
    lost_to_follow_up = forms.BooleanField(
        required=False, label="Lost to follow-up (not a planned end)"
    )


class OrderForm(BoundedForm):
    formulation = forms.ChoiceField(choices=FormulationChoice.choices)
    regimen = forms.ChoiceField(choices=())
    dose_mg = forms.IntegerField(
        min_value=1, max_value=5000, label="Dose (mg)",
        help_text="Injection 380 mg; tablets the regimen's dose (a weekly pattern: its largest "
        "dose; your own schedule: the daily dose); implant the product's naltrexone content",
    )  # fmt: skip
    instructions = forms.CharField(max_length=300, required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    reason = forms.CharField(
        max_length=180, required=False, label="Reason (your own oral schedule off the weekly total)"
    )

    def __init__(
        self, *args: object, regimen_choices: list[tuple[str, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regimen"].choices = regimen_choices  # type: ignore[attr-defined]


class ImplantForm(BoundedForm):
    inserted_on = forms.DateField(widget=DATE)
    product = forms.CharField(max_length=100)
    dose_mg = forms.IntegerField(min_value=1, max_value=5000, label="Dose (mg)")
    lot = forms.CharField(max_length=40, label="Lot number")
    site = forms.CharField(max_length=100, label="Site", help_text="e.g. left lower abdomen")
    confirm_warnings = forms.BooleanField(
        required=False, label="I have read the warnings and record the insertion"
    )


class ImplantRemovalForm(BoundedForm):
    implant = forms.IntegerField(widget=forms.HiddenInput)
    removed_on = forms.DateField(widget=DATE, label="Removed on")
    reason = forms.CharField(max_length=500, label="Reason for removal")
