from __future__ import annotations

from django import forms

from naltrack.web.fields import DATE, BoundedForm

from .models import ObservationKind, SideEffectKind, SideEffectSeverity

RESULT = (("", "—"), ("negative", "Negative"), ("positive", "Positive"))


URINE = ("opioids", "fentanyl", "methadone", "buprenorphine", "oxycodone")
FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    "urine_screen": URINE,
    "liver": ("alt", "ast", "alt_uln", "ast_uln", "bilirubin"),
    "cows": ("items",), "ciwa_ar": ("items",), "phq9": ("items",), "audit": ("items",),
    "craving": ("value",),
    "pregnancy_test": ("result",), "naloxone_challenge": ("result",),
    "weight": ("weight_kg", "height_cm"),
    "substance_use": ("opioid_used", "alcohol_used"),
}  # fmt: skip
ITEM_HELP = {
    "cows": "11 items: pulse, sweating, restlessness, pupils, aches, runny nose, GI upset, tremor, yawning, anxiety, gooseflesh",
    "ciwa_ar": "10 items: nausea, tremor, sweats, anxiety, agitation, tactile, auditory, visual, headache, orientation",
    "phq9": "9 items, each 0-3, item 9 last",
    "audit": "10 items: 1-8 each 0-4, 9-10 each 0, 2 or 4",
}


class ObservationForm(BoundedForm):
    """One form for every kind; the fields a kind does not use are ignored. Instrument items are
    entered as numbers separated by spaces or commas, in the published order."""

    kind = forms.ChoiceField(choices=ObservationKind.choices)
    observed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Day")
    items = forms.CharField(required=False, label="Item answers, in order",
                            help_text="numbers separated by spaces")  # fmt: skip
    value = forms.FloatField(required=False, label="Craving (0-10)")
    opioids = forms.ChoiceField(choices=RESULT, required=False, label="Opiates")
    fentanyl = forms.ChoiceField(choices=RESULT, required=False, label="Fentanyl")
    methadone = forms.ChoiceField(choices=RESULT, required=False, label="Methadone")
    buprenorphine = forms.ChoiceField(choices=RESULT, required=False, label="Buprenorphine")
    oxycodone = forms.ChoiceField(choices=RESULT, required=False, label="Oxycodone")
    alt = forms.FloatField(required=False, label="ALT (U/L)")
    ast = forms.FloatField(required=False, label="AST (U/L)")
    alt_uln = forms.FloatField(required=False, label="ALT upper limit of normal", initial=40)
    ast_uln = forms.FloatField(required=False, label="AST upper limit of normal", initial=40)
    bilirubin = forms.FloatField(required=False, label="Bilirubin (mg/dL)")
    result = forms.ChoiceField(
        choices=RESULT, required=False, label="Result (pregnancy test, naloxone challenge)"
    )
    weight_kg = forms.FloatField(required=False, label="Weight (kg)")
    height_cm = forms.FloatField(required=False, label="Height (cm)")
    opioid_used = forms.BooleanField(required=False, label="Reported opioid use")
    alcohol_used = forms.BooleanField(required=False, label="Reported alcohol use")

    def visible_fields_for(self, kind: str) -> list[forms.BoundField]:
        """Only the fields this kind uses, so the nurse sees one short form at a time."""
        return [self["observed_on"], *(self[name] for name in FIELDS_BY_KIND.get(kind, ()))]

    def data_for(self, kind: str) -> object:
        """The observation's parts in the service's shape. Item text that is not numbers is
        passed as text, so the service names the field in its message."""
        d = self.cleaned_data
        if kind in ("cows", "ciwa_ar", "phq9", "audit"):
            raw = (d.get("items") or "").replace(",", " ").split()
            return {"items": [int(x) if x.lstrip("-").isdigit() else x for x in raw]}
        if kind == "urine_screen":
            return {
                "results": {
                    a: d[a]
                    for a in ("opioids", "fentanyl", "methadone", "buprenorphine", "oxycodone")
                    if d.get(a)
                }
            }
        if kind == "liver":
            return {
                k: d[k]
                for k in ("alt", "ast", "alt_uln", "ast_uln", "bilirubin")
                if d.get(k) is not None
            }
        if kind == "craving":
            return {"value": d.get("value")}
        if kind in ("pregnancy_test", "naloxone_challenge"):
            return {"result": d.get("result") or None}
        if kind == "weight":
            return {"weight_kg": d.get("weight_kg"), "height_cm": d.get("height_cm")}
        return {"opioid": d.get("opioid_used", False), "alcohol": d.get("alcohol_used", False)}


class SideEffectForm(BoundedForm):
    kind = forms.ChoiceField(choices=SideEffectKind.choices, label="Side effect")
    severity = forms.ChoiceField(choices=SideEffectSeverity.choices)
    noted_on = forms.DateField(widget=DATE)
    description = forms.CharField(max_length=500, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    follow_up_due = forms.DateField(required=False, widget=DATE, label="Follow up on",
                                    help_text="an injection-site reaction defaults to a week")  # fmt: skip


class FollowUpForm(BoundedForm):
    side_effect = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(widget=DATE, label="Followed up on")
    note = forms.CharField(max_length=500, label="What was found")
    resolved = forms.BooleanField(required=False, label="Resolved")
    next_due = forms.DateField(required=False, widget=DATE, label="Next follow-up",
                               help_text="if not resolved")  # fmt: skip
