"""Records from another EHR into the charts: a FHIR transaction Bundle (`POST /fhir`) or Bulk NDJSON
(`POST /fhir/$import`, one resource a line), all or nothing.

What comes in, and where it goes:
- Patient: matched to the chart by this clinic's MRN identifier, or by an identifier already
  imported; otherwise a new chart is registered (MRN from the clinic's scheme). A new patient who
  looks like an existing chart (same name and birth date, or phone: patients.identity) is refused,
  naming the chart, rather than becoming a duplicate: send that chart's MRN identifier to link it.
- Condition: the conditions other providers' records list (shown beside the medication list; the
  program's own diagnosis stays its assessment).
- AllergyIntolerance: the allergy list. MedicationStatement and MedicationRequest: the medication
  list, which the screening checks for opioids and interactions (RxNorm kept when given).
- Observation: what the program records and can read unambiguously by its LOINC code (the codes of
  clinical/codes.py): ALT, AST, total bilirubin; a urine screen's analytes; PHQ-9 with its nine
  items; body weight with the height as a component. Anything else is refused by name.

Each resource must carry an identifier (system and value) of the system that sends it: the first
import creates the record (201); a later one of the same identifier updates it with what changed
and answers 200, so sending the same resource twice changes nothing (idempotent):
- Patient: a chart this system's identifier created takes its names, birth date, sex, phone, email
  and address; a chart linked by this clinic's MRN takes only the phone, email and address (its
  identity is the clinic's), and a link whose birth date differs from the chart's is refused, since
  it names another person.
- Condition and AllergyIntolerance: what changed (a condition resolved, a reaction added).
- MedicationStatement and MedicationRequest: stopped, completed, cancelled, not taken or entered in
  error takes the medication off the current list (the day its effective period ends, else today),
  on the first import as on a later one; naltrack keeps the entry with its stop day.
- Observation: a result is not corrected by import: a changed value for an identifier already
  imported is refused, naming the observation, so that the correction is made by staff who see it.
Every change goes through the areas' services, audited with its value before and after.
Other resources refer to their patient by the Patient entry's fullUrl, `Patient/<id>`, or
`Patient?identifier=<system>|<value>`.

Every entry is checked first (the FHIR model, then the mapping); any entry refused and nothing is
written: the answer is an OperationOutcome with an issue per refused entry, naming it
(`Bundle.entry[3].resource.code`). Otherwise every write happens in one transaction, through the
areas' own services (each audited as this staff member's, with their role's permissions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.db import transaction
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from naltrack.accounts.services import Actor, PermissionRefused
from naltrack.clinical import codes
from naltrack.clinical.errors import ConflictError, InputError
from naltrack.clock import local_day
from naltrack.monitoring.models import Observation
from naltrack.monitoring.services import record_observation
from naltrack.patients.details import details_of, update_details
from naltrack.patients.identity import possible_duplicates
from naltrack.patients.models import MedicationEntry, Patient
from naltrack.patients.records import (
    add_allergy,
    add_medication,
    add_outside_condition,
    revise_allergy,
    revise_outside_condition,
    stop_medication,
)
from naltrack.patients.services import DetailsInput, PatientInput, register_patient, surviving_chart

from .models import ImportedResource
from .resources import mrn_system

IMPORTED = (
    "Patient",
    "Condition",
    "AllergyIntolerance",
    "MedicationStatement",
    "MedicationRequest",
    "Observation",
)
MAX_ENTRIES = 1000
# The statuses that take a medication off the current list (R4 medication-statement-status and
# medicationrequest-status).
OFF_THE_LIST = frozenset({"stopped", "completed", "cancelled", "not-taken", "entered-in-error"})


@dataclass
class Refusal:
    where: str  # Bundle.entry[3].resource.code
    message: str


class ImportRefused(Exception):
    """Nothing was written: each refused entry, with where and why."""

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("; ".join(f"{r.where}: {r.message}" for r in refusals))
        self.refusals = refusals


@dataclass
class _Mapped:
    """What an entry becomes: `make` writes a new record for the patient and returns its id;
    `update` brings the record an earlier import made (its id) up to this entry, returning
    whether anything changed."""

    make: Callable[[Patient], int]
    update: Callable[[int, Patient], bool]


@dataclass
class _Entry:
    index: int
    where: str  # Bundle.entry[i] or line i
    resource: dict[str, Any]
    full_url: str = ""
    identifier: tuple[str, str] = ("", "")
    write: Callable[[], tuple[str, str, int, int]] | None = (
        None  # -> (status, location, id, patient)
    )
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)

    def refuse(self, path: str, message: str) -> None:
        self.errors.append((path, message))


def from_bundle(body: object) -> list[_Entry]:
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise ImportRefused([Refusal("Bundle", "send a Bundle (resourceType Bundle)")])
    if body.get("type") != "transaction":
        raise ImportRefused([Refusal("Bundle.type", "must be transaction (all or nothing)")])
    raw = body.get("entry")
    if not isinstance(raw, list) or not raw:
        raise ImportRefused([Refusal("Bundle.entry", "send at least one entry")])
    if len(raw) > MAX_ENTRIES:
        raise ImportRefused(
            [Refusal("Bundle.entry", f"at most {MAX_ENTRIES} entries in one Bundle")]
        )
    entries = []
    for i, e in enumerate(raw):
        where = f"Bundle.entry[{i}]"
        if not isinstance(e, dict) or not isinstance(e.get("resource"), dict):
            entries.append(_Entry(i, where, {}, errors=[("", "each entry needs a resource")]))
            continue
        entry = _Entry(i, where, e["resource"], str(e.get("fullUrl") or ""))
        method = (e.get("request") or {}).get("method")
        if method not in ("POST", "PUT"):
            entry.refuse(".request.method", "must be POST or PUT (records are created or matched by identifier)")  # fmt: skip
        entries.append(entry)
    return entries


def from_ndjson(text: str) -> list[_Entry]:
    import json

    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise ImportRefused([Refusal("body", "send at least one resource, one a line")])
    if len(lines) > MAX_ENTRIES:
        raise ImportRefused([Refusal("body", f"at most {MAX_ENTRIES} resources in one import")])
    entries = []
    for n, line in lines:
        try:
            resource = json.loads(line)
        except ValueError:
            entries.append(_Entry(n, f"line {n}", {}, errors=[("", "is not JSON")]))
            continue
        entries.append(_Entry(n, f"line {n}", resource if isinstance(resource, dict) else {}))
    return entries


def run(entries: list[_Entry], *, actor: Actor, at: datetime) -> list[dict[str, Any]]:
    """Check every entry, then write all of them in one transaction; the transaction-response's
    entries. ImportRefused (nothing written) when any entry is refused."""
    patients_by_url: dict[str, _Entry] = {}
    for entry in entries:
        if entry.errors:
            continue
        _check_model(entry)
        if not entry.errors and entry.resource.get("resourceType") == "Patient" and entry.full_url:
            patients_by_url[entry.full_url] = entry
    written: dict[int, Patient] = {}  # Patient entries' index -> chart, once written
    for entry in entries:
        if not entry.errors:
            _plan(entry, patients_by_url, written, actor, at)
    _raise_if_refused(entries)
    out: list[dict[str, Any]] = []
    try:
        with transaction.atomic():
            for entry in entries:
                assert entry.write is not None
                try:
                    status, location, _, _ = entry.write()
                except InputError as exc:
                    # A service's field: an observation's parts are its value here.
                    inner = f"{exc.field}: " if exc.field.startswith("data") else ""
                    path = ".resource.value[x]" if inner else f".resource.{exc.field}" if exc.field else ".resource"  # fmt: skip
                    entry.refuse(path, f"{inner}{exc.message}")
                    raise ImportRefused([]) from None
                except PermissionRefused as exc:
                    entry.refuse(".resource", str(exc))
                    raise ImportRefused([]) from None
                out.append({"response": {"status": status, "location": location}})
    except ImportRefused:
        _raise_if_refused(entries)
        raise
    return out


def _raise_if_refused(entries: Sequence[_Entry]) -> None:
    refusals = [Refusal(f"{e.where}{p if p.startswith('.') or not p else '.' + p}", m)
                for e in entries for p, m in e.errors]  # fmt: skip
    if refusals:
        raise ImportRefused(refusals)


def _check_model(entry: _Entry) -> None:
    """The resource against FHIR R4's model (fhir.resources), and a type this import takes."""
    kind = entry.resource.get("resourceType")
    if kind not in IMPORTED:
        entry.refuse(".resource.resourceType", f"{str(kind)[:40]!r} is not imported here (taken: {', '.join(IMPORTED)})")  # fmt: skip
        return
    try:
        get_fhir_model_class(str(kind)).model_validate(entry.resource)
    except ValidationError as exc:
        for err in exc.errors()[:5]:
            path = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
            entry.refuse(f".resource.{path}", err["msg"])
        return
    idents = [
        i for i in entry.resource.get("identifier") or [] if i.get("system") and i.get("value")
    ]
    if not idents:
        entry.refuse(".resource.identifier", "needs an identifier with system and value (what makes a second import change nothing)")  # fmt: skip
        return
    ours = [i for i in idents if i["system"] == mrn_system()]
    first = ours[0] if ours else idents[0]
    entry.identifier = (str(first["system"])[:300], str(first["value"])[:300])


