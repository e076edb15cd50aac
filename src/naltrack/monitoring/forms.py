from __future__ import annotations

from django import forms

from .models import ObservationKind

RESULT = (("", "—"), ("negative", "Negative"), ("positive", "Positive"))


class ObservationForm(forms.Form):
    """One form for every kind; the fields a kind does not use are ignored. Instrument items are
    entered as numbers separated by spaces or commas, in the published order."""

    kind = forms.ChoiceField(choices=ObservationKind.choices)
    observed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Day")
    items = forms.CharField(required=False, label="Items, in order (COWS, CIWA-Ar, PHQ-9, AUDIT)",
                            help_text="e.g. 1 0 2 0 1 0 0 1 0")  # fmt: skip
    value = forms.FloatField(required=False, label="Craving (0-10)")
    opioids = forms.ChoiceField(choices=RESULT, required=False, label="Urine: opioids")
    fentanyl = forms.ChoiceField(choices=RESULT, required=False, label="Urine: fentanyl")
    methadone = forms.ChoiceField(choices=RESULT, required=False, label="Urine: methadone")
    buprenorphine = forms.ChoiceField(choices=RESULT, required=False, label="Urine: buprenorphine")
    oxycodone = forms.ChoiceField(choices=RESULT, required=False, label="Urine: oxycodone")
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
