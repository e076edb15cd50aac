"""The insurance page's forms: a coverage, a benefits verification, a prior authorization, and
its next status (approve with units and dates, deny, appeal)."""

from __future__ import annotations

from typing import Any

from django import forms

from naltrack.web.fields import DATE, BoundedForm

from .models import (
    AuthStatusChoice,
    BenefitChoice,
    CoverageKindChoice,
    CoveredChoice,
    FormulationChoice,
    RankChoice,
    SupplyChoice,
)


class CoverageForm(BoundedForm):
    kind = forms.ChoiceField(choices=CoverageKindChoice.choices, label="Kind")
    payer = forms.CharField(max_length=120, required=False, label="Payer")
    plan = forms.CharField(max_length=120, required=False, label="Plan")
    member_id = forms.CharField(max_length=60, required=False, label="Member id")
    group = forms.CharField(max_length=60, required=False, label="Group")
    valid_from = forms.DateField(widget=DATE, label="Valid from")
    valid_to = forms.DateField(widget=DATE, required=False, label="Valid to",
                               help_text="empty: until further notice")  # fmt: skip
    rank = forms.ChoiceField(choices=RankChoice.choices, label="Rank")


class BenefitsForm(BoundedForm):
    formulation = forms.ChoiceField(choices=FormulationChoice.choices, label="For")
    covered = forms.ChoiceField(choices=CoveredChoice.choices, label="Covered")
    benefit = forms.ChoiceField(choices=[("", "—"), *BenefitChoice.choices], required=False,
                                label="Benefit")  # fmt: skip
    supply = forms.ChoiceField(choices=[("", "—"), *SupplyChoice.choices], required=False,
                               label="Supplied by")  # fmt: skip
    copay = forms.DecimalField(max_digits=8, decimal_places=2, required=False, min_value=0,
                               label="Copay ($)")  # fmt: skip
    copay_assistance = forms.BooleanField(required=False, label="Enrolled in copay assistance")
    note = forms.CharField(max_length=300, required=False, label="Note")


class PriorAuthForm(BoundedForm):
    formulation = forms.ChoiceField(choices=FormulationChoice.choices, label="For")
    payer = forms.CharField(max_length=120, required=False, label="Payer")
    reference = forms.CharField(max_length=60, required=False, label="Reference number")
    submitted_on = forms.DateField(widget=DATE, required=False, label="Submitted on",
                                   help_text="empty: today")  # fmt: skip


class TransitionForm(BoundedForm):
    authorization = forms.TypedChoiceField(coerce=int, label="Prior authorization")
    status = forms.ChoiceField(
        choices=[c for c in AuthStatusChoice.choices if c[0] != AuthStatusChoice.SUBMITTED],
        label="New status",
    )
    reference = forms.CharField(max_length=60, required=False, label="Reference number")
    approved_units = forms.IntegerField(required=False, label="Approved units",
                                        help_text="approvals only")  # fmt: skip
    approved_from = forms.DateField(widget=DATE, required=False, label="Approved from")
    approved_to = forms.DateField(widget=DATE, required=False, label="Approved to")
    note = forms.CharField(max_length=300, required=False, label="Note")

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authorization"].choices = choices  # type: ignore[attr-defined]
