"""Merging two charts of the same person (issue 12): the director moves every record of the
duplicate chart into the surviving one, in one transaction, audited.

"Every record" is found by walking the Django model graph, not by a list: each table with a
foreign key to Patient (whatever area it belongs to, including a table added after this was
written) has its rows moved from the duplicate to the survivor, and rows that hang off those rows
(a discontinuation off its episode, ...) follow their parent. tests/integration/test_merge.py
counts every patient-linked row before and after, found by the same kind of walk.

Handled so that nothing is lost or duplicated:
  - the same unresolved alert open on both: the duplicate's copy is resolved, naming the merge
    (one unresolved alert per code and patient);
  - the same staff member currently on both care teams: the duplicate's row is ended (both rows
    are kept, as every care-team row is);
  - the care status (alerts.CareStatus) is a figure computed from the records, not a record: the
    duplicate's is dropped and the survivor's recomputed once the merge commits.
Refused, with a message and nothing written:
  - both charts have an active episode of care (two treatments at once cannot be one chart's);
  - both charts have a one-per-patient record (a portal account, reminder choices): one of them
    must be ended first, by whoever may, since naltrack cannot choose which is right;
  - any other row that cannot move because the survivor already has its like (two self-reported
    check-ins on one day, ...): named by its table.
The duplicate chart's own row stays, marked merged into the survivor, so its MRN still finds the
survivor (patients.services.surviving_chart) and its details as registered stay readable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db import IntegrityError, models, transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.alerts.models import Alert, AlertStatus, CareStatus
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.patients.hooks import record_changed
from naltrack.patients.matching import normalise_name
from naltrack.patients.models import CareTeamMember, EpisodeStatus, Patient

REASON_MIN = 10
# How the refusal names a one-per-patient record (the areas sit in this layer or above the record
# areas; named by table so that merge imports none of them). Any other: "a <verbose name>".
ONE_PER_PATIENT_WORDS = {
    "portal.patientaccount": "a patient portal account",
    "reminders.preference": "the patient's own reminder choices",
}
# Computed from the records, recomputed after the merge: dropped from the duplicate, not moved.
DERIVED: tuple[type[models.Model], ...] = (CareStatus,)


@dataclass(frozen=True, slots=True)
class Link:
    """A column pointing at a patient: `model.field` (a foreign key or a one-to-one)."""

    model: type[models.Model]
    field: str
    one_per_patient: bool

    @property
    def table(self) -> str:
        return str(self.model._meta.label_lower)

    @property
    def words(self) -> str:
        return str(self.model._meta.verbose_name)


def patient_links() -> list[Link]:
    """Every foreign key and one-to-one to Patient in every installed model (Patient's own
    `merged_into` included: a chart merged earlier into the duplicate now points at the
    survivor)."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Patient:
                found.append(Link(model, field.name, bool(field.one_to_one)))
    return sorted(found, key=lambda link: (link.table, link.field))


@dataclass(frozen=True, slots=True)
class Side:
    mrn: str
    given_name: str
    family_name: str
    birth_date: str
    phone: str
    records: dict[str, int]  # verbose table name -> rows


@dataclass(frozen=True, slots=True)
class MergePreview:
    survivor: Side
    duplicate: Side
    problems: list[str]  # why the merge would be refused; empty: it can go ahead
    differences: list[
        str
    ]  # what differs between the two people as registered: check before merging


def _pair(survivor_mrn: str, duplicate_mrn: str) -> tuple[Patient, Patient]:
    survivor_mrn, duplicate_mrn = survivor_mrn.strip(), duplicate_mrn.strip()
    if not survivor_mrn:
        raise InputError("is required: the MRN of the chart that stays", "survivor")
    if not duplicate_mrn:
        raise InputError("is required: the MRN of the chart merged into it", "duplicate")
    if survivor_mrn.upper() == duplicate_mrn.upper():
        raise InputError("is the same chart as the one that stays", "duplicate")
    found = {}
    for field, mrn in (("survivor", survivor_mrn), ("duplicate", duplicate_mrn)):
        p = Patient.objects.filter(mrn=mrn).first()
        if p is None:
            raise NotFoundError(f"no patient has the MRN {mrn!r}", field)
        if p.merged_into_id is not None:
            raise ConflictError(f"{mrn} was already merged into another chart", field)
        found[field] = p
    return found["survivor"], found["duplicate"]


