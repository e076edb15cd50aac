"""The patient's accounting of disclosures as a PDF (issue 10), read back with pypdf, a library
independent of the one that wrote it (fpdf2): the rows of the page are in it."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor, create_staff
from naltrack.audit.models import AuditEvent
from naltrack.clinical.consent import Recipient, RecipientClass
from naltrack.disclosure.pdf import latin1
from naltrack.disclosure.services import ConsentInput, accounting_pdf, disclose, record_consent
from naltrack.patients.careteam import break_glass
from naltrack.patients.models import Patient
from tests.integration.conftest import COORDINATOR, NOW, NURSE, PASSWORD, TODAY, login, make_patient

pytestmark = pytest.mark.django_db

EMERGENCY = "Unresponsive after a suspected overdose; the ED needs current medications."
GLASS = "Covering the evening clinic; the patient is here for the injection now."


def text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def patient(settings: Any) -> Patient:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, care_team_required=True)
    p = make_patient("MRN-0700")
    record_consent(p, ConsentInput(
        scope="general", signed_by="Test Patient", signer="patient", signed_on=TODAY,
        recipient_names=("Dr. Rivera",), purposes=("TREAT",), record_kinds=("medications",),
        expiry_event="end_of_treatment",
    ), actor=NURSE, at=NOW)  # fmt: skip
    disclose(p, Recipient("Dr. Rivera"), "TREAT", {"medications"}, NURSE, NOW)
    disclose(p, Recipient("Mercy ED", RecipientClass.TREATING_PROVIDERS), "ETREAT", {"medications"}, NURSE, NOW, EMERGENCY)  # fmt: skip
    create_staff("lou.nurse", PASSWORD, Role.NURSE)
    break_glass(p, GLASS, actor=Actor(None, "lou.nurse", Role.NURSE), at=NOW)
    return p


def test_the_pdf_lists_every_disclosure_and_every_break_the_glass(patient: Patient) -> None:
    body = accounting_pdf(patient, actor=COORDINATOR, at=NOW)
    assert body.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(body))
    assert (
        reader.metadata is not None
        and reader.metadata.title == "Accounting of disclosures: MRN-0700"
    )
    words = " ".join(text(body).split())
    assert "Accounting of disclosures: Patient MRN-0700, Test" in words
    assert "Disclosures (2)" in words and "Chart opened outside the care team (1)" in words
    for expected in ("Dr. Rivera", "Mercy ED", "Consent", "Medical emergency (42 CFR 2.51)",
                     "42CFRPart2", "nurse", "lou.nurse"):  # fmt: skip
        assert expected in words, expected
    assert " ".join(GLASS.split()[:4]) in words
    [event] = AuditEvent.objects.filter(object_type="disclosures_pdf")
    assert event.action == "export" and event.detail == "2 disclosures, 1 break-the-glass"


def test_an_empty_accounting_says_so() -> None:
    p = make_patient("MRN-0701")
    words = " ".join(text(accounting_pdf(p, actor=COORDINATOR, at=NOW)).split())
    assert "Nothing has been disclosed." in words
    assert "No one outside the care team opened the chart." in words


def test_the_page_offers_the_pdf(patient: Patient, fixed_today: None) -> None:
    c: Client = login(Role.COORDINATOR, "cora.coordinator")
    assert "disclosures.pdf" in c.get(f"/patients/{patient.mrn}/disclosures/").content.decode()
    got = c.get(f"/patients/{patient.mrn}/disclosures.pdf")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert 'filename="disclosures-MRN-0700.pdf"' in got["Content-Disposition"]
    assert "Mercy ED" in text(got.content)
    create_staff("dana.director", PASSWORD, Role.DIRECTOR)
    director = Client()
    director.post("/login/", {"username": "dana.director", "password": PASSWORD})
    assert director.get(f"/patients/{patient.mrn}/disclosures.pdf").status_code == 403


def test_names_outside_latin_1_lose_only_what_the_font_cannot_show() -> None:
    assert (
        latin1("Zoë Żak, Łódź \u2013 \u201c42 CFR § 2.51\u201d")
        == 'Zoë Zak, ?ódz - "42 CFR § 2.51"'
    )
    assert latin1("李") == "?"
