"""The first dose made safe (issue 12): a screening lacking a required fact (last opioid use, a
urine screen) reads what is missing and cannot be signed as a start; the signature names what was
reviewed with a note (stored, audited, shown on the screening and the chart); the MAR shows the
signed screening's open findings at the first dose; and an OUD first dose with no urine screen of
the Part A A2 look-back on file is refused until a prescriber overrides it with a reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.monitoring.services import record_observation
from naltrack.patients.models import Patient
from naltrack.screening.models import ScreeningRecord
from naltrack.screening.services import run_screening, sign_screening
from naltrack.treatment.models import Administration
from naltrack.treatment.services import (
    AdministrationInput,
    DoseRefused,
    authorize_injection_override,
    insert_implant,
    record_administration,
)
from tests.integration.conftest import (
    ATTESTATION_NOTE,
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

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

NEGATIVE = {"results": {"opioids": "negative", "fentanyl": "negative", "buprenorphine": "negative"}}


def _screened(mrn: str, day: date, *, uds_before: int = 0) -> tuple[Patient, ScreeningRecord]:
    """Ready for an OUD start on `day`, the urine screen `uds_before` days before it, screened."""
    p = make_patient(mrn, start=day - timedelta(days=5))
    make_ready(p, day)
    if uds_before:
        p.observations.filter(kind="urine_screen").update(
            observed_on=day - timedelta(days=uds_before)
        )
    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(day, 8))
    order(p, day, hour=8)  # the signed injection order the MAR gives
    return p, rec


def _signed_then_screen_goes_stale(mrn: str) -> Patient:
    """Screened and signed yesterday on a urine screen of 3 days before that (inside the A2
    look-back of the screening), so that today the screen is 4 days old: none on file for today."""
    p, rec = _screened(mrn, TODAY - timedelta(days=1), uds_before=3)
    assert rec.missing_facts == ()
    sign_screening(
        rec.pk, actor=PRESCRIBER, at=at(TODAY - timedelta(days=1), 9), **attested(rec.pk)
    )
    return p


# --- the screening: required facts and the attestation --------------------------------------------


def test_an_empty_screening_reads_what_is_missing_and_cannot_be_signed() -> None:
    p = make_patient("MRN-1200")
    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(TODAY, 8))
    assert rec.decision == "needs_review"  # the contract's decision is unchanged
    assert [m.fact for m in rec.missing_facts] == ["last_opioid_use", "urine_drug_screen"]
    audits = AuditEvent.objects.count()
    with pytest.raises(InputError) as err:
        sign_screening(rec.pk, actor=PRESCRIBER, at=at(TODAY, 9), **attested(rec.pk))
    assert err.value.field == "screening"
    assert (
        "the date and kind of last opioid use and a recent urine drug screen" in err.value.message
    )
    rec.refresh_from_db()
    assert (rec.signed, rec.reviewed, rec.attestation_note) == (False, [], "")
    # The refusal wrote nothing but the audited read of the chart it opened.
    assert not AuditEvent.objects.filter(pk__gt=audits, action="update").exists()

    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    page = prescriber.get(f"/screenings/{rec.pk}/").content.decode()
    assert "Incomplete: no start can be decided." in page and "may start" not in page
    assert "cannot be signed as a start" in page
    posted = prescriber.post(f"/screenings/{rec.pk}/sign/", {
        "reviewed": ["facts", "LAST_OPIOID_USE_UNKNOWN", "UDS_MISSING"], "note": ATTESTATION_NOTE,
    })  # fmt: skip
    assert posted.status_code == 400
    text = posted.content.decode()
    assert "record the date and kind of last opioid use and a recent urine drug screen" in text
    assert 'name="reviewed"' not in text  # no form is offered that could not succeed
    rec.refresh_from_db()
    assert not rec.signed


def test_the_live_form_reads_what_is_missing_until_it_is_entered() -> None:
    p = make_patient("MRN-1201")
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    empty = prescriber.post(f"/patients/{p.mrn}/screen/preview/", {"formulation": "xr_injection"})
    assert "Incomplete: no start can be decided." in empty.content.decode()
    record_observation(p, kind="urine_screen", observed_on=TODAY, data=NEGATIVE, actor=NURSE,
                       at=at(TODAY, 8))  # fmt: skip
    entered = prescriber.post(f"/patients/{p.mrn}/screen/preview/", {
        "formulation": "xr_injection", "last_opioid_use": str(TODAY - timedelta(days=20)),
        "last_opioid_kind": "short_acting",
    }).content.decode()  # fmt: skip
    assert "Incomplete" not in entered and "may start" in entered


def test_the_signature_names_what_was_reviewed_with_a_note_stored_audited_and_shown() -> None:
    p, rec = _screened("MRN-1202", TODAY)
    record_observation(p, kind="phq9", observed_on=TODAY, data={"items": [1, 1, 1, 1, 0, 0, 0, 0, 1]},
                       actor=NURSE, at=at(TODAY, 8))  # fmt: skip
    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(TODAY, 8))
    assert rec.decision == "needs_review" and rec.missing_facts == ()
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    # Ticking nothing is refused, naming what is not ticked; the note typed is kept.
    note = "Same-day C-SSRS done: low risk; safety plan agreed with the patient."
    posted = prescriber.post(f"/screenings/{rec.pk}/sign/", {"note": note})
    assert posted.status_code == 400
    assert "not yet ticked: facts, SUICIDE_RISK" in posted.content.decode()
    assert note in posted.content.decode()
    # A short note is refused too.
    short = prescriber.post(
        f"/screenings/{rec.pk}/sign/", {"reviewed": ["facts", "SUICIDE_RISK"], "note": "ok"}
    )
    assert (
        short.status_code == 400 and "write a note on what you reviewed" in short.content.decode()
    )
    done = prescriber.post(
        f"/screenings/{rec.pk}/sign/", {"reviewed": ["facts", "SUICIDE_RISK"], "note": note}
    )
    assert done.status_code == 302
    rec.refresh_from_db()
    assert (rec.signed_by, rec.reviewed, rec.attestation_note) == (
        "pat.prescriber", ["SUICIDE_RISK", "facts"], note,
    )  # fmt: skip
    event = AuditEvent.objects.get(object_type="screening", object_id=str(rec.pk), action="update")
    assert event.detail == f"signed; reviewed SUICIDE_RISK, facts; note: {note}"
    detail = prescriber.get(f"/screenings/{rec.pk}/").content.decode()
    assert "Attestation" in detail and note in detail and "PHQ-9 item 9 is 1" in detail
    chart = prescriber.get(f"/patients/{p.mrn}/").content.decode()
    assert "Attested: reviewed the facts and 1 finding" in chart and note in chart


def test_the_api_signs_with_the_attestation_and_says_what_is_missing() -> None:
    empty = make_patient("MRN-1203")
    ready, rec = _screened("MRN-1204", TODAY)
    create_staff("pat.api", "a-long-demo-password-1", Role.PRESCRIBER)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_token('pat.api', at=at(TODAY))}")
    made = api.post(f"/api/patients/{empty.mrn}/screenings", {"formulation": "oral"},
                    content_type="application/json")  # fmt: skip
    assert made.status_code == 201, made.content
    assert [m["fact"] for m in made.json()["missing_facts"]] == [
        "last_opioid_use",
        "urine_drug_screen",
    ]
    refused = api.post(f"/api/screenings/{made.json()['id']}/sign",
                       {"reviewed": ["facts"], "note": ATTESTATION_NOTE},
                       content_type="application/json")  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["field"] == "screening"
    unticked = api.post(f"/api/screenings/{rec.pk}/sign", {"note": ATTESTATION_NOTE},
                        content_type="application/json")  # fmt: skip
    assert unticked.status_code == 400 and unticked.json()["field"] == "reviewed"
    signed = api.post(f"/api/screenings/{rec.pk}/sign",
                      {"reviewed": ["facts"], "note": ATTESTATION_NOTE},
                      content_type="application/json")  # fmt: skip
    assert signed.status_code == 200, signed.content
    body = signed.json()
    assert (body["signed_by"], body["reviewed"], body["attestation_note"], body["missing_facts"]) == (
        "pat.api", ["facts"], ATTESTATION_NOTE, [],
    )  # fmt: skip
    listed = api.get(f"/api/patients/{ready.mrn}/screenings").json()
    assert listed["items"][0]["attestation_note"] == ATTESTATION_NOTE


# --- the MAR at the first dose ----------------------------------------------------------------------


def test_the_mar_shows_the_signed_screenings_open_findings_at_the_first_dose_only() -> None:
    p, _ = _screened("MRN-1205", TODAY)
    record_observation(p, kind="phq9", observed_on=TODAY, data={"items": [1, 1, 1, 1, 0, 0, 0, 0, 1]},
                       actor=NURSE, at=at(TODAY, 8))  # fmt: skip
    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(TODAY, 8))
    nurse = login(Role.NURSE, "nina.nurse")
    unsigned = nurse.get(f"/patients/{p.mrn}/mar/").content.decode()
    assert "read the signed screening's open findings" not in unsigned
    sign_screening(rec.pk, actor=PRESCRIBER, at=at(TODAY, 9), **attested(rec.pk))
    page = nurse.get(f"/patients/{p.mrn}/mar/").content.decode()
    assert "First dose: read the signed screening's open findings before giving" in page
    assert "PHQ-9 item 9 is 1: thoughts of death or self-harm." in page
    assert ATTESTATION_NOTE in page
    assert "For information" in page  # the info findings, folded away
    record_administration(p, injection(TODAY), actor=NURSE, at=at(TODAY, 11))
    after = nurse.get(f"/patients/{p.mrn}/mar/").content.decode()
    assert "read the signed screening's open findings" not in after


def test_a_first_injection_without_a_recent_urine_screen_is_refused_until_a_prescriber_overrides() -> (
    None
):
    p = _signed_then_screen_goes_stale("MRN-1206")
    with pytest.raises(DoseRefused) as err:
        record_administration(p, injection(TODAY), actor=NURSE, at=at(TODAY, 10))
    assert [r.code for r in err.value.refusals] == ["first_dose_urine_screen_missing"]
    assert err.value.overridable and err.value.field == "urine_screen"
    assert not Administration.objects.filter(patient=p).exists()
    nurse = login(Role.NURSE, "nina.nurse")
    page = nurse.get(f"/patients/{p.mrn}/mar/").content.decode()
    assert "no urine drug screen on file from" in page
    assert "Only a prescriber's written override for today can allow this injection." in page
    reason = "Point-of-care cup negative at 09:00; lab copy lost in transit, re-sent today."
    row = authorize_injection_override(
        p, on=TODAY, reason=reason, actor=PRESCRIBER, at=at(TODAY, 10)
    )
    assert row.codes == ["first_dose_urine_screen_missing"]
    given = record_administration(p, injection(TODAY), actor=NURSE, at=at(TODAY, 11)).administration
    assert (given.first_dose, given.override_reason, given.override_by) == (
        True,
        reason,
        "pat.prescriber",
    )
    assert [o["code"] for o in given.overridden] == ["first_dose_urine_screen_missing"]
    assert AuditEvent.objects.filter(
        object_type="administration", object_id=str(given.pk),
        detail__contains="override by pat.prescriber (first_dose_urine_screen_missing)",
    ).exists()  # fmt: skip


def test_a_recorded_urine_screen_lets_the_first_injection_go_ahead() -> None:
    p = _signed_then_screen_goes_stale("MRN-1207")
    record_observation(p, kind="urine_screen", observed_on=TODAY, data=NEGATIVE, actor=NURSE,
                       at=at(TODAY, 9))  # fmt: skip
    given = record_administration(p, injection(TODAY), actor=NURSE, at=at(TODAY, 11)).administration
    assert given.first_dose and given.override_reason == ""


def test_a_positive_urine_screen_on_the_first_dose_day_is_refused() -> None:
    p = _signed_then_screen_goes_stale("MRN-1208")
    record_observation(p, kind="urine_screen", observed_on=TODAY,
                       data={"results": {"opioids": "negative", "fentanyl": "positive"}},
                       actor=NURSE, at=at(TODAY, 9))  # fmt: skip
    with pytest.raises(DoseRefused) as err:
        record_administration(p, injection(TODAY), actor=NURSE, at=at(TODAY, 10))
    assert [r.code for r in err.value.refusals] == ["first_dose_urine_screen_positive"]


def test_the_first_tablet_without_a_recent_urine_screen_needs_the_override_too() -> None:
    p = _signed_then_screen_goes_stale("MRN-1209")
    order(p, TODAY, "oral_daily", hour=9)  # tablets instead: the first one may be 25 mg (OUD)
    tablet = AdministrationInput(formulation="oral", given_at=at(TODAY, 10), dose_mg=25)
    with pytest.raises(DoseRefused) as err:
        record_administration(p, tablet, actor=NURSE, at=at(TODAY, 10))
    assert [r.code for r in err.value.refusals] == ["first_dose_urine_screen_missing"]
    reason = "Point-of-care cup negative at 09:00; lab copy lost in transit, re-sent today."
    authorize_injection_override(p, on=TODAY, reason=reason, actor=PRESCRIBER, at=at(TODAY, 10),
                                 formulation="oral", dose_mg=25)  # fmt: skip
    given = record_administration(p, tablet, actor=NURSE, at=at(TODAY, 11)).administration
    assert (given.first_dose, given.override_reason) == (True, reason)
    assert [o["code"] for o in given.overridden] == ["first_dose_urine_screen_missing"]


def test_an_implant_as_the_first_dose_needs_the_urine_screen_too() -> None:
    p = _signed_then_screen_goes_stale("MRN-1210")
    args = dict(inserted_on=TODAY, product="naltrexone implant", dose_mg=1800, lot="I-1",
                site="left lower abdomen", actor=PRESCRIBER, at=at(TODAY, 10))  # fmt: skip
    with pytest.raises(InputError, match="no urine drug screen on file"):
        insert_implant(p, **args)  # type: ignore[arg-type]
    authorize_injection_override(
        p, on=TODAY, reason="Negative cup seen; lab copy lost.", actor=PRESCRIBER, at=at(TODAY, 10)
    )
    assert insert_implant(p, **args).inserted_on == TODAY  # type: ignore[arg-type]


def test_an_aud_only_first_dose_needs_no_urine_screen() -> None:
    from naltrack.clinical.vocab import Indication

    p = make_patient(
        "MRN-1211", indications=frozenset({Indication.AUD}), start=TODAY - timedelta(days=5)
    )
    for kind, data in (("liver", {"alt": 30, "ast": 28, "alt_uln": 40, "ast_uln": 40}),
                       ("weight", {"weight_kg": 80, "height_cm": 178})):  # fmt: skip
        record_observation(p, kind=kind, observed_on=TODAY, data=data, actor=NURSE, at=at(TODAY, 8))
    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(TODAY, 8))
    assert rec.missing_facts == ()
    sign_screening(rec.pk, actor=PRESCRIBER, at=at(TODAY, 9), **attested(rec.pk))
    order(p, TODAY, hour=9)
    assert record_administration(
        p, injection(TODAY), actor=NURSE, at=at(TODAY, 11)
    ).administration.first_dose


def test_a_deferral_with_a_missing_fact_is_signed_as_it_is_but_not_overridden() -> None:
    p = make_patient("MRN-1212")
    make_ready(p, TODAY, last_use_days=4)  # not yet: 7 opioid-free days (Part A A1)
    p.observations.filter(kind="urine_screen").delete()
    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(TODAY, 8))
    assert rec.decision == "not_yet" and [m.fact for m in rec.missing_facts] == [
        "urine_drug_screen"
    ]
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    page = prescriber.get(f"/screenings/{rec.pk}/").content.decode()
    assert "An override cannot allow a start while a recent urine drug screen is missing" in page
    reason = "Detox unit confirmed 10 opioid-free days; patient history unreliable."
    with pytest.raises(InputError, match="cannot be signed as a start"):
        sign_screening(rec.pk, actor=PRESCRIBER, at=at(TODAY, 9), override_reason=reason,
                       **attested(rec.pk, overriding=True))  # fmt: skip
    signed = sign_screening(rec.pk, actor=PRESCRIBER, at=at(TODAY, 9), **attested(rec.pk))
    assert signed.signed and not signed.overridden  # the deferral, recorded as it is
