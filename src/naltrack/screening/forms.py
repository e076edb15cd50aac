"""The screening form: the facts a prescriber enters; the rest comes from the record."""

from __future__ import annotations

from typing import Any

from django import forms

from naltrack.patients.models import OpioidKindChoice
from naltrack.web.fields import DATE, BoundedForm

from .models import FormulationChoice

TRI = (("", "Not recorded"), ("no", "No"), ("yes", "Yes"))


class ScreeningForm(BoundedForm):
    formulation = forms.ChoiceField(choices=FormulationChoice.choices)
    last_opioid_use = forms.DateField(required=False, widget=DATE, label="Last opioid use",
                                      help_text="leave empty to use the record")  # fmt: skip
    last_opioid_kind = forms.ChoiceField(choices=(("", "—"), *OpioidKindChoice.choices), required=False,
                                         label="Kind of opioid last used")  # fmt: skip
    last_alcohol_use = forms.DateField(required=False, widget=DATE, label="Last alcohol use")
    pregnant = forms.ChoiceField(
        choices=TRI, required=False, help_text="a recent pregnancy test fills this in"
    )
    breastfeeding = forms.ChoiceField(choices=TRI, required=False)
    needs_opioid_analgesia = forms.ChoiceField(
        choices=TRI, required=False, label="Needs opioid pain relief"
    )
    planned_surgery_date = forms.DateField(required=False, widget=DATE, label="Planned surgery")
    acute_hepatitis = forms.ChoiceField(choices=TRI, required=False)
    liver_failure = forms.ChoiceField(choices=TRI, required=False)
    renal_impairment = forms.ChoiceField(
        choices=(
            ("", "Not recorded"),
            ("none", "None"),
            ("mild", "Mild"),
            ("moderate", "Moderate"),
            ("severe", "Severe"),
        ),
        required=False,
    )
    coagulation_disorder = forms.ChoiceField(choices=TRI, required=False)
    platelets_10e9_per_l = forms.IntegerField(
        required=False, min_value=0, max_value=2000, label="Platelets (10⁹/L)"
    )

    def entered(self) -> dict[str, Any]:
        """The entered facts in the contract's shape (absent when not entered)."""
        d = self.cleaned_data
        out: dict[str, Any] = {}
        for name in ("pregnant", "breastfeeding", "needs_opioid_analgesia", "coagulation_disorder"):
            if d.get(name):
                out[name] = d[name] == "yes"
        liver = {k: d[k] == "yes" for k in ("acute_hepatitis", "liver_failure") if d.get(k)}
        if liver:
            out["liver"] = liver
        if d.get("renal_impairment"):
            out["renal_impairment"] = d["renal_impairment"]
        if d.get("platelets_10e9_per_l") is not None:
            out["platelets_10e9_per_l"] = d["platelets_10e9_per_l"]
        for name in ("planned_surgery_date", "last_alcohol_use"):
            if d.get(name):
                out[name] = d[name].isoformat()
        if d.get("last_opioid_use"):
            out["last_opioid_use"] = {
                "date": d["last_opioid_use"].isoformat(),
                "kind": d.get("last_opioid_kind") or "unknown",
            }
        return out


class SignForm(BoundedForm):
    """The prescriber's signature: what was reviewed (the choices are this screening's facts and
    findings; the core says which must be ticked), a note, and a reason to override a block."""

    reviewed = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="I have reviewed",
    )  # fmt: skip
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        label="Attestation note", help_text="what you reviewed or checked with the patient",
    )  # fmt: skip
    override_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        label="Override reason", help_text="only to override a not-yet or contraindicated result: the clinical reason",
    )  # fmt: skip

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewed"].choices = items  # type: ignore[attr-defined]
