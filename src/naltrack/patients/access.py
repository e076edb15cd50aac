"""The care-team gate in front of every chart read and write: the facts the core's rules need
(clinical/access.py), gathered for one clinician and one patient. `read_patient` and
`open_chart_of` (patients/services.py) apply it, so every page and API call that opens or writes a
chart passes here; and the scope of the worklists (Today, the alert inbox) as a query filter."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.clinic import care_team_required
from naltrack.clinical.access import (
    ChartAccess,
    ChartAccessFacts,
    WorklistFacts,
    WorklistScope,
    WorklistView,
    decide_chart_access,
    decide_worklist_scope,
)

from .models import BreakGlass, CareTeamMember, Patient

M = TypeVar("M", bound=Model)


def chart_access_facts(patient: Patient, actor: Actor, at: datetime) -> ChartAccessFacts:
    restricted = care_team_required()
    if not restricted:
        return ChartAccessFacts(False, False)
    member = CareTeamMember.objects.filter(
        patient=patient, username=actor.username, removed_at__isnull=True
    ).exists()
    until = tuple(
        BreakGlass.objects.filter(
            patient=patient, username=actor.username, ends_at__gt=at
        ).values_list("ends_at", flat=True)
    )
    return ChartAccessFacts(True, member, until)


def chart_access(patient: Patient, actor: Actor, at: datetime) -> ChartAccess:
    """May `actor` open this patient's chart at `at`, and on which basis (the core decides)."""
    return decide_chart_access(chart_access_facts(patient, actor, at), at)


def worklist_view(actor: Actor, asked: WorklistScope | None) -> WorklistView:
    """Which patients this actor's Today and alert inbox hold (the core decides). Asking for the
    whole clinic needs the role for it (a 403 otherwise)."""
    if asked is WorklistScope.CLINIC:
        actor.require(Action.VIEW_CLINIC_WORKLIST)
    facts = WorklistFacts(
        restricted=care_team_required(),
        joins_care_teams=actor.can(Action.VIEW_CHART),
        sees_clinic=actor.can(Action.VIEW_CLINIC_WORKLIST),
        asked=asked,
    )
    return decide_worklist_scope(facts)


def staffed_team(field: str = "patient_id") -> Exists:
    """The patient (the row's `field`) has someone on their care team with an active account."""
    active = get_user_model().objects.filter(is_active=True).values("username")
    return Exists(
        CareTeamMember.objects.filter(
            patient_id=OuterRef(field), removed_at__isnull=True, username__in=active
        )
    )


def worklist_filter(view: WorklistView, actor: Actor, at: datetime, field: str = "patient_id") -> Q:
    """The rows of a worklist query (a table with a patient column, `field`) in the view's scope:
    the database form of the core's `on_my_list`, tested against it."""
    if view.scope is WorklistScope.CLINIC:
        return Q()
    mine = CareTeamMember.objects.filter(
        patient_id=OuterRef(field), username=actor.username, removed_at__isnull=True
    )
    glass = BreakGlass.objects.filter(
        patient_id=OuterRef(field), username=actor.username, ends_at__gt=at
    )
    return Q(Exists(mine)) | Q(Exists(glass)) | ~Q(staffed_team(field))


def mark_unassigned(rows: QuerySet[M]) -> QuerySet[M]:
    """With the care-team restriction on, each row (of a table with a patient column) carries
    `unassigned`: nobody with an active account is on the patient's care team. The worklists mark
    it, so that someone assigns a team."""
    if not care_team_required():
        return rows
    marked: QuerySet[M] = rows.annotate(unassigned=~staffed_team())  # type: ignore[assignment]
    return marked
