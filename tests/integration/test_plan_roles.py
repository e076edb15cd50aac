"""Counsellor and plan (issue 12): a role changes only the parts of the plan it may change. The
counselor edits the goals, the psychosocial and the relapse plans and reads the medication
(formulation, regimen, planned duration) without a field to change it; the service refuses a
change to the medication whatever sent it, naming the part; a refused save keeps what was typed."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_token
from naltrack.clinical.errors import InputError
from naltrack.patients.models import Patient
from naltrack.treatment.models import TreatmentPlan
from naltrack.treatment.plans import (
    MEDICATION_FIELDS,
    PlanFieldRefused,
    PlanInput,
    change_plan,
    read_only_fields,
)
from tests.integration.conftest import (
    COUNSELOR,
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    login,
    make_patient,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

PLAN = PlanInput(formulation="xr_injection", regimen="xr_injection", goals="Return to work",
                 psychosocial=("group_therapy",), triggers="Payday", planned_duration_days=180)  # fmt: skip


@pytest.fixture
def planned(db: None) -> Patient:
    p = started_on_injection("MRN-0500", TODAY - timedelta(days=5))
    change_plan(p, PLAN, reason="Initial plan", actor=PRESCRIBER, at=NOW)
    return p


def with_(**changes: Any) -> PlanInput:
    values = {name: getattr(PLAN, name) for name in PlanInput.__dataclass_fields__}
    return PlanInput(**(values | changes))


# ---- the service -----------------------------------------------------------------------------


def test_the_counselor_may_not_change_the_medication_the_prescriber_may() -> None:
    assert read_only_fields(COUNSELOR) == MEDICATION_FIELDS
    assert read_only_fields(PRESCRIBER) == ()
    assert set(read_only_fields(NURSE)) == set(PlanInput.__dataclass_fields__)  # no plan edits


def test_the_counselor_changes_the_relapse_plans_and_the_medication_stays(
    planned: Patient,
) -> None:
    plan = change_plan(planned, with_(triggers="Payday; old friends", relapse_management="Call the clinic",
                                      psychosocial=("cbt", "mutual_help")),
                       reason="Relapse plan with the patient", actor=COUNSELOR, at=NOW)  # fmt: skip
    assert (plan.version, plan.triggers, plan.relapse_management) == (
        2,
        "Payday; old friends",
        "Call the clinic",
    )
    assert (plan.formulation, plan.regimen, plan.planned_duration_days) == (
        "xr_injection",
        "xr_injection",
        180,
    )


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"formulation": "oral", "regimen": "oral_daily"}, "formulation", "formulation, regimen"),
        ({"regimen": "oral_mwf"}, "regimen", "regimen"),
        ({"planned_duration_days": 90}, "planned_duration_days", "planned duration (days)"),
    ],
    ids=["formulation", "regimen", "duration"],
)
def test_the_service_refuses_the_counselors_change_to_a_medication_part_naming_it(
    planned: Patient, changes: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(PlanFieldRefused) as refused:
        change_plan(planned, with_(triggers="Payday; old friends", **changes), reason="Edit",
                    actor=COUNSELOR, at=NOW)  # fmt: skip
    assert refused.value.field == field
    assert refused.value.message == (
        f"a counselor may not change the {words}; only a prescriber changes the medication"
    )
    assert TreatmentPlan.objects.filter(patient=planned).count() == 1  # nothing written


def test_the_counselor_cannot_write_the_first_version(db: None) -> None:
    p = make_patient("MRN-0501")
    with pytest.raises(PlanFieldRefused) as refused:
        change_plan(p, PLAN, reason="First plan", actor=COUNSELOR, at=NOW)
    assert refused.value.field == "formulation"
    assert not TreatmentPlan.objects.filter(patient=p).exists()


def test_the_prescriber_changes_the_medication(planned: Patient) -> None:
    plan = change_plan(
        planned, with_(planned_duration_days=365), reason="A year", actor=PRESCRIBER, at=NOW
    )
    assert plan.planned_duration_days == 365


def test_every_version_needs_a_reason(planned: Patient) -> None:
    with pytest.raises(InputError) as error:
        change_plan(planned, with_(triggers="x"), reason="  ", actor=COUNSELOR, at=NOW)
    assert error.value.field == "reason"
    assert TreatmentPlan.objects.filter(patient=planned).count() == 1


def test_the_api_refuses_the_counselors_medication_change_naming_the_field(
    planned: Patient,
) -> None:
    login(Role.COUNSELOR, "cole.counselor")
    token = create_token("cole.counselor", at=NOW)
    body = {"formulation": "oral", "regimen": "oral_daily", "triggers": "Payday", "reason": "Edit"}
    answer = Client().post(f"/api/patients/{planned.mrn}/plans", data=json.dumps(body),
                           content_type="application/json", headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert answer.status_code == 403
    assert answer.json()["field"] == "formulation"
    assert "may not change the formulation" in answer.json()["message"]
    assert TreatmentPlan.objects.filter(patient=planned).count() == 1


# ---- the editor --------------------------------------------------------------------------------

TYPED = {
    "goals": "Return to work by spring",
    "psychosocial": ["cbt", "mutual_help"],
    "triggers": "Payday; the old neighbourhood",
    "warning_signs": "Skipping meetings, sleeping badly",
    "coping_strategies": "Call my sister; walk the dog",
    "support_contacts": "Sister Ana 555-0142",
    "relapse_management": "Same-week visit with the prescriber; naloxone check",
    "discontinuation_plan": "Review at six months",
}
V1 = {"based_on_version": "1"}  # the editor was opened on version 1


def test_the_counselor_reads_the_medication_without_a_field_to_change_it(planned: Patient) -> None:
    page = (
        login(Role.COUNSELOR, "cole.counselor")
        .get(f"/patients/{planned.mrn}/plan/")
        .content.decode()
    )
    for name in MEDICATION_FIELDS:
        assert f'name="{name}"' not in page
    assert 'id="plan-read-only"' in page
    assert "Extended-release injection (380 mg)" in page and "180 days" in page
    assert "a prescriber changes these" in page
    assert 'name="triggers"' in page and 'name="relapse_management"' in page


def test_the_prescriber_sees_every_field(planned: Patient) -> None:
    page = (
        login(Role.PRESCRIBER, "pat.prescriber")
        .get(f"/patients/{planned.mrn}/plan/")
        .content.decode()
    )
    for name in MEDICATION_FIELDS:
        assert f'name="{name}"' in page
    assert 'id="plan-read-only"' not in page


def test_a_refused_save_keeps_every_typed_value(planned: Patient) -> None:
    counselor = login(Role.COUNSELOR, "cole.counselor")
    answer = counselor.post(f"/patients/{planned.mrn}/plan/", TYPED | V1 | {"reason": ""})
    page = answer.content.decode()
    assert answer.status_code == 200 and 'class="field-error"' in page
    for name, value in TYPED.items():
        if name == "psychosocial":
            for code in value:
                assert re.search(rf'<input[^>]*value="{code}"[^>]*checked', page), code
            assert not re.search(r'<input[^>]*value="group_therapy"[^>]*checked', page)
        else:
            assert f"\n{value}</textarea>" in page, name
    assert TreatmentPlan.objects.filter(patient=planned).count() == 1


def test_the_counselors_save_keeps_the_medication_whatever_the_form_sends(planned: Patient) -> None:
    counselor = login(Role.COUNSELOR, "cole.counselor")
    forged = TYPED | {"formulation": "oral", "regimen": "oral_daily", "planned_duration_days": "30",
                      "reason": "Relapse plans with the patient"}  # fmt: skip
    assert counselor.post(f"/patients/{planned.mrn}/plan/", forged | V1).status_code == 302
    plan = TreatmentPlan.current(planned)
    assert plan is not None and plan.version == 2
    assert (plan.formulation, plan.regimen, plan.planned_duration_days) == (
        "xr_injection",
        "xr_injection",
        180,
    )
    assert plan.relapse_management == TYPED["relapse_management"] and plan.psychosocial == [
        "cbt",
        "mutual_help",
    ]


def test_without_a_plan_the_counselor_is_told_a_prescriber_writes_it_first(db: None) -> None:
    p = make_patient("MRN-0502")
    counselor = login(Role.COUNSELOR, "cole.counselor")
    page = counselor.get(f"/patients/{p.mrn}/plan/").content.decode()
    assert 'id="plan-not-yet"' in page and "A prescriber writes the first version" in page
    assert counselor.post(f"/patients/{p.mrn}/plan/", TYPED | {"reason": "x"}).status_code == 200
    assert not TreatmentPlan.objects.filter(patient=p).exists()


def test_a_refusal_by_the_service_is_shown_beside_the_field_with_what_was_typed(
    planned: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the page ever offer a part the role may not change, the service's refusal is shown
    on the form, with the text kept, not as a 403 page that loses it."""
    monkeypatch.setattr("naltrack.treatment.views.read_only_fields", lambda actor: ())
    counselor = login(Role.COUNSELOR, "cole.counselor")
    answer = counselor.post(f"/patients/{planned.mrn}/plan/", TYPED | V1 | {
        "formulation": "xr_injection", "regimen": "xr_injection", "planned_duration_days": "90", "reason": "Edit"})  # fmt: skip
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "a counselor may not change the planned duration (days)" in page
    assert f"\n{TYPED['relapse_management']}</textarea>" in page
    assert TreatmentPlan.objects.filter(patient=planned).count() == 1


