"""The resource types /fhir serves besides Patient, each with: the records it is read from, the
mapping (records.py), what kind of record it is to the consent filter, and its search parameters.

Every search of these types names its patient (`patient=Patient/<id>` or `<id>`, as US Core's
searches do): a chart is opened (and audited, or disclosed) once per search. Each parameter is
refused by name when it is malformed or not served (FHIR's `handling=strict`); comma-separated
values are OR, a repeated parameter AND.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl

from django.db.models import Model, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from fhir.resources.R4B.resource import Resource

from naltrack import clock
from naltrack.appointments.models import Appointment, AppointmentStatus
from naltrack.clinical import codes
from naltrack.clinical.consent import RecordKind
from naltrack.clinical.errors import InputError
from naltrack.clock import local_day
from naltrack.disclosure.models import Consent, Disclosure
from naltrack.disclosure.services import consent_statuses
from naltrack.monitoring.models import Observation, ObservationKind
from naltrack.patients.models import Allergy, Assessment, Episode, EpisodeStatus
from naltrack.treatment.models import (
    Administration,
    AdministrationStatus,
    Order,
    OrderStatus,
    TreatmentPlan,
)

from . import program, records
from .models import ImportedResource
from .search import CONTROL, is_id

Filter = Callable[[str], Q]


@dataclass(frozen=True)
class Served:
    type: str
    record_kind: RecordKind
    rows: Callable[[], QuerySet[Any]]
    resource: Callable[[Any], Resource]
    updated: str | None  # the field `_lastUpdated` searches (None: not searchable by it)
    profiles: tuple[str, ...] = ()  # what its resources may claim (the CapabilityStatement's)
    params: dict[str, tuple[str, str, Filter]] = field(default_factory=dict)
    # The program's own records about a chart (consents, its accounting of disclosures, where
    # imported records came from): for its staff, never disclosed to another system.
    staff_only: bool = False

    def search_params(self) -> dict[str, tuple[str, str]]:
        """Every parameter served, with its FHIR type and words (the CapabilityStatement's)."""
        out = {"patient": ("reference", "The patient (required): Patient/<id> or <id>"),
               "_id": ("token", "The resource id")}  # fmt: skip
        if self.updated:
            out["_lastUpdated"] = ("date", "When the record was written (eq, ge, gt, le, lt + a date or instant)")  # fmt: skip
        out.update({name: (kind, text) for name, (kind, text, _) in self.params.items()})
        return out


def _choice(name: str, field_name: str, allowed: Mapping[str, Any]) -> Filter:
    def one(value: str) -> Q:
        value = value.rpartition("|")[2]  # system|code: the code (each system here has one)
        if value not in allowed:
            raise InputError(f"must be one of {', '.join(allowed)} (got {value[:40]!r})", name)
        wanted = allowed[value]
        return Q(**{f"{field_name}__in": wanted if isinstance(wanted, list | tuple) else [wanted]})

    return one


def _only(name: str, value_served: str) -> Filter:
    """A token every record here has (every order is an `order`; every condition here is a
    problem-list item): that value matches all, any other none, a malformed one is refused."""

    def one(value: str) -> Q:
        if value != value_served and value.rpartition("|")[2] != value_served:
            raise InputError(f"every record here is {value_served} (got {value[:40]!r})", name)
        return Q()

    return one


def _token_of(concepts: Mapping[str, codes.Concept], field_name: str) -> Filter:
    """A `code` search (system|code or code) over the kinds a concept table codes."""

    def one(value: str) -> Q:
        system, bar, code = value.rpartition("|")
        kinds = [kind for kind, concept in concepts.items()
                 if any(c.code == (code if bar else value) and (not system or c.system == system)
                        for c in concept.codings)]  # fmt: skip
        return Q(**{f"{field_name}__in": kinds})

    return one


def _condition_code(value: str) -> Q:
    system, bar, code = value.rpartition("|")
    code = code if bar else value
    q = Q(pk__in=[])
    for substance in ("OUD", "AUD"):
        for severity in codes.SEVERITIES:
            concept = codes.diagnosis(substance, severity)
            if any(c.code == code and (not system or c.system == system) for c in concept.codings):
                q |= Q(substance=substance, dsm5_severity=severity)
    return q


PREFIXES = ("eq", "ge", "gt", "le", "lt")


def _when(name: str, field_name: str, *, is_date: bool) -> Filter:
    """A date search (`date`, `_lastUpdated`): a prefix and a day (the clinic's whole day) or an
    instant."""

    def one(value: str) -> Q:
        prefix = value[:2] if value[:2] in PREFIXES else "eq"
        raw = value[2:] if value[:2] in PREFIXES else value
        try:
            if len(raw) == 10:
                day = date.fromisoformat(raw)
                start, end = _bounds(day, is_date)
            else:
                instant = datetime.fromisoformat(raw.replace("Z", "+00:00"))
                if instant.tzinfo is None:
                    raise ValueError
                start = end = instant if not is_date else instant.date()
        except ValueError:
            raise InputError(f"must be a date (YYYY-MM-DD) or an instant with its zone, after an optional prefix eq, ge, gt, le or lt (got {value[:40]!r})", name) from None  # fmt: skip
        if prefix == "eq":
            if start == end:
                return Q(**{field_name: start})
            return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
        lookups = {"ge": ("gte", start), "gt": ("gte" if start != end else "gt", end),
                   "le": ("lt" if start != end else "lte", end), "lt": ("lt", start)}  # fmt: skip
        op, bound = lookups[prefix]
        return Q(**{f"{field_name}__{op}": bound})

    return one


def _bounds(day: date, is_date: bool) -> tuple[Any, Any]:
    """A day as a date field holds it, or as the instants from its start to the next day's start
    in the clinic's time zone."""
    if is_date:
        return day, day
    zone = timezone.get_current_timezone()  # the clinic's (NALTRACK_TIME_ZONE)
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def _patient_rows(model: type[Model], **where: Any) -> Callable[[], QuerySet[Any]]:
    return lambda: model.objects.filter(**where).order_by("pk")  # type: ignore[attr-defined]


# FHIR R4's observation categories (terminology.hl7.org observation-category): a code no record
# here has matches nothing; anything else is refused.
OBSERVATION_CATEGORIES = ("social-history", "vital-signs", "imaging", "laboratory", "procedure",
                          "survey", "exam", "therapy", "activity")  # fmt: skip


def _plans() -> QuerySet[Any]:
    """Each version of the treatment plans, with the latest version of its episode beside it."""
    latest = TreatmentPlan.objects.filter(episode=OuterRef("episode")).order_by("-version").values("version")[:1]  # fmt: skip
    return TreatmentPlan.objects.select_related("episode").annotate(latest_version=Subquery(latest)).order_by("pk")  # fmt: skip


SERVED: dict[str, Served] = {s.type: s for s in (
    Served("MedicationRequest", RecordKind.MEDICATIONS, _patient_rows(Order),
           records.medication_request, "signed_at", (records.MEDICATION_REQUEST_PROFILE,), {
               "status": ("token", "active or stopped",
                          _choice("status", "status", {"active": OrderStatus.ACTIVE, "stopped": OrderStatus.STOPPED})),
               "intent": ("token", "order (every order here is one)",
                          _only("intent", "order")),
           }),
    Served("MedicationAdministration", RecordKind.MEDICATIONS,
           _patient_rows(Administration, observed=True), records.medication_administration,
           "recorded_at", (), {
               "status": ("token", "completed (given) or not-done (held or refused)",
                          _choice("status", "status", {"completed": AdministrationStatus.GIVEN,
                                                       "not-done": [AdministrationStatus.HELD, AdministrationStatus.REFUSED]})),
               "effective-time": ("date", "The day it was given (prefix and YYYY-MM-DD)",
                                  _when("effective-time", "given_on", is_date=True)),
           }),
    Served("MedicationStatement", RecordKind.MEDICATIONS,
           _patient_rows(Administration, observed=False), records.medication_statement,
           "recorded_at", (), {
               "effective": ("date", "The day it was taken (prefix and YYYY-MM-DD)",
                             _when("effective", "given_on", is_date=True)),
           }),
    Served("Condition", RecordKind.ASSESSMENTS, _patient_rows(Assessment), records.condition,
           "recorded_at", (records.CONDITION_PROFILE,), {
               "category": ("token", "problem-list-item",
                            _only("category", "problem-list-item")),
               "clinical-status": ("token", "active", _only("clinical-status", "active")),
               "code": ("token", "ICD-10-CM or SNOMED CT, as system|code or code", _condition_code),
           }),
    Served("AllergyIntolerance", RecordKind.MEDICATIONS, _patient_rows(Allergy),
           records.allergy_intolerance, "recorded_at", (records.ALLERGY_PROFILE,), {
               "clinical-status": ("token", "active", _only("clinical-status", "active")),
           }),
    Served("Observation", RecordKind.OBSERVATIONS, _patient_rows(Observation), records.observation,
           "recorded_at", tuple(p for ps in records.OBSERVATION_PROFILES.values() for p in ps), {
               "category": ("token", "An observation category (laboratory, vital-signs, survey, social-history, procedure here)",
                            _choice("category", "kind", {
                                cat: [k for k in ObservationKind.values if codes.CATEGORY.get(k, codes.SURVEY) == cat]
                                for cat in OBSERVATION_CATEGORIES})),
               "code": ("token", "A LOINC code of the observation (system|code or code)",
                        _token_of(codes.OBSERVATIONS, "kind")),
               "date": ("date", "The day it was observed (prefix and YYYY-MM-DD)",
                        _when("date", "observed_on", is_date=True)),
           }),
    Served("Appointment", RecordKind.APPOINTMENTS, _patient_rows(Appointment), program.appointment,
           "booked_at", (), {
               "status": ("token", "booked, fulfilled, noshow or cancelled",
                          _choice("status", "status", {"booked": AppointmentStatus.BOOKED, "fulfilled": AppointmentStatus.KEPT,
                                                       "noshow": AppointmentStatus.MISSED, "cancelled": AppointmentStatus.CANCELLED})),
               "date": ("date", "The day of the visit (prefix and YYYY-MM-DD)", _when("date", "on", is_date=True)),
           }),
    Served("CarePlan", RecordKind.MEDICATIONS, _plans, lambda r: program.care_plan(r, r.version == r.latest_version),
           "created_at", (), {
               "category": ("token", "assess-plan (every plan here is one)", _only("category", "assess-plan")),
           }),
    Served("Goal", RecordKind.ASSESSMENTS, lambda: _plans().exclude(goals=""),
           lambda r: program.goal(r, r.version == r.latest_version), "created_at", (), {}),
    Served("Consent", RecordKind.DEMOGRAPHICS, lambda: _patient_rows(Consent)().select_related("patient"),
           lambda r: program.consent(r, consent_statuses(r.patient, [r], local_day(clock.now()))[r.pk]),
           "recorded_at", (), {}, staff_only=True),
    Served("AuditEvent", RecordKind.DEMOGRAPHICS, _patient_rows(Disclosure), program.audit_event,
           "disclosed_at", (), {}, staff_only=True),
    Served("Provenance", RecordKind.DEMOGRAPHICS, _patient_rows(ImportedResource), program.provenance,
           "imported_at", (), {}, staff_only=True),
    Served("EpisodeOfCare", RecordKind.EPISODES, _patient_rows(Episode), records.episode_of_care,
           None, (), {
               "status": ("token", "active or finished",
                          _choice("status", "status", {"active": EpisodeStatus.ACTIVE,
                                                       "finished": [EpisodeStatus.DISCHARGED, EpisodeStatus.LOST_TO_FOLLOW_UP]})),
           }),
)}  # fmt: skip
# The Flag is computed from the chart's doses (the core's protection status), not stored: read and
# searched by patient in views.py.
FLAG_PARAMS = {"patient": ("reference", "The patient (required): Patient/<id> or <id>")}


def patient_id(params: Mapping[str, Sequence[str]]) -> int:
    """The one patient a search names (`patient=Patient/<id>` or `<id>`)."""
    values = params.get("patient") or []
    if len(values) != 1 or "," in values[0]:
        raise InputError("name one patient (Patient/<id> or <id>): a search here reads one chart", "patient")  # fmt: skip
    raw = values[0].strip().removeprefix("Patient/")
    if not is_id(raw):
        raise InputError(f"must be Patient/<id> with a whole-number id (got {values[0][:40]!r})", "patient")  # fmt: skip
    return int(raw)


def rows(served: Served, params: Mapping[str, Sequence[str]], patient_pk: int) -> QuerySet[Any]:
    """The records of one patient matching every parameter given."""
    return served.rows().filter(patient_id=patient_pk).filter(_matching(served, params))


def query_filter(served: Served, query: str) -> Q:
    """A search written as a query string (`category=laboratory&date=ge2026-01-01`), as Bulk
    Data's `_typeFilter` carries one: the records of any patient that match it."""
    params: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(name, []).append(value)
    for name in params:
        if name in CONTROL or name == "patient":
            raise InputError(f"{served.type}?{name}= cannot filter an export", "_typeFilter")
    try:
        return _matching(served, params)
    except InputError as exc:
        raise InputError(f"{served.type}?{exc.field}: {exc.message}", "_typeFilter") from None


def _matching(served: Served, params: Mapping[str, Sequence[str]]) -> Q:
    known = served.search_params()
    for name in params:
        if name not in known and name not in CONTROL:
            raise InputError(f"is not a search parameter of {served.type} here (served: {', '.join(sorted(known))})", name)  # fmt: skip
    found = Q()
    for name, values in params.items():
        if name in CONTROL or name == "patient":
            continue
        for value in values:
            parts = [p.strip() for p in value.split(",")]
            if not parts or any(not p for p in parts):
                raise InputError("needs a value (an empty one matches nothing you meant)", name)
            matches = [_one(served, name, part) for part in parts]
            if any(not m for m in matches):  # a value every record has (an empty Q): all match
                continue
            q = Q(pk__in=[])
            for m in matches:
                q |= m
            found &= q
    return found


def _one(served: Served, name: str, value: str) -> Q:
    if name == "_id":
        if not is_id(value):
            raise InputError(f"is a {served.type} id here: a whole number (got {value[:40]!r})", name)  # fmt: skip
        return Q(pk=int(value))
    if name == "_lastUpdated":
        assert served.updated is not None  # search_params lists it only then
        return _when(name, served.updated, is_date=False)(value)
    return served.params[name][2](value)
