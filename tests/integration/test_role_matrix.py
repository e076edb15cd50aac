"""Every role against every action, through the services (not the templates): a role outside the
table is refused, a role inside it is not. The expected table is written out here on its own, so a
change to roles.py that is not also made here fails."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

from naltrack.accounts.roles import PERMISSIONS, Action, Role
from naltrack.accounts.services import Actor, PermissionRefused
from naltrack.accounts.staff import staff_list
from naltrack.alerts.models import Alert
from naltrack.alerts.services import acknowledge, assign_alerts, list_alerts, refresh_patient
from naltrack.appointments.calendar import add_holiday
from naltrack.appointments.services import book_appointment
from naltrack.choice.services import ChoiceInput, read_aid, record_choice
from naltrack.clinical.access import WorklistScope
from naltrack.clinical.consent import Recipient, RecipientClass
from naltrack.counselling.services import read_sessions, record_session
from naltrack.disclosure.services import (
    ConsentInput,
    accounting,
    disclose,
    list_consents,
    record_consent,
    review,
)
from naltrack.insurance.services import CoverageInput, patient_insurance, record_coverage
from naltrack.intake.services import InquiryInput, take_inquiry, time_to_dose_report
from naltrack.inventory.services import receive_lot
from naltrack.inventory.services import stock as kit_stock
from naltrack.merge.services import merge_charts
from naltrack.monitoring.services import record_observation, record_side_effect
from naltrack.naloxone.services import (
    HandOutInput,
    ReceiveInput,
    hand_out,
    read_coverage,
    receive_stock,
)
from naltrack.outreach.services import AttemptInput, record_attempt
from naltrack.patients.careteam import add_to_care_team, break_glass
from naltrack.patients.details import details_of, update_details
from naltrack.patients.models import Patient
from naltrack.patients.records import (
    AssessmentInput,
    add_medication,
    record_assessment,
    search_patients,
)
from naltrack.patients.services import PatientInput, read_patient, register_patient
from naltrack.portal.invites import invite_patient
from naltrack.reports.policy import read_clinic_policy
from naltrack.reports.services import read_report
from naltrack.screening.services import run_screening, sign_screening
from naltrack.signin.lockout import current_locks
from naltrack.treatment.services import (
    PlanInput,
    change_plan,
    discontinue,
    insert_implant,
    record_administration,
    sign_order,
)
from naltrack.worklist.done import mark_done
from naltrack.worklist.services import today_worklist
from tests.integration.conftest import (
    CAST,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    attested,
    injection,
    make_ready,
    started_on_injection,
)

pytestmark = pytest.mark.django_db

P, N, C, K, D = "prescriber", "nurse", "counselor", "coordinator", "director"
EXPECTED: dict[Action, set[str]] = {
    Action.VIEW_PATIENT_LIST: {P, N, C, K},
    Action.REGISTER_PATIENT: {P, K},
    Action.VIEW_CHART: {P, N, C},
    Action.RECORD_ASSESSMENT: {P},
    Action.RECORD_MEDICATION_LIST: {P, N},
    Action.RUN_SCREENING: {P, N},
    Action.SIGN_SCREENING: {P},
    Action.OVERRIDE_BLOCK: {P},
    Action.SIGN_ORDER: {P},
    Action.RECORD_ADMINISTRATION: {N},
    Action.RECORD_IMPLANT: {P},
    Action.RECORD_OBSERVATION: {N, P},
    Action.RECORD_SIDE_EFFECT: {N, P},
    Action.EDIT_PLAN: {P, C},
    Action.EDIT_PLAN_MEDICATION: {P},
    Action.DISCONTINUE_TREATMENT: {P},
    Action.VIEW_COUNSELLING_NOTES: {C, P},
    Action.RECORD_COUNSELLING: {C},
    Action.VIEW_SCHEDULE: {P, N, C, K},
    Action.MANAGE_APPOINTMENTS: {P, N, C, K},
    Action.VIEW_ALERTS: {P, N, C},
    Action.HANDLE_ALERTS: {P, N},
    Action.VIEW_AUDIT: {D},
    Action.UNLOCK_SIGNIN: {D},
    Action.VIEW_REPORTS: {D, P},
    Action.VIEW_POLICY: {D, P},
    Action.VIEW_CONSENTS: {P, N, C, K},
    Action.RECORD_CONSENT: {P, N, C, K},
    Action.DISCLOSE_RECORDS: {P, N, C},
    Action.DECLARE_EMERGENCY: {P, N},
    Action.VIEW_DISCLOSURES: {P, N, C, K},
    Action.REVIEW_DISCLOSURES: {D},
    Action.MANAGE_STAFF: {D},
    Action.MANAGE_CARE_TEAM: {P, K},
    Action.BREAK_GLASS: {P, N, C},
    Action.VIEW_CLINIC_WORKLIST: {P, K},
    Action.INVITE_TO_PORTAL: {N, K},
    Action.EDIT_PATIENT_DETAILS: {P, N, K},
    Action.MERGE_CHARTS: {D},
    Action.RECORD_OUTREACH: {P, N, C, K},
    Action.MANAGE_CLINIC_CALENDAR: {D, K},
    Action.MARK_WORKLIST_DONE: {P, N, C},
    Action.ASSIGN_ALERTS: {P, N},
    Action.MANAGE_INTAKE: {P, K},
    Action.VIEW_INTAKE_REPORT: {D, K},
    Action.HAND_OUT_NALOXONE: {P, N, C},
    Action.MANAGE_NALOXONE_STOCK: {N},
    Action.VIEW_NALOXONE_COVERAGE: {D, K, P, N},
    Action.VIEW_CHOICE_AID: {P, N, C},
    Action.RECORD_MEDICATION_CHOICE: {P},
    Action.VIEW_INVENTORY: {N, P, D},
    Action.MANAGE_INVENTORY: {N},
    Action.VIEW_INSURANCE: {P, N, K},
    Action.MANAGE_INSURANCE: {K},
}


@dataclass
class World:
    patient: Patient
    screening_id: int
    blocked_screening_id: int
    alert_id: int


def _plan(formulation: str = "xr_injection") -> PlanInput:
    return PlanInput(formulation=formulation, regimen=formulation, goals="g")


NOW = at(TODAY)
ACTIONS: dict[Action, Callable[[Actor, World], Any]] = {
    Action.VIEW_PATIENT_LIST: lambda a, w: list(search_patients("Test", actor=a)),
    Action.REGISTER_PATIENT: lambda a, w: register_patient(
        PatientInput("MRN-0999", "New", "Patient", TODAY - timedelta(days=9000), "male"), actor=a, at=NOW),
    Action.VIEW_CHART: lambda a, w: read_patient(w.patient.mrn, actor=a, at=NOW),
    Action.RECORD_ASSESSMENT: lambda a, w: record_assessment(
        w.patient, AssessmentInput(TODAY, "OUD", ("craving",)), actor=a, at=NOW),
    Action.RECORD_MEDICATION_LIST: lambda a, w: add_medication(w.patient, name="sertraline", actor=a, at=NOW),
    Action.RUN_SCREENING: lambda a, w: run_screening(w.patient, {}, formulation="xr_injection", actor=a, at=NOW),
    Action.SIGN_SCREENING: lambda a, w: sign_screening(w.screening_id, actor=a, at=NOW, **attested(w.screening_id)),
    Action.OVERRIDE_BLOCK: lambda a, w: sign_screening(
        w.blocked_screening_id, actor=a, at=NOW, override_reason="A clinical reason long enough to count.",
        **attested(w.blocked_screening_id, overriding=True)),
    Action.SIGN_ORDER: lambda a, w: sign_order(w.patient, formulation="xr_injection", regimen="xr_injection",
                                               dose_mg=380, actor=a, at=NOW),
    Action.RECORD_ADMINISTRATION: lambda a, w: record_administration(
        w.patient, injection(TODAY, site="right", confirm_warnings=True), actor=a, at=NOW),
    Action.RECORD_IMPLANT: lambda a, w: insert_implant(w.patient, inserted_on=TODAY, product="implant", dose_mg=1800,
                                                       lot="L", site="abdomen", actor=a, at=NOW),
    Action.RECORD_OBSERVATION: lambda a, w: record_observation(
        w.patient, kind="craving", observed_on=TODAY, data={"value": 3}, actor=a, at=NOW),
    Action.RECORD_SIDE_EFFECT: lambda a, w: record_side_effect(
        w.patient, kind="nausea", severity="mild", noted_on=TODAY, actor=a, at=NOW),
    Action.EDIT_PLAN: lambda a, w: change_plan(w.patient, _plan(), reason="same medication", actor=a, at=NOW),
    Action.EDIT_PLAN_MEDICATION: lambda a, w: change_plan(
        w.patient, PlanInput("oral", "oral_daily"), reason="switch to tablets", actor=a, at=NOW),
    Action.DISCONTINUE_TREATMENT: lambda a, w: discontinue(w.patient, reason="stop", on=TODAY, actor=a, at=NOW),
    Action.VIEW_COUNSELLING_NOTES: lambda a, w: read_sessions(w.patient, actor=a, at=NOW),
    Action.RECORD_COUNSELLING: lambda a, w: record_session(
        w.patient, held_on=TODAY, kind="individual", attendance="attended", actor=a, at=NOW),
    Action.VIEW_SCHEDULE: lambda a, w: today_worklist(TODAY, actor=a),
    Action.MANAGE_APPOINTMENTS: lambda a, w: book_appointment(w.patient, kind="lab", on=TODAY, actor=a, at=NOW),
    Action.VIEW_ALERTS: lambda a, w: list(list_alerts(actor=a)),
    Action.HANDLE_ALERTS: lambda a, w: acknowledge(w.alert_id, actor=a, at=NOW),
    Action.VIEW_AUDIT: lambda a, w: audit_page(a),
    Action.UNLOCK_SIGNIN: lambda a, w: current_locks(actor=a),
    Action.VIEW_REPORTS: lambda a, w: read_report(TODAY - timedelta(days=30), TODAY, actor=a, at=NOW),
    Action.VIEW_POLICY: lambda a, w: read_clinic_policy(actor=a, at=NOW),
    Action.VIEW_CONSENTS: lambda a, w: list_consents(w.patient, actor=a, at=NOW),
    Action.RECORD_CONSENT: lambda a, w: record_consent(w.patient, ConsentInput(
        "general", "Test Patient", "patient", TODAY, recipient_names=("Dr. Ana Rivera",), purposes=("TREAT",),
        record_kinds=("medications",), expires_on=TODAY + timedelta(days=30)), actor=a, at=NOW),
    Action.DISCLOSE_RECORDS: lambda a, w: disclose(w.patient, Recipient("Dr. Ana Rivera"), "TREAT", {"medications"}, a, NOW),
    Action.DECLARE_EMERGENCY: lambda a, w: disclose(
        w.patient, Recipient("Mercy ED", RecipientClass.TREATING_PROVIDERS), "ETREAT", {"medications"}, a, NOW,
        "Unresponsive after a suspected overdose."),
    Action.VIEW_DISCLOSURES: lambda a, w: accounting(w.patient, actor=a, at=NOW),
    Action.REVIEW_DISCLOSURES: lambda a, w: review(actor=a, at=NOW),
    Action.MANAGE_STAFF: lambda a, w: staff_list(by=a),
    Action.MANAGE_CARE_TEAM: lambda a, w: add_to_care_team(w.patient, "nobody.here", actor=a, at=NOW),
    Action.BREAK_GLASS: lambda a, w: break_glass(w.patient, "Covering the evening clinic today.", actor=a, at=NOW),
    Action.VIEW_CLINIC_WORKLIST: lambda a, w: today_worklist(TODAY, actor=a, scope=WorklistScope.CLINIC),
    Action.INVITE_TO_PORTAL: lambda a, w: invite_patient(w.patient.mrn, "p@example.org", actor=a, at=NOW,
                                                         site="https://clinic.example.org"),
    Action.EDIT_PATIENT_DETAILS: lambda a, w: update_details(
        w.patient.mrn, replace(details_of(w.patient), phone="555-0177"), version=w.patient.version, actor=a, at=NOW),
    Action.MERGE_CHARTS: lambda a, w: merge_charts(
        w.patient.mrn, "MRN-0301", reason="Registered twice at the desk.", actor=a, at=NOW),
    Action.RECORD_OUTREACH: lambda a, w: record_attempt(w.patient, AttemptInput("call", "no_answer"), actor=a, at=NOW),
    Action.MANAGE_CLINIC_CALENDAR: lambda a, w: add_holiday(TODAY + timedelta(days=40), "Staff day", actor=a, at=NOW),
    Action.MARK_WORKLIST_DONE: lambda a, w: mark_done(w.patient.mrn, "liver_tests", actor=a, at=NOW),
    Action.ASSIGN_ALERTS: lambda a, w: assign_alerts([w.alert_id], assignee="nobody.here", actor=a, at=NOW),
    Action.MANAGE_INTAKE: lambda a, w: take_inquiry(
        InquiryInput("self", "Ines", "Caller", "call", "oud", phone="555-0101"), actor=a, at=NOW),
    Action.VIEW_INTAKE_REPORT: lambda a, w: time_to_dose_report(TODAY - timedelta(days=30), TODAY, actor=a, at=NOW),
    Action.HAND_OUT_NALOXONE: lambda a, w: hand_out(w.patient, HandOutInput("declined", "visit"), actor=a, at=NOW),
    Action.MANAGE_NALOXONE_STOCK: lambda a, w: receive_stock(
        ReceiveInput("nasal_4mg", "NX-1", TODAY + timedelta(days=90), 5), actor=a, at=NOW),
    Action.VIEW_NALOXONE_COVERAGE: lambda a, w: read_coverage(TODAY, actor=a, at=NOW),
    Action.VIEW_CHOICE_AID: lambda a, w: read_aid(w.patient, actor=a, at=NOW),
    Action.RECORD_MEDICATION_CHOICE: lambda a, w: record_choice(
        w.patient, ChoiceInput("naltrexone_injection", "One visit a month."), actor=a, at=NOW),
    Action.VIEW_INVENTORY: lambda a, w: kit_stock(actor=a, at=NOW),
    Action.MANAGE_INVENTORY: lambda a, w: receive_lot(lot="LOT-1", expiry=TODAY + timedelta(days=90), count=2,
                                                      received_on=TODAY, actor=a, at=NOW),
    Action.VIEW_INSURANCE: lambda a, w: patient_insurance(w.patient, actor=a, at=NOW),
    Action.MANAGE_INSURANCE: lambda a, w: record_coverage(w.patient, CoverageInput("self_pay", TODAY), actor=a, at=NOW),
}  # fmt: skip


def audit_page(actor: Actor) -> None:
    """The audit trail is read through the viewer and the API, which hold the role check (the
    audit app sits below accounts); this goes through the viewer, as the director would."""
    from django.test import Client

    from naltrack.accounts.services import create_staff

    role = actor.role or Role.NURSE
    user = create_staff(actor.username, "a-long-demo-password-1", role)
    if actor.role is None:
        user.staff.delete()
    client = Client()
    client.force_login(user)
    if client.get("/audit/").status_code == 403:
        raise PermissionRefused(actor, Action.VIEW_AUDIT)


class Rollback(Exception):
    pass


@pytest.fixture
def world() -> World:
    p = started_on_injection("MRN-0300", TODAY - timedelta(days=30))
    change_plan(p, _plan(), reason="Initial plan", actor=PRESCRIBER, at=NOW)
    screening = run_screening(p, {}, formulation="xr_injection", actor=NURSE, at=NOW)
    make_ready(p, TODAY, last_use_days=2)
    blocked = run_screening(p, {}, formulation="xr_injection", actor=NURSE, at=NOW)
    assert blocked.decision == "not_yet"
    refresh_patient(p, at=NOW)
    return World(p, screening.pk, blocked.pk, Alert.objects.filter(patient=p).first().pk)  # type: ignore[union-attr]


def test_the_table_covers_every_action() -> None:
    assert set(ACTIONS) == set(Action) == set(EXPECTED)
    assert {a: {r.value for r in roles} for a, roles in PERMISSIONS.items()} == EXPECTED


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_every_role_against_the_action(action: Action, world: World) -> None:
    outcome: dict[str, bool] = {}
    for actor in CAST:
        try:
            with transaction.atomic():
                ACTIONS[action](actor, world)
                raise Rollback  # each role starts from the same world
        except PermissionRefused:
            outcome[actor.username] = False
        except Exception:
            outcome[actor.username] = True
    expected = {a.username: (a.role is not None and a.role.value in EXPECTED[action]) for a in CAST}
    assert outcome == expected


# ---- the patient portal's accounts (issue 11) ----------------------------------------------------
# A patient account acts through a PatientActor: no staff action is open to it, through the
# services, the staff pages or the staff JSON API; and no staff account signs in to the portal.


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_a_patient_actor_is_refused_every_staff_action(action: Action, world: World) -> None:
    from tests.integration.portal_helpers import give_portal_account, portal_actor

    actor = portal_actor(give_portal_account(world.patient))
    with pytest.raises(PermissionRefused), transaction.atomic():
        ACTIONS[action](actor, world)  # type: ignore[arg-type]


def _staff_paths(mrn: str) -> list[str]:
    """Every staff page of naltrack.urls, its arguments filled in (the portal and probes aside)."""
    from django.urls import URLPattern, URLResolver

    from naltrack import urls

    paths = []
    for entry in urls.urlpatterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route == "":  # the sign-in area's pages, included at the root
                paths += [str(p.pattern) for p in entry.url_patterns if isinstance(p, URLPattern)]
            continue
        # the probes, and the wallet card's public QR page (no sign-in; test_wallet_card.py);
        # CDS Hooks: another system's calls, trusted by its signed JWT and never by a session
        # (discovery is open by the specification; test_cds_hooks.py refuses every bad JWT)
        if route not in ("healthz", "readyz", "card/check/<str:token>/") and not route.startswith(
            "cds-services"
        ):
            paths.append(route)
    args = {"<str:mrn>": mrn, "<int:pk>": "1", "<int:alert_id>": "1", "<slug:measure_id>": "pdc"}
    filled = []
    for route in paths:
        for name, value in args.items():
            route = route.replace(name, value)
        assert "<" not in route, route
        filled.append("/" + route)
    return filled


def _api_calls(mrn: str) -> list[tuple[str, str]]:
    from naltrack.api import api

    calls = []
    for route, methods in api.get_openapi_schema()["paths"].items():
        path = re.sub(r"\{mrn\}", mrn, route)
        path = re.sub(r"\{[a-z_]+\}", "1", path)
        calls += [(method.upper(), path) for method in methods]
    return calls


def test_a_patient_account_reaches_no_staff_page_and_no_staff_api(world: World) -> None:
    from tests.integration.portal_helpers import give_portal_account, portal_client

    client = portal_client(give_portal_account(world.patient))
    pages = _staff_paths(world.patient.mrn)
    assert len(pages) > 40  # the whole staff side, not a sample
    for path in pages:
        for method in ("get", "post"):
            answer = getattr(client, method)(path)
            assert answer.status_code == 403, (method, path, answer.status_code)
    calls = _api_calls(world.patient.mrn)
    assert len(calls) > 30
    for method, path in calls:
        answer = client.generic(method, path, "{}", content_type="application/json")
        assert answer.status_code == 403, (method, path, answer.status_code)
        assert answer.json() == {"detail": "a patient portal account cannot use the staff API"}
    assert client.get("/portal/").status_code == 200  # still signed in to the portal


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_no_staff_role_signs_in_to_the_portal(role: Role, world: World) -> None:
    from django.test import Client

    from naltrack.accounts.services import create_staff
    from tests.integration.conftest import PASSWORD, login

    username = f"someone.{role.value}"
    create_staff(username, PASSWORD, role)
    answer = Client().post("/portal/sign-in/", {"username": username, "password": PASSWORD})
    assert answer.status_code == 200 and b"not right" in answer.content
    signed_in_staff = login(role, f"other.{role.value}")
    pages = _patient_pages()
    assert {"/portal/", "/portal/settings/"} <= set(pages)
    for path in pages:
        for method in ("get", "post"):
            assert getattr(signed_in_staff, method)(path).status_code == 403, (method, path)


def _patient_pages() -> list[str]:
    """Every portal page made with `portal_view` (the patient's own pages), arguments filled."""
    from django.urls import URLPattern

    from naltrack.portal import urls

    pages = []
    for entry in urls.urlpatterns:
        if isinstance(entry, URLPattern) and getattr(entry.callback, "patient_only", False):
            pages.append("/portal/" + re.sub(r"<[a-z]+:[a-z_]+>", "1", str(entry.pattern)))
    return pages
