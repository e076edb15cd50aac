"""Today's "My patients" beside "Whole clinic" (issue 12; the scope rule is clinical/access.py
decide_worklist_scope, docs/care-teams.md): the prescriber switches between the two, the current
one marked; a nurse has only her patients (and those with no care team). The grouped labs and
reviews and the items done today follow the same scope."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor, create_staff
from naltrack.alerts.services import refresh_patient
from naltrack.clinical.access import WorklistScope
from naltrack.patients.careteam import add_to_care_team
from naltrack.patients.models import Patient
from naltrack.worklist.done import mark_done
from naltrack.worklist.services import today_worklist
from tests.integration.conftest import COORDINATOR, NOW, PASSWORD, TODAY, at, started_on_injection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

NINA = Actor(None, "nina.nurse", Role.NURSE, None)
LOU = Actor(None, "lou.nurse", Role.NURSE, None)
PAT = Actor(None, "pat.prescriber", Role.PRESCRIBER, None)
# Liver tests overdue for both (first dose 100 days ago): one on pat's and nina's team, one on lou's.
OURS, LOUS = "MRN-0601", "MRN-0602"


@pytest.fixture
def clinic(settings: Any) -> None:
    for actor in (NINA, LOU, PAT):
        assert actor.role is not None
        create_staff(actor.username, PASSWORD, actor.role)
    for mrn, team in ((OURS, ("nina.nurse", "pat.prescriber")), (LOUS, ("lou.nurse",))):
        p: Patient = started_on_injection(mrn, TODAY - timedelta(days=100))
        refresh_patient(p, at=at(TODAY))
        for name in team:
            add_to_care_team(p, name, actor=COORDINATOR, at=NOW)
    settings.CONFIG = dataclasses.replace(settings.CONFIG, care_team_required=True)


def liver_overdue(actor: Actor, scope: WorklistScope | None = None) -> list[str]:
    labs = today_worklist(TODAY, actor=actor, scope=scope).labs_reviews_due
    assert labs is not None
    return [c.patient.mrn for c in labs.groups[0].rows]


def test_my_patients_and_the_whole_clinic_hold_their_own_patients(clinic: None) -> None:
    assert liver_overdue(PAT) == [OURS]
    assert liver_overdue(PAT, WorklistScope.MY_PATIENTS) == [OURS]
    assert liver_overdue(PAT, WorklistScope.CLINIC) == [OURS, LOUS]
    assert liver_overdue(NINA) == [OURS] and liver_overdue(LOU) == [LOUS]


def test_done_items_follow_the_scope(clinic: None) -> None:
    mark_done(LOUS, "liver_tests", actor=LOU, at=NOW)

    def done(actor: Actor, scope: WorklistScope | None = None) -> list[str]:
        labs = today_worklist(TODAY, actor=actor, scope=scope).labs_reviews_due
        assert labs is not None
        return [d.patient.mrn for d in labs.done]

    assert done(LOU) == [LOUS] and done(NINA) == [] and done(PAT) == []
    assert done(PAT, WorklistScope.CLINIC) == [LOUS]
    assert liver_overdue(PAT, WorklistScope.CLINIC) == [OURS]


def _client(username: str) -> Client:
    c = Client()
    assert c.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return c


def test_the_prescriber_sees_both_tabs_the_current_one_marked(clinic: None) -> None:
    pat = _client("pat.prescriber")
    mine = pat.get("/today/").content.decode()
    assert '<nav class="tabs" aria-label="Whose patients">' in mine
    assert '<a href="/today/" aria-current="page">My patients</a>' in mine
    assert '<a href="/today/?scope=clinic">Whole clinic</a>' in mine
    assert OURS in mine and LOUS not in mine
    whole = pat.get("/today/?scope=clinic").content.decode()
    assert '<a href="/today/?scope=clinic" aria-current="page">Whole clinic</a>' in whole
    assert OURS in whole and LOUS in whole
    inbox = pat.get("/alerts/").content.decode()
    assert '<a href="/alerts/" aria-current="page">My patients</a>' in inbox


def test_a_nurse_has_only_her_patients_and_no_tabs(clinic: None) -> None:
    nina = _client("nina.nurse").get("/today/").content.decode()
    assert 'class="tabs"' not in nina and OURS in nina and LOUS not in nina