def _imported(kind: str, identifier: tuple[str, str]) -> ImportedResource | None:
    return ImportedResource.objects.filter(resource_type=kind, system=identifier[0],
                                           value=identifier[1]).first()  # fmt: skip


def _remember(kind: str, identifier: tuple[str, str], object_id: int, patient: Patient, actor: Actor,
              at: datetime) -> None:  # fmt: skip
    ImportedResource.objects.create(resource_type=kind, system=identifier[0], value=identifier[1],
                                    object_id=object_id, patient=patient,
                                    imported_by=actor.username, imported_at=at)  # fmt: skip


def _plan(entry: _Entry, patients_by_url: dict[str, _Entry], written: dict[int, Patient],
          actor: Actor, at: datetime) -> None:  # fmt: skip
    kind = str(entry.resource["resourceType"])
    if kind == "Patient":
        _plan_patient(entry, written, actor, at)
        return
    subject = entry.resource.get("patient" if kind == "AllergyIntolerance" else "subject") or {}
    find = _subject(entry, subject, patients_by_url, written, kind)
    if find is None:
        return
    mapped = _maker(entry, kind, actor, at)
    if mapped is None:
        return
    before = _imported(kind, entry.identifier)
    if before is not None:
        earlier = before

        def update() -> tuple[str, str, int, int]:
            owner = surviving_chart(earlier.patient)
            if find().pk != owner.pk:  # the same record cannot move to another chart
                raise InputError(f"names another patient than the one {kind}/{earlier.object_id} was imported for: not changed (send a new identifier for a new record)", "patient" if kind == "AllergyIntolerance" else "subject")  # fmt: skip
            mapped.update(earlier.object_id, owner)
            return "200 OK", f"{kind}/{earlier.object_id}", earlier.object_id, earlier.patient_id

        entry.write = update
        return

    def write() -> tuple[str, str, int, int]:
        patient = find()
        object_id = mapped.make(patient)
        _remember(kind, entry.identifier, object_id, patient, actor, at)
        return "201 Created", f"{kind}/{object_id}", object_id, patient.pk

    entry.write = write


