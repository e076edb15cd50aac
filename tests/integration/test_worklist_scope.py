"""Whose patients Today and the alert inbox list (issue 10; clinical/access.py decide_worklist_scope),
with the care-team restriction on: a nurse or counselor sees their care teams' patients, those whose
chart they opened with break-the-glass, and every patient with nobody on the care team (marked); the
prescriber the same by default and the whole clinic on asking; the coordinator the whole clinic's
schedules. An overdue patient with no care team is never hidden from everyone."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor, PermissionRefused, create_staff, create_token
from naltrack.alerts.models import Alert, CareStatus
from naltrack.alerts.services import list_alerts, refresh_patient
from naltrack.audit.models import AuditEvent
from naltrack.clinical.access import WorklistScope, on_my_list
from naltrack.patients import access
from naltrack.patients.access import worklist_filter, worklist_view
from naltrack.patients.careteam import add_to_care_team, break_glass, remove_from_care_team
from naltrack.patients.models import BreakGlass, CareTeamMember, Patient
from naltrack.worklist.services import today_worklist
from tests.integration.conftest import COORDINATOR, NOW, PASSWORD, TODAY, at, started_on_injection

pytestmark = pytest.mark.django_db

# Pages read the clock: the fixed day at the wall time. A break-the-glass access opened at the
# day's midnight, for 24 hours, runs whatever the time the tests run.
MIDNIGHT = at(TODAY, 0)
REASON = "Covering the injection clinic today; the patient is in the waiting room."
NINA = Actor(None, "nina.nurse", Role.NURSE, None)
LOU = Actor(None, "lou.nurse", Role.NURSE, None)
COLE = Actor(None, "cole.counselor", Role.COUNSELOR, None)
PAT = Actor(None, "pat.prescriber", Role.PRESCRIBER, None)
CORA = Actor(None, "cora.coordinator", Role.COORDINATOR, None)
STAFF = (NINA, LOU, COLE, PAT, CORA)

# Five patients, every one with an injection overdue (40 days after the first) and its alert:
#   A: nina's team   B: lou's team   C: nobody's (just registered)   D: only gone.nurse, who left
#   (account disabled)   E: lou's team, and nina broke the glass for it
TEAMS = {"MRN-0801": ["nina.nurse"], "MRN-0802": ["lou.nurse"], "MRN-0803": [],
         "MRN-0804": ["gone.nurse"], "MRN-0805": ["lou.nurse"]}  # fmt: skip
A, B, C, D, E = TEAMS


@pytest.fixture
def clinic(settings: Any) -> dict[str, Patient]:
    for actor in (*STAFF, Actor(None, "gone.nurse", Role.NURSE, None)):
        assert actor.role is not None
        create_staff(actor.username, PASSWORD, actor.role)
    patients = {}
    for mrn, team in TEAMS.items():
        p = started_on_injection(mrn, TODAY - timedelta(days=40))
        refresh_patient(p, at=at(TODAY))
        for name in team:
            add_to_care_team(p, name, actor=COORDINATOR, at=NOW)
        patients[mrn] = p
    User.objects.filter(username="gone.nurse").update(is_active=False)
    settings.CONFIG = dataclasses.replace(
        settings.CONFIG, care_team_required=True, break_glass_hours=24, fixed_today=TODAY
    )
    break_glass(patients[E], REASON, actor=NINA, at=MIDNIGHT)
    return patients


def overdue(actor: Actor, scope: WorklistScope | None = None) -> list[str]:
    section = today_worklist(TODAY, actor=actor, at=MIDNIGHT, scope=scope).injections_overdue
    assert section is not None
    return sorted(c.patient.mrn for c in section.rows)


def alerted(actor: Actor, scope: WorklistScope | None = None) -> list[str]:
    return sorted({a.patient.mrn for a in list_alerts(actor=actor, scope=scope, at=MIDNIGHT)})


@pytest.mark.parametrize(
    ("actor", "scope", "expected"),
    [(NINA, None, [A, C, D, E]),          # her team, no team, a team that left, her break-the-glass
     (LOU, None, [B, C, D, E]),
     (COLE, None, [C, D]),                # on no team: the patients nobody has
     (PAT, None, [C, D]),
     (PAT, WorklistScope.MY_PATIENTS, [C, D]),
     (PAT, WorklistScope.CLINIC, [A, B, C, D, E]),   # asked: the clinic's safety list
     (CORA, None, [A, B, C, D, E])],      # the coordinator's job is the whole clinic's schedule
    ids=["nurse", "other nurse", "counselor", "prescriber", "prescriber asks for own",
         "prescriber asks for clinic", "coordinator"],
)  # fmt: skip
def test_today_lists_the_patients_of_the_scope(
    clinic: dict[str, Patient], actor: Actor, scope: WorklistScope | None, expected: list[str]
) -> None:
    assert overdue(actor, scope) == expected
    if actor is not CORA:  # the coordinator has no alert inbox
        assert alerted(actor, scope) == expected
        work = today_worklist(TODAY, actor=actor, scope=scope)
        assert work.alerts is not None
        assert sorted({a.patient.mrn for a in work.alerts.rows}) == expected
        assert sum(work.alert_counts.values()) == Alert.objects.filter(
            patient__mrn__in=expected).exclude(status="resolved").count()  # fmt: skip


def test_an_overdue_patient_with_no_care_team_is_on_everyones_list(
    clinic: dict[str, Patient],
) -> None:
    for actor in STAFF:
        mine = overdue(actor)
        assert C in mine and D in mine, actor.username
    # and marked, so that someone assigns a team
    section = today_worklist(TODAY, actor=NINA).injections_overdue
    assert section is not None
    assert {c.patient.mrn: c.unassigned for c in section.rows} == {
        A: False,
        C: True,
        D: True,
        E: False,
    }


def test_assigning_a_team_takes_the_patient_off_the_others_lists(
    clinic: dict[str, Patient],
) -> None:
    add_to_care_team(clinic[C], "lou.nurse", actor=COORDINATOR, at=NOW)
    assert C not in overdue(NINA) and C in overdue(LOU)


def test_the_clinic_list_is_only_for_roles_whose_job_is_the_clinic(
    clinic: dict[str, Patient],
) -> None:
    for actor in (NINA, COLE):
        with pytest.raises(PermissionRefused):
            today_worklist(TODAY, actor=actor, scope=WorklistScope.CLINIC)
        with pytest.raises(PermissionRefused):
            list_alerts(actor=actor, scope=WorklistScope.CLINIC)


def test_with_the_restriction_off_everyone_sees_the_clinic(clinic: dict[str, Patient], settings: Any) -> None:  # fmt: skip
    settings.CONFIG = dataclasses.replace(settings.CONFIG, care_team_required=False)
    for actor in STAFF:
        assert overdue(actor) == [A, B, C, D, E]


@pytest.mark.parametrize("limit", [2000, 1], ids=["ids listed", "too many to list: subqueries"])
def test_the_query_agrees_with_the_core_rule(clinic: dict[str, Patient], limit: int, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """patients.access.worklist_filter is the database form of clinical.access.on_my_list: for
    every staff member and patient, the same answer from the facts gathered one by one, whether
    the list's patients are read first or asked as subqueries."""
    monkeypatch.setattr(access, "LISTED_IDS_LIMIT", limit)
    now = NOW
    for actor in (NINA, LOU, COLE, PAT):
        view = worklist_view(actor, None)
        listed = set(
            CareStatus.objects.filter(worklist_filter(view, actor, now)).values_list("patient__mrn", flat=True)
        )  # fmt: skip
        for mrn, p in clinic.items():
            members = CareTeamMember.objects.filter(patient=p, removed_at__isnull=True)
            rule = on_my_list(
                view.scope,
                on_team=members.filter(username=actor.username).exists(),
                break_glass_running=BreakGlass.objects.filter(patient=p, username=actor.username, ends_at__gt=now).exists(),
                staffed_members=members.filter(username__in=User.objects.filter(is_active=True).values("username")).count(),
            )  # fmt: skip
            assert (mrn in listed) is rule, (actor.username, mrn)


