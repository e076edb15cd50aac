"""Print and phone (issue 12): a printed MAR holds the record and no navigation or button (the
PDF's text, as Chromium prints it), and on a 390 px phone the MAR keeps site, lot and naloxone in
view (stacked, not hidden), plot text is readable, and a refused form's summary takes the focus.
axe-core (axe-playwright-python, which ships it: no download) checks the pages it opens.

Screenshots go to $NALTRACK_SHOTS (a folder) when it is set, for a person to look at."""

from __future__ import annotations

import io
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from tests.e2e.conftest import sign_in
from tests.integration.conftest import TODAY, started_on_injection

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
PHONE = {"width": 390, "height": 844}
NAV_WORDS = ("Today", "Patients", "Alerts", "Sign out", "Skip to content", "Back to the chart",
             "Record a dose", "Print")  # fmt: skip


def _shot(target: Any, name: str) -> None:
    """A screenshot of a page (whole) or of one element, when a folder is given."""
    folder = os.environ.get("NALTRACK_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        whole = {"full_page": True} if hasattr(target, "goto") else {}
        target.screenshot(path=str(Path(folder) / f"{name}.png"), **whole)


def _axe_violations(page: Any) -> list[str]:
    """What axe-core finds wrong on the page (serious and critical rules only: colour contrast of
    the brand's muted grey is a design decision reviewed apart)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["testEngine"]["name"] == "axe-core"  # it ran on the page
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")]  # fmt: skip


def test_a_printed_mar_has_the_record_and_no_navigation(page: Any) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    p = started_on_injection("MRN-0901", TODAY - timedelta(days=3))
    sign_in(page, "nina.nurse", PASSWORD)
    page.goto(f"/patients/{p.mrn}/")
    page.locator(".print-links").get_by_role("link", name="MAR", exact=True).click()
    page.wait_for_url(f"**/patients/{p.mrn}/print/mar/")
    assert page.get_by_role("button", name="Print").is_visible()  # on screen, the button is there
    assert _axe_violations(page) == []
    page.emulate_media(media="print")
    _shot(page, "print_mar_as_printed")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    text = " ".join(" ".join(pg.extract_text() for pg in pdf.pages).split())
    for shown in (f"Patient {p.mrn}", f"MRN {p.mrn}", "Printed ", "Medication administration record",
                  "Left gluteal", "LOT-1", "Page 1 of"):  # fmt: skip
        assert shown in text, shown
    assert "NALOXONE DISCUSSED" in text  # the column's heading (set in capitals by the stylesheet)
    for hidden in NAV_WORDS:  # as words ("Printed" is in the heading, "Print" the button)
        assert not re.search(rf"\b{re.escape(hidden)}\b", text), hidden


def test_the_mar_on_a_phone_keeps_site_lot_and_naloxone_in_view(
    browser: Any, live_server: Any, page: Any
) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    p = started_on_injection("MRN-0902", TODAY - timedelta(days=3))
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE, device_scale_factor=2)
    pg = phone.new_page()
    try:
        sign_in(pg, "nina.nurse", PASSWORD)
        pg.goto(f"/patients/{p.mrn}/")
        # no sideways scroll
        assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        mar = pg.locator("table.mar")
        mar.scroll_into_view_if_needed()
        for label in ("Site / needle", "Lot (expiry)", "Naloxone discussed"):
            cell = mar.locator(f'td[data-label="{label}"]').first
            assert cell.is_visible(), label
            box = cell.bounding_box()
            assert (
                box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            ), label
        first = mar.locator("tbody tr").first
        assert "Left gluteal" in first.locator('td[data-label="Site / needle"]').inner_text()
        assert "LOT-1" in first.locator('td[data-label="Lot (expiry)"]').inner_text()
        naloxone = first.locator('td[data-label="Naloxone discussed"]')
        assert naloxone.inner_text() == "yes"
        # each stacked cell is named: its label is written before it
        named = naloxone.evaluate("e => getComputedStyle(e, '::before').content")
        assert named == '"Naloxone discussed: "'
        # plot text: at least about 12 CSS px tall on the phone
        heights = pg.eval_on_selector_all(
            "svg.plot text", "els => els.map(e => e.getBoundingClientRect().height)"
        )
        assert heights and min(h for h in heights if h > 0) >= 12
        _shot(pg, "chart_phone_390")
        _shot(mar, "mar_phone_390")
        assert _axe_violations(pg) == []
        # the dose form at 390 px: every field inside the screen
        pg.goto(f"/patients/{p.mrn}/mar/")
        assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _shot(pg, "mar_entry_phone_390")
    finally:
        phone.close()


def test_a_refused_form_is_summarised_focused_and_linked_to_its_fields(page: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    sign_in(page, "cora.coordinator", PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto("/register/")
    page.get_by_role("button", name="Register and open the episode").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    family = page.get_by_label("Family name")
    assert family.get_attribute("aria-invalid") == "true"
    described = family.get_attribute("aria-describedby") or ""
    assert "id_family_name_error" in described.split()
    assert "required" in page.locator("#id_family_name_error").inner_text()
    summary.get_by_role("link", name="Family name: This field is required.").click()
    assert page.evaluate("document.activeElement.id") == "id_family_name"
    _shot(page, "register_errors_phone_390")
    assert _axe_violations(page) == []
