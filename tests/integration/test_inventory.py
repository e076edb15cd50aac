"""Injection kits (issue 15): receiving a lot, moves out of and back into the refrigerator, waste,
and the MAR giving a kit from the stock in the dose's own transaction."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from naltrack.clinical.errors import InputError, NotFoundError
from naltrack.inventory.models import Kit, KitEvent, KitLot
from naltrack.inventory.services import (
    back_in_fridge,
    kit_history,
    receive_lot,
    stock,
    take_out_of_fridge,
    today_kits,
    usable_kits,
    waste_kit,
)
from naltrack.treatment.models import Administration
from naltrack.treatment.services import record_administration
from tests.integration.conftest import (
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    injection,
    make_patient,
    started_on_injection,
)

pytestmark = pytest.mark.django_db
NOW = at(TODAY)


def lot(name: str = "LOT-A", *, expiry: date | None = None, count: int = 2, **kw: object) -> KitLot:
    return receive_lot(lot=name, expiry=expiry or TODAY + timedelta(days=200), count=count,
                       received_on=TODAY, actor=NURSE, at=NOW, **kw)  # type: ignore[arg-type]  # fmt: skip


def kits(row: KitLot) -> list[Kit]:
    return list(row.kits.order_by("id"))


def test_receiving_a_lot_puts_each_kit_in_the_refrigerator_with_its_history() -> None:
    row = lot(count=3, source="McKesson")
    assert [k.state for k in kits(row)] == ["refrigerated"] * 3
    _kit, events = kit_history(kits(row)[0].pk, actor=NURSE, at=NOW)
    assert [(e.kind, e.by, e.note) for e in events] == [("received", "nina.nurse", "McKesson")]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expiry": TODAY - timedelta(days=1)}, "expiry"),  # already expired on receipt
        ({"count": 0}, "count"),
        ({"count": 201}, "count"),
        ({"lot": "  "}, "lot"),
        ({"received_on": TODAY + timedelta(days=1)}, "received_on"),
    ],
    ids=["expired_lot", "count_0", "count_201", "no_lot", "received_tomorrow"],
)
def test_a_bad_receipt_is_refused_and_nothing_is_written(
    changes: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {"lot": "LOT-X", "expiry": TODAY + timedelta(days=90), "count": 2,
                                 "received_on": TODAY} | changes  # fmt: skip
    with pytest.raises(InputError) as exc:
        receive_lot(actor=NURSE, at=NOW, **values)  # type: ignore[arg-type]
    assert exc.value.field == field
    assert not KitLot.objects.exists() and not Kit.objects.exists()


def test_a_lot_expiring_on_the_day_of_receipt_is_accepted() -> None:
    assert lot(expiry=TODAY).count_received == 2


def test_out_of_the_refrigerator_and_back_keeps_the_first_removal() -> None:
    kit = kits(lot())[0]
    first = NOW - timedelta(days=2)
    take_out_of_fridge(kit.pk, since=first, actor=NURSE, at=NOW)
    kit.refresh_from_db()
    assert (kit.state, kit.first_out_at) == ("room_temperature", first)
    back_in_fridge(kit.pk, actor=NURSE, at=NOW)
    take_out_of_fridge(kit.pk, actor=NURSE, at=NOW + timedelta(hours=1))
    kit.refresh_from_db()
    assert (kit.state, kit.first_out_at) == ("room_temperature", first)  # the clock was not reset
    kinds = [e.kind for e in KitEvent.objects.filter(kit=kit)]
    assert kinds == ["received", "out_of_fridge", "back_in_fridge", "out_of_fridge"]


def test_a_kit_out_too_long_is_refused_when_taken_out_or_put_back() -> None:
    a, b = kits(lot())
    with pytest.raises(InputError) as exc:
        take_out_of_fridge(a.pk, since=NOW - timedelta(days=7, minutes=1), actor=NURSE, at=NOW)
    assert exc.value.field == "since"
    a.refresh_from_db()
    assert (a.state, a.first_out_at) == ("refrigerated", None)
    take_out_of_fridge(b.pk, since=NOW - timedelta(days=6), actor=NURSE, at=NOW)
    with pytest.raises(InputError) as exc:
        back_in_fridge(b.pk, actor=NURSE, at=NOW + timedelta(days=1, minutes=1))
    assert exc.value.field == "kit" and "waste it" in exc.value.message


def test_moves_refused_from_the_wrong_place() -> None:
    a, _ = kits(lot())
    with pytest.raises(InputError, match="not out of the refrigerator"):
        back_in_fridge(a.pk, actor=NURSE, at=NOW)
    take_out_of_fridge(a.pk, actor=NURSE, at=NOW)
    with pytest.raises(InputError, match="not in the refrigerator"):
        take_out_of_fridge(a.pk, actor=NURSE, at=NOW)
    with pytest.raises(InputError) as exc:
        take_out_of_fridge(a.pk, since=NOW + timedelta(minutes=5), actor=NURSE, at=NOW)
    assert exc.value.field == "since"
    with pytest.raises(NotFoundError):
        take_out_of_fridge(999999, actor=NURSE, at=NOW)


def test_waste_needs_a_reason_and_only_once() -> None:
    a, _ = kits(lot())
    with pytest.raises(InputError) as exc:
        waste_kit(a.pk, reason="  ", actor=NURSE, at=NOW)
    assert exc.value.field == "reason"
    a.refresh_from_db()
    assert a.state == "refrigerated"
    waste_kit(a.pk, reason="dropped, vial cracked", actor=NURSE, at=NOW)
    a.refresh_from_db()
    assert (a.state, a.wasted_reason) == ("wasted", "dropped, vial cracked")
    with pytest.raises(InputError, match="already"):
        waste_kit(a.pk, reason="again", actor=NURSE, at=NOW)


def test_stock_counts_reorder_and_warnings() -> None:
    lot("SOON", expiry=TODAY + timedelta(days=30), count=1)
    lot("LATER", count=3)
    out = kits(KitLot.objects.get(lot="LATER"))[0]
    take_out_of_fridge(out.pk, since=NOW - timedelta(days=6), actor=NURSE, at=NOW)
    s = stock(actor=NURSE, at=NOW)
    assert s.usable_clinic_stock == 4 and s.needs_reorder is True  # default reorder point 4
    assert [r.kit.lot.lot for r in s.expiring_soon] == ["SOON"]
    assert [r.kit.pk for r in s.nearing_limit] == [out.pk]
    assert {r.lot.lot: r.counts["room_temperature"] for r in s.lots} == {"SOON": 0, "LATER": 1}
    today = today_kits(NURSE, NOW)
    assert today is not None and not today.empty
    lot("MORE", count=1)
    assert stock(actor=NURSE, at=NOW).needs_reorder is False


def test_today_shows_no_kit_section_without_stock() -> None:
    assert today_kits(NURSE, NOW) is None


# ---- the MAR ----------------------------------------------------------------------------------


def due_today(mrn: str = "MRN-K001"):  # type: ignore[no-untyped-def]
    return started_on_injection(mrn, TODAY - timedelta(days=28))


def test_an_injection_from_stock_dispenses_the_kit_with_its_lot_and_expiry() -> None:
    p = due_today()
    kit = kits(lot("LOT-S", expiry=TODAY + timedelta(days=100)))[0]
    done = record_administration(p, injection(TODAY, site="right", lot="", expiry=None, kit_id=kit.pk),
                                 actor=NURSE, at=NOW)  # fmt: skip
    kit.refresh_from_db()
    assert (kit.state, kit.administration_id) == ("dispensed", done.administration.pk)
    assert (done.administration.lot, done.administration.expiry) == (
        "LOT-S",
        TODAY + timedelta(days=100),
    )
    assert stock(actor=NURSE, at=NOW).usable_clinic_stock == 1


def test_with_stock_kept_the_mar_needs_a_kit() -> None:
    p = due_today()
    lot()
    with pytest.raises(InputError) as exc:
        record_administration(p, injection(TODAY, site="right"), actor=NURSE, at=NOW)
    assert exc.value.field == "kit"


def test_without_stock_lot_and_expiry_are_typed() -> None:
    p = due_today()
    done = record_administration(p, injection(TODAY, site="right"), actor=NURSE, at=NOW)
    assert done.administration.lot == "LOT-1"


def test_a_refused_dose_leaves_the_kit_in_stock() -> None:
    p = due_today()
    kit = kits(lot())[0]
    with pytest.raises(InputError):  # the same side as last month: the core refuses it
        record_administration(p, injection(TODAY, site="left", kit_id=kit.pk), actor=NURSE, at=NOW)
    kit.refresh_from_db()
    assert (kit.state, kit.administration_id) == ("refrigerated", None)
    assert Administration.objects.filter(patient=p, given_on=TODAY).count() == 0
    assert KitEvent.objects.filter(kit=kit, kind="dispensed").count() == 0


@pytest.mark.parametrize(
    "problem", ["expired", "out_too_long", "dispensed", "wasted", "other_patient"]
)
def test_the_mar_refuses_a_kit_that_may_not_be_given(problem: str) -> None:
    p = due_today()
    other = make_patient("MRN-K099")
    if problem == "expired":
        kit = kits(receive_lot(lot="OLD", expiry=TODAY - timedelta(days=1), count=1,
                               received_on=TODAY - timedelta(days=3), actor=NURSE,
                               at=NOW - timedelta(days=3)))[0]  # fmt: skip
    else:
        kit = kits(lot(count=1, patient=other if problem == "other_patient" else None))[0]
    if problem == "out_too_long":
        take_out_of_fridge(
            kit.pk, since=NOW - timedelta(days=6), actor=NURSE, at=NOW - timedelta(days=6)
        )
        Kit.objects.filter(pk=kit.pk).update(first_out_at=NOW - timedelta(days=7, minutes=1))
    if problem == "wasted":
        waste_kit(kit.pk, reason="dropped", actor=NURSE, at=NOW)
    if problem == "dispensed":
        Kit.objects.filter(pk=kit.pk).update(state="dispensed")
    before = Kit.objects.get(pk=kit.pk).state
    with pytest.raises(InputError) as exc:
        record_administration(p, injection(TODAY, site="right", kit_id=kit.pk), actor=NURSE, at=NOW)
    assert exc.value.field == "kit"
    assert Kit.objects.get(pk=kit.pk).state == before
    assert Administration.objects.filter(patient=p, given_on=TODAY).count() == 0


def test_a_patients_own_kit_is_offered_first_and_only_to_them() -> None:
    p = due_today()
    other = make_patient("MRN-K098")
    clinic = kits(lot("CLINIC", expiry=TODAY + timedelta(days=30), count=1))[0]
    own = kits(lot("OWN", count=1, patient=p))[0]
    theirs = kits(lot("THEIRS", count=1, patient=other))[0]
    assert [k.pk for k in usable_kits(p, NOW)] == [own.pk, clinic.pk]
    assert theirs.pk not in [k.pk for k in usable_kits(p, NOW)]
    record_administration(p, injection(TODAY, site="right", kit_id=own.pk), actor=NURSE, at=NOW)
    own.refresh_from_db()
    assert own.state == "dispensed"


def test_a_prescriber_may_see_but_not_move_the_stock() -> None:
    a, _ = kits(lot())
    assert stock(actor=PRESCRIBER, at=NOW).kits
    from naltrack.accounts.services import PermissionRefused

    with pytest.raises(PermissionRefused):
        take_out_of_fridge(a.pk, actor=PRESCRIBER, at=NOW)
