"""The medication choice aid (issue 15): the record's facts gathered into the core's comparison,
the staff page with this patient's opioid-free days, the patient version (page and PDF, English
and Spanish), recording the choice and a referral out (the episode ends as a transfer, which the
report does not count as a loss), bad input, role refusals, and the API."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from naltrack.accounts.roles import Role
from naltrack.accounts.services import PermissionRefused, create_staff, create_token
from naltrack.audit.models import AuditEvent
from naltrack.choice.models import MedicationChoice
from naltrack.choice.services import ChoiceInput, gather_choice_facts, read_aid, record_choice
from naltrack.clinical.choice import Option
from naltrack.clinical.errors import InputError
from naltrack.clinical.vocab import Indication
from naltrack.monitoring.services import record_observation
from naltrack.patients.models import EpisodeStatus, Patient
from naltrack.patients.records import AssessmentInput, add_medication, record_assessment
from naltrack.reports.services import build_report
from naltrack.treatment.models import Discontinuation
from tests.integration.conftest import (
    COUNSELOR,
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    login,
    make_patient,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


def on_methadone_until(p: Patient, days_ago: int) -> None:
    record_assessment(p, AssessmentInput(
        assessed_on=TODAY - timedelta(days=1), substance="OUD", dsm5_criteria=("craving", "tolerance", "cut_down", "time_spent"),
        last_opioid_use=TODAY - timedelta(days=days_ago), last_opioid_kind="methadone",
    ), actor=PRESCRIBER, at=at(TODAY - timedelta(days=1)))  # fmt: skip


def choose(p: Patient, option: str = "naltrexone_injection", reasons: str = "One visit a month suits work.",
           **kw: Any) -> MedicationChoice:  # fmt: skip
    return record_choice(
        p, ChoiceInput(option=option, reasons=reasons, **kw), actor=PRESCRIBER, at=NOW
    )


def test_gathers_last_methadone_use_pregnancy_and_liver() -> None:
    p = make_patient(sex="female")
    on_methadone_until(p, 4)
    record_observation(p, kind="pregnancy_test", observed_on=TODAY, data={"result": "positive"}, actor=NURSE, at=NOW)  # fmt: skip
    record_observation(p, kind="liver", observed_on=TODAY, data={"alt": 250, "ast": 30, "alt_uln": 40, "ast_uln": 40}, actor=NURSE, at=NOW)  # fmt: skip
    facts = gather_choice_facts(p, p.episodes.get(), TODAY)
    assert facts.screening.pregnant is True
    assert facts.screening.last_opioid_use is not None
    assert facts.screening.last_opioid_use.kind == "methadone"
    aid = read_aid(p, actor=PRESCRIBER, at=NOW).aid
    assert aid.opioid_free is not None and aid.opioid_free.days_left == 6
    tablet = {c.code: c.severity for c in aid.column(Option.NALTREXONE_TABLET).cautions}
    assert tablet["PREGNANCY"] == "review"
    assert tablet["LFT_ELEVATED"] == "block"  # 6.25x the upper limit
    assert [c.code for c in aid.column(Option.METHADONE).cautions] == ["PREGNANCY"]


def test_maintenance_on_the_medication_list() -> None:
    p = make_patient()
    add_medication(p, name="methadone 60 mg daily", actor=PRESCRIBER, at=NOW)
    aid = read_aid(p, actor=PRESCRIBER, at=NOW).aid
    text = aid.column(Option.NALTREXONE_TABLET).cell("opioid_free_first").text  # type: ignore[arg-type]
    assert text.startswith("Yes: on methadone now; naltrexone needs 10 days")


def test_aud_episode_lists_aud_medications() -> None:
    p = make_patient(indications=frozenset({Indication.AUD}))
    options = [c.option for c in read_aid(p, actor=PRESCRIBER, at=NOW).aid.columns]
    assert options == ["naltrexone_tablet", "naltrexone_injection", "acamprosate", "disulfiram"]
    with pytest.raises(InputError) as e:
        choose(p, "methadone", referral_program="X", referral_on=TODAY)
    assert e.value.field == "option"


def test_staff_page_shows_this_patients_interval_days_and_sources() -> None:
    p = make_patient()
    on_methadone_until(p, 4)
    c = login(Role.PRESCRIBER, "pat.page")
    page = c.get(f"/patients/{p.mrn}/choice/").content.decode()
    assert "10 opioid-free days after the last methadone use" in page
    assert (
        f"earliest first dose {(TODAY + timedelta(days=6)).isoformat()} (6 days from today)" in page
    )
    assert "Source: Part A A1; fact sheet 1.2, 1.12" in page
    assert "The clinical reference does not cover this; ask the program." in page
    assert "Record the choice" in page
    # The page's reads of the record are folded into one audited read per patient and request.
    assert AuditEvent.objects.filter(action="read", patient_mrn=p.mrn).exists()


def test_page_records_a_choice_and_the_plan_and_chart_show_it() -> None:
    p = make_patient()
    c = login(Role.PRESCRIBER, "pat.page")
    r = c.post(f"/patients/{p.mrn}/choice/", {"form": "choice", "option": "naltrexone_tablet",
               "reasons": "Prefers tablets at home.", "priorities": ["visits", "work_travel"]})  # fmt: skip
    assert r.status_code == 302
    m = MedicationChoice.objects.get()
    assert (m.option, m.priorities, m.decided_by) == (
        "naltrexone_tablet",
        ["visits", "work_travel"],
        "pat.page",
    )
    assert (
        "Naltrexone tablet chosen: Prefers tablets at home."
        in c.get(f"/patients/{p.mrn}/").content.decode()
    )
    plan = c.get(f"/patients/{p.mrn}/plan/").content.decode()
    assert 'id="medication-choice"' in plan and "Prefers tablets at home." in plan


def test_page_refuses_a_choice_without_reasons() -> None:
    p = make_patient()
    c = login(Role.PRESCRIBER, "pat.page")
    r = c.post(f"/patients/{p.mrn}/choice/", {"form": "choice", "option": "methadone", "reasons": " ",
               "referral_program": "Eastside OTP", "referral_on": TODAY.isoformat()})  # fmt: skip
    assert r.status_code == 200
    assert not MedicationChoice.objects.exists()
    assert p.episodes.get().status == EpisodeStatus.ACTIVE


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"reasons": "   "}, "reasons"),
        ({"option": "methadone"}, "referral_program"),
        ({"option": "buprenorphine", "referral_program": "Eastside"}, "referral_on"),
        ({"option": "buprenorphine", "referral_program": "Eastside", "referral_on": TODAY + timedelta(days=1)}, "referral_on"),
        ({"option": "buprenorphine", "referral_program": "Eastside", "referral_on": TODAY - timedelta(days=30)}, "referral_on"),
        ({"referral_program": "Eastside", "referral_on": TODAY}, "referral_program"),
        ({"option": "naltrexone_implant"}, "option"),
        ({"option": "aspirin"}, "option"),
        ({"priorities": ("visits", "colour")}, "priorities"),
        ({"reasons": "x" * 2001}, "reasons"),
        ({"option": "methadone", "referral_program": "x" * 201, "referral_on": TODAY}, "referral_program"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_writes_nothing(kw: dict[str, Any], field: str) -> None:
    p = make_patient()
    with pytest.raises(InputError) as e:
        choose(p, **kw)
    assert e.value.field == field
    assert not MedicationChoice.objects.exists()
    assert p.episodes.get().status == EpisodeStatus.ACTIVE


def test_referral_out_ends_the_episode_as_a_transfer_not_a_loss() -> None:
    p = make_patient()
    m = choose(p, "buprenorphine", "Cannot stop opioids for 10 days while working.",
               referral_program="Eastside Buprenorphine Clinic", referral_on=TODAY)  # fmt: skip
    episode = p.episodes.get()
    assert m.referred_out
    assert episode.status == EpisodeStatus.DISCHARGED
    assert episode.discharge_reason == "Referred to Eastside Buprenorphine Clinic for buprenorphine"
    assert Discontinuation.objects.get(episode=episode).reason == "transfer"
    report = {
        x.name.strip(): x.value
        for x in build_report(TODAY - timedelta(days=30), TODAY, TODAY).measures
    }
    assert report["Episodes ended in the period"] == 1
    assert report["of which lost to follow-up"] == 0
    assert report["of which referred out (buprenorphine or methadone)"] == 1
    assert AuditEvent.objects.filter(object_type="medication_choice", action="create").count() == 1
    # The episode is closed: no second choice on it.
    with pytest.raises(InputError) as e:
        choose(p)
    assert e.value.field == "patient"


def test_roles() -> None:
    p = make_patient()
    for actor in (NURSE, COUNSELOR):
        with pytest.raises(PermissionRefused):
            record_choice(p, ChoiceInput("naltrexone_tablet", "x"), actor=actor, at=NOW)
        assert read_aid(p, actor=actor, at=NOW).aid.columns
    nurse = login(Role.NURSE, "nina.page")
    page = nurse.get(f"/patients/{p.mrn}/choice/").content.decode()
    assert "Record the choice" not in page
    assert nurse.post(f"/patients/{p.mrn}/choice/", {"form": "choice", "option": "naltrexone_tablet",
                      "reasons": "x"}).status_code == 403  # fmt: skip
    coordinator = login(Role.COORDINATOR, "cora.page")
    assert coordinator.get(f"/patients/{p.mrn}/choice/").status_code == 403
    assert coordinator.get(f"/patients/{p.mrn}/choice/patient.pdf").status_code == 403
    assert not MedicationChoice.objects.exists()


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_patient_version_page_and_pdf_in_english_and_spanish() -> None:
    p = make_patient(sex="female")
    on_methadone_until(p, 4)
    record_observation(p, kind="pregnancy_test", observed_on=TODAY, data={"result": "positive"}, actor=NURSE, at=NOW)  # fmt: skip
    c = login(Role.COUNSELOR, "cole.page")
    first = (TODAY + timedelta(days=6)).isoformat()
    page = c.get(f"/patients/{p.mrn}/choice/patient/").content.decode()
    assert "Choosing a medicine: Test Patient MRN-0100" in page
    assert f"the first dose can be on {first} or later" in page
    r = c.get(f"/patients/{p.mrn}/choice/patient.pdf")
    assert r["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(r.content).split())
    assert "Choosing a medicine: Test Patient MRN-0100" in text
    assert "A nurse gives you a shot at the clinic every 28 days." in text
    assert "Because you are pregnant, methadone or buprenorphine are usually preferred." in text
    assert "Another program gives this medicine. We can refer you there." in text
    assert "Cost and insurance: ask the program." in text
    es = " ".join(pdf_text(c.get(f"/patients/{p.mrn}/choice/patient.pdf?lang=es").content).split())
    assert "Elegir un medicamento: Test Patient MRN-0100" in es
    assert "Una enfermera le pone una inyección en la clínica cada 28 días." in es
    assert f"la primera dosis puede ser el {first} o después" in es
    assert "Inyección mensual de naltrexona" in es
    assert (
        "Podemos enviarle allí"
        in c.get(f"/patients/{p.mrn}/choice/patient/?lang=es").content.decode()
    )


def api_client(username: str, role: Role) -> dict[str, str]:
    create_staff(username, "a-long-demo-password-1", role)
    return {"Authorization": f"Bearer {create_token(username, at=NOW)}"}


def test_api_get_the_comparison_and_post_a_choice() -> None:
    p = make_patient()
    on_methadone_until(p, 4)
    auth = api_client("pat.api", Role.PRESCRIBER)
    r = Client().get(f"/api/patients/{p.mrn}/choice-aid", headers=auth)
    assert r.status_code == 200
    body = r.json()
    assert body["opioid_free"]["days"] == 10 and body["opioid_free"]["days_left"] == 6
    assert [o["option"] for o in body["options"]] == [
        "naltrexone_tablet",
        "naltrexone_injection",
        "buprenorphine",
        "methadone",
    ]
    assert body["options"][0]["cells"][0]["source"] == "Part A A1; fact sheet 1.2, 1.12"

    def post(data: object, headers: dict[str, str] = auth) -> Any:
        return Client().post(
            f"/api/patients/{p.mrn}/medication-choices",
            data=json.dumps(data),
            content_type="application/json",
            headers=headers,
        )

    bad = post({"option": "methadone", "reasons": "Near work."})
    assert bad.status_code == 400 and bad.json()["field"] == "referral_program"
    nurse = api_client("nina.api", Role.NURSE)
    assert post({"option": "naltrexone_tablet", "reasons": "x"}, nurse).status_code == 403
    ok = post({"option": "methadone", "reasons": "Near work.", "priorities": ["visits"],
               "referral_program": "Eastside OTP", "referral_on": TODAY.isoformat()})  # fmt: skip
    assert ok.status_code == 201, ok.json()
    assert ok.json()["referral_program"] == "Eastside OTP"
    assert p.episodes.get().status == EpisodeStatus.DISCHARGED


def test_the_cost_cell_says_who_pays_from_the_patients_coverage() -> None:
    """Issue 15: the cost and coverage cell reads the patient's coverage and the injection's
    benefits check from the record, not 'ask the program', once they are on file."""
    from naltrack.insurance.services import (
        BenefitsInput,
        CoverageInput,
        record_benefits,
        record_coverage,
    )
    from tests.integration.conftest import COORDINATOR

    p = make_patient()
    before = gather_choice_facts(p, p.episodes.get(), TODAY)
    assert before.coverage is None
    record_coverage(p, CoverageInput(kind="insurance", valid_from=TODAY - timedelta(days=30),
                                     payer="Medicaid", plan="Medicaid MCO", member_id="M-1"),
                    actor=COORDINATOR, at=NOW)  # fmt: skip
    record_benefits(p, BenefitsInput(covered="yes", benefit="medical", supply="buy_and_bill"),
                    actor=COORDINATOR, at=NOW)  # fmt: skip
    words = gather_choice_facts(p, p.episodes.get(), TODAY).coverage
    assert words is not None and words.startswith("On file: Medicaid (Medicaid MCO), primary.")
    assert (
        f"Monthly injection benefits checked {TODAY.isoformat()}: covered (medical benefit)."
        in words
    )
    page = login(Role.PRESCRIBER, "pat.cost").get(f"/patients/{p.mrn}/choice/").content.decode()
    assert "On file: Medicaid (Medicaid MCO), primary." in page