@pytest.mark.parametrize("limit", [2000, 1], ids=["ids listed", "too many to list: subqueries"])
def test_the_unassigned_set_read_once_marks_as_the_subquery_does(clinic: dict[str, Patient], limit: int, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Today reads the patients with no care team once and reuses the set for its scope and every
    section's mark: the same answer as the per-row subquery, before and after the team changes
    (a member's account disabled and enabled again, a member added and taken off)."""
    monkeypatch.setattr(access, "LISTED_IDS_LIMIT", limit)

    def marks(unassigned: access.Unassigned | None) -> dict[str, bool]:
        rows = access.mark_unassigned(CareStatus.objects.select_related("patient"), unassigned)
        return {r.patient.mrn: getattr(r, "unassigned") for r in rows}  # noqa: B009

    def agree() -> dict[str, bool]:
        once = marks(access.unassigned_patients())
        assert once == marks(None)
        for actor in (NINA, LOU, PAT):
            view = worklist_view(actor, None)
            with_set = worklist_filter(view, actor, NOW, unassigned=access.unassigned_patients())
            assert set(CareStatus.objects.filter(with_set).values_list("patient__mrn", flat=True)) == set(
                CareStatus.objects.filter(worklist_filter(view, actor, NOW)).values_list("patient__mrn", flat=True)
            )  # fmt: skip
        return once

    assert agree() == {A: False, B: False, C: True, D: True, E: False}
    User.objects.filter(username="lou.nurse").update(is_active=False)
    assert agree() == {A: False, B: True, C: True, D: True, E: True}
    User.objects.filter(username="lou.nurse").update(is_active=True)
    add_to_care_team(clinic[C], "cole.counselor", actor=COORDINATOR, at=NOW)
    assert agree() == {A: False, B: False, C: False, D: True, E: False}
    remove_from_care_team(clinic[A], "nina.nurse", actor=COORDINATOR, at=NOW)
    assert agree() == {A: True, B: False, C: False, D: True, E: False}


def test_the_read_is_audited_with_its_scope(clinic: dict[str, Patient]) -> None:
    today_worklist(TODAY, actor=PAT, at=NOW, scope=WorklistScope.CLINIC)
    [event] = AuditEvent.objects.filter(object_type="worklist", actor="pat.prescriber")
    assert event.detail.startswith(f"Today {TODAY.isoformat()} scope=clinic: injections_overdue=5")


# ---- pages and API -----------------------------------------------------------------------------


def _client(name: str) -> Client:
    c = Client()
    assert c.post("/login/", {"username": name, "password": PASSWORD}).status_code == 302
    return c


def test_today_page_says_whose_patients_and_offers_the_clinic_to_the_prescriber(clinic: dict[str, Patient]) -> None:  # fmt: skip
    nina = _client("nina.nurse").get("/today/").content.decode()
    assert "Your patients: those whose care team you are on" in nina
    assert "Whole clinic</a>" not in nina
    assert B not in nina and A in nina and C in nina
    assert nina.count(">no care team</a>") >= 2  # C and D, marked with a link to assign a team
    assert f'href="/patients/{C}/care-team/"' in nina
    assert _client("nina.nurse").get("/today/?scope=clinic").status_code == 403

    pat = _client("pat.prescriber")
    mine = pat.get("/today/").content.decode()
    assert 'href="/today/?scope=clinic">Whole clinic' in mine and B not in mine
    clinic_page = pat.get("/today/?scope=clinic").content.decode()
    assert (
        "Whole clinic: every patient" in clinic_page
        and '<a href="/today/">My patients' in clinic_page
    )
    assert all(mrn in clinic_page for mrn in TEAMS)

    cora = _client("cora.coordinator").get("/today/").content.decode()
    assert "Whole clinic: schedules and contacts" in cora and all(mrn in cora for mrn in TEAMS)


def test_alert_inbox_page_is_scoped_like_today(clinic: dict[str, Patient]) -> None:
    nina = _client("nina.nurse").get("/alerts/").content.decode()
    assert A in nina and C in nina and B not in nina
    pat = _client("pat.prescriber").get("/alerts/?scope=clinic").content.decode()
    assert all(mrn in pat for mrn in TEAMS) and 'name="scope" value="clinic"' in pat


def test_the_api_takes_the_scope(clinic: dict[str, Patient]) -> None:
    def get(name: str, url: str) -> Any:
        token = create_token(name, at=NOW)
        return Client().get(url, headers={"Authorization": f"Bearer {token}"})

    today = get("nina.nurse", "/api/worklist/today").json()
    assert today["scope"] == "mine" and "care team you are on" in today["scope_label"]
    assert sorted(r["mrn"] for r in today["injections_overdue"]["items"]) == [A, C, D, E]
    assert get("nina.nurse", "/api/worklist/today?scope=clinic").status_code == 403
    assert get("nina.nurse", "/api/alerts?scope=clinic").status_code == 403
    whole = get("pat.prescriber", "/api/worklist/today?scope=clinic").json()
    assert whole["scope"] == "clinic" and whole["injections_overdue"]["total"] == 5
    alerts = get("pat.prescriber", "/api/alerts").json()
    assert sorted({a["mrn"] for a in alerts["items"]}) == [C, D]
    assert get("pat.prescriber", "/api/alerts?scope=nonsense").status_code == 400
