"""Releasing a patient's records out of the program: the printed record summary and the record
export (JSON), the channels of today that send patient-level data out (the program report is
aggregate only). Both go through the one consent filter (disclosure.services.disclose): nothing is
composed for the recipient unless it permits, and what it permits carries the 42 CFR 2.32 notice,
the scope of the consent or the exception, and the records' security labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.appointments.models import Appointment
from naltrack.clinical.consent import RECORD_KIND_LABELS, Purpose, Recipient, RecordKind, labels_of
from naltrack.counselling.models import CounsellingSession
from naltrack.disclosure.models import Channel
from naltrack.disclosure.services import Released, disclose
from naltrack.monitoring.models import Observation
from naltrack.patients.models import Patient
from naltrack.screening.models import ScreeningRecord
from naltrack.treatment.models import Administration, TreatmentPlan

ROWS = 200  # per section: a summary, not the whole history


@dataclass(frozen=True, slots=True)
class Section:
    kind: RecordKind
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]

    def label_codes(self) -> str:
        """This section's security labels, as the printed summary shows them."""
        return " ".join(lb.code for lb in sorted(labels_of(self.kind)))


@dataclass(frozen=True, slots=True)
class Summary:
    """What goes out: the records asked for, and what must travel with them."""

    released: Released
    patient: Patient
    sections: list[Section]

    def as_json(self) -> dict[str, Any]:
        d = self.released.disclosure
        return {
            "patient": {"mrn": self.patient.mrn, "name": f"{self.patient.given_name} {self.patient.family_name}",
                        "birth_date": self.patient.birth_date.isoformat()},
            "disclosure": {"id": d.pk, "to": d.recipient_name, "affiliation": d.recipient_affiliation,
                           "purpose": d.purpose, "basis": d.basis, "disclosed_at": d.disclosed_at.isoformat(),
                           "disclosed_by": d.disclosed_by},
            "security": [{"system": lb.system, "code": lb.code, "display": lb.display} for lb in self.released.labels],
            "notice": self.released.notice, "notice_source": self.released.notice_source,
            "scope": self.released.scope,
            "sections": [{"kind": s.kind.value, "title": s.title,
                          "security": [{"system": lb.system, "code": lb.code, "display": lb.display} for lb in sorted(labels_of(s.kind))],
                          "rows": [dict(zip(s.columns, r, strict=True)) for r in s.rows]} for s in self.sections],
        }  # fmt: skip


def _d(value: Any) -> str:
    return (
        value.isoformat() if value is not None and hasattr(value, "isoformat") else str(value or "")
    )


def _section(patient: Patient, kind: RecordKind) -> Section:
    title = RECORD_KIND_LABELS[kind]
    p = patient
    if kind is RecordKind.DEMOGRAPHICS:
        return Section(kind, title, ("name", "birth_date", "sex_at_birth", "phone", "email"),
                       [(f"{p.given_name} {p.family_name}", _d(p.birth_date), p.sex_at_birth, p.phone, p.email)])  # fmt: skip
    if kind is RecordKind.EPISODES:
        return Section(kind, title, ("start", "indications", "status", "discharged", "reason"),
                       [(_d(e.start_date), " ".join(sorted(e.indications)), e.status, _d(e.discharge_date),
                         e.discharge_reason) for e in p.episodes.order_by("-start_date")[:ROWS]])  # fmt: skip
    if kind is RecordKind.ASSESSMENTS:
        return Section(kind, title, ("assessed_on", "substance", "dsm5_severity", "criteria"),
                       [(_d(a.assessed_on), a.substance, a.dsm5_severity, "; ".join(a.criteria_labels))
                        for a in p.assessments.order_by("-assessed_on")[:ROWS]])  # fmt: skip
    if kind is RecordKind.MEDICATIONS:
        plans = TreatmentPlan.objects.filter(patient=p).order_by("-created_at")[:1]
        rows: list[tuple[str, ...]] = [("plan", _d(t.created_at.date()), f"{t.get_formulation_display()}, regimen {t.regimen}", "") for t in plans]  # fmt: skip
        rows += [("dose", _d(a.given_on), f"{a.product}{f' {a.dose_mg} mg' if a.dose_mg else ''}", a.status)
                 for a in Administration.objects.filter(patient=p).order_by("-given_at")[:ROWS]]  # fmt: skip
        rows += [("medication", _d(m.started_on), m.name, f"stopped {_d(m.stopped_on)}" if m.stopped_on else "current")
                 for m in p.medications.all()[:ROWS]]  # fmt: skip
        rows += [("allergy", "", a.substance, a.reaction) for a in p.allergies.all()[:ROWS]]
        return Section(kind, title, ("entry", "day", "what", "status"), rows)
    if kind is RecordKind.SCREENINGS:
        return Section(kind, title, ("as_of", "formulation", "decision", "signed_by"),
                       [(_d(s.as_of), s.formulation, s.decision, s.signed_by)
                        for s in ScreeningRecord.objects.filter(patient=p).order_by("-as_of")[:ROWS]])  # fmt: skip
    if kind is RecordKind.OBSERVATIONS:
        return Section(kind, title, ("observed_on", "kind", "value", "band"),
                       [(_d(o.observed_on), o.get_kind_display(), "" if o.total is None else f"{o.total:g}", o.band)
                        for o in Observation.objects.filter(patient=p).order_by("-observed_on")[:ROWS]])  # fmt: skip
    if kind is RecordKind.APPOINTMENTS:
        return Section(kind, title, ("on", "kind", "status"),
                       [(_d(a.on), a.get_kind_display(), a.status)
                        for a in Appointment.objects.filter(patient=p).order_by("-on")[:ROWS]])  # fmt: skip
    return Section(kind, title, ("held_on", "session", "attendance", "note", "counselor"),
                   [(_d(s.held_on), s.get_kind_display(), s.attendance, s.note, s.counselor)
                    for s in CounsellingSession.objects.filter(patient=p).order_by("-held_on")[:ROWS]])  # fmt: skip


def release_records(
    patient: Patient,
    recipient: Recipient,
    purpose: Purpose | str,
    record_kinds: list[str] | frozenset[RecordKind],
    *,
    actor: Actor,
    at: datetime,
    emergency_reason: str | None = None,
    affiliation: str = "",
    channel: Channel = Channel.PRINTED_SUMMARY,
) -> Summary:
    """The records asked for, released through the consent filter. The actor must be able to read
    what they send (counselling notes: counselors and prescribers); a refusal raises
    DisclosureRefused with the reason and nothing is composed."""
    actor.require(Action.VIEW_CHART)
    if RecordKind.COUNSELLING_NOTES.value in {str(k) for k in record_kinds}:
        actor.require(Action.VIEW_COUNSELLING_NOTES)
    released = disclose(patient, recipient, purpose, record_kinds, actor, at, emergency_reason,
                        affiliation=affiliation, channel=channel)  # fmt: skip
    kinds = sorted(RecordKind(k) for k in released.disclosure.record_kinds)
    return Summary(released, patient, [_section(patient, k) for k in kinds])
