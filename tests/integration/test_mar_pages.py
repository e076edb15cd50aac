"""The MAR entry page and the prescriber's override page show and store what the core decides
(issue 9): a too-early injection is refused on the page too, only a prescriber's written override
lifts it, and the chart shows the override; the stop reason is recorded with the discontinuation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from naltrack.accounts.roles import Role
from naltrack.audit.models import AuditEvent
from naltrack.treatment.models import Administration, Discontinuation, InjectionOverride
from naltrack.treatment.services import discontinue, propose_injection, record_administration
from tests.integration.conftest import (
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    injection,
    login,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


def _post() -> dict[str, str]:
    return {
        "formulation": "xr_injection", "status": "given", "given_at": f"{TODAY}T00:30",
        "site": "right", "needle": "1.5in", "lot": "LOT-2", "expiry": str(TODAY + timedelta(days=90)),
        "reversal_agent_discussed": "on", "confirm_warnings": "on",
    }  # fmt: skip


def test_a_too_early_injection_is_refused_on_the_page_until_a_prescriber_overrides() -> None:
    p = started_on_injection("MRN-0300", TODAY - timedelta(days=20))
    nurse = login(Role.NURSE, "nina.nurse")
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    before = Administration.objects.count()
    page = nurse.post(f"/patients/{p.mrn}/mar/", _post()).content.decode()
    assert "This dose cannot be recorded" in page and "earliest re-dose day" in page
    assert "Only a prescriber may override this" in page
    assert Administration.objects.count() == before  # confirming the warnings does not help
    assert nurse.get(f"/patients/{p.mrn}/mar/override/").status_code == 403
    form = prescriber.get(f"/patients/{p.mrn}/mar/override/").content.decode()
    assert "left to a prescriber's clinical judgement" in form
    reason = "Travels for three weeks from tomorrow; the blockade must cover the trip."
    done = prescriber.post(f"/patients/{p.mrn}/mar/override/", {"reason": reason})
    assert done.status_code == 302
    assert InjectionOverride.objects.get(patient=p).codes == ["too_early"]
    assert nurse.post(f"/patients/{p.mrn}/mar/", _post()).status_code == 302
    chart = prescriber.get(f"/patients/{p.mrn}/").content.decode()
    assert "prescriber override" in chart and reason in chart


def test_the_mar_page_proposes_the_cores_needle_never_the_1_inch() -> None:
    p = started_on_injection("MRN-0301", TODAY - timedelta(days=28))
    nurse = login(Role.NURSE, "nina.nurse")
    page = nurse.get(f"/patients/{p.mrn}/mar/").content.decode()
    assert 'value="1in"' not in page and "Proposed needle: <strong>1.5in</strong>" in page
    refused = nurse.post(f"/patients/{p.mrn}/mar/", _post() | {"needle": "1in"})
    assert refused.status_code == 200  # the form refuses a needle that is not supplied
    assert propose_injection(p, TODAY).needle == "1.5in"


def test_a_late_injection_records_the_visit_facts_and_the_policy_version() -> None:
    p = started_on_injection("MRN-0302", TODAY - timedelta(days=31))
    with pytest.raises(Exception, match="urine drug screen is required"):
        record_administration(
            p, injection(TODAY, site="right", confirm_warnings=True, opioid_use_reported=True),
            actor=NURSE, at=at(TODAY),
        )  # fmt: skip
    done = record_administration(
        p, injection(TODAY, site="right", confirm_warnings=True, reason="bus strike"),
        actor=NURSE, at=at(TODAY),
    ).administration  # fmt: skip
    assert (done.late_tier, done.reason, done.opioid_use_reported) == ("late", "bus strike", False)
    assert done.policy_version == "naltrack-default-2026.1" and done.warnings


def test_discontinuation_records_when_and_why_with_a_code() -> None:
    p = started_on_injection("MRN-0303", TODAY - timedelta(days=10))
    with pytest.raises(Exception, match="must be one of") as err:
        discontinue(
            p, reason="moved", on=TODAY, stop_reason="abducted", actor=PRESCRIBER, at=at(TODAY)
        )
    assert getattr(err.value, "field", "") == "stop_reason"
    discontinue(p, reason="Moved to another city's program.", on=TODAY, stop_reason="transfer",
                actor=PRESCRIBER, at=at(TODAY))  # fmt: skip
    stop = Discontinuation.objects.get(episode__patient=p)
    assert (stop.reason, stop.stopped_on) == ("transfer", TODAY)
    assert AuditEvent.objects.filter(detail__startswith="discontinued (transfer)").exists()


def test_the_months_injection_recorded_twice_is_refused_the_second_time() -> None:
    # The use case locks the patient, reads and checks, then writes: the second nurse sees the
    # first injection and the core refuses a second one on the same day (too early).
    p = started_on_injection("MRN-0304", TODAY - timedelta(days=28))
    record_administration(p, injection(TODAY, site="right"), actor=NURSE, at=at(TODAY))
    with pytest.raises(Exception, match="earliest re-dose day"):
        record_administration(
            p, injection(TODAY, site="left", confirm_warnings=True), actor=NURSE, at=at(TODAY, 11)
        )
    given_today = Administration.objects.filter(patient=p, given_on=TODAY, status="given")
    assert given_today.count() == 1
    assert p.appointments.filter(status="booked").count() == 1


def test_the_api_takes_a_prescribers_override() -> None:
    from django.test import Client

    from naltrack.accounts.services import create_staff, create_token

    p = started_on_injection("MRN-0305", TODAY - timedelta(days=19))
    create_staff("pat.api", "a-long-demo-password-1", Role.PRESCRIBER)
    token = create_token("pat.api", at=at(TODAY))
    r = Client().post(
        f"/api/patients/{p.mrn}/injection-override",
        {"on": str(TODAY), "reason": "Admitted for surgery tomorrow."},
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip
    assert r.status_code == 201, r.content
    assert r.json()["codes"] == ["too_early"]


def test_the_discontinue_page_asks_why_and_stores_the_code() -> None:
    p = started_on_injection("MRN-0306", TODAY - timedelta(days=10))
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    form = {"on": str(TODAY), "reason": "Admitted to hospital for surgery."}
    page = prescriber.post(f"/patients/{p.mrn}/discontinue/", form).content.decode()
    assert 'class="field-error"' in page and not Discontinuation.objects.exists()
    done = prescriber.post(
        f"/patients/{p.mrn}/discontinue/", form | {"stop_reason": "hospitalisation"}
    )
    assert done.status_code == 302
    assert Discontinuation.objects.get(episode__patient=p).reason == "hospitalisation"
