"""What the printable views show: the MAR, the plan, one day's visit and the chart summary.

Printing a patient's record is a read of it: each printout opens the record through
`read_patient` (the role, the care-team gate and one audited read), and a visit summary reads the
day's counselling notes only for a role that may read them (their read audited apart, as on the
notes page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.alerts.snapshot import episode_of
from naltrack.appointments.models import Appointment, by_day_and_time
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.regimens import regimens
from naltrack.counselling.models import CounsellingSession
from naltrack.counselling.services import read_sessions
from naltrack.monitoring.models import Observation
from naltrack.patients.models import Patient
from naltrack.patients.services import read_patient
from naltrack.screening.models import ScreeningRecord
from naltrack.treatment.models import Administration, TreatmentPlan

from .services import Chart, _obs_detail, read_chart

# The printed MAR: every dose of the patient, oldest first, at most this many (a year of daily
# tablets); a longer record is printed from the API's export.
MAR_PRINT_LIMIT = 400


@dataclass
class ObservationLine:
    observation: Observation
    detail: str


@dataclass
class Printout:
    """A printout's heading: whose record, printed when and by whom."""

    patient: Patient
    printed_at: datetime
    printed_by: str
    doses: list[Administration] = field(default_factory=list)
    plan: TreatmentPlan | None = None
    observations: list[ObservationLine] = field(default_factory=list)
    screenings: list[ScreeningRecord] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    sessions: list[CounsellingSession] = field(default_factory=list)
    notes_allowed: bool = False
    truncated: bool = False
    chart: Chart | None = None
    day: date | None = None  # a visit summary's day

    @property
    def regimen_title(self) -> str:
        """The plan's regimen in words (its code when the regimen table no longer has it)."""
        if self.plan is None:
            return ""
        known = regimens().get(self.plan.regimen)
        return known.title if known else self.plan.regimen


def _open(mrn: str, actor: Actor, at: datetime, what: str) -> Printout:
    patient = read_patient(mrn, actor=actor, at=at, what="chart")  # the audited read
    # The trail tells a printout from a screen view: in a page view this is gathered into the
    # chart read's one event ("also read printout (MAR)", audit/services.py).
    record_by(actor, at, AuditAction.READ, "printout", patient.pk, patient_mrn=patient.mrn,
              detail=what)  # fmt: skip
    return Printout(patient, at, actor.username)


def mar_printout(mrn: str, *, actor: Actor, at: datetime) -> Printout:
    out = _open(mrn, actor, at, "MAR")
    doses = list(
        Administration.objects.filter(patient=out.patient).order_by("given_at", "id")[
            : MAR_PRINT_LIMIT + 1
        ]
    )
    out.truncated = len(doses) > MAR_PRINT_LIMIT
    out.doses = doses[:MAR_PRINT_LIMIT]
    out.plan = TreatmentPlan.of_episode(episode_of(out.patient))
    return out


def plan_printout(mrn: str, *, actor: Actor, at: datetime) -> Printout:
    out = _open(mrn, actor, at, "plan")
    out.plan = TreatmentPlan.of_episode(episode_of(out.patient))
    return out


def visit_printout(mrn: str, day: date, *, actor: Actor, at: datetime) -> Printout:
    """One day's encounter: the doses of that day, the observations, the screenings, the
    appointments and, for a role that may read them, the counselling notes."""
    out = _open(mrn, actor, at, f"visit {day}")
    p = out.patient
    out.doses = list(Administration.objects.filter(patient=p, given_on=day).order_by("given_at"))
    out.observations = [
        ObservationLine(o, _obs_detail(o))
        for o in Observation.objects.filter(patient=p, observed_on=day).order_by("id")
    ]
    out.screenings = list(ScreeningRecord.objects.filter(patient=p, as_of=day).order_by("id"))
    out.appointments = list(
        Appointment.objects.filter(patient=p, on=day).order_by(*by_day_and_time())
    )
    out.notes_allowed = actor.can(Action.VIEW_COUNSELLING_NOTES)
    if out.notes_allowed:
        out.sessions = [s for s in read_sessions(p, actor=actor, at=at) if s.held_on == day]
    out.day = day
    return out


def summary_printout(mrn: str, *, actor: Actor, at: datetime, today: date) -> Printout:
    out = _open(mrn, actor, at, "chart summary")
    out.chart = read_chart(out.patient, today)
    out.plan = out.chart.plan
    return out
