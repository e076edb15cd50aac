"""The Today worklist. Every section is one indexed query over the care status rows (kept current by
alerts.services.refresh_patient), so the page costs the same number of queries for 50 patients or
20,000. Each section is capped; the count says how many there are in all.

Whose patients: with the care-team restriction on, a clinician's Today holds their patients and
every patient with no care team; the coordinator's, and the prescriber's on asking, the whole
clinic (clinical/access.py decide_worklist_scope says why; patients.access.worklist_filter is its
query)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber

from naltrack import clock
from naltrack.accounts.roles import TODAY_SECTIONS, Action
from naltrack.accounts.services import Actor
from naltrack.alerts.models import Alert, AlertStatus, CareStatus
from naltrack.appointments.models import Appointment, AppointmentStatus
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.access import WorklistScope, WorklistView
from naltrack.clinical.alerts import injection_due_soon_until
from naltrack.clinical.due import GROUPS, DueGroup, DueKind, due_window
from naltrack.clinical.vocab import Formulation
from naltrack.insurance.services import AuthWorklist, today_section
from naltrack.intake.services import ToContact, to_contact
from naltrack.monitoring.models import SideEffect
from naltrack.naloxone.services import TodayLine, today_line
from naltrack.outreach.services import contacts, standings
from naltrack.patients.access import (
    Unassigned,
    mark_unassigned,
    unassigned_patients,
    worklist_filter,
    worklist_view,
)
from naltrack.screening.models import ScreeningRecord

from .insurance import injection_due_by
from .models import DoneMark

SECTION_LIMIT = 15
MISSED_LOOKBACK_DAYS = 14


@dataclass
class Section:
    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass
class DueSection(Section):
    """One group of the labs-and-reviews list (clinical/due.py: what is due, how urgently)."""

    group: DueGroup | None = None

    @property
    def due_field(self) -> str:
        assert self.group is not None
        return DUE_FIELDS[self.group.kind]


@dataclass
class LabsReviews:
    """The labs-and-reviews list: its groups, most urgent first (every group, empty ones too, so
    that the page and the API show the same list of groups), and what was marked done today."""

    groups: list[DueSection]
    done: list[DoneMark]

    @property
    def total(self) -> int:  # the open items
        return sum(g.total for g in self.groups)


# The care status column that holds each item's due day.
DUE_FIELDS = {DueKind.LIVER_TESTS: "liver_test_due_on", DueKind.PLAN_REVIEW: "review_due_on"}


@dataclass
class Today:
    on: date
    view: WorklistView
    injections_overdue: Section | None = None
    injections_due: Section | None = None
    high_risk: Section | None = None
    alerts: Section | None = None
    alert_counts: dict[str, int] = field(default_factory=dict)
    labs_reviews_due: LabsReviews | None = None
    unsigned_screenings: Section | None = None
    side_effect_follow_ups: Section | None = None
    missed_appointments: Section | None = None
    appointments_today: Section | None = None
    intake: ToContact | None = None  # new inquiries to call back (intake.services.to_contact)
    # injections due by today whose patients have no naloxone on hand (naloxone.services)
    naloxone: TodayLine | None = None
    insurance: AuthWorklist | None = None  # the coordinator's prior authorizations (issue 15)


def _section(rows: Any, total: int | None = None) -> Section:
    """The first rows and the total, in two queries (the count only when the page is full and the
    caller does not know it)."""
    first = list(rows[: SECTION_LIMIT + 1])
    if len(first) <= SECTION_LIMIT:
        return Section(first, len(first))
    return Section(first[:SECTION_LIMIT], rows.count() if total is None else total)


def _newest_days_first(appointments: QuerySet[Appointment], unassigned: Unassigned) -> Section:
    """Appointments newest day first, by family name within a day, in two queries whatever the
    count: how many fall on each day (from the index alone), then only the newest days that hold
    the first rows, joined to their patients. Sorting every row of the fortnight by name first
    joined thousands of patients at 20,000 patients."""
    per_day = list(
        appointments.order_by("-on")
        .values_list("on")
        .annotate(n=Count("id"))
        .values_list("on", "n")
    )
    total, cutoff = 0, None
    for day, n in per_day:
        if total < SECTION_LIMIT:
            cutoff = day
        total += n
    # Without a cutoff there is nothing to read, and it is read anyway: the page makes the same
    # queries whatever the clinic holds.
    rows = appointments.filter(on__gte=cutoff) if cutoff else appointments
    rows = mark_unassigned(rows.select_related("patient"), unassigned)
    first = list(rows.order_by("-on", "patient__family_name")[:SECTION_LIMIT])
    return Section(first, total)


def today_worklist(on: date, *, actor: Actor, at: datetime | None = None,
                   scope: WorklistScope | None = None) -> Today:  # fmt: skip
    """The sections of Today that the actor's role may see (accounts.roles.TODAY_SECTIONS), for
    the patients of the scope the core decides (`scope`: the list asked for; None, the role's
    default). With `at`, the read is audited: who looked at the worklist, when, in which scope,
    and how many rows each section held (the Today page and the API pass it)."""
    actor.require(Action.VIEW_SCHEDULE)
    out = Today(on, worklist_view(actor, scope))
    _fill(out, on, actor, at or clock.now())
    _how_to_reach(out, on, actor)
    out.intake = to_contact(actor, on)
    if at is not None:
        counts = " ".join(
            f"{name}={section.total}"
            for name in TODAY_SECTIONS
            if (section := getattr(out, name)) is not None
        )
        record_by(actor, at, AuditAction.READ, "worklist",
                  detail=f"Today {on.isoformat()} scope={out.view.scope}: {counts}")  # fmt: skip
    return out


def _how_to_reach(out: Today, on: date, actor: Actor) -> None:
    """The overdue and risk-window rows are told to "contact today": each carries where outreach
    stands (`outreach`, clinical/outreach.py decides) and how to reach the patient (`contact`:
    phone and support people, None for a role that may not see contact details). The outreach
    area reads both, a fixed number of queries for all the rows."""
    rows: list[Any] = [
        r for s in (out.injections_overdue, out.high_risk) if s is not None for r in s.rows
    ]
    found = standings(rows, on)
    how = contacts(
        [r.patient for r in {r.patient_id: r for r in rows}.values()], actor=actor, on=on
    )
    for r in rows:
        r.outreach = found.get(r.patient_id)
        r.contact = how.get(r.patient_id)


def _fill(out: Today, on: date, actor: Actor, at: datetime) -> None:
    def may(section: str) -> bool:
        return actor.can(TODAY_SECTIONS[section])

    # Every row carries `unassigned` (nobody with an active account is on the patient's care
    # team: the page marks it, so that someone assigns one) and is in the scope's patients.
    # The patients with no care team are read once, for the scope and every section's mark.
    unassigned = unassigned_patients()
    scoped = worklist_filter(out.view, actor, at, unassigned=unassigned)

    def rows(model: Any) -> QuerySet[Any]:
        return mark_unassigned(model.objects.select_related("patient").filter(scoped), unassigned)

    care = rows(CareStatus).filter(active=True)
    injection = care.filter(formulation=Formulation.XR_INJECTION)
    # Schedules: due and overdue injections, appointments.
    if may("injections_overdue"):
        out.injections_overdue = _section(
            injection.filter(overdue_from__lte=on).order_by("overdue_from", "patient_id")
        )
    if may("injections_due"):
        out.injections_due = _section(
            injection.filter(next_due_on__lte=injection_due_soon_until(on, active_policy())).filter(Q(overdue_from__gt=on))
            .order_by("next_due_on", "patient_id")
        )  # fmt: skip
    if actor.can(Action.HAND_OUT_NALOXONE):
        out.naloxone = today_line(injection, on)
    if may("appointments_today"):
        out.appointments_today = _section(
            rows(Appointment).filter(on=on, status=AppointmentStatus.BOOKED)
            .order_by(F("time").asc(nulls_last=True), "kind", "patient__family_name")
        )  # fmt: skip
    if may("missed_appointments"):
        out.missed_appointments = _newest_days_first(
            Appointment.objects.filter(scoped, on__gte=on - timedelta(days=MISSED_LOOKBACK_DAYS), on__lt=on)
            .filter(status__in=(AppointmentStatus.MISSED, AppointmentStatus.BOOKED)), unassigned
        )  # fmt: skip
    # Clinical sections.
    if may("high_risk"):
        # Not only active episodes: the weeks after treatment stops are the deadliest window.
        out.high_risk = _section(
            rows(CareStatus).exclude(risk_window="").order_by("worst_severity_rank", "patient_id")
        )
    if may("alerts"):
        open_alerts = rows(Alert).exclude(status=AlertStatus.RESOLVED)
        out.alert_counts = dict(
            Alert.objects.filter(scoped)
            .exclude(status=AlertStatus.RESOLVED)
            .order_by()
            .values_list("severity")
            .annotate(n=Count("id"))
            .values_list("severity", "n")
        )
        out.alerts = _section(  # the total: the counts' sum, no query of its own
            open_alerts.order_by("severity_rank", "-raised_at", "id"),
            total=sum(out.alert_counts.values()),
        )
    if may("labs_reviews_due"):
        out.labs_reviews_due = _labs_reviews(care, on, scoped, unassigned)
    if may("side_effect_follow_ups"):
        out.side_effect_follow_ups = _section(
            rows(SideEffect)
            .filter(resolved_on__isnull=True, follow_up_due__lte=on)
            .order_by("follow_up_due", "id")
        )  # injection-site reactions are followed up (VIVITROL label 5.2)
    out.insurance = (
        today_section(on, injection_due_by(on), actor=actor)
        if actor.can(Action.MANAGE_INSURANCE)
        else None
    )
    if may("unsigned_screenings"):
        out.unsigned_screenings = _section(
            rows(ScreeningRecord).filter(signed_at__isnull=True)
            .order_by("created_at")
        )  # fmt: skip


def _labs_reviews(
    care: QuerySet[CareStatus], on: date, scoped: Q, unassigned: Unassigned
) -> LabsReviews:
    """Each group of what is due (the core decides each group's due days: clinical/due.py), the
    oldest due day first, without the items marked done today; then today's done marks.

    One query per kind of item, whatever the clinic's size: each row is numbered within its group
    (its urgency) and counted there (window functions, on SQLite and PostgreSQL alike), and only
    the first rows of each group are read, each carrying its group's total."""
    policy = active_policy()
    by_group: dict[DueGroup, DueSection] = {}
    for kind in DueKind:
        name = DUE_FIELDS[kind]
        windows, urgency = Q(), []
        for group in GROUPS:
            if group.kind is not kind:
                continue
            first, last = due_window(group.urgency, on, policy)
            bounds = Q(**{f"{name}__lte": last}) & (Q(**{f"{name}__gte": first}) if first else Q())
            windows |= bounds
            urgency.append(When(bounds, then=Value(group.urgency.value)))
        group_of = Case(*urgency, output_field=CharField())
        done_today = DoneMark.objects.filter(on=on, item=kind.value).values("patient_id")
        rows = list(
            care.filter(windows).exclude(patient_id__in=done_today)
            .annotate(
                due_group=group_of,
                due_rank=Window(RowNumber(), partition_by=[group_of], order_by=[F(name).asc(), F("patient_id").asc()]),
                due_total=Window(Count("id"), partition_by=[group_of]),
            )
            .filter(due_rank__lte=SECTION_LIMIT)
            .order_by(name, "patient_id")
        )  # fmt: skip
        for group in GROUPS:
            if group.kind is kind:
                mine = [r for r in rows if r.due_group == group.urgency.value]
                for row in mine:  # the group's due day, under one name for the page and the API
                    row.due_on = getattr(row, name)  # type: ignore[attr-defined]
                by_group[group] = DueSection(mine, mine[0].due_total if mine else 0, group)
    groups = [by_group[group] for group in GROUPS]
    done = list(
        mark_unassigned(DoneMark.objects.select_related("patient").filter(scoped, on=on), unassigned)
        .order_by("-done_at", "id")[:SECTION_LIMIT]
    )  # fmt: skip
    return LabsReviews(groups, done)
