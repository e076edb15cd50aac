"""The wallet card and the procedures letter in the patient portal (issue 11): the patient's own
card only, audited under the patient account; the card's QR page open to anyone, a signed-in
patient included; staff and patients each kept to their own side."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import timedelta
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from naltrack.accounts.actors import NotOwnRecord
from naltrack.accounts.roles import Role
from naltrack.audit.models import AuditEvent
from naltrack.card.models import CardLink
from naltrack.card.services import Check, IssuedCard, issue_card, verify
from naltrack.patients.models import Patient
from naltrack.treatment.services import PlanInput, change_plan
from tests.integration.conftest import (
    NOW,
    PRESCRIBER,
    TODAY,
    at,
    login,
    make_patient,
    started_on_injection,
)
from tests.integration.portal_helpers import give_portal_account, portal_actor, portal_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(settings: Any) -> None:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)


def on_injection(mrn: str) -> Patient:
    first = TODAY - timedelta(days=5)
    p = started_on_injection(mrn, first)
    change_plan(p, PlanInput(formulation="xr_injection", regimen="xr_injection"), reason="start",
                actor=PRESCRIBER, at=at(first, 8))  # fmt: skip
    return p


def test_the_patient_prints_their_own_card_and_its_qr_opens_while_signed_in() -> None:
    p = on_injection("MRN-0960")
    account = give_portal_account(p)
    c = portal_client(account)
    got = c.get("/portal/card.pdf")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(got.content)).pages)
    assert "I TAKE NALTREXONE" in words and "Test Patient MRN-0960" in words
    image = pypdfium2.PdfDocument(got.content)[1].render(scale=8).to_pil().convert("L")
    [url] = [r.text for r in zxingcpp.read_barcodes(image)]
    path = re.sub(r"^http://testserver", "", url)
    # the portal's wall keeps a patient off staff pages, but the card's own page is public
    check = c.get(path)
    assert check.status_code == 200 and "This card is current." in check.content.decode()
    assert c.get(f"/patients/{p.mrn}/wallet-card/").status_code == 403
    made = AuditEvent.objects.filter(object_type="wallet_card", action="export", patient_mrn=p.mrn)
    assert [e.actor for e in made] == [f"patient:{account.user.get_username()}"]


def test_the_phone_page_and_a_printed_card_of_the_same_facts_both_stay_valid() -> None:
    p = on_injection("MRN-0961")
    actor = portal_actor(give_portal_account(p))
    printed = issue_card(p, actor=actor, at=NOW, language="en")
    shown = issue_card(p, actor=actor, at=NOW + timedelta(minutes=5), language="en")
    assert isinstance(printed, IssuedCard) and isinstance(shown, IssuedCard)
    for card in (printed, shown):
        assert verify(card.token, at=NOW, remote_addr=None).status is Check.VALID
    assert CardLink.objects.filter(patient=p, replaced_at__isnull=True).count() == 2


def test_a_patient_cannot_make_another_patients_card() -> None:
    mine, theirs = on_injection("MRN-0962"), on_injection("MRN-0963")
    actor = portal_actor(give_portal_account(mine))
    with pytest.raises(NotOwnRecord):
        issue_card(theirs, actor=actor, at=NOW, language="en")
    assert not CardLink.objects.filter(patient=theirs).exists()


def test_staff_cannot_use_the_portal_card_page() -> None:
    on_injection("MRN-0964")
    c = login(Role.NURSE, "nina.nurse")
    assert c.get("/portal/card/").status_code == 403
    assert not CardLink.objects.exists()


def test_the_portal_letter_follows_the_core_and_refuses_a_past_date_in_plain_words() -> None:
    c = portal_client(give_portal_account(on_injection("MRN-0965")))
    form = c.get("/portal/card/letter/").content.decode()
    assert "Date of the procedure" in form and "Show my letter" in form
    on = (TODAY + timedelta(days=40)).isoformat()
    html = c.get(f"/portal/card/letter/?kind=surgery&on={on}").content.decode()
    assert "The patient takes naltrexone" in html
    assert "The last injection (Nov. 16, 2026) is 45 days before the procedure" in html
    assert "no injection after Dec. 1, 2026 until after the procedure" in html
    pdf = c.get(f"/portal/card/letter/?kind=surgery&on={on}&format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    bad = c.get("/portal/card/letter/?kind=surgery&on=2020-01-01")
    assert bad.status_code == 400
    assert "Date of the procedure: Please choose a date from today on." in bad.content.decode()


def test_a_patient_without_a_plan_is_told_why_there_is_no_card_in_spanish() -> None:
    p = make_patient("MRN-0966")
    c = portal_client(give_portal_account(p, language="es"))
    html = c.get("/portal/card/").content.decode()
    assert "No hay un plan de tratamiento con naltrexona vigente" in html
    assert c.get("/portal/card.pdf").status_code == 409