def _plan_patient(entry: _Entry, written: dict[int, Patient], actor: Actor, at: datetime) -> None:
    r = entry.resource
    system, value = entry.identifier
    chart = None
    by_mrn = system == mrn_system()
    if by_mrn:
        chart = Patient.objects.filter(mrn=value).first()
        if chart is None:
            entry.refuse(".resource.identifier", f"no chart here has the MRN {value[:40]!r}")
            return
    elif (before := _imported("Patient", entry.identifier)) is not None:
        chart = Patient.objects.get(pk=before.object_id)
    given, family, born, sex = _identity(entry, required=chart is None)
    if chart is not None:
        found = surviving_chart(chart)
        # Only a chart this system made (and not merged into another since) takes its identity;
        # a chart linked by the clinic's MRN, or the one a merge kept, keeps its own.
        made = not by_mrn and found.pk == chart.pk
        if not made and born is not None and born != found.birth_date:
            entry.refuse(".resource.birthDate", f"is not the birth date of the chart {found.mrn}: not linked, as it names another person (check the MRN)")  # fmt: skip
            return
        written[entry.index] = found
        details = _details(found, r, (given, family, born, sex) if made else None)

        def link() -> tuple[str, str, int, int]:
            if details is not None:
                update_details(found.mrn, details, version=found.version, actor=actor, at=at)
            return "200 OK", f"Patient/{found.pk}", found.pk, found.pk

        entry.write = link
        return
    if entry.errors or born is None or sex is None:
        return
    phone, email, address = _contact(r)
    same = possible_duplicates(given, family, born, phone)
    if same:
        entry.refuse(".resource", f"may be the chart of {', '.join(c.mrn for c in same)}: send that chart's MRN identifier (system {mrn_system()}) to link it, or correct the details")  # fmt: skip
        return
    data = PatientInput(mrn="", given_name=given[:100], family_name=family[:100], birth_date=born,
                        sex_at_birth=sex, phone=phone[:32], email=email[:254], address=address)  # fmt: skip
    identifier = entry.identifier

    def write() -> tuple[str, str, int, int]:
        patient = register_patient(data, actor=actor, at=at)
        _remember("Patient", identifier, patient.pk, patient, actor, at)
        written[entry.index] = patient
        return "201 Created", f"Patient/{patient.pk}", patient.pk, patient.pk

    entry.write = write


