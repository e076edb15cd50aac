"""The integrity check: what every use case writes in one transaction is there whole.

The invariants, from the models and the use cases that write them:

1. Every record a use case writes has the audit event written in the same transaction
   (object_type and object_id below). Appointments are left out: the MAR books the next
   injection inside the administration's transaction, audited as the administration; so is a
   discontinuation (its audit event names the episode it closes).
2. Every audit event that says a record was created or changed names a record that exists (a
   record removed behind the application's back, which never deletes one).
3. Each episode's plan versions run 1, 2, 3, ... without a gap (change_plan writes version n+1
   over version n under a lock).
4. A record's patient is its episode's patient.
5. The audit trail's hash chain is intact (`naltrack audit verify`).
6. Consents, disclosures, emergencies, break-the-glass and care teams (integrity/disclosures.py):
   each with its audit event, every disclosure accounted, on a basis that covered it, with its
   labels and notice.

Each finding names the table, the rule and the first ids, so an operator can look them up.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Max, Min, Model

from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.audit.verify import verify_chain
from naltrack.counselling.models import CounsellingSession
from naltrack.monitoring.models import Observation, SideEffect
from naltrack.patients.models import Allergy, Assessment, Episode, MedicationEntry, Patient
from naltrack.screening.models import ScreeningRecord
from naltrack.treatment.models import (
    Administration,
    Implant,
    InjectionOverride,
    Order,
    TreatmentPlan,
)

from .disclosures import check_disclosures
from .findings import Finding

# model, the object_type its use case audits, the actions that count as its writing
AUDITED: tuple[tuple[type[Model], str, tuple[str, ...]], ...] = (
    (Patient, "patient", (AuditAction.CREATE,)),
    (Episode, "episode", (AuditAction.CREATE,)),
    (Assessment, "assessment", (AuditAction.CREATE,)),
    (MedicationEntry, "medication", (AuditAction.CREATE,)),
    (Allergy, "allergy", (AuditAction.CREATE,)),
    (ScreeningRecord, "screening", (AuditAction.CREATE,)),
    # the first version is created, each later one an update of the plan
    (TreatmentPlan, "treatment_plan", (AuditAction.CREATE, AuditAction.UPDATE)),
    (Order, "order", (AuditAction.CREATE,)),
    (Administration, "administration", (AuditAction.CREATE,)),
    (InjectionOverride, "injection_override", (AuditAction.CREATE,)),
    (Implant, "implant", (AuditAction.CREATE,)),
    (Observation, "observation", (AuditAction.CREATE,)),
    (SideEffect, "side_effect", (AuditAction.CREATE,)),
    (CounsellingSession, "counselling_session", (AuditAction.CREATE,)),
)
WITH_EPISODE: tuple[type[Model], ...] = (
    Assessment, ScreeningRecord, TreatmentPlan, Order, Administration, InjectionOverride, Implant,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CheckReport:
    records: int  # records checked against the trail
    events: int  # audit events walked
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings


def _audited_ids(object_type: str, actions: tuple[str, ...] | None = None) -> set[str]:
    events = AuditEvent.objects.filter(object_type=object_type)
    if actions is not None:
        events = events.filter(action__in=actions)
    return set(events.values_list("object_id", flat=True))


def _audit_findings() -> tuple[int, list[Finding]]:
    findings: list[Finding] = []
    records = 0
    for model, object_type, actions in AUDITED:
        table = model._meta.db_table
        pks = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
        records += len(pks)
        written = _audited_ids(object_type, actions)
        unaudited = tuple(pk for pk in pks if str(pk) not in written)
        if unaudited:
            verb = " or ".join(str(a) for a in actions)
            findings.append(Finding(table, f"record(s) without the audit event of their "
                                    f"writing ({verb} {object_type})", unaudited))  # fmt: skip
        existing = {str(pk) for pk in pks}
        changed = (AuditAction.CREATE, AuditAction.UPDATE)
        gone = tuple(sorted((oid for oid in _audited_ids(object_type, changed)
                             if oid and oid not in existing), key=lambda s: (len(s), s)))  # fmt: skip
        if gone:
            findings.append(Finding(table, f"audit event(s) name a {object_type} that is not in "
                                    "the database (removed behind the application's back)", gone))  # fmt: skip
    return records, findings


def _plan_findings() -> list[Finding]:
    runs = (
        TreatmentPlan.objects.values("episode_id")
        .annotate(n=Count("id"), lo=Min("version"), hi=Max("version"))
        .order_by("episode_id")
    )
    broken = tuple(r["episode_id"] for r in runs if r["lo"] != 1 or r["hi"] != r["n"])
    if not broken:
        return []
    return [Finding(TreatmentPlan._meta.db_table, "episode(s) whose plan versions do not run "
                    "1, 2, 3, ... without a gap (episode ids)", broken)]  # fmt: skip


def _episode_findings() -> list[Finding]:
    findings = []
    for model in WITH_EPISODE:
        wrong = tuple(
            model._base_manager.exclude(patient_id=F("episode__patient_id"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if wrong:
            findings.append(Finding(model._meta.db_table,
                                    "record(s) whose patient is not their episode's patient", wrong))  # fmt: skip
    return findings


def check_integrity() -> CheckReport:
    records, findings = _audit_findings()
    findings += _plan_findings()
    findings += _episode_findings()
    part2_records, part2_findings = check_disclosures()
    records += part2_records
    findings += part2_findings
    chain = verify_chain()
    if chain.broken is not None:
        findings.append(Finding(AuditEvent._meta.db_table,
                                f"the hash chain is broken at {chain.broken}"))  # fmt: skip
    return CheckReport(records, chain.events, tuple(findings))
