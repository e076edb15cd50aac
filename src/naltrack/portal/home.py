"""Home: the next visit, the next injection's days or today's tablets, and the protection status,
from the clinical core on the same facts the nightly refresh reads for the chart
(alerts.snapshot.read_record), so the portal and the chart cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction

from naltrack.accounts.actors import PatientActor
from naltrack.alerts.snapshot import read_record, record_protection
from naltrack.appointments.models import Appointment, AppointmentStatus, by_day_and_time
from naltrack.clinic import active_policy, clinic_info
from naltrack.clinical.protection import (
    OralDoseDay,
    ProtectionStatus,
    oral_dose_on,
)
from naltrack.clock import local_day
from naltrack.config import ClinicInfo
from naltrack.patients.models import EpisodeStatus
from naltrack.treatment.facts import tablet_order

from .services import audit_read, own_patient
from .words import tablets, visit_words


@dataclass(frozen=True, slots=True)
class NextVisit:
    on: date
    kind: str  # AppointmentKind value
    time: time | None = None  # the clinic's time of day, when the visit was booked with one

    @property
    def words(self) -> str:
        return visit_words(self.kind)


@dataclass(frozen=True, slots=True)
class HomeSummary:
    """What Home shows. Every date comes from the clinical core, from the facts the nightly
    refresh reads for the chart (alerts.snapshot.read_record), so the two cannot disagree."""

    today: date
    given_name: str
    in_treatment: bool
    plan_formulation: str  # the plan's formulation ("oral", "xr_injection", "implant") or ""
    protection: ProtectionStatus
    next_visit: NextVisit | None
    next_injection_booked: date | None
    todays_dose: OralDoseDay | None  # tablets only
    clinic: ClinicInfo
    language: str

    @property
    def naloxone_where(self) -> str:
        return self.clinic.naloxone_where(self.language)

    @property
    def todays_tablets(self) -> str:
        return tablets(self.todays_dose.mg) if self.todays_dose else ""


def read_home(actor: PatientActor, *, at: datetime, language: str = "en") -> HomeSummary:
    """Home: next visit, next injection window or today's tablet dose, and the protection status
    in the words the core's level chooses. One audited read."""
    policy = active_policy()
    on = local_day(at)
    with transaction.atomic():
        patient = own_patient(actor)
        record = read_record(patient, on, policy)
        episode = record.episode
        in_treatment = episode is not None and episode.status == EpisodeStatus.ACTIVE
        protection = record_protection(record, on, policy)
        visit = (
            Appointment.objects.filter(patient=patient, on__gte=on, status=AppointmentStatus.BOOKED)
            .order_by(*by_day_and_time()).values_list("on", "kind", "time").first()
        )  # fmt: skip
        plan = record.plan if in_treatment else None
        # The active oral order is the truth once signed: its regimen, counted from the day it
        # was signed, is what the Doses page lists and what the MAR gives (one core function,
        # clinical.protection.oral_dose_on; one anchor, treatment.facts.tablet_order).
        order = tablet_order(patient) if in_treatment else None
        todays_dose = None
        if order is not None and episode is not None:
            todays_dose = oral_dose_on(
                order.regimen, order.signed_on, on, episode.indications, policy
            )
        audit_read(actor, at, "portal_home")
    return HomeSummary(
        today=on,
        given_name=patient.given_name,
        in_treatment=in_treatment,
        plan_formulation=plan.formulation if plan else "",
        protection=protection,
        next_visit=NextVisit(visit[0], visit[1], visit[2]) if visit else None,
        next_injection_booked=record.snapshot.next_injection_booked,
        todays_dose=todays_dose,
        clinic=clinic_info(),
        language=language,
    )
