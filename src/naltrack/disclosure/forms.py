"""Forms for consents, revocations and disclosures. They check shape; the services (and the core's
rule) check meaning and name the field that is wrong."""

from __future__ import annotations

from typing import Any

from django import forms

from naltrack.clinical.consent import TPO, RecipientClass
from naltrack.web.fields import DATE, BoundedForm

from .models import (
    PURPOSE_CHOICES,
    RECIPIENT_CLASS_CHOICES,
    RECORD_KIND_CHOICES,
    ExpiryEventChoice,
    ScopeChoice,
    SignerChoice,
)
from .services import ConsentInput

CONSENT_PURPOSES = [(v, label) for v, label in PURPOSE_CHOICES if v != "ETREAT"]
GENERAL_KINDS = [(v, label) for v, label in RECORD_KIND_CHOICES if v != "counselling_notes"]


class ConsentForm(BoundedForm):
    form = forms.CharField(widget=forms.HiddenInput, initial="consent")
    scope = forms.ChoiceField(choices=ScopeChoice.choices, label="This consent covers")
    single_tpo = forms.BooleanField(
        required=False,
        label="Single consent for treatment, payment and health-care operations (my treating "
        "providers, health plans, third-party payers, and people helping to operate this program)",
    )
    recipient_names = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
        label="Named recipients", help_text="one person or organisation a line",
    )  # fmt: skip
    recipient_classes = forms.MultipleChoiceField(
        choices=RECIPIENT_CLASS_CHOICES, widget=forms.CheckboxSelectMultiple, required=False,
        label="Or classes of recipients",
    )  # fmt: skip
    purposes = forms.MultipleChoiceField(
        choices=CONSENT_PURPOSES, widget=forms.CheckboxSelectMultiple, required=False
    )
    all_records = forms.BooleanField(required=False, label="All my SUD records (not counselling notes)")  # fmt: skip
    record_kinds = forms.MultipleChoiceField(
        choices=GENERAL_KINDS, widget=forms.CheckboxSelectMultiple, required=False,
        label="Or only these records",
    )  # fmt: skip
    expires_on = forms.DateField(widget=DATE, required=False, label="Expires on",
                                 help_text="the first day it no longer covers")  # fmt: skip
    expiry_event = forms.ChoiceField(choices=ExpiryEventChoice.choices, required=False,
                                     label="Or expires at")  # fmt: skip
    discloser = forms.CharField(max_length=200, initial="This naltrexone treatment program",
                                label="Who may disclose")  # fmt: skip
    signed_by = forms.CharField(max_length=200, label="Signed by")
    signer = forms.ChoiceField(choices=SignerChoice.choices, label="Signer is")
    signed_on = forms.DateField(widget=DATE, label="Signed on")

    def consent_input(self) -> ConsentInput:
        d = self.cleaned_data
        purposes = tuple(d["purposes"])
        classes = tuple(d["recipient_classes"])
        if d["single_tpo"]:  # 2.31(a)(4)(i): the TPO consent's recipients and purposes
            purposes = tuple(sorted({*purposes, *TPO}))
            classes = tuple(sorted({*classes, *(c.value for c in RecipientClass)}))
        return ConsentInput(
            scope=d["scope"], signed_by=d["signed_by"], signer=d["signer"],
            signed_on=d["signed_on"], discloser=d["discloser"],
            recipient_names=tuple(n for n in d["recipient_names"].splitlines() if n.strip()),
            recipient_classes=classes, purposes=purposes, all_records=d["all_records"],
            record_kinds=tuple(d["record_kinds"]), expires_on=d["expires_on"],
            expiry_event=d["expiry_event"] or "",
        )  # fmt: skip


class RevokeForm(BoundedForm):
    form = forms.CharField(widget=forms.HiddenInput, initial="revoke")
    consent = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2_147_483_647)
    revoked_on = forms.DateField(widget=DATE, label="Revoked on")
    revoked_by = forms.CharField(max_length=200, label="Revoked in writing by")
    note = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                           label="Note", help_text="what the written revocation says, where it is filed")  # fmt: skip


class ReleaseForm(BoundedForm):
    recipient_name = forms.CharField(max_length=200, label="Recipient",
                                     help_text="the person or organisation the records go to")  # fmt: skip
    recipient_class = forms.ChoiceField(
        choices=(("", "None of these"), *RECIPIENT_CLASS_CHOICES), required=False,
        label="The recipient is one of",
    )  # fmt: skip
    recipient_affiliation = forms.CharField(max_length=200, required=False, label="Affiliation",
                                            help_text="e.g. the hospital of the medical personnel")  # fmt: skip
    purpose = forms.ChoiceField(choices=PURPOSE_CHOICES)
    record_kinds = forms.MultipleChoiceField(choices=RECORD_KIND_CHOICES,
                                             widget=forms.CheckboxSelectMultiple, label="Records")  # fmt: skip
    emergency_reason = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        label="Medical emergency (42 CFR 2.51), only when no consent covers this",
        help_text="the nature of the emergency; prescribers and nurses; the chart is flagged",
    )  # fmt: skip


class BreakGlassForm(BoundedForm):
    reason = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        label="Why must you open this chart?",
        help_text="a sentence the program director can review, e.g. covering a colleague's shift, the patient is here now",
    )  # fmt: skip
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)


class CareTeamForm(BoundedForm):
    form = forms.CharField(widget=forms.HiddenInput, initial="add")
    username = forms.ChoiceField(choices=(), label="Add to the care team")

    def __init__(self, *args: Any, clinicians: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose a clinician"), *clinicians]


class LeaveForm(BoundedForm):
    form = forms.CharField(widget=forms.HiddenInput, initial="remove")
    username = forms.CharField(widget=forms.HiddenInput, max_length=150)
