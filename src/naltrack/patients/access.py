"""The care-team gate in front of every chart read: the facts the core's rule needs
(clinical/access.py), gathered for one clinician and one patient. `read_patient` applies it, so
every page and API call that opens a chart passes here."""

from __future__ import annotations

from datetime import datetime

from naltrack.accounts.services import Actor
from naltrack.clinic import care_team_required
from naltrack.clinical.access import ChartAccess, ChartAccessFacts, decide_chart_access

from .models import BreakGlass, CareTeamMember, Patient


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