# ---- two editors at once, and the API's portal flag -------------------------------------------


def test_a_save_from_an_older_version_is_refused_and_keeps_what_was_typed(planned: Patient) -> None:
    """Two staff open version 1; the first saves version 2; the second's save from version 1 would
    undo the first's change without either knowing: it is refused, nothing written."""
    counselor = login(Role.COUNSELOR, "cole.counselor")
    first = TYPED | V1 | {"triggers": "Payday", "reason": "First editor"}
    assert counselor.post(f"/patients/{planned.mrn}/plan/", first).status_code == 302
    second = TYPED | V1 | {"triggers": "Old friends", "reason": "Second editor"}
    answer = counselor.post(f"/patients/{planned.mrn}/plan/", second)
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "someone else saved version 2 of this plan after you opened version 1" in page
    assert "\nOld friends</textarea>" in page
    current = TreatmentPlan.current(planned)
    assert current is not None and current.version == 2 and current.triggers == "Payday"


def test_the_service_refuses_a_stale_version_naming_the_field(planned: Patient) -> None:
    with pytest.raises(InputError) as refused:
        change_plan(planned, with_(goals="x"), reason="r", actor=PRESCRIBER, at=NOW,
                    based_on_version=0)  # fmt: skip
    assert refused.value.field == "based_on_version"
    change_plan(planned, with_(goals="y"), reason="r", actor=PRESCRIBER, at=NOW, based_on_version=1)
    assert TreatmentPlan.current(planned).goals == "y"  # type: ignore[union-attr]


