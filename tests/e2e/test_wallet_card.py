"""The wallet card and the Learn pages on a phone (390 px), in a real browser (issue 11): the patient
signs in to the portal, sees the card, scans its QR code off the screen (zxing-cpp reads the
screenshot), downloads the wallet-size PDF and reads it back; the Learn pages fit the screen, in
English and in Spanish. Screenshots are kept in the test's tmp_path."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from naltrack.patients.models import Patient
from naltrack.treatment.services import PlanInput, change_plan
from tests.integration.conftest import PRESCRIBER, TODAY, at, started_on_injection
from tests.integration.portal_helpers import PORTAL_PASSWORD, give_portal_account

PHONE = {"width": 390, "height": 844}


def on_injection(mrn: str) -> Patient:
    first = TODAY - timedelta(days=5)
    p = started_on_injection(mrn, first)
    change_plan(p, PlanInput(formulation="xr_injection", regimen="xr_injection"), reason="start",
                actor=PRESCRIBER, at=at(first, 8))  # fmt: skip
    p.support_person_name, p.support_person_phone = "Sam Example", "555 0199"
    p.save()
    return p


def portal_sign_in(page: Any, login: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/portal/sign-in/")
    page.locator("input[name=username]").fill(login)
    page.locator("input[name=password]").fill(PORTAL_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/portal/")


def fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_wallet_card_on_a_phone_scans_and_prints(page: Any, tmp_path: Path) -> None:
    account = give_portal_account(on_injection("MRN-0980"))
    portal_sign_in(page, account.user.get_username())
    page.get_by_role("link", name="Wallet card").click()
    expect(page.get_by_role("heading", name="My wallet card")).to_be_visible()
    expect(page.get_by_text("Last injection: Nov. 16, 2026.")).to_be_visible()
    fits_the_phone(page)
    page.screenshot(path=str(tmp_path / "card-390.png"), full_page=True)
    qr = page.locator(".wallet .qr img")
    qr.scroll_into_view_if_needed()
    image = Image.open(io.BytesIO(qr.screenshot())).convert("L")
    [url] = [r.text for r in zxingcpp.read_barcodes(image)]
    with page.expect_download() as download:
        page.get_by_role("link", name="Wallet size (PDF)").click()
    body = Path(download.value.path()).read_bytes()
    words = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(body)).pages)
    assert "I TAKE NALTREXONE" in words and "Emergency contact: Sam Example 555 0199" in words
    # The QR code read off the phone's screen opens the check page, with no sign-in.
    check = page.context.browser.new_page(viewport=PHONE)
    check.goto(url)
    expect(check.get_by_text("This card is current.")).to_be_visible()
    check.screenshot(path=str(tmp_path / "check-390.png"), full_page=True)
    check.close()


def test_the_learn_pages_fit_a_phone_in_english_and_spanish(page: Any, tmp_path: Path) -> None:
    english = give_portal_account(on_injection("MRN-0981"))
    portal_sign_in(page, english.user.get_username())
    page.get_by_role("link", name="Learn").click()
    expect(page.get_by_role("heading", name="Learn")).to_be_visible()
    page.screenshot(path=str(tmp_path / "learn-390.png"), full_page=True)
    page.get_by_role("link", name="Why opioids can be deadly after stopping").click()
    expect(page.get_by_text("After giving naloxone, always call 911.")).to_be_visible()
    fits_the_phone(page)
    page.screenshot(path=str(tmp_path / "learn-overdose-390.png"), full_page=True)
    page.context.clear_cookies()
    spanish = give_portal_account(on_injection("MRN-0982"), language="es")
    portal_sign_in(page, spanish.user.get_username())
    page.get_by_role("link", name="Aprender").click()
    page.get_by_role("link", name="Por qué los opioides pueden matar después de dejarlos").click()
    expect(page.get_by_text("Después de dar naloxona, siempre llame al 911.")).to_be_visible()
    fits_the_phone(page)
    page.screenshot(path=str(tmp_path / "learn-overdose-es-390.png"), full_page=True)
    page.get_by_role("link", name="Tarjeta de bolsillo").click()
    expect(page.get_by_text("Última inyección: 16 de noviembre de 2026.")).to_be_visible()
    page.screenshot(path=str(tmp_path / "card-es-390.png"), full_page=True)
