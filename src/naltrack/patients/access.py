"""The care-team gate in front of every chart read and write: the facts the core's rules need
(clinical/access.py), gathered for one clinician and one patient. `read_patient` and
`open_chart_of` (patients/services.py) apply it, so every page and API call that opens or writes a
chart passes here; and the scope of the worklists (Today, the alert inbox) as a query filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
)

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
    # One query for both facts: a row with no end for the membership (at most one: a member is
    # on a patient's team once), a row per break-the-glass access still running.
    membership = (
        CareTeamMember.objects.filter(
            patient=patient, username=actor.username, removed_at__isnull=True
        )
        .order_by()
        .values_list(Value(None, output_field=DateTimeField()))
    )
    glass = (
        BreakGlass.objects.filter(patient=patient, username=actor.username, ends_at__gt=at)
        .order_by()
        .values_list("ends_at")
    )
    ends = [end for (end,) in membership.union(glass, all=True)]
    member = None in ends
    return ChartAccessFacts(True, member, tuple(end for end in ends if end is not None))


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


# A clinician's own list is usually a few hundred patients: their ids, read once per page, let each
# section's query start from the patient index (a section then costs what it costs for a small
# clinic). A larger list (a clinic that has not assigned its teams yet) is asked as subqueries:
# the same rows, without a query longer than the database accepts.
LISTED_IDS_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class Unassigned:
    """The patients with nobody (with an active account) on their care team, read once per page
    and reused by the page's scope and by every section's "no care team" mark (one query instead
    of one subquery per section). `ids` None: more than LISTED_IDS_LIMIT of them (a clinic that has
    not assigned its teams yet), asked as subqueries instead."""

    ids: frozenset[int] | None


def unassigned_patients() -> Unassigned:
    """One query: the patients with no staffed care team (none with the restriction off: nothing
    is marked then)."""
    if not care_team_required():
        return Unassigned(frozenset())
    rows = list(
        # NOT IN (the staffed patients): PostgreSQL hashes the subquery once; a NOT EXISTS per
        # patient planned as a nested loop (14 ms against 0.1 ms on the load database).
        Patient.objects.exclude(pk__in=_staffed_patients())
        .order_by()
        .values_list("pk", flat=True)[: LISTED_IDS_LIMIT + 1]
    )
    return Unassigned(frozenset(rows) if len(rows) <= LISTED_IDS_LIMIT else None)


def worklist_filter(
    view: WorklistView,
    actor: Actor,
    at: datetime,
    field: str = "patient_id",
    unassigned: Unassigned | None = None,
) -> Q:
    """The rows of a worklist query (a table with a patient column, `field`) in the view's scope:
    the database form of the core's `on_my_list` (tested against it): the patients whose care team
    the actor is on, those with a break-the-glass access of theirs running at `at`, and those with
    nobody (with an active account) on the care team (`unassigned`, read if not given)."""
    if view.scope is WorklistScope.CLINIC:
        return Q()
    if unassigned is None:
        unassigned = unassigned_patients()
    mine = CareTeamMember.objects.filter(username=actor.username, removed_at__isnull=True)
    glass = BreakGlass.objects.filter(username=actor.username, ends_at__gt=at)
    if unassigned.ids is not None:
        ids = set(
            mine.order_by()
            .values_list("patient_id", flat=True)
            .union(glass.order_by().values_list("patient_id", flat=True))[: LISTED_IDS_LIMIT + 1]
        )
        ids |= unassigned.ids
        if len(ids) <= LISTED_IDS_LIMIT:
            return Q(**{f"{field}__in": sorted(ids)})
    return (
        Q(**{f"{field}__in": mine.values("patient_id")})
        | Q(**{f"{field}__in": glass.values("patient_id")})
        | ~Q(**{f"{field}__in": _staffed_patients()})
    )


def _staffed_patients() -> QuerySet[CareTeamMember, Any]:
    active = get_user_model().objects.filter(is_active=True).values("username")
    return CareTeamMember.objects.filter(removed_at__isnull=True, username__in=active).values(
        "patient_id"
    )


def mark_unassigned(rows: QuerySet[M], unassigned: Unassigned | None = None) -> QuerySet[M]:
    """With the care-team restriction on, each row (of a table with a patient column) carries
    `unassigned`: nobody with an active account is on the patient's care team. The worklists mark
    it, so that someone assigns a team. Given the page's `unassigned` set, the mark is a list of
    ids (no subquery per row); otherwise, or when the set is too large to list, a subquery."""
    if not care_team_required():
        return rows
    mark: Any
    if unassigned is None or unassigned.ids is None:
        mark = ~staffed_team()
    elif not unassigned.ids:
        mark = Value(False, output_field=BooleanField())
    else:
        mark = ExpressionWrapper(
            Q(patient_id__in=sorted(unassigned.ids)), output_field=BooleanField()
        )
    marked: QuerySet[M] = rows.annotate(unassigned=mark)  # type: ignore[assignment]
    return marked
