"""Care-team use cases: assign staff to a patient's care team or take them off, and break the
glass (a clinician outside the care team opens the chart, saying why, for a limited time). Each
owns its transaction, checks the role and writes its audit event; the yes/no is the core's
(clinical/access.py)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from naltrack.accounts.models import StaffProfile
from naltrack.accounts.roles import Action, allowed
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import break_glass_hours
from naltrack.clinical.access import (
    AccessBasis,
    break_glass_active,
    break_glass_ends_at,
    break_glass_reason_problem,
)
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError

from .access import chart_access
from .models import BreakGlass, CareTeamMember, Patient
from .services import TEAM_FIELDS, lock_patient


def care_team(patient: Patient) -> list[CareTeamMember]:
    """The patient's current care team, by user name."""
    return list(patient.care_team.filter(removed_at__isnull=True).order_by("username"))


def add_to_care_team(patient: Patient, username: str, *, actor: Actor, at: datetime) -> CareTeamMember:  # fmt: skip
    """Assign a clinician (a staff member whose role reads charts) to the patient's care team."""
    actor.require(Action.MANAGE_CARE_TEAM)
    username = username.strip()
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    profile = StaffProfile.objects.filter(user=user).first() if user else None
    if profile is None:
        raise InputError("no active staff member has this user name", "username")
    if not allowed(profile.role, Action.VIEW_CHART):
        raise InputError(f"a {profile.get_role_display().lower()} does not read charts", "username")
    with transaction.atomic():
        lock_patient(patient)
        if patient.care_team.filter(username=username, removed_at__isnull=True).exists():
            raise ConflictError(f"{username} is already on this care team", "username")
        row = CareTeamMember.objects.create(
            patient=patient, username=username, added_by=actor.username, added_at=at
        )
        record_by(actor, at, AuditAction.CREATE, "care_team_member", row.pk,
                  patient_mrn=patient.mrn, detail=f"{username} joins the care team")  # fmt: skip
    return row


def remove_from_care_team(patient: Patient, username: str, *, actor: Actor, at: datetime) -> CareTeamMember:  # fmt: skip
    actor.require(Action.MANAGE_CARE_TEAM)
    with transaction.atomic():
        lock_patient(patient)
        row = patient.care_team.filter(username=username.strip(), removed_at__isnull=True).first()
        if row is None:
            raise NotFoundError("is not on this patient's care team", "username")
        row.removed_by, row.removed_at = actor.username, at
        row.save(update_fields=["removed_by", "removed_at"])
        record_by(actor, at, AuditAction.UPDATE, "care_team_member", row.pk,
                  patient_mrn=patient.mrn, detail=f"{row.username} leaves the care team")  # fmt: skip
    return row


def break_glass(patient: Patient, reason: str, *, actor: Actor, at: datetime) -> BreakGlass:
    """Open the chart of a patient outside one's care team: the reason, a time-limited access
    (NALTRACK_BREAK_GLASS_HOURS), audited; the chart flags it and the director reviews it."""
    actor.require(Action.BREAK_GLASS)
    problem = break_glass_reason_problem(reason)
    if problem is not None:
        raise problem
    with transaction.atomic():
        lock_patient(patient)
        access = chart_access(patient, actor, at)
        if access.allowed and access.basis is not AccessBasis.BREAK_GLASS:
            raise ConflictError(f"you may open this chart already ({access.reason})", "reason")
        row = BreakGlass.objects.create(
            patient=patient, username=actor.username, role=actor.role.value if actor.role else "",
            reason=reason.strip(), opened_at=at, ends_at=break_glass_ends_at(at, break_glass_hours()),
        )  # fmt: skip
        record_by(actor, at, AuditAction.CREATE, "break_glass", row.pk, patient_mrn=patient.mrn,
                  detail=f"until {row.ends_at:%Y-%m-%d %H:%M}: {row.reason}")  # fmt: skip
    return row


def active_break_glass(patient: Patient, at: datetime) -> list[BreakGlass]:
    """The break-the-glass accesses to this chart still running at `at` (the chart flags them)."""
    rows = patient.break_glass.filter(ends_at__gt=at).order_by("-opened_at", "-id")
    return [g for g in rows if break_glass_active(g.ends_at, at)]


def clinicians() -> list[tuple[str, str]]:
    """Active staff whose role reads charts: (user name, "name (role)") for choosing a member."""
    rows = (
        StaffProfile.objects.filter(user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    return [
        (s.user.get_username(), f"{s.user.get_full_name() or s.user.get_username()} ({s.get_role_display().lower()})")
        for s in rows
        if allowed(s.role, Action.VIEW_CHART)
    ]  # fmt: skip


def registration_team_choices() -> dict[str, list[tuple[str, str]]]:
    """Active staff for the registration's care-team fields: the prescribers, the nurses and the
    counselors, each as (user name, full name)."""
    rows = (
        StaffProfile.objects.filter(
            user__is_active=True, role__in=[name for name, _ in TEAM_FIELDS]
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    out: dict[str, list[tuple[str, str]]] = {name: [] for name, _ in TEAM_FIELDS}
    for s in rows:
        username = s.user.get_username()
        out[s.role].append((username, f"{s.user.get_full_name() or username} ({username})"))
    return out


def read_care_team(patient: Patient, *, actor: Actor, at: datetime) -> list[CareTeamMember]:
    """The current care team, as the care-team page shows it (an audited read)."""
    actor.require(Action.VIEW_PATIENT_LIST)
    with transaction.atomic():
        rows = care_team(patient)
        record_by(actor, at, AuditAction.READ, "care_team", patient_mrn=patient.mrn)
    return rows
