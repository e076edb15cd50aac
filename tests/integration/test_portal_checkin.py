"""Issue 11: the portal's Dose log and Daily check-in pages, and what the nurse then sees on the
chart: the check-in among the observations, the alert it raised, the dose log marked
self-reported."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.alerts.models import Alert
from naltrack.audit.models import AuditEvent
from naltrack.patients.models import Patient
from naltrack.selfreport.models import CheckIn, DoseLogEntry
from naltrack.treatment.services import sign_order
from tests.integration.conftest import PRESCRIBER, TODAY, at, login, make_patient
from tests.integration.portal_helpers import give_portal_account, portal_client

pytestmark = pytest.mark.django_db
MOOD = {"phq2_interest": "0", "phq2_mood": "0", "phq2_self_harm": "0"}


def on_tablets(mrn: str = "MRN-PC01") -> Patient:
    p = make_patient(mrn, start=TODAY - timedelta(days=20))
    sign_order(p, formulation="oral", regimen="oral_daily", dose_mg=50, actor=PRESCRIBER,
               at=at(TODAY - timedelta(days=20)))  # fmt: skip
    return p


def test_the_dose_log_lists_eight_days_and_saves_a_taken_tablet(fixed_today: Any) -> None:
    p = on_tablets()
    c = portal_client(give_portal_account(p))
    page = c.get("/portal/doses/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('name="day"') == 8 and "I took it" in html and "Not filled in yet" in html
    answer = c.post("/portal/doses/", {"day": TODAY.isoformat(), "status": "taken"})
    assert answer.status_code == 302
    assert DoseLogEntry.objects.get(patient=p, day=TODAY).status == "taken"
    assert "Saved" in c.get("/portal/doses/").content.decode()


def test_a_refused_dose_says_why_and_saves_nothing(fixed_today: Any) -> None:
    p = on_tablets()
    c = portal_client(give_portal_account(p))
    answer = c.post("/portal/doses/", {"day": TODAY.isoformat(), "status": "taken",
                                       "reason": "forgot"})  # fmt: skip
    assert answer.status_code == 400
    assert "A reason is only for a skipped dose" in answer.content.decode()
    bad_day = c.post("/portal/doses/", {"day": "yesterday", "status": "taken"})
    assert bad_day.status_code == 400
    assert not DoseLogEntry.objects.exists()


def test_the_check_in_page_asks_the_mood_questions_and_saves(fixed_today: Any) -> None:
    p = on_tablets()
    c = portal_client(give_portal_account(p))
    page = c.get("/portal/check-in/").content.decode()
    assert "How strong is your craving today?" in page and 'name="phq2_self_harm"' in page
    assert "call or text 988" in page
    answer = c.post("/portal/check-in/", {"craving": "3", "opioid_use": "no", "alcohol_use": "yes",
                                          "use_what": "beer", "side_effects": ["nausea", "sleep"], **MOOD})  # fmt: skip
    assert answer.status_code == 302
    row = CheckIn.objects.get(patient=p)
    assert (row.craving, row.alcohol_use, row.use_what, row.side_effects) == (
        3,
        True,
        "beer",
        ["nausea", "sleep"],
    )
    assert row.crisis_line_shown == "988"
    done = c.get("/portal/check-in/").content.decode()
    assert "You checked in today" in done and 'name="craving"' not in done


def test_a_check_in_missing_an_answer_is_refused_beside_the_question(fixed_today: Any) -> None:
    p = on_tablets()
    c = portal_client(give_portal_account(p))
    answer = c.post("/portal/check-in/", {"opioid_use": "no", "alcohol_use": "no", **MOOD})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Pick a number from 0 to 10." in html and 'aria-invalid="true"' in html
    assert 'value="no" checked' in html  # the other answers are kept
    assert not CheckIn.objects.exists()


def test_thoughts_of_self_harm_show_the_crisis_line_at_once(fixed_today: Any) -> None:
    p = on_tablets()
    c = portal_client(give_portal_account(p))
    c.post("/portal/check-in/", {"craving": "5", "opioid_use": "no", "alcohol_use": "no",
                                 **MOOD, "phq2_self_harm": "2"})  # fmt: skip
    html = c.get("/portal/check-in/").content.decode()
    assert "Please get help now" in html and "Call or text 988" in html
    assert Alert.objects.get(patient=p, code="CHECKIN_SELF_HARM_THOUGHTS").severity == "urgent"


def test_the_pages_are_in_spanish_for_a_spanish_account(fixed_today: Any) -> None:
    p = on_tablets()
    c = portal_client(give_portal_account(p, language="es"))
    page = c.get("/portal/check-in/")
    assert page["Content-Language"] == "es" and b'<html lang="es">' in page.content
    html = page.content.decode()
    assert "¿Qué tan fuertes son hoy sus ganas de consumir?" in html
    assert "Pastilla de 50 mg" in c.get("/portal/doses/").content.decode()
    refused = c.post("/portal/check-in/", {"opioid_use": "no", "alcohol_use": "no", **MOOD})
    assert "Elija un número del 0 al 10." in refused.content.decode()


def test_staff_are_refused_by_the_patient_pages(db: None) -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    for path in ("/portal/doses/", "/portal/check-in/"):
        assert nurse.get(path).status_code == 403
        assert nurse.post(path, {"craving": "1"}).status_code == 403
    assert not CheckIn.objects.exists()


def test_the_nurse_sees_the_check_in_the_alert_and_the_dose_log_on_the_chart(
    fixed_today: Any,
) -> None:
    p = on_tablets()
    c = portal_client(give_portal_account(p))
    c.post("/portal/doses/", {"day": TODAY.isoformat(), "status": "taken"})
    c.post("/portal/doses/", {"day": (TODAY - timedelta(days=1)).isoformat(), "status": "skipped",
                              "reason": "ran out"})  # fmt: skip
    c.post("/portal/check-in/", {"craving": "9", "opioid_use": "yes", "alcohol_use": "no",
                                 "use_what": "pills", **MOOD})  # fmt: skip
    nurse = login(Role.NURSE, "nina.nurse")
    chart = nurse.get(f"/patients/{p.mrn}/")
    assert chart.status_code == 200, chart.status_code
    html = chart.content.decode()
    # the alert, in the chart's open alerts (the oral tablet of today covers today: blocked)
    assert "The patient reported opioid use (pills) in the check-in of" in html
    assert "while naltrexone was blocking" in html
    assert "Daily check-ins" in html and "9/10" in html and "opioids" in html
    assert "Tablet dose log" in html and "ran out" in html and "self-reported" in html
    assert "Craving in daily check-ins" in html  # plotted
    assert AuditEvent.objects.filter(actor="nina.nurse", patient_mrn=p.mrn, action="read").exists()
    inbox = nurse.get("/alerts/").content.decode()  # and in the alerts inbox, like any alert
    assert "The patient reported opioid use (pills)" in inbox
