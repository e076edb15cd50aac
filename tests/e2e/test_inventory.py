"""Issue 15 in a real browser: a nurse receives a lot, gives an injection from the stock at the
MAR (the kit pre-selected, lot and expiry from it) and the stock goes down by one. The steps are
small functions so the whole-journey test can chain them."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.inventory.models import Kit
from naltrack.treatment.models import Administration
from tests.e2e.conftest import sign_in
from tests.integration.conftest import TODAY, started_on_injection

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
SHOTS = os.environ.get("NALTRACK_SHOTS", "")  # a folder: save screenshots of the pages there


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def usable_stock(page: Any) -> int:
    """The usable clinic stock the kits page shows."""
    page.goto("/inventory/")
    text = page.locator("#h-summary + ul li").first.inner_text()
    return int(text.split(":")[1].split()[0])


def receive_lot(
    page: Any, lot: str, count: int, expiry: str, received_on: str, mrn: str = ""
) -> None:
    """On the kits page, receive `count` kits of `lot` (for one patient's MRN if given)."""
    page.goto("/inventory/")
    form = page.locator("form", has=page.get_by_role("button", name="Receive the kits"))
    form.get_by_label("Lot number").fill(lot)
    form.get_by_label("Expiry").fill(expiry)
    form.get_by_label("Kits received").fill(str(count))
    form.get_by_label("Received on").fill(received_on)
    if mrn:
        form.get_by_label("For one patient (MRN)").fill(mrn)
    form.get_by_role("button", name="Receive the kits").click()
    assert f"kits of lot {lot}" in page.locator(".messages").inner_text()


def give_injection_from_stock(page: Any, mrn: str, side: str = "right") -> str:
    """At the MAR, give the injection from the kit the page proposes (the first to use); returns
    the chosen kit's label."""
    page.goto(f"/patients/{mrn}/mar/")
    kit = page.get_by_label("Kit from the stock")
    label = kit.locator("option:checked").inner_text()
    assert label.startswith("Kit ")
    page.get_by_label("Injection site").select_option(side)
    page.get_by_label("Overdose reversal agent (naloxone) discussed").check()
    page.get_by_label("I have read the warnings and give the dose").check()
    shot(page, "mar_kit_select")
    page.get_by_role("button", name="Record").click()
    assert "Recorded:" in page.locator(".messages").inner_text()
    return str(label)


def test_a_nurse_gives_an_injection_from_stock_and_the_stock_goes_down(page: Any) -> None:
    p = started_on_injection("MRN-0K15", TODAY - timedelta(days=28))  # due today
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    sign_in(page, "nina.nurse", PASSWORD)
    receive_lot(page, "LOT-E2E", 5, str(TODAY + timedelta(days=30)), str(TODAY))
    receive_lot(page, "LOT-OWN", 1, str(TODAY + timedelta(days=200)), str(TODAY), mrn=p.mrn)
    before = usable_stock(page)
    assert before == 5  # the patient's own kit is not clinic stock
    shot(page, "inventory_stock")
    label = give_injection_from_stock(page, p.mrn)
    assert "lot LOT-OWN" in label  # the patient's own kit first
    given = Administration.objects.get(patient=p, given_on=TODAY)
    assert given.lot == "LOT-OWN"
    assert Kit.objects.get(administration=given).state == "dispensed"
    # Moves on the kits page: take a clinic kit out of the refrigerator.
    page.goto("/inventory/")
    kit = Kit.objects.filter(lot__lot="LOT-E2E").order_by("id").first()
    assert kit is not None
    page.get_by_role("button", name=f"Take kit {kit.pk} out of the refrigerator").click()
    assert "is out of the refrigerator" in page.locator(".messages").inner_text()
    shot(page, "inventory_kit_out")
    page.goto(f"/inventory/kits/{kit.pk}/")
    assert "Out of the refrigerator" in page.locator("main").inner_text()
    shot(page, "inventory_kit_history")
    page.goto("/today/")
    assert "Injection kits" in page.locator("main").inner_text()
    shot(page, "today_kits")


def test_stock_goes_down_by_one_after_an_injection(page: Any) -> None:
    p = started_on_injection("MRN-0K16", TODAY - timedelta(days=28))
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    sign_in(page, "nina.nurse", PASSWORD)
    receive_lot(page, "LOT-A", 5, str(TODAY + timedelta(days=90)), str(TODAY))
    before = usable_stock(page)
    label = give_injection_from_stock(page, p.mrn)
    assert "lot LOT-A" in label
    assert usable_stock(page) == before - 1
    page.goto(f"/patients/{p.mrn}/")
    assert "LOT-A" in page.locator("main").inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/inventory/")
    shot(page, "inventory_phone")