def _identity(entry: _Entry, *, required: bool) -> tuple[str, str, date | None, str | None]:
    """The names, birth date and sex a Patient gives; each missing or unusable one refused when
    `required` (a new chart), else left None or empty (a chart found keeps its own)."""
    r = entry.resource
    names = r.get("name") or [{}]
    name = next((n for n in names if n.get("use") == "official"), names[0])
    given = " ".join(name.get("given") or [])
    family = str(name.get("family") or "")
    born = _day(r.get("birthDate"))
    # The chart keeps sex at birth as female, male or other (clinical.vocab.SexAtBirth): FHIR's
    # administrative gender of the same words; unknown has no place in the chart.
    sex = {g: g for g in ("female", "male", "other")}.get(str(r.get("gender")))
    if required:
        if not given or not family:
            entry.refuse(".resource.name", "needs a given and a family name")
        if born is None:
            entry.refuse(".resource.birthDate", "needs a birth date (YYYY-MM-DD)")
        if sex is None:
            entry.refuse(".resource.gender", "must be female, male or other (the chart records one of them)")  # fmt: skip
    return given, family, born, sex


def _contact(r: dict[str, Any]) -> tuple[str, str, str]:
    """The phone, email and home address a Patient gives ("" where it gives none)."""
    telecom = [t for t in r.get("telecom") or [] if t.get("use") != "old"]  # not an old number
    phone = next((str(t.get("value") or "") for t in telecom if t.get("system") == "phone"), "")
    email = next((str(t.get("value") or "") for t in telecom if t.get("system") == "email"), "")
    addresses = [a for a in r.get("address") or [] if a.get("use") != "old"]
    home = next((a for a in addresses if a.get("use") == "home"), addresses[0] if addresses else {})
    lines = [*(home.get("line") or []), " ".join(str(home.get(k) or "") for k in ("city", "state", "postalCode")).strip()]  # fmt: skip
    address = str(home.get("text") or "\n".join(str(x) for x in lines if x))
    return phone, email, address


def _details(chart: Patient, r: dict[str, Any],
             identity: tuple[str, str, date | None, str | None] | None) -> DetailsInput | None:  # fmt: skip
    """The chart's details with what the resource gives in their place (contact only, or with
    `identity` names, birth date and sex too); None when nothing would change."""
    now = details_of(chart)
    phone, email, address = _contact(r)
    changed = replace(now, phone=phone[:32] or now.phone, email=email[:254] or now.email,
                      address=address or now.address)  # fmt: skip
    if identity is not None:
        given, family, born, sex = identity
        changed = replace(changed, birth_date=born or now.birth_date, sex_at_birth=sex or now.sex_at_birth)  # fmt: skip
        if given and family:
            changed = replace(changed, given_name=given[:100], family_name=family[:100])
    return None if changed == now else changed