def _side(p: Patient, links: list[Link]) -> Side:
    counts: dict[str, int] = {}
    for link in links:
        if link.model in DERIVED or link.model is Patient:
            continue
        n = link.model._default_manager.filter(**{link.field: p}).count()
        if n:
            counts[link.words] = counts.get(link.words, 0) + n
    return Side(p.mrn, p.given_name, p.family_name, p.birth_date.isoformat(), p.phone, counts)


def _problems(survivor: Patient, duplicate: Patient, links: list[Link]) -> list[str]:
    problems = []
    both_active = all(
        p.episodes.filter(status=EpisodeStatus.ACTIVE).exists() for p in (survivor, duplicate)
    )
    if both_active:
        problems.append(
            "Both charts have an active episode of care. End the duplicate's episode (it was "
            "opened by mistake) before merging, so that one treatment is left."
        )
    for link in links:
        if not link.one_per_patient or link.model in DERIVED:
            continue
        manager = link.model._default_manager
        if all(manager.filter(**{link.field: p}).exists() for p in (survivor, duplicate)):
            words = ONE_PER_PATIENT_WORDS.get(link.table, f"a {link.words}")
            problems.append(
                f"Both charts have {words} (one per patient): naltrack cannot choose which to "
                f"keep. Close the duplicate's first."
            )
    return problems


def preview_merge(survivor_mrn: str, duplicate_mrn: str, *, actor: Actor, at: datetime) -> MergePreview:  # fmt: skip
    """What merging would move and whether it would be refused, writing nothing but the audit of
    the two charts read (the director reads who the patients are and how many records of each
    kind they have, not the records)."""
    actor.require(Action.MERGE_CHARTS)
    survivor, duplicate = _pair(survivor_mrn, duplicate_mrn)
    links = patient_links()
    with transaction.atomic():
        for p in (survivor, duplicate):
            record_by(actor, at, AuditAction.READ, "patient_merge_review", p.pk,
                      patient_mrn=p.mrn, detail=f"merge review of {survivor.mrn} and {duplicate.mrn}")  # fmt: skip
    return MergePreview(_side(survivor, links), _side(duplicate, links),
                        _problems(survivor, duplicate, links), _differences(survivor, duplicate))  # fmt: skip


def _differences(a: Patient, b: Patient) -> list[str]:
    """The registered facts that differ: a merge of two different people is the worse mistake."""
    found = []
    if normalise_name(f"{a.given_name} {a.family_name}") != normalise_name(
        f"{b.given_name} {b.family_name}"
    ):
        found.append(
            f"The names differ: {a.given_name} {a.family_name} and {b.given_name} {b.family_name}."
        )
    if a.birth_date != b.birth_date:
        found.append(
            f"The birth dates differ: {a.birth_date.isoformat()} and {b.birth_date.isoformat()}."
        )
    if a.sex_at_birth != b.sex_at_birth:
        found.append(
            f"The sex at birth differs: {a.get_sex_at_birth_display()} and {b.get_sex_at_birth_display()}."
        )
    return found


