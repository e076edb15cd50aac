"""Keeping a patient's details current after registration (issue 12): names, birth date, sex at
birth, phone, email, address, how reminders go, and the support person.

Optimistic concurrency: the page and the API send back the `version` they showed; a save made
from an older version (someone else saved in between) is refused with ConflictError and nothing
is written, so two staff editing at once never silently overwrite each other. Every changed field
is one audit event with its value before and after."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.errors import ConflictError, InputError
from naltrack.clock import local_day

from .models import Patient
from .services import DetailsInput, _validate_details, read_patient

EDITABLE = tuple(DetailsInput.__dataclass_fields__)


def details_of(patient: Patient) -> DetailsInput:
    """The patient's details as they stand (what the form starts from)."""
    return DetailsInput(**{name: getattr(patient, name) for name in EDITABLE})


def _clean(data: DetailsInput) -> dict[str, object]:
    values = asdict(data)
    for name in ("given_name", "family_name", "support_person_name", "address", "phone",
                 "support_person_phone", "email"):  # fmt: skip
        values[name] = str(values[name]).strip()
    return values


def _shown(value: object) -> str:
    """A value as the audit trail shows it (cut to fit: an event's detail holds 500 characters)."""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return repr(text if len(text) <= 200 else text[:199] + "…") if text else "(empty)"


def update_details(mrn: str, data: DetailsInput, *, version: int, actor: Actor,
                   at: datetime) -> tuple[Patient, list[str]]:  # fmt: skip
    """Save the patient's details as edited from `version`. Returns the patient and the names of
    the fields that changed (none: nothing written, nothing audited but the read).

    Refused, writing nothing: a role that may not (EDIT_PATIENT_DETAILS), bad input (naming the
    field, as at registration), a chart merged into another (edit the surviving chart), and a
    stale `version` (ConflictError on "version": someone saved these details after they were
    opened)."""
    actor.require(Action.EDIT_PATIENT_DETAILS)
    _validate_details(data, local_day(at))
    patient = read_patient(mrn, actor=actor, at=at, what="contact")
    if patient.mrn != mrn:  # the MRN of a merged chart finds the surviving one
        raise ConflictError(
            f"this chart was merged into {patient.mrn}: edit that chart's details", "mrn"
        )
    values = _clean(data)
    with transaction.atomic():
        current = Patient.objects.select_for_update().get(pk=patient.pk)
        if current.version != version:
            raise ConflictError(
                f"someone else saved this patient's details after you opened them (now version "
                f"{current.version}, you edited version {version}); nothing was saved. Reload to "
                f"see their changes, then make yours again",
                "version",
            )
        changed = [name for name in EDITABLE if getattr(current, name) != values[name]]
        if not changed:
            return current, []
        for name in changed:
            record_by(actor, at, AuditAction.UPDATE, "patient_details", current.pk,
                      patient_mrn=current.mrn,
                      detail=f"{name}: {_shown(getattr(current, name))} -> {_shown(values[name])}")  # fmt: skip
            setattr(current, name, values[name])
        current.version += 1
        current.save(update_fields=[*changed, "version"])
    return current, changed


def check_version(value: object) -> int:
    """The version a form or API call sends back, as a number (InputError naming it otherwise)."""
    try:
        number = int(str(value))
    except ValueError:
        raise InputError("is missing or not a number: reload the page", "version") from None
    if number < 1:
        raise InputError("is missing or not a number: reload the page", "version")
    return number
