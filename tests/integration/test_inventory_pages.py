"""The injection kit pages (issue 15): the stock page and its actions for a nurse, a kit's history,
the MAR's kit select (the patient's own kit first), the Today section, and the JSON API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.tokens import create_token
from naltrack.inventory.models import Kit, KitLot
from naltrack.inventory.services import receive_lot
from naltrack.treatment.models import Administration
from tests.integration.conftest import NURSE, TODAY, at, login, started_on_injection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]
NOW = at(TODAY, 8)


def lot(name: str = "LOT-P", count: int = 2, **kw: object) -> KitLot:
    return receive_lot(lot=name, expiry=TODAY + timedelta(days=120), count=count, received_on=TODAY,
                       actor=NURSE, at=NOW, **kw)  # type: ignore[arg-type]  # fmt: skip


def test_a_nurse_receives_a_lot_takes_a_kit_out_and_wastes_one_on_the_page() -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    assert "No kits received." in nurse.get("/inventory/").content.decode()
    done = nurse.post("/inventory/", {"form": "receive", "receive-lot": "LOT-9", "receive-count": "3",
                                      "receive-expiry": str(TODAY + timedelta(days=40)),
                                      "receive-received_on": str(TODAY)})  # fmt: skip
    assert done.status_code == 302
    a, b, _ = Kit.objects.order_by("id")
    assert nurse.post("/inventory/", {"form": "out", "out-kit": a.pk}).status_code == 302
    a.refresh_from_db()
    assert a.state == "room_temperature"
    page = nurse.post("/inventory/", {"form": "waste", "waste-kit": b.pk, "waste-reason": ""})
    assert page.status_code == 200 and "say why the kit is wasted" in page.content.decode()
    b.refresh_from_db()
    assert b.state == "refrigerated"
    assert (
        nurse.post(
            "/inventory/", {"form": "waste", "waste-kit": b.pk, "waste-reason": "dropped"}
        ).status_code
        == 302
    )
    shown = nurse.get("/inventory/").content.decode()
    assert "LOT-9" in shown and "Room temperature since" in shown and "Out of fridge" in shown
    history = nurse.get(f"/inventory/kits/{b.pk}/").content.decode()
    assert "Received" in history and "Wasted" in history and "dropped" in history


def test_an_expired_lot_is_refused_on_the_page_naming_the_field() -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    page = nurse.post("/inventory/", {"form": "receive", "receive-lot": "OLD", "receive-count": "1",
                                      "receive-expiry": str(TODAY - timedelta(days=1)),
                                      "receive-received_on": str(TODAY)})  # fmt: skip
    assert page.status_code == 200 and "before it was received" in page.content.decode()
    assert not KitLot.objects.exists()


def test_the_prescriber_sees_the_stock_without_actions_and_the_coordinator_not_at_all() -> None:
    lot()
    page = login(Role.PRESCRIBER, "pat.prescriber").get("/inventory/").content.decode()
    assert "LOT-P" in page and "Out of fridge" not in page and "Receive a lot" not in page
    assert login(Role.COORDINATOR, "cora.coordinator").get("/inventory/").status_code == 403


def test_the_mar_page_offers_the_patients_own_kit_first_and_gives_it() -> None:
    p = started_on_injection("MRN-0400", TODAY - timedelta(days=28))
    lot("CLINIC")
    own = lot("OWN", count=1, patient=p).kits.get()
    nurse = login(Role.NURSE, "nina.nurse")
    page = nurse.get(f"/patients/{p.mrn}/mar/").content.decode()
    assert page.index("lot OWN") < page.index("lot CLINIC")
    assert f'<option value="{own.pk}" selected>' in page
    post = {"formulation": "xr_injection", "status": "given", "given_at": f"{TODAY}T00:30", "site": "right",
            "needle": "1.5in", "kit": str(own.pk), "reversal_agent_discussed": "on", "confirm_warnings": "on"}  # fmt: skip
    assert nurse.post(f"/patients/{p.mrn}/mar/", post).status_code == 302
    own.refresh_from_db()
    given = Administration.objects.get(patient=p, given_on=TODAY)
    assert (own.state, own.administration_id, given.lot) == ("dispensed", given.pk, "OWN")


def test_the_mar_page_names_the_kit_when_none_is_chosen_and_stock_is_kept() -> None:
    p = started_on_injection("MRN-0401", TODAY - timedelta(days=28))
    lot()
    nurse = login(Role.NURSE, "nina.nurse")
    post = {"formulation": "xr_injection", "status": "given", "given_at": f"{TODAY}T00:30", "site": "right",
            "needle": "1.5in", "kit": "", "lot": "TYPED", "expiry": str(TODAY + timedelta(days=90)),
            "reversal_agent_discussed": "on", "confirm_warnings": "on"}  # fmt: skip
    page = nurse.post(f"/patients/{p.mrn}/mar/", post)
    assert page.status_code == 200 and "choose the kit from the stock" in page.content.decode()
    assert not Administration.objects.filter(patient=p, given_on=TODAY).exists()


def test_today_shows_the_kit_section_to_a_nurse() -> None:
    lot("SOON", count=1)
    page = login(Role.NURSE, "nina.nurse").get("/today/").content.decode()
    assert "Injection kits" in page and "Stock at or below the reorder point" in page


def test_the_api_gives_the_stock_and_refuses_bad_input_naming_the_field() -> None:
    from django.test import Client

    login(Role.NURSE, "nina.nurse")
    token = create_token("nina.nurse", at=NOW)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    bad = client.post("/api/inventory/lots", {"lot": "X", "expiry": str(TODAY), "count": 0,
                                                "received_on": str(TODAY)}, content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "count"
    made = client.post("/api/inventory/lots", {"lot": "API-1", "expiry": str(TODAY + timedelta(days=30)),
                                                 "count": 2, "received_on": str(TODAY)},
                       content_type="application/json")  # fmt: skip
    assert made.status_code == 201 and made.json()["counts"]["refrigerated"] == 2
    stock = client.get("/api/inventory/kits").json()
    assert stock["usable_clinic_stock"] == 2 and stock["needs_reorder"] is True
    kit_id = stock["kits"][0]["id"]
    waste = client.post(
        f"/api/inventory/kits/{kit_id}/waste", {"reason": ""}, content_type="application/json"
    )
    assert waste.status_code == 400 and waste.json()["field"] == "reason"
    out = client.post(
        f"/api/inventory/kits/{kit_id}/out-of-fridge", {}, content_type="application/json"
    )
    assert out.status_code == 200 and out.json()["state"] == "room_temperature"
    history = client.get(f"/api/inventory/kits/{kit_id}").json()
    assert [e["kind"] for e in history["events"]] == ["received", "out_of_fridge"]
    assert client.get("/api/inventory/kits/99999").status_code == 404
