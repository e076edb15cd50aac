"""Gathering screening facts from the record, in the contract's input shape
(shared/contracts/screening.md), so the stored snapshot can be replayed through `naltrack screen`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Q

from naltrack.monitoring.models import Observation, ObservationKind
from naltrack.patients.models import Assessment, Episode, Patient

# How far back an observation is read as "current" for a screening: the urine screen and the
# withdrawal scores must be recent (Part A A2); liver tests have their own age rule in the core.
RECENT_DAYS = 7
PREGNANCY_TEST_DAYS = 30


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _latest(patient: Patient, kind: str, on: date, days: int | None) -> Observation | None:
    rows = Observation.objects.filter(patient=patient, kind=kind, observed_on__lte=on)
    if days is not None:
        rows = rows.filter(observed_on__gte=on - timedelta(days=days))
    return rows.order_by("-observed_on", "-id").first()


def gather_facts(
    patient: Patient, episode: Episode, *, as_of: date, formulation: str
) -> dict[str, Any]:
    """The facts the record holds on `as_of`. A fact the record does not hold is left out (a
    missing fact is not a negative fact: the core says where it matters)."""
    facts: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "indications": sorted(i.value for i in episode.indications),
        "formulation": formulation,
        "age_years": _age(patient.birth_date, as_of),
        "sex_at_birth": patient.sex_at_birth,
    }
    assessment = Assessment.objects.filter(patient=patient, assessed_on__lte=as_of).order_by(
        "-assessed_on", "-id").first()  # fmt: skip
    last_opioid: tuple[date, str] | None = None
    last_alcohol: date | None = None
    if assessment is not None:
        if assessment.last_opioid_use:
            last_opioid = (assessment.last_opioid_use, assessment.last_opioid_kind or "unknown")
        last_alcohol = assessment.last_alcohol_use
    for obs in Observation.objects.filter(
        patient=patient, kind=ObservationKind.SUBSTANCE_USE, observed_on__lte=as_of
    ).order_by("observed_on", "id"):
        if obs.data.get("opioid") and (last_opioid is None or obs.observed_on >= last_opioid[0]):
            last_opioid = (obs.observed_on, obs.data.get("opioid_kind") or "unknown")
        if obs.data.get("alcohol") and (last_alcohol is None or obs.observed_on >= last_alcohol):
            last_alcohol = obs.observed_on
    if last_opioid:
        facts["last_opioid_use"] = {"date": last_opioid[0].isoformat(), "kind": last_opioid[1]}
    if last_alcohol:
        facts["last_alcohol_use"] = last_alcohol.isoformat()
    if uds := _latest(patient, ObservationKind.URINE_SCREEN, as_of, RECENT_DAYS):
        facts["urine_drug_screen"] = {"date": uds.observed_on.isoformat(), **uds.data["results"]}
    if ch := _latest(patient, ObservationKind.NALOXONE_CHALLENGE, as_of, RECENT_DAYS):
        facts["naloxone_challenge"] = {
            "date": ch.observed_on.isoformat(),
            "result": ch.data["result"],
        }
    if cows := _latest(patient, ObservationKind.COWS, as_of, 1):
        facts["cows_score"] = int(cows.total or 0)
    if ciwa := _latest(patient, ObservationKind.CIWA_AR, as_of, 1):
        facts["ciwa_ar_score"] = int(ciwa.total or 0)
    if liver := _latest(patient, ObservationKind.LIVER, as_of, None):
        facts["liver"] = {"date": liver.observed_on.isoformat()} | {
            k: liver.data[k]
            for k in ("alt", "ast", "alt_uln", "ast_uln")
            if liver.data.get(k) is not None
        }
    weight = _latest(patient, ObservationKind.WEIGHT, as_of, 365)
    if weight is not None and weight.data.get("bmi") is not None:
        facts["bmi"] = weight.data["bmi"]
    if phq := _latest(patient, ObservationKind.PHQ9, as_of, 30):
        facts["phq9"] = {"total": int(phq.total or 0), "item9": phq.data["items"][8]}
    if preg := _latest(patient, ObservationKind.PREGNANCY_TEST, as_of, PREGNANCY_TEST_DAYS):
        facts["pregnant"] = preg.data["result"] == "positive"
    meds = patient.medications.filter(
        Q(started_on__isnull=True) | Q(started_on__lte=as_of)
    ).exclude(stopped_on__lte=as_of)
    facts["medications"] = [
        {"name": m.name, "rxnorm": m.rxnorm} if m.rxnorm else m.name
        for m in meds.order_by("name", "id")
    ]
    facts["allergies"] = list(patient.allergies.values_list("substance", flat=True))
    return facts


# Facts a prescriber enters on the screening form (the record does not hold them elsewhere), and
# record facts the form may correct for this screening (the stored snapshot shows what was used).
ENTERED_FACTS = (
    "pregnant", "breastfeeding", "renal_impairment", "coagulation_disorder",
    "platelets_10e9_per_l", "needs_opioid_analgesia", "planned_surgery_date", "last_opioid_use",
    "last_alcohol_use", "liver",
)  # fmt: skip


def merge(gathered: dict[str, Any], entered: dict[str, Any]) -> dict[str, Any]:
    facts = dict(gathered)
    for key, value in entered.items():
        if key == "liver" and isinstance(value, dict) and isinstance(facts.get("liver"), dict):
            facts["liver"] = facts["liver"] | value
        elif value is None or value == "":
            continue
        else:
            facts[key] = value
    return facts