def merge_charts(survivor_mrn: str, duplicate_mrn: str, *, reason: str, actor: Actor,
                 at: datetime) -> dict[str, int]:  # fmt: skip
    """Move every record of `duplicate_mrn`'s chart into `survivor_mrn`'s, in one transaction,
    and mark the duplicate merged into the survivor. Returns the rows moved per table.

    Refused, writing nothing: a role that may not, no reason, an unknown MRN or a chart already
    merged, and the conflicts listed in the module's docstring (ConflictError, 409)."""
    actor.require(Action.MERGE_CHARTS)
    reason = " ".join(reason.split())
    if len(reason) < REASON_MIN:
        raise InputError(
            f"say why these are one person (at least {REASON_MIN} characters)", "reason"
        )
    survivor, duplicate = _pair(survivor_mrn, duplicate_mrn)
    links = patient_links()
    moved: dict[str, int] = {}
    current = ""
    try:
        with transaction.atomic():
            # Both rows locked, in one order (by id) whichever is the survivor: no deadlock with
            # a use case writing to either chart, which locks its patient first.
            locked = {p.pk: p for p in Patient.objects.select_for_update().filter(
                pk__in=(survivor.pk, duplicate.pk)).order_by("pk")}  # fmt: skip
            survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
            if duplicate.merged_into_id is not None or survivor.merged_into_id is not None:
                raise ConflictError("one of the charts was merged meanwhile", "duplicate")
            problems = _problems(survivor, duplicate, links)
            if problems:
                raise ConflictError(" ".join(problems), "duplicate")
            _make_room(survivor, duplicate, actor, at)
            for link in links:
                current = link.words
                rows = link.model._default_manager.filter(**{link.field: duplicate})
                if link.model in DERIVED:
                    rows.delete()
                    continue
                n = rows.update(**{link.field: survivor})
                if n:
                    moved[link.table] = moved.get(link.table, 0) + n
                    record_by(actor, at, AuditAction.UPDATE, "patient_merge", survivor.pk,
                              patient_mrn=survivor.mrn,
                              detail=f"{n} {link.table} row(s) moved here from {duplicate.mrn}")  # fmt: skip
            current = ""
            Patient.objects.filter(pk=duplicate.pk).update(
                merged_into=survivor, merged_at=at, merged_by=actor.username, merge_reason=reason
            )
            record_by(actor, at, AuditAction.UPDATE, "patient_merge", duplicate.pk,
                      patient_mrn=duplicate.mrn,
                      detail=f"merged into {survivor.mrn}: {reason}")  # fmt: skip
            record_by(actor, at, AuditAction.UPDATE, "patient_merge", survivor.pk,
                      patient_mrn=survivor.mrn,
                      detail=f"{duplicate.mrn} merged into this chart ({sum(moved.values())} rows): {reason}")  # fmt: skip
    except IntegrityError:
        what = f"a {current}" if current else "a record"
        raise ConflictError(
            f"the charts cannot be combined: the surviving chart already has {what} like one of "
            f"the duplicate's (one per patient, or one per day); correct that record first",
            "duplicate",
        ) from None
    record_changed(survivor, at=at)  # alerts and the care status, recomputed from the records
    return moved


def _make_room(survivor: Patient, duplicate: Patient, actor: Actor, at: datetime) -> None:
    """Close the duplicate's rows that would clash with the survivor's when moved (both kept)."""
    open_codes = set(
        Alert.objects.filter(patient=survivor).exclude(status=AlertStatus.RESOLVED)
        .values_list("code", flat=True)
    )  # fmt: skip
    Alert.objects.filter(patient=duplicate, code__in=open_codes).exclude(
        status=AlertStatus.RESOLVED
    ).update(
        status=AlertStatus.RESOLVED, resolved_by="naltrack", resolved_at=at,
        note=f"Chart {duplicate.mrn} merged into {survivor.mrn}, where the same alert is open.",
    )  # fmt: skip
    on_team = set(
        CareTeamMember.objects.filter(patient=survivor, removed_at__isnull=True)
        .values_list("username", flat=True)
    )  # fmt: skip
    CareTeamMember.objects.filter(
        patient=duplicate, username__in=on_team, removed_at__isnull=True
    ).update(removed_at=at, removed_by=actor.username)
