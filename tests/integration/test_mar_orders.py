"""Orders and the MAR, reconciled (issue 12): the core refuses an order the formulation does not
allow on the page and in the API (nothing written); the MAR shows the active order, gives what it
orders, refuses a dose with no active order or other than it orders until a prescriber writes an
override with the reason (stored on the line, on the chart, in the audit trail); and the portal's
Home and Doses pages name the same tablet on every day (the active order, counted from its
signing day)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.clinical.protection import DoseDay
from naltrack.portal.home import read_home
from naltrack.screening.services import run_screening, sign_screening
from naltrack.selfreport.services import read_dose_log
from naltrack.treatment.models import Administration, InjectionOverride, Order
from naltrack.treatment.plans import PlanInput, change_plan
from naltrack.treatment.services import (
    AdministrationInput,
    DoseRefused,
    authorize_injection_override,
    record_administration,
    sign_order,
)
from tests.integration.conftest import (
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    attested,
    injection,
    login,
    make_patient,
    make_ready,
    order,
)
from tests.integration.portal_helpers import give_portal_account, portal_actor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


def screened(mrn: str, day: Any, formulation: str = "xr_injection") -> Any:
    """Screened and signed for a first dose on `day`, with no order yet."""
    p = make_patient(mrn, start=day - timedelta(days=2))
    make_ready(p, day)
    rec = run_screening(p, {}, formulation=formulation, actor=PRESCRIBER, at=at(day, 8))
    sign_screening(rec.pk, actor=PRESCRIBER, at=at(day, 8), **attested(rec.pk))
    return p


def api(username: str, role: Role) -> Any:
    create_staff(username, "a-long-demo-password-1", role)
    token = create_token(username, at=NOW)

    def post(path: str, body: object) -> tuple[int, Any]:
        r = Client().post(f"/api{path}", data=json.dumps(body), content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
        return r.status_code, r.json()

    def get(path: str) -> tuple[int, Any]:
        r = Client().get(f"/api{path}", HTTP_AUTHORIZATION=f"Bearer {token}")
        return r.status_code, r.json()

    post.get = get  # type: ignore[attr-defined]
    return post


# --- signing -------------------------------------------------------------------------------------


def test_a_1900_mg_injection_order_is_refused_on_the_page_and_nothing_is_written() -> None:
    p = screened("MRN-OR01", TODAY)
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    typed = "Deep gluteal; alternate sides."
    page = prescriber.post(f"/patients/{p.mrn}/orders/", {
        "formulation": "xr_injection", "regimen": "xr_injection", "dose_mg": "1900", "instructions": typed,
    }).content.decode()  # fmt: skip
    assert (
        "the injection comes only as 380 mg (fact sheet 2.3); an order for 1900 mg is refused"
        in page
    )
    assert 'value="1900"' in page and typed in page  # what was typed is kept
    assert not Order.objects.filter(patient=p).exists()
    assert not AuditEvent.objects.filter(object_type="order").exists()
    done = prescriber.post(f"/patients/{p.mrn}/orders/", {
        "formulation": "xr_injection", "regimen": "xr_injection", "dose_mg": "380",
    })  # fmt: skip
    assert done.status_code == 302
    assert Order.objects.get(patient=p).dose_mg == 380


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"formulation": "xr_injection", "regimen": "xr_injection", "dose_mg": 1900}, "dose_mg"),
        ({"formulation": "oral", "regimen": "oral_every_other_day", "dose_mg": 50}, "dose_mg"),
        ({"formulation": "oral", "regimen": "oral_custom", "dose_mg": 100}, "reason"),
        ({"formulation": "oral", "regimen": "oral_targeted", "dose_mg": 50}, "regimen"),  # OUD
        ({"formulation": "implant", "regimen": "implant", "dose_mg": 5000}, "dose_mg"),
    ],
)
def test_the_api_refuses_an_order_the_core_refuses(body: dict[str, Any], field: str) -> None:
    p = screened("MRN-OR02", TODAY)
    post = api("pat.api", Role.PRESCRIBER)
    status, answer = post(f"/patients/{p.mrn}/orders", body)
    assert (status, answer["field"]) == (400, field), answer
    assert not Order.objects.filter(patient=p).exists()


def test_an_own_schedule_with_a_reason_keeps_the_reason_with_the_order() -> None:
    p = screened("MRN-OR03", TODAY)
    status, _ = api("pat.api", Role.PRESCRIBER)(f"/patients/{p.mrn}/orders", {
        "formulation": "oral", "regimen": "oral_custom", "dose_mg": 25,
        "instructions": "Observed.", "reason": "ALT 4x ULN: half dose while it settles",
    })  # fmt: skip
    assert status == 201
    assert Order.objects.get(patient=p).instructions == (
        "Observed. (Reason: ALT 4x ULN: half dose while it settles)"
    )


# --- the MAR -------------------------------------------------------------------------------------


def _post(**changes: str) -> dict[str, str]:
    values = {
        "formulation": "xr_injection", "status": "given", "given_at": f"{TODAY}T00:30",
        "site": "left", "needle": "1.5in", "lot": "LOT-2", "expiry": str(TODAY + timedelta(days=90)),
        "reversal_agent_discussed": "on", "confirm_warnings": "on",
    }  # fmt: skip
    values.update(changes)
    return values


def test_an_injection_without_an_order_is_refused_until_a_prescriber_overrides() -> None:
    p = screened("MRN-OR10", TODAY)
    nurse = login(Role.NURSE, "nina.nurse")
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    mar = nurse.get(f"/patients/{p.mrn}/mar/").content.decode()
    assert "No active order." in mar and "there is no active signed order" in mar
    page = nurse.post(f"/patients/{p.mrn}/mar/", _post()).content.decode()
    assert "This dose cannot be recorded" in page and "there is no active signed order" in page
    assert not Administration.objects.filter(patient=p).exists()
    assert "Only a prescriber may override this" in page
    form = prescriber.get(f"/patients/{p.mrn}/mar/override/").content.decode()
    assert "No active order." in form and "there is no active signed order" in form
    reason = "Verbal order from Dr Ortiz by phone; the written order follows today."
    assert (
        prescriber.post(f"/patients/{p.mrn}/mar/override/", {"reason": reason}).status_code == 302
    )
    assert InjectionOverride.objects.get(patient=p).codes == ["no_active_order"]
    assert nurse.post(f"/patients/{p.mrn}/mar/", _post()).status_code == 302
    given = Administration.objects.get(patient=p)
    assert (given.override_reason, given.override_by) == (reason, "pat.prescriber")
    assert [o["code"] for o in given.overridden] == ["no_active_order"]
    audit = AuditEvent.objects.get(object_type="administration", object_id=str(given.pk))
    assert "override by pat.prescriber (no_active_order)" in audit.detail
    chart = prescriber.get(f"/patients/{p.mrn}/").content.decode()
    assert "prescriber override" in chart and reason in chart


def test_the_mar_shows_the_active_order_and_gives_its_tablet_of_the_day() -> None:
    p = screened("MRN-OR11", TODAY, formulation="oral")
    order(p, TODAY - timedelta(days=2), "oral_every_other_day", hour=8)
    nurse = login(Role.NURSE, "nina.nurse")
    page = nurse.get(f"/patients/{p.mrn}/mar/").content.decode()
    assert "Oral, 100 mg every other day" in page and "signed by pat.prescriber" in page
    assert "<strong>100 mg</strong> (pre-filled below)" in page
    assert 'name="dose_mg" value="100"' in page
    assert '<option value="oral" selected>' in page
    # 50 mg differs from the order's 100 mg: refused, nothing written
    oral = {"formulation": "oral", "status": "given", "given_at": f"{TODAY}T00:30", "dose_mg": "50"}
    refused = nurse.post(f"/patients/{p.mrn}/mar/", oral).content.decode()
    assert "gives 100 mg on 2026-11-21, not 50 mg" in refused
    assert not Administration.objects.filter(patient=p).exists()
    assert nurse.post(f"/patients/{p.mrn}/mar/", oral | {"dose_mg": "100"}).status_code == 302
    assert Administration.objects.get(patient=p).dose_mg == 100


def test_the_api_refuses_a_tablet_other_than_ordered_and_takes_the_prescribers_override() -> None:
    p = screened("MRN-OR12", TODAY, formulation="oral")
    order(p, TODAY - timedelta(days=1), "oral_every_other_day", hour=8)  # today: no tablet
    nurse, prescriber = api("nina.api", Role.NURSE), api("pat.api", Role.PRESCRIBER)
    status, body = nurse.get(f"/patients/{p.mrn}/active-order")
    assert status == 200 and body["active_order"]["today_mg"] is None
    assert body["active_order"]["regimen"] == "oral_every_other_day"
    dose = {"formulation": "oral", "given_at": at(TODAY, 0).isoformat(), "dose_mg": 100}
    status, body = nurse(f"/patients/{p.mrn}/administrations", dose)
    assert (status, body["field"]) == (400, "given_at")
    assert "schedules no tablet on 2026-11-21" in body["message"]
    assert not Administration.objects.filter(patient=p).exists()
    # a nurse cannot override; the prescriber must name the tablet dose
    override = {
        "on": str(TODAY),
        "reason": "Travelling tomorrow: take today's.",
        "formulation": "oral",
    }
    assert nurse(f"/patients/{p.mrn}/injection-override", override | {"dose_mg": 100})[0] == 403
    status, body = prescriber(f"/patients/{p.mrn}/injection-override", override)
    assert (status, body["field"]) == (400, "dose_mg")
    status, body = prescriber(f"/patients/{p.mrn}/injection-override", override | {"dose_mg": 110})
    assert (status, body["field"]) == (400, "dose_mg")  # the strength is never overridden
    assert not InjectionOverride.objects.exists()
    status, body = prescriber(f"/patients/{p.mrn}/injection-override", override | {"dose_mg": 100})
    assert (status, body["codes"]) == (201, ["order_mismatch"])
    status, body = nurse(f"/patients/{p.mrn}/administrations", dose)
    assert status == 201, body
    assert body["override_reason"] == override["reason"]
    assert [o["code"] for o in body["overridden"]] == ["order_mismatch"]


def test_an_injection_when_tablets_are_ordered_is_refused() -> None:
    p = screened("MRN-OR13", TODAY)
    order(p, TODAY, "oral_daily", hour=8)
    with pytest.raises(DoseRefused) as refused:
        record_administration(p, injection(TODAY), actor=NURSE, at=at(TODAY))
    assert refused.value.field == "formulation" and refused.value.overridable
    assert "is for tablets, not the injection" in refused.value.message
    with pytest.raises(InputError) as err:
        authorize_injection_override(p, on=TODAY, reason="  ", actor=PRESCRIBER, at=at(TODAY))
    assert err.value.field == "reason"
    row = authorize_injection_override(p, on=TODAY, reason="Switching to the injection today; "
                                       "the new order is being signed.", actor=PRESCRIBER, at=at(TODAY))  # fmt: skip
    assert row.codes == ["order_mismatch"]
    assert record_administration(
        p, injection(TODAY), actor=NURSE, at=at(TODAY)
    ).administration.overridden


def test_a_tablet_order_does_not_let_an_oral_override_lift_the_first_dose_screening() -> None:
    p = make_patient("MRN-OR14", start=TODAY - timedelta(days=2))  # never screened
    order(p, TODAY, "oral_daily", hour=8)
    # The override may lift the first tablet's missing urine screen (Part A A2, the prescriber's
    # judgement), never the missing signed screening: the tablet is still refused.
    row = authorize_injection_override(p, on=TODAY, reason="why", actor=PRESCRIBER, at=at(TODAY),
                                       formulation="oral", dose_mg=50)  # fmt: skip
    assert row.codes == ["first_dose_urine_screen_missing"]
    with pytest.raises(DoseRefused) as refused:
        record_administration(p, AdministrationInput(formulation="oral", given_at=at(TODAY), dose_mg=50),
                              actor=NURSE, at=at(TODAY))  # fmt: skip
    assert [r.code for r in refused.value.refusals] == ["no_signed_screening"]


# --- the portal: Home and Doses name the same tablet ---------------------------------------------


def test_home_and_doses_agree_on_every_day_when_plan_and_order_differ() -> None:
    """The defect of issue 12: Home counted the plan's regimen from the first tablet given, Doses
    the order's regimen from its signing day. Now both read the active order from its signing
    day, whatever the plan says and whenever the first tablet was given."""
    signed = TODAY - timedelta(days=6)
    p = screened("MRN-OR20", signed, formulation="oral")
    change_plan(p, PlanInput(formulation="oral", regimen="oral_daily"), reason="start",
                actor=PRESCRIBER, at=at(signed, 8))  # fmt: skip
    order(p, signed, "oral_every_other_day", hour=8)
    # the first tablet a day late, with the prescriber's override (no tablet that day)
    day1 = signed + timedelta(days=1)
    authorize_injection_override(p, on=day1, reason="Missed the clinic yesterday.", actor=PRESCRIBER,
                                 at=at(day1, 8), formulation="oral", dose_mg=100)  # fmt: skip
    record_administration(p, AdministrationInput(formulation="oral", given_at=at(day1), dose_mg=100),
                          actor=NURSE, at=at(day1))  # fmt: skip
    me = portal_actor(give_portal_account(p))
    listed = {d.day: d.mg for d in read_dose_log(me, at=NOW).days}
    assert sorted(listed) == [signed + timedelta(days=n) for n in (0, 2, 4, 6)]
    for back in range(7):
        home = read_home(me, at=NOW - timedelta(days=back))
        day = TODAY - timedelta(days=back)
        assert home.todays_dose is not None
        if day in listed:
            assert (home.todays_dose.kind, home.todays_dose.mg) == (DoseDay.DOSE, listed[day] or 0)
        else:
            assert home.todays_dose.kind is DoseDay.NO_DOSE


def test_home_names_no_tablet_before_an_order_is_signed() -> None:
    p = screened("MRN-OR21", TODAY, formulation="oral")
    change_plan(p, PlanInput(formulation="oral", regimen="oral_daily"), reason="start",
                actor=PRESCRIBER, at=at(TODAY, 8))  # fmt: skip
    me = portal_actor(give_portal_account(p))
    assert read_home(me, at=NOW).todays_dose is None
    assert read_dose_log(me, at=NOW).days == []
    sign_order(
        p, formulation="oral", regimen="oral_daily", dose_mg=50, actor=PRESCRIBER, at=at(TODAY, 8)
    )
    home = read_home(me, at=NOW)
    assert home.todays_dose is not None and home.todays_dose.mg == 50
