"""The care-team gate in front of every chart read: the facts the core's rule needs
(clinical/access.py), gathered for one clinician and one patient. `read_patient` applies it, so
every page and API call that opens a chart passes here."""

from __future__ import annotations

from datetime import datetime

from django.db.models import DateTimeField, Value

from naltrack.accounts.services import Actor
from naltrack.clinic import care_team_required
from naltrack.clinical.access import ChartAccess, ChartAccessFacts, decide_chart_access

from .models import BreakGlass, CareTeamMember, Patient


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
