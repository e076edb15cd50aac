"""The wallet card and the procedures letter from the chart (issue 11): the PDF read back with
pypdf (not the library that wrote it), its QR code rendered with PDFium and decoded with zxing-cpp
(not segno, which drew it), the verification page that states only what the card states and
expires, and the Spanish card."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import timedelta
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from django.test import Client
from pypdf import PdfReader

from naltrack.accounts.roles import Role
from naltrack.audit.models import AuditEvent
from naltrack.card.models import CardLink
from naltrack.card.render import card_text
from naltrack.card.services import Check, IssuedCard, issue_card, token_hash, verify
from naltrack.clinical.wallet import NoCard
from naltrack.config import ClinicInfo
from naltrack.patients.models import Patient
from naltrack.treatment.services import PlanInput, change_plan
from naltrack.web.logs import redact
from tests.integration.conftest import (
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    login,
    make_patient,
    started_on_injection,
)

pytestmark = pytest.mark.django_db

FIRST = TODAY - timedelta(days=5)  # the injection was 5 days before "today" (2026-11-21)


@pytest.fixture
def clinic(settings: Any) -> None:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)
    settings.CLINIC_INFO = ClinicInfo(name="Riverside Recovery Clinic", phone="+1 555 0100")


@pytest.fixture
def patient(clinic: None) -> Patient:
    p = started_on_injection("MRN-0900", FIRST)
    change_plan(p, PlanInput(formulation="xr_injection", regimen="xr_injection"), reason="start",
                actor=PRESCRIBER, at=at(FIRST, 8))  # fmt: skip
    p.support_person_name, p.support_person_phone = "Sam Example", "555 0199"
    p.save()
    return p


def pdf_text(body: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(body)).pages]


def qr_on(body: bytes, page: int) -> list[str]:
    """The QR codes on a PDF page, as an independent reader sees them: PDFium renders the page,
    zxing-cpp decodes the image."""
    doc = pypdfium2.PdfDocument(body)
    image = doc[page].render(scale=8).to_pil().convert("L")
    return [r.text for r in zxingcpp.read_barcodes(image)]


def issued(p: Patient, language: str = "en") -> IssuedCard:
    out = issue_card(p, actor=NURSE, at=NOW, language=language)
    assert isinstance(out, IssuedCard)
    return out


def test_the_wallet_card_pdf_is_credit_card_size_with_the_card_text_and_a_working_qr(patient: Patient) -> None:  # fmt: skip
    c: Client = login(Role.NURSE, "nina.nurse")
    got = c.get(f"/patients/{patient.mrn}/wallet-card.pdf")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    body = got.content
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 2  # front and back
    for page in reader.pages:  # ISO/IEC 7810 ID-1: 85.6 x 54 mm, in points (1 mm = 72/25.4 pt)
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(w * 25.4 / 72, 1), round(h * 25.4 / 72, 1)) == (85.6, 54.0)
    front, back = pdf_text(body)
    for expected in ("I TAKE NALTREXONE", "Name: Test Patient MRN-0900",
                     "Monthly injection (extended-release naltrexone 380 mg)",
                     "Last injection: Nov. 16, 2026.",
                     "blocking effect is expected to last until about Dec. 13, 2026.",
                     "Next injection due: Dec. 14, 2026.",
                     "Clinic: Riverside Recovery Clinic", "Clinic phone: +1 555 0100"):  # fmt: skip
        assert expected in front, expected
    for expected in ("Opioid pain medicines will not work as expected.", "general anaesthesia",
                     "CPR", "Emergency contact: Sam Example 555 0199", "Scan to check this card"):  # fmt: skip
        assert expected in back, expected
    [url] = qr_on(body, 1)
    token = re.fullmatch(r"http://testserver/card/check/([A-Za-z0-9_-]+)/", url)
    assert token is not None
    link = CardLink.objects.get()
    assert link.token_hash == token_hash(token.group(1)) and token.group(1) not in link.token_hash
    assert link.valid_until == FIRST + timedelta(days=27)
    # The QR's page, opened by anyone (no sign-in), states what the card states.
    check = Client().get(url)
    assert check.status_code == 200
    html = check.content.decode()
    assert "This card is current." in html and "Test Patient MRN-0900" in html
    assert "Dec. 13, 2026" in html and "Emergency contact" in html
    assert "MRN-0900" not in html.replace("Test Patient MRN-0900", "")  # no record number shown
    assert AuditEvent.objects.filter(object_type="wallet_card", action="export").count() == 1
    assert AuditEvent.objects.filter(object_type="wallet_card_check", actor="card-verification",
                                     patient_mrn=patient.mrn).count() == 1  # fmt: skip


def test_the_full_page_card_is_one_letter_page_with_the_statements_in_full(patient: Patient) -> None:  # fmt: skip
    c = login(Role.NURSE, "nina.nurse")
    body = c.get(f"/patients/{patient.mrn}/wallet-card.pdf?layout=page").content
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1 and round(float(reader.pages[0].mediabox.width)) == 612
    [words] = pdf_text(body)
    assert "If opioids must be used, higher doses than usual may be needed" in words
    assert "a dose I once took could cause a fatal overdose" in words
    [url] = qr_on(body, 0)
    assert url.startswith("http://testserver/card/check/")


def test_the_check_page_expires_with_the_card_and_then_says_only_that(patient: Patient) -> None:
    card = issued(patient)
    assert verify(card.token, at=NOW, remote_addr=None).status is Check.VALID
    last_day = at(card.link.valid_until, 23)
    assert verify(card.token, at=last_day, remote_addr=None).status is Check.VALID
    expired = verify(card.token, at=last_day + timedelta(hours=1), remote_addr=None)
    assert expired.status is Check.EXPIRED and expired.content is None


def test_a_new_card_replaces_the_old_cards_link(patient: Patient) -> None:
    old = issued(patient)
    patient.support_person_phone = "555 0200"  # the card would now state another number
    patient.save()
    new = issued(patient)
    assert verify(old.token, at=NOW, remote_addr=None).status is Check.REPLACED
    assert verify(new.token, at=NOW, remote_addr=None).status is Check.VALID
    html = Client().get(f"/card/check/{old.token}/").content.decode()
    assert "A newer card has replaced this one." in html and "Test Patient" not in html


def test_the_check_links_token_stays_out_of_the_logs() -> None:
    assert redact("Not Found: /card/check/s3cr3t-T0ken/") == "Not Found: /card/check/<redacted>/"
    assert redact("route card/check/<str:token>/") == "route card/check/<str:token>/"


def test_an_unknown_link_says_nothing_about_anyone(patient: Patient) -> None:
    issued(patient)
    got = Client().get("/card/check/not-a-real-token/")
    assert got.status_code == 404
    html = got.content.decode()
    assert "not known" in html and "Test Patient" not in html and "naltrexone 380" not in html


def test_no_card_for_a_patient_without_a_plan(clinic: None) -> None:
    p = make_patient("MRN-0901")
    assert issue_card(p, actor=NURSE, at=NOW, language="en") is NoCard.NO_TREATMENT
    assert not CardLink.objects.exists()
    c = login(Role.NURSE, "nina.nurse")
    page = c.get(f"/patients/{p.mrn}/wallet-card/").content.decode()
    assert "No card: There is no current naltrexone treatment plan" in page
    assert c.get(f"/patients/{p.mrn}/wallet-card.pdf").status_code == 409


def test_a_coordinator_cannot_print_a_card(patient: Patient) -> None:
    c = login(Role.COORDINATOR, "cora.coordinator")
    assert c.get(f"/patients/{patient.mrn}/wallet-card.pdf").status_code == 403
    assert not CardLink.objects.exists()


def test_the_spanish_card_is_in_spanish_with_the_same_dates(patient: Patient) -> None:
    card = issued(patient, "es")
    text = card_text(card.content)
    assert text.words["card_title"] == "Tomo naltrexona"
    assert "Última inyección: 16 de noviembre de 2026." in text.facts
    c = login(Role.NURSE, "nina.nurse")
    body = c.get(f"/patients/{patient.mrn}/wallet-card.pdf?lang=es").content
    front, back = pdf_text(body)
    assert "TOMO NALTREXONA" in front and "Última inyección: 16 de noviembre de 2026." in front
    assert "Los analgésicos opioides no funcionarán como se espera." in back
    html = Client().get(qr_on(body, 1)[0]).content.decode()
    assert 'lang="es"' in html and "Esta tarjeta está vigente." in html


def test_the_letter_page_and_pdf_follow_the_core(patient: Patient) -> None:
    c = login(Role.NURSE, "nina.nurse")
    on = (TODAY + timedelta(days=10)).isoformat()
    page = c.get(f"/patients/{patient.mrn}/procedure-letter/?kind=surgery&on={on}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "is only 15 days before the procedure on Dec. 1, 2026, fewer than 30" in html
    assert "No further injection before the procedure" in html
    body = c.get(
        f"/patients/{patient.mrn}/procedure-letter/?kind=dental&on={on}&format=pdf"
    ).content
    words = " ".join(pdf_text(body))
    assert "Naltrexone: information for the dentist" in words
    assert "does not treat dental work separately" in words
    assert "Fact sheet 4.3" in words  # the sources are printed with the statements
    assert AuditEvent.objects.filter(object_type="procedure_letter", action="export").count() == 2


def test_a_past_procedure_date_is_refused_naming_the_field(patient: Patient) -> None:
    c = login(Role.NURSE, "nina.nurse")
    got = c.get(f"/patients/{patient.mrn}/procedure-letter/?on=2020-01-01")
    assert got.status_code == 400 and "procedure_on: is before today" in got.content.decode()
    got = c.get(f"/patients/{patient.mrn}/procedure-letter/?on=soon")
    assert got.status_code == 400 and "procedure_on: must be a date" in got.content.decode()


def test_the_staff_card_defaults_to_the_patients_portal_language(patient: Patient) -> None:
    from tests.integration.portal_helpers import give_portal_account

    c = login(Role.NURSE, "nina.nurse")
    english = c.get(f"/patients/{patient.mrn}/wallet-card/").content.decode()
    assert "I take naltrexone" in english and "Tomo naltrexona" not in english
    give_portal_account(patient, language="es")
    spanish = c.get(f"/patients/{patient.mrn}/wallet-card/").content.decode()
    assert "Tomo naltrexona" in spanish
    front, _back = pdf_text(c.get(f"/patients/{patient.mrn}/wallet-card.pdf").content)
    assert "TOMO NALTREXONA" in front
    asked = c.get(f"/patients/{patient.mrn}/wallet-card/?lang=en").content.decode()
    assert "I take naltrexone" in asked and "Tomo naltrexona" not in asked
    on = (TODAY + timedelta(days=10)).isoformat()
    letter = c.get(f"/patients/{patient.mrn}/procedure-letter/?kind=surgery&on={on}").content
    assert "Naltrexona: información para el cirujano" in letter.decode()
