from __future__ import annotations

from django import forms

from naltrack.web.fields import DATE, BoundedForm

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})


class ReceiveLotForm(BoundedForm):
    lot = forms.CharField(max_length=40, label="Lot number")
    expiry = forms.DateField(widget=DATE, label="Expiry")
    count = forms.IntegerField(label="Kits received", help_text="1-200")
    received_on = forms.DateField(widget=DATE, label="Received on")
    source = forms.CharField(
        max_length=120, required=False, label="From (distributor or specialty pharmacy)"
    )
    patient_mrn = forms.CharField(max_length=40, required=False, label="For one patient (MRN)",
                                  help_text="only for a specialty pharmacy's kit kept for that patient")  # fmt: skip


class OutOfFridgeForm(BoundedForm):
    kit = forms.IntegerField(widget=forms.HiddenInput)
    since = forms.DateTimeField(widget=DATETIME, required=False, label="Out since",
                                help_text="leave empty for now")  # fmt: skip


class KitForm(BoundedForm):
    kit = forms.IntegerField(widget=forms.HiddenInput)


class WasteForm(BoundedForm):
    kit = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=300, required=False, label="Why wasted")