def _subject(entry: _Entry, ref: dict[str, Any], patients_by_url: dict[str, _Entry],
             written: dict[int, Patient], kind: str) -> Callable[[], Patient] | None:  # fmt: skip
    field_name = "patient" if kind == "AllergyIntolerance" else "subject"
    reference = str(ref.get("reference") or "")
    if reference in patients_by_url:
        index = patients_by_url[reference].index
        return lambda: written[index]
    if reference.startswith("Patient?identifier="):
        system, _, value = reference.removeprefix("Patient?identifier=").rpartition("|")
        if system == mrn_system():
            chart = Patient.objects.filter(mrn=value).first()
        else:
            before = _imported("Patient", (system, value))
            chart = Patient.objects.filter(pk=before.object_id).first() if before else None
        if chart is not None:
            found = surviving_chart(chart)
            return lambda: found
    elif reference.startswith("Patient/") and reference[8:].isdigit():
        chart = Patient.objects.filter(pk=int(reference[8:])).first()
        if chart is not None:
            found = surviving_chart(chart)
            return lambda: found
    entry.refuse(f".resource.{field_name}", "must be a Patient entry's fullUrl, Patient/<id> or Patient?identifier=<system>|<value> of a chart here")  # fmt: skip
    return None


def _day(raw: object) -> date | None:
    try:
        return date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None


def _text(concept: dict[str, Any] | None) -> str:
    concept = concept or {}
    return str(concept.get("text") or next((c.get("display") for c in concept.get("coding") or [] if c.get("display")), "") or "")  # fmt: skip


def _code(concept: dict[str, Any] | None, system: str) -> str:
    return next((str(c.get("code")) for c in (concept or {}).get("coding") or [] if c.get("system") == system), "")  # fmt: skip


def _maker(entry: _Entry, kind: str, actor: Actor, at: datetime) -> _Mapped | None:
    r = entry.resource
    if kind == "AllergyIntolerance":
        substance = _text(r.get("code"))
        if not substance:
            entry.refuse(".resource.code", "needs the substance (text or a coding's display)")
            return None
        reaction = "; ".join(_text(m) for x in r.get("reaction") or [] for m in x.get("manifestation") or [])[:200]  # fmt: skip
        return _Mapped(
            make=lambda p: add_allergy(p, substance=substance, reaction=reaction, actor=actor, at=at).pk,
            update=lambda pk, p: bool(revise_allergy(pk, substance=substance, reaction=reaction, actor=actor, at=at, of=p)),
        )  # fmt: skip
    if kind == "Condition":
        concept = r.get("code")
        text = _text(concept)
        if not text:
            entry.refuse(".resource.code", "needs the condition (text or a coding's display)")
            return None
        coding: dict[str, Any] = next((c for c in (concept or {}).get("coding") or [] if c.get("system") and c.get("code")), {})  # fmt: skip
        system, code = str(coding.get("system", "")), str(coding.get("code", ""))
        status = _code(r.get("clinicalStatus"), "http://terminology.hl7.org/CodeSystem/condition-clinical")  # fmt: skip
        onset = _day(r.get("onsetDateTime") or (r.get("onsetPeriod") or {}).get("start"))
        source = f"{entry.identifier[0]}|{entry.identifier[1]}"
        return _Mapped(
            make=lambda p: add_outside_condition(p, text=text, code_system=system, code=code, clinical_status=status,
                                                 onset=onset, source=source, actor=actor, at=at).pk,
            update=lambda pk, p: bool(revise_outside_condition(pk, text=text, code_system=system, code=code,
                                                               clinical_status=status, onset=onset, actor=actor, at=at, of=p)),
        )  # fmt: skip
    if kind in ("MedicationStatement", "MedicationRequest"):
        return _medication(entry, actor, at)
    return _observation(entry, actor, at)


