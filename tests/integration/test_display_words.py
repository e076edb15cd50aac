"""Words, not codes, on every staff page (issue 12's known display defects): formulations,
regimens and timing tiers in words; a screening's facts as a readable list with units, not a
Python dict; the implant regimen's coverage in days; the patient list's formulation column.

The scan renders the pages of a demo-like clinic (one patient of each demo stage) for each role
and looks for a snake_case code (`xr_injection`, `first_dose`) in the text a person reads. A code
shown on purpose is marked up as one (`<code>`). Two pages are left out, with their reason: the
clinic policy page (/policy/) is the rules document, whose setting names are what the director
writes in the policy file, and the audit viewer (/audit/) names record types for the auditor."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from naltrack import demo
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.patients.models import Patient
from naltrack.screening.models import ScreeningRecord
from naltrack.screening.words import fact_rows
from naltrack.treatment.models import TreatmentPlan
from naltrack.treatment.words import regimen_label, tier_label
from tests.integration.conftest import TODAY

pytestmark = pytest.mark.django_db

SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
NOT_READ = ("script", "style", "svg", "code", "title")


class _Text(HTMLParser):
    """The text a person reads on a page: no markup, scripts, plots or marked-up codes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.hidden += tag in NOT_READ

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in NOT_READ

    def handle_data(self, data: str) -> None:
        if self.hidden <= 0:
            self.parts.append(data)


def codes_on(html: str) -> set[str]:
    reader = _Text()
    reader.feed(html)
    return set(SNAKE_CASE.findall(" ".join(reader.parts)))


PATIENT_PAGES = ("", "plan/", "plan/history/", "orders/", "implants/", "appointments/", "assessment/",
                 "medications/", "side-effects/", "mar/", "screen/", "observe/", "counselling/", "wallet-card/",
                 "episodes/", "care-team/", "consents/")  # fmt: skip
CLINIC_PAGES = (
    "/today/",
    "/patients/",
    "/patients/?page=2",
    "/alerts/",
    "/reports/",
    "/staff/",
    "/disclosures/",
)
# The prescriber opens every page of every patient; the other roles the pages their work is on
# (the templates are the same for every role; what differs is what a role may open).
ROLE_PAGES = {
    "pat.prescriber": PATIENT_PAGES,
    "nina.nurse": ("", "mar/", "observe/", "plan/history/"),
    "cole.counselor": ("", "plan/", "counselling/"),
    "cora.coordinator": ("appointments/", "care-team/"),
    "dana.director": (),
}


@pytest.fixture
def clinic(settings: Any) -> None:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)
    demo.seed(TODAY, patients=len(demo.STAGES))


def signed_in(username: str) -> Client:
    c = Client(raise_request_exception=False)  # a page that fails is not this scan's finding
    assert c.post("/login/", {"username": username, "password": demo.PASSWORD}).status_code == 302
    return c


def test_no_staff_page_of_a_demo_like_clinic_shows_a_code_in_place_of_words(clinic: None) -> None:
    mrns = list(Patient.objects.order_by("mrn").values_list("mrn", flat=True))
    screenings = [
        f"/screenings/{pk}/" for pk in ScreeningRecord.objects.values_list("pk", flat=True)
    ]
    found: dict[str, set[str]] = {}
    pages = 0
    for username, _role, _name in demo.STAFF:
        client = signed_in(username)
        paths = [*CLINIC_PAGES, *(screenings if username == "pat.prescriber" else ()),
                 *(f"/patients/{m}/{page}" for m in mrns for page in ROLE_PAGES[username])]  # fmt: skip
        for path in paths:
            answer = client.get(path)
            if answer.status_code != 200 or "text/html" not in answer["Content-Type"]:
                continue
            pages += 1
            for code in codes_on(answer.content.decode()):
                found.setdefault(code, set()).add(
                    f"{re.sub(r'MRN-[0-9]+', 'MRN', path)} ({username})"
                )
    assert pages > 450  # the scan saw the clinic (every role, every stage), not only refusals
    assert not found, {code: sorted(where)[:3] for code, where in found.items()}


def test_the_scan_finds_a_code_shown_in_place_of_a_word() -> None:
    assert codes_on("<p>Formulation: xr_injection</p>") == {"xr_injection"}
    assert (
        codes_on("<p>Rule <code>lft_block_multiple</code> and e-mail a.b@example.org</p>") == set()
    )


