"""Monitoring use cases: record an observation (read and scored by the core where it is an
instrument) or a side effect, then re-evaluate the patient's alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical import instruments
from naltrack.clinical.alerts import injection_site_follow_up_due
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.parsing import Obj
from naltrack.clinical.screening_facts import Analyte
from naltrack.clinical.vocab import OpioidKind
from naltrack.clock import local_day
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Patient
from naltrack.patients.services import lock_owner, lock_patient, open_chart_of

from .hooks import last_injection_id
from .models import Observation, ObservationKind, SideEffect, SideEffectKind, SideEffectSeverity

INSTRUMENTS = {
    ObservationKind.COWS: "cows",
    ObservationKind.CIWA_AR: "ciwa_ar",
    ObservationKind.PHQ9: "phq9",
    ObservationKind.AUDIT: "audit",
}
RESULTS = ("negative", "positive")


def _result(value: object, field: str) -> str:
    if value not in RESULTS:
        raise InputError("must be negative or positive", field)
    return str(value)


def read_observation(
    kind: str, data: object
) -> tuple[dict[str, Any], float | None, str, list[str]]:
    """Check one observation's parts; returns (data, total, band, flags). Pure: no database."""
    if kind not in ObservationKind.values:
        raise InputError(f"must be one of {', '.join(ObservationKind.values)}", "kind")
    if kind in INSTRUMENTS:
        doc = Obj(data, "data", {"items"})
        items = doc.required("items")
        scored = instruments.score(INSTRUMENTS[ObservationKind(kind)], {"items": items})
        assert isinstance(items, list)  # the instrument refused anything else
        return {"items": items}, float(scored.total), scored.band or "", list(scored.flags)
    if kind == ObservationKind.URINE_SCREEN:
        doc = Obj(data, "data", {"results"})
        res = Obj(doc.required("results"), "data.results", {a.value for a in Analyte})
        results = {k: _result(v, f"data.results.{k}") for k, v in res.raw.items() if v is not None}
        if not results:
            raise InputError("record at least one analyte", "data.results")
        positive = [k for k, v in results.items() if v == "positive"]
        return (
            {"results": results},
            float(len(positive)),
            "positive" if positive else "negative",
            [],
        )
    if kind == ObservationKind.LIVER:
        doc = Obj(data, "data", {"alt", "ast", "alt_uln", "ast_uln", "bilirubin"})
        values = {
            "alt": doc.number("alt", 0, 100_000), "ast": doc.number("ast", 0, 100_000),
            "alt_uln": doc.number("alt_uln", 0.001, 100_000) or 40.0,
            "ast_uln": doc.number("ast_uln", 0.001, 100_000) or 40.0,
            "bilirubin": doc.number("bilirubin", 0, 1000),
        }  # fmt: skip
        if values["alt"] is None and values["ast"] is None:
            raise InputError("record ALT or AST", "data.alt")
        ratios = [
            v / u
            for v, u in ((values["alt"], values["alt_uln"]), (values["ast"], values["ast_uln"]))
            if v is not None and u
        ]
        return values, round(max(ratios), 2), "", []
    if kind == ObservationKind.CRAVING:
        doc = Obj(data, "data", {"value"})
        value = doc.number("value", 0, 10)
        if value is None:
            raise InputError("is required (0-10)", "data.value")
        return {"value": value}, float(value), "", []
    if kind in (ObservationKind.PREGNANCY_TEST, ObservationKind.NALOXONE_CHALLENGE):
        doc = Obj(data, "data", {"result"})
        outcome = _result(doc.required("result"), "data.result")
        return {"result": outcome}, None, outcome, []
    if kind == ObservationKind.WEIGHT:
        doc = Obj(data, "data", {"weight_kg", "height_cm"})
        weight, height = doc.number("weight_kg", 20, 400), doc.number("height_cm", 100, 250)
        if weight is None:
            raise InputError("is required (20-400 kg)", "data.weight_kg")
        if height is None:
            raise InputError("is required (100-250 cm)", "data.height_cm")
        bmi = round(weight / (height / 100) ** 2, 1)
        return {"weight_kg": weight, "height_cm": height, "bmi": bmi}, bmi, "", []
    # substance use (self-report or timeline follow-back)
    doc = Obj(data, "data", {"opioid", "opioid_kind", "alcohol", "other", "source"})
    opioid, alcohol = doc.bool("opioid") or False, doc.bool("alcohol") or False
    kind_value = doc.enum("opioid_kind", OpioidKind)
    other = str(doc.raw.get("other") or "")[:200]
    if not (opioid or alcohol or other):
        raise InputError("record which substance was used", "data.opioid")
    source = str(doc.raw.get("source") or "self_report")
    if source not in ("self_report", "timeline_followback", "check_in"):
        raise InputError("must be self_report, timeline_followback or check_in", "data.source")
    return (
        {"opioid": opioid, "opioid_kind": kind_value.value if kind_value else None, "alcohol": alcohol,
         "other": other, "source": source},
        None, "", [],
    )  # fmt: skip