def _medication(entry: _Entry, actor: Actor, at: datetime) -> _Mapped | None:
    """A medication on the list; off it (stopped) when its status says the patient no longer takes
    it, from the day its effective period ends (else today)."""
    r = entry.resource
    concept = r.get("medicationCodeableConcept")
    name = _text(concept)
    if not name:
        entry.refuse(".resource.medicationCodeableConcept", "needs the medication's name (text or a coding's display); a medicationReference is not taken")  # fmt: skip
        return None
    rxnorm = _code(concept, codes.RXNORM)
    started = _day(r.get("authoredOn") or r.get("effectiveDateTime") or (r.get("effectivePeriod") or {}).get("start"))  # fmt: skip
    off = str(r.get("status")) in OFF_THE_LIST
    ended = _day((r.get("effectivePeriod") or {}).get("end"))

    def stop(pk: int, patient: Patient) -> bool:
        if not off or MedicationEntry.objects.filter(pk=pk, stopped_on__isnull=False).exists():
            return False
        try:
            stop_medication(pk, stopped_on=min(ended or local_day(at), local_day(at)), actor=actor, at=at, of=patient)  # fmt: skip
        except ConflictError:  # stopped by staff in between: as asked
            return False
        return True

    def make(patient: Patient) -> int:
        pk = add_medication(patient, name=name, rxnorm=rxnorm if rxnorm.isdigit() else "", started_on=started, actor=actor, at=at).pk  # fmt: skip
        stop(pk, patient)
        return pk

    return _Mapped(make=make, update=stop)


def _components(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {_code(c.get("code"), codes.LOINC): c for c in r.get("component") or []}


def _observation(entry: _Entry, actor: Actor, at: datetime) -> _Mapped | None:
    r = entry.resource
    loinc = _code(r.get("code"), codes.LOINC)
    observed = _day(r.get("effectiveDateTime") or (r.get("effectivePeriod") or {}).get("start"))
    if observed is None:
        entry.refuse(".resource.effectiveDateTime", "needs the day it was observed")
        return None
    value = (r.get("valueQuantity") or {}).get("value")
    liver = {codes.ALT.code: "alt", codes.AST.code: "ast", codes.BILIRUBIN.code: "bilirubin"}
    urine = {c.code: analyte for analyte, concept in codes.URINE_ANALYTES.items() for c in concept.codings}  # fmt: skip
    kind: str
    data: dict[str, Any]
    if loinc in liver:
        kind, data = "liver", {liver[loinc]: value}
    elif loinc in urine:
        result = _code(r.get("valueCodeableConcept"), codes.SNOMED)
        outcome = {v.code: k for k, v in codes.RESULT.items()}.get(result) or str(r.get("valueString") or "").lower()  # fmt: skip
        kind, data = "urine_screen", {"results": {urine[loinc]: outcome}}
    elif loinc == codes.PHQ9_TOTAL.code:
        parts = _components(r)
        items = [(parts.get(c.code) or {}).get("valueInteger") for c in codes.PHQ9_ITEMS]
        if any(i is None for i in items):
            entry.refuse(".resource.component", "a PHQ-9 is recorded with its nine items (LOINC 44250-9 ... 44260-8) as components")  # fmt: skip
            return None
        kind, data = "phq9", {"items": items}
    elif loinc == codes.BODY_WEIGHT.code:
        height = (_components(r).get(codes.BODY_HEIGHT.code) or {}).get("valueQuantity", {}).get("value")  # fmt: skip
        kind, data = "weight", {"weight_kg": value, "height_cm": height}
    else:
        entry.refuse(".resource.code", f"not an observation this program records by LOINC (got {loinc or 'no LOINC code'!r}; taken: ALT, AST, bilirubin, urine screens, PHQ-9, body weight)")  # fmt: skip
        return None

    def unchanged(pk: int, patient: Patient) -> bool:
        row = Observation.objects.get(pk=pk)
        if row.kind == kind and row.observed_on == observed and _holds(row.data, data):
            return False
        raise InputError(f"differs from Observation/{pk} that this identifier imported ({row.get_kind_display()}, {row.observed_on}): a result is not corrected by import; the program's staff record the correction", "")  # fmt: skip

    return _Mapped(
        make=lambda p: record_observation(p, kind=kind, observed_on=observed, data=data, actor=actor, at=at).pk,
        update=unchanged,
    )  # fmt: skip


def _holds(kept: object, sent: object) -> bool:
    """Whether what was kept holds every value sent (numbers compared as numbers)."""
    if isinstance(sent, dict):
        return isinstance(kept, dict) and all(_holds(kept.get(k), v) for k, v in sent.items() if v is not None)  # fmt: skip
    if isinstance(sent, list):
        return isinstance(kept, list) and len(kept) == len(sent) and all(map(_holds, kept, sent))
    if isinstance(sent, int | float) and isinstance(kept, int | float):
        return float(sent) == float(kept)
    return kept == sent
