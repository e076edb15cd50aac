"""My plan: the patient reads the current plan in plain words and edits the relapse-prevention
plan only where the care team allows it; each edit is a new plan version written by the patient
account, seen by the counselor on the chart and in the plan history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.patients.models import Patient
from naltrack.treatment.models import TreatmentPlan
from naltrack.treatment.services import PlanInput, change_plan
from tests.integration.conftest import (
    COUNSELOR,
    NOW,
    PRESCRIBER,
    TODAY,
    login,
    started_on_injection,
)
from tests.integration.portal_helpers import give_portal_account, portal_client

pytestmark = pytest.mark.django_db

EDIT = {"triggers": "Payday; the old neighbourhood", "warning_signs": "Skipping meetings",
        "coping_strategies": "Call my sister, go for a walk", "support_contacts": "Sister Ana 555-0142"}  # fmt: skip


@pytest.fixture
def planned(db: None) -> Patient:
    p = started_on_injection("MRN-0400", TODAY - timedelta(days=5))
    change_plan(p, PlanInput(formulation="xr_injection", regimen="xr_injection", goals="Stay well at work",
                             psychosocial=("group_therapy",), triggers="Stress",
                             relapse_management="Call the clinic the same day."),
                reason="Initial plan", actor=PRESCRIBER, at=NOW)  # fmt: skip
    return p


def open_for_edits(p: Patient) -> None:
    change_plan(p, PlanInput(formulation="xr_injection", regimen="xr_injection", goals="Stay well at work",
                             psychosocial=("group_therapy",), triggers="Stress",
                             relapse_management="Call the clinic the same day.", patient_may_edit=True),
                reason="Open the relapse plan to the patient", actor=COUNSELOR, at=NOW)  # fmt: skip


def test_the_patient_reads_the_plan_in_plain_words(planned: Patient, fixed_today: Any) -> None:
    page = portal_client(give_portal_account(planned)).get("/portal/plan/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "One shot every 4 weeks" in html
    assert "About 6 months" in html
    assert "Group counseling" in html and "Stay well at work" in html
    assert "Call the clinic the same day." in html  # relapse management
    assert "To change this part, talk with your counselor." in html  # not editable
    assert 'name="triggers"' not in html
    read = AuditEvent.objects.get(object_type="portal_plan")
    assert (read.actor, read.detail) == ("patient:mrn-0400@example.org", "version 1")


def test_edits_are_refused_unless_the_care_team_allows(planned: Patient, fixed_today: Any) -> None:
    c = portal_client(give_portal_account(planned))
    answer = c.post("/portal/plan/", {**EDIT, "version": "1"})
    assert answer.status_code == 400
    assert b"has not opened this plan for your changes" in answer.content
    assert TreatmentPlan.objects.filter(patient=planned).count() == 1


def test_the_counselor_opens_the_plan_on_the_editor_page(
    planned: Patient, fixed_today: Any
) -> None:
    counselor = login(Role.COUNSELOR, "cole.counselor")
    form = {"formulation": "xr_injection", "regimen": "xr_injection", "goals": "Stay well at work",
            "psychosocial": ["group_therapy"], "triggers": "Stress", "planned_duration_days": "180",
            "relapse_management": "Call the clinic the same day.", "patient_may_edit": "on",
            "reason": "Open to the patient", "based_on_version": "1"}  # fmt: skip
    assert counselor.post(f"/patients/{planned.mrn}/plan/", form).status_code == 302
    assert TreatmentPlan.current(planned).patient_may_edit  # type: ignore[union-attr]
    chart = counselor.get(f"/patients/{planned.mrn}/").content.decode()
    assert (
        "The patient may edit the relapse-prevention and relapse-management plans in the portal."
        in chart
    )


def test_a_patient_edit_is_a_new_version_the_counselor_sees(
    planned: Patient, fixed_today: Any
) -> None:
    open_for_edits(planned)
    c = portal_client(give_portal_account(planned))
    assert b'name="triggers"' in c.get("/portal/plan/").content
    answer = c.post("/portal/plan/", {**EDIT, "version": "2"})
    assert answer.status_code == 302
    plan = TreatmentPlan.current(planned)
    assert plan is not None and plan.version == 3
    assert plan.created_by == "patient:mrn-0400@example.org" and plan.by_patient
    assert (plan.triggers, plan.support_contacts) == (EDIT["triggers"], EDIT["support_contacts"])
    # Everything else is copied from the version the patient saw.
    assert (plan.goals, plan.regimen, plan.relapse_management, plan.patient_may_edit) == (
        "Stay well at work", "xr_injection", "Call the clinic the same day.", True)  # fmt: skip
    event = AuditEvent.objects.get(
        object_type="treatment_plan", actor="patient:mrn-0400@example.org"
    )
    assert event.action == AuditAction.UPDATE
    assert "triggers, warning_signs, coping_strategies, support_contacts" in event.detail
    counselor = login(Role.COUNSELOR, "cole.counselor")
    chart = counselor.get(f"/patients/{planned.mrn}/").content.decode()
    assert 'id="plan-by-patient"' in chart and "Payday; the old neighbourhood" in chart
    history = counselor.get(f"/patients/{planned.mrn}/plan/history/").content.decode()
    assert "the patient, in the portal" in history and "Skipping meetings" in history
    # Saving the same words again writes nothing.
    assert c.post("/portal/plan/", {**EDIT, "version": "3"}).status_code == 302
    assert TreatmentPlan.objects.filter(patient=planned).count() == 3


def test_a_stale_or_overlong_edit_writes_nothing(planned: Patient, fixed_today: Any) -> None:
    open_for_edits(planned)
    c = portal_client(give_portal_account(planned))
    stale = c.post("/portal/plan/", {**EDIT, "version": "1"})
    assert stale.status_code == 400 and b"changed your plan while you were editing" in stale.content
    long = c.post("/portal/plan/", {**EDIT, "coping_strategies": "x" * 2001, "version": "2"})
    assert long.status_code == 400 and b"under 2000 characters" in long.content
    assert "x" * 2001 in long.content.decode()  # the patient's words are kept on the page
    assert TreatmentPlan.objects.filter(patient=planned).count() == 2


def test_no_plan_yet(alice: Patient, fixed_today: Any) -> None:
    page = portal_client(give_portal_account(alice)).get("/portal/plan/")
    assert b"has not written your plan yet" in page.content


def test_the_patient_edits_the_relapse_management_plan_too(
    planned: Patient, fixed_today: Any
) -> None:
    c = portal_client(give_portal_account(planned))
    closed = c.get("/portal/plan/").content.decode()
    assert 'name="relapse_management"' not in closed and "Call the clinic the same day." in closed
    refused = c.post("/portal/plan/", {"relapse_management": "Mine", "version": "1"})
    assert refused.status_code == 400
    assert TreatmentPlan.current(planned).relapse_management == "Call the clinic the same day."  # type: ignore[union-attr]
    open_for_edits(planned)
    page = c.get("/portal/plan/").content.decode()
    assert 'name="relapse_management"' in page
    lapse = "Tell my counselor the same day; restart my tablets with the nurse."
    assert c.post("/portal/plan/", {**EDIT, "relapse_management": lapse, "version": "2"}).status_code == 302  # fmt: skip
    plan = TreatmentPlan.current(planned)
    assert plan is not None and plan.version == 3 and plan.by_patient
    assert plan.relapse_management == lapse and plan.triggers == EDIT["triggers"]
    event = AuditEvent.objects.get(
        object_type="treatment_plan", actor="patient:mrn-0400@example.org"
    )
    assert "relapse_management" in event.detail
    too_long = c.post("/portal/plan/", {"relapse_management": "y" * 2001, "version": "3"})
    assert too_long.status_code == 400 and b"under 2000 characters" in too_long.content
    assert TreatmentPlan.objects.filter(patient=planned).count() == 3