def test_the_facts_used_are_a_readable_list_with_units(clinic: None) -> None:
    rec = ScreeningRecord.objects.order_by("pk").first()
    assert rec is not None
    page = signed_in("pat.prescriber").get(f"/screenings/{rec.pk}/").content.decode()
    facts = page[page.index('id="facts-used"') :]
    facts = facts[: facts.index("</dl>")]
    assert "{'" not in page and "&#x27;as_of&#x27;" not in page
    assert "<dt>Last opioid use</dt>" in facts and "<dt>Body mass index</dt>" in facts
    assert re.search(r"<dd>[0-9.]+ kg/m²</dd>", facts)
    assert re.search(r"<dd>[0-9]+ years</dd>", facts)
    assert re.search(r"<dd>\d{4}-\d\d-\d\d: ALT [0-9.]+ U/L \(upper limit 40\), AST", facts)


def test_fact_rows_name_every_fact_in_words() -> None:
    rows = fact_rows({
        "as_of": "2026-11-21", "formulation": "xr_injection", "sex_at_birth": "female", "pregnant": False,
        "last_opioid_use": {"date": "2026-11-07", "kind": "short_acting"}, "platelets_10e9_per_l": 180,
        "phq9": {"total": 6, "item9": 1}, "medications": [{"name": "sertraline"}], "allergies": [],
        "naloxone_challenge": {"date": "2026-11-21", "result": "negative"}, "cows_score": None,
        "urine_drug_screen": {"date": "2026-11-21", "opioids": "negative", "fentanyl": "positive"},
        "a_new_fact": 3,
    })  # fmt: skip
    assert rows == [
        ("Screened as of", "2026-11-21"),
        ("Formulation", "Extended-release injection (380 mg)"),
        ("Sex at birth", "Female"),
        ("Pregnant", "no"),
        ("Last opioid use", "2026-11-07 (Short-acting opioid (heroin, oxycodone, …))"),
        ("Urine drug screen", "2026-11-21: opioids negative, fentanyl positive"),
        ("Naloxone challenge", "2026-11-21: negative"),
        ("COWS (opioid withdrawal)", "not known"),
        ("Platelets", "180 \u00d7 10\u2079/L"),
        ("PHQ-9", "6 of 27; item 9 (thoughts of self-harm) 1 of 3"),
        ("Medications", "sertraline"),
        ("Allergies", "none recorded"),
        ("A new fact", "3"),
    ]


def test_the_implant_regimen_says_its_coverage_in_days() -> None:
    assert regimen_label("implant", DEFAULT_POLICY) == (
        "Naltrexone implant (off-label, not approved in the US): coverage for 90 days (clinic setting)"
    )
    longer = dataclasses.replace(DEFAULT_POLICY, implant_coverage_days=120)
    assert regimen_label("implant", longer).endswith("coverage for 120 days (clinic setting)")
    assert regimen_label("oral_daily") == "Oral, 50 mg once a day (OUD induction: 25 mg on day 1)"
    assert regimen_label("no_such_regimen") == "no_such_regimen"


def test_injection_timing_tiers_read_in_words() -> None:
    assert tier_label("first_dose") == "first dose"
    assert tier_label("late_uds_required") == "late: urine screen required"


def test_the_implant_patients_chart_and_the_plan_editor_name_the_coverage(clinic: None) -> None:
    plan = TreatmentPlan.objects.filter(regimen="implant").first()
    assert plan is not None
    prescriber = signed_in("pat.prescriber")
    chart = prescriber.get(f"/patients/{plan.patient.mrn}/").content.decode()
    assert "coverage for 90 days (clinic setting)" in chart
    editor = prescriber.get(f"/patients/{plan.patient.mrn}/plan/").content.decode()
    assert "coverage for 90 days (clinic setting) (Implant)</option>" in editor
    assert "coverage a clinic setting" not in chart + editor


def test_the_patient_list_names_each_patients_formulation(clinic: None) -> None:
    page = signed_in("cora.coordinator").get("/patients/?q=").content.decode()
    cells = re.findall(r'<td class="opt">([^<]*)</td><td class="opt">', page)
    assert (
        "Extended-release injection (380 mg)" in cells
        and "Implant" in cells
        and "Oral tablets" in cells
    )
