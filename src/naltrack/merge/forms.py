"""The director's merge form: which chart stays, which goes into it, and why."""

from __future__ import annotations

from django import forms

from naltrack.web.fields import BoundedForm


class MergeForm(BoundedForm):
    survivor = forms.CharField(max_length=32, label="MRN of the chart that stays")
    duplicate = forms.CharField(max_length=32, label="MRN of the duplicate chart",
                                help_text="its records move to the chart that stays")  # fmt: skip
    reason = forms.CharField(max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             label="Why these are one person",
                             help_text="kept in the audit trail; needed to merge")  # fmt: skip
    confirm = forms.BooleanField(
        required=False,
        label="I have checked that both charts are the same person; the merge cannot be undone",
    )