def _api_post(mrn: str, body: dict[str, Any]) -> Any:
    token = create_token("pat.prescriber", at=NOW)
    return Client().post(f"/api/patients/{mrn}/plans", data=json.dumps(body),
                         content_type="application/json", headers={"Authorization": f"Bearer {token}"})  # fmt: skip


def test_an_api_save_that_does_not_send_the_portal_flag_keeps_it(planned: Patient) -> None:
    login(Role.PRESCRIBER, "pat.prescriber")
    change_plan(planned, with_(patient_may_edit=True), reason="Open", actor=PRESCRIBER, at=NOW)
    body = {
        "formulation": "xr_injection",
        "regimen": "xr_injection",
        "goals": "Work",
        "reason": "Goals",
    }
    answer = _api_post(planned.mrn, body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["patient_may_edit"] is True and answer.json()["version"] == 3
    off = _api_post(planned.mrn, body | {"patient_may_edit": False, "reason": "Closed"})
    assert off.status_code == 201 and off.json()["patient_may_edit"] is False
    assert TreatmentPlan.current(planned).patient_may_edit is False  # type: ignore[union-attr]


def test_an_api_save_from_an_older_version_is_a_conflict(planned: Patient) -> None:
    login(Role.PRESCRIBER, "pat.prescriber")
    body = {"formulation": "xr_injection", "regimen": "xr_injection", "reason": "Goals"}
    assert _api_post(planned.mrn, body | {"based_on_version": 1}).status_code == 201
    stale = _api_post(planned.mrn, body | {"based_on_version": 1, "goals": "lost?"})
    assert stale.status_code == 409 and stale.json()["field"] == "based_on_version"
    assert TreatmentPlan.objects.filter(patient=planned).count() == 2
