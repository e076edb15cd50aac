"""Counsellor and plan in a real browser (issue 12): the counselor opens the plan from the chart,
reads the medication (not a field to change), writes the relapse plans, forgets the reason: the
save is refused and every typed text is still there; with a reason it saves, and the plan
history shows what changed and why."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.treatment.models import TreatmentPlan
from naltrack.treatment.plans import PlanInput, change_plan
from tests.e2e.conftest import sign_in
from tests.integration.conftest import NOW, PRESCRIBER, TODAY, started_on_injection

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
SHOTS = Path("/work/wt/shots/plans")

TYPED = {
    "Relapse prevention: triggers": "Payday; walking past the old corner",
    "Relapse prevention: warning signs": "Skipping group, sleeping badly",
    "Relapse prevention: coping strategies": "Call my sister Ana; walk the dog; urge surfing",
    "Relapse prevention: people to call": "Sister Ana 555-0142; sponsor Ben",
    "Relapse management: what happens after a lapse": "Tell the counselor within a day; same-week prescriber visit; naloxone check",
}


def shot(page: Any, name: str) -> None:
    if SHOTS.parent.exists():  # screenshots for the people building naltrack; not part of the check
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


def test_a_counselors_refused_save_keeps_every_typed_text(page: Any) -> None:
    create_staff("cole.counselor", PASSWORD, Role.COUNSELOR)
    p = started_on_injection("MRN-0950", TODAY - timedelta(days=10))
    change_plan(p, PlanInput(formulation="xr_injection", regimen="xr_injection", goals="Return to work",
                             psychosocial=("group_therapy",), triggers="Payday"),
                reason="Initial plan after screening", actor=PRESCRIBER, at=NOW)  # fmt: skip
    sign_in(page, "cole.counselor", PASSWORD)
    page.goto(f"/patients/{p.mrn}/")
    page.get_by_role("link", name="Edit the plan").click()

    # The medication is read, not changed: no field for it, its values in words.
    read_only = page.locator("#plan-read-only")
    assert "Extended-release injection (380 mg)" in read_only.inner_text()
    assert "180 days" in read_only.inner_text()
    for name in ("formulation", "regimen", "planned_duration_days"):
        assert page.locator(f'[name="{name}"]').count() == 0

    for label, text in TYPED.items():
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_label("Cognitive behavioural therapy").check()
    page.get_by_role("button", name="Save the plan").click()

    # Refused (no reason): the same form, with the error, and every typed text still there.
    assert page.locator(".field-error").first.is_visible()
    assert page.get_by_label("Reason for change").count() == 1
    for label, text in TYPED.items():
        assert page.get_by_label(label, exact=True).input_value() == text
    assert page.get_by_label("Cognitive behavioural therapy").is_checked()
    assert page.get_by_label("Group therapy").is_checked()
    assert TreatmentPlan.objects.filter(patient=p).count() == 1
    shot(page, "plan_editor_refused.png")

    page.get_by_label("Reason for change").fill("Relapse plans written with the patient")
    page.get_by_role("button", name="Save the plan").click()
    page.wait_for_url(f"**/patients/{p.mrn}/")
    card = page.locator("section[aria-labelledby=h-plan]").inner_text()
    assert "Relapse-prevention plan" in card and "Call my sister Ana" in card
    assert "same-week prescriber visit" in card
    shot(page, "chart_plan_card.png")

    page.get_by_role("link", name="Plan history").first.click()
    history = page.locator("main").inner_text()
    assert "Why: Relapse plans written with the patient" in history
    assert "Payday; walking past the old corner" in history
    plan = TreatmentPlan.current(p)
    assert plan is not None and (plan.version, plan.formulation) == (2, "xr_injection")
    shot(page, "plan_history.png")