def record_observation(patient: Patient, *, kind: str, observed_on: date, data: object, actor: Actor,
                       at: datetime) -> Observation:  # fmt: skip
    actor.require(Action.RECORD_OBSERVATION)
    if observed_on > local_day(at):
        raise InputError("is in the future", "observed_on")
    if observed_on < patient.birth_date:
        raise InputError("is before the patient was born", "observed_on")
    clean, total, band, flags = read_observation(kind, data)
    with transaction.atomic():
        lock_patient(patient)
        obs = Observation.objects.create(
            patient=patient, kind=kind, observed_on=observed_on, data=clean, total=total, band=band,
            flags=flags, recorded_by=actor.username, recorded_at=at,
        )  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "observation",
            obs.pk,
            patient_mrn=patient.mrn,
            detail=kind,
        )
    record_changed(patient, at=at)
    return obs


def record_side_effect(patient: Patient, *, kind: str, severity: str, noted_on: date, description: str = "",
                       follow_up_due: date | None = None, actor: Actor, at: datetime) -> SideEffect:  # fmt: skip
    actor.require(Action.RECORD_SIDE_EFFECT)
    if kind not in SideEffectKind.values:
        raise InputError(f"must be one of {', '.join(SideEffectKind.values)}", "kind")
    if severity not in SideEffectSeverity.values:
        raise InputError("must be mild, moderate or severe", "severity")
    if noted_on > local_day(at):
        raise InputError("is in the future", "noted_on")
    if follow_up_due is not None and follow_up_due < noted_on:
        raise InputError("is before the side effect was noted", "follow_up_due")
    with transaction.atomic():
        lock_patient(patient)
        injection = None
        if kind == SideEffectKind.INJECTION_SITE:
            # Injection-site reactions are followed up (VIVITROL label 5.2) on the day the core
            # gives unless the nurse set one; the reaction is tied to the last injection given
            # on or before the day it was noted (treatment provides the lookup: hooks.py).
            follow_up_due = follow_up_due or injection_site_follow_up_due(noted_on, active_policy())
            injection = last_injection_id(patient, noted_on)
        effect = SideEffect.objects.create(
            patient=patient, kind=kind, severity=severity, noted_on=noted_on,
            description=description.strip()[:500], follow_up_due=follow_up_due,
            administration_id=injection, recorded_by=actor.username, recorded_at=at,
        )  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "side_effect",
            effect.pk,
            patient_mrn=patient.mrn,
            detail=kind,
        )
    return effect


def follow_up_side_effect(effect_id: int, *, on: date, note: str, resolved: bool,
                          next_due: date | None = None, actor: Actor, at: datetime,
                          of: Patient | None = None) -> SideEffect:  # fmt: skip
    """Record a follow-up: a dated note added to the effect's follow-up history, and either its
    resolution or the next follow-up date. `of` refuses another patient's side effect."""
    actor.require(Action.RECORD_SIDE_EFFECT)
    if not note.strip():
        raise InputError("say what was found", "note")
    open_chart_of(SideEffect, effect_id, actor=actor, at=at, of=of,
                  missing="no side effect has this id", field="side_effect")  # fmt: skip
    with transaction.atomic():
        lock_owner(SideEffect, effect_id)
        effect = (
            SideEffect.objects.select_for_update().select_related("patient")
            .filter(pk=effect_id, **({"patient": of} if of else {})).first()
        )  # fmt: skip
        if effect is None:
            raise NotFoundError("no side effect has this id", "side_effect")
        if effect.resolved_on is not None:
            raise ConflictError(f"was resolved on {effect.resolved_on}", "side_effect")
        if not effect.noted_on <= on <= local_day(at):
            raise InputError("must be between the day it was noted and today", "on")
        if not resolved and (next_due is None or next_due <= on):
            raise InputError("give the next follow-up date (after this one), or mark it resolved",
                             "next_due")  # fmt: skip
        line = f"{on:%Y-%m-%d} {actor.username}: {note.strip()}"
        effect.follow_up_note = f"{effect.follow_up_note}\n{line}".strip()
        effect.resolved_on = on if resolved else None
        effect.follow_up_due = None if resolved else next_due
        effect.save(update_fields=["follow_up_note", "resolved_on", "follow_up_due"])
        record_by(actor, at, AuditAction.UPDATE, "side_effect", effect.pk,
                  patient_mrn=effect.patient.mrn, detail="resolved" if resolved else "followed up")  # fmt: skip
    return effect
