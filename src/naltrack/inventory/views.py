"""The injection kit stock page, a kit's history, and the MAR's kit select."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.patients.models import Patient
from naltrack.web.context import request_actor
from naltrack.web.pages import posted, requires, submit

from .forms import KitForm, OutOfFridgeForm, ReceiveLotForm, WasteForm
from .models import Kit
from .services import (
    back_in_fridge,
    kit_history,
    receive_lot,
    stock,
    take_out_of_fridge,
    usable_kits,
    waste_kit,
)


def kit_label(kit: Kit) -> str:
    where = "out of the refrigerator" if kit.state == "room_temperature" else "refrigerator"
    own = "this patient's own kit · " if kit.patient_id else ""
    return f"Kit {kit.pk} · {own}lot {kit.lot.lot} · exp {kit.lot.expiry:%Y-%m-%d} · {where}"


def offer_kits(form: forms.Form, patient: Patient, at: datetime) -> None:
    """Fill the MAR's kit select with the kits this patient may be given now, the first to use
    selected; with no kit chosen, lot and expiry are typed (when the clinic keeps no stock)."""
    kits = usable_kits(patient, at)
    widget = form.fields["kit"].widget
    assert isinstance(widget, forms.Select)
    widget.choices = [("", "— no kit from the stock —"), *[(k.pk, kit_label(k)) for k in kits]]
    if kits and not form.is_bound:
        form.initial["kit"] = kits[0].pk


def _aware(value: datetime | None) -> datetime | None:
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


@requires(Action.VIEW_INVENTORY)
def stock_page(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    here = reverse("inventory")
    can_manage = actor.can(Action.MANAGE_INVENTORY)
    receive = ReceiveLotForm(posted(request, "receive"), prefix="receive",
                             initial={"received_on": clock.today()})  # fmt: skip
    out = OutOfFridgeForm(posted(request, "out"), prefix="out")
    back = KitForm(posted(request, "back"), prefix="back")
    waste = WasteForm(posted(request, "waste"), prefix="waste")

    def do_receive(d: dict[str, Any]) -> str:
        patient = None
        if d["patient_mrn"].strip():
            patient = Patient.objects.filter(mrn=d["patient_mrn"].strip()).first()
            if patient is None:
                raise InputError("no patient with this MRN", "patient_mrn")
        row = receive_lot(lot=d["lot"], expiry=d["expiry"], count=d["count"], received_on=d["received_on"],
                          source=d["source"], patient=patient, actor=actor, at=clock.now())  # fmt: skip
        return (
            f"Received {row.count_received} kits of lot {row.lot} (expires {row.expiry:%Y-%m-%d})."
        )

    def do_out(d: dict[str, Any]) -> str:
        kit = take_out_of_fridge(d["kit"], since=_aware(d["since"]), actor=actor, at=clock.now())
        return f"Kit {kit.pk} is out of the refrigerator."

    def do_back(d: dict[str, Any]) -> str:
        kit = back_in_fridge(d["kit"], actor=actor, at=clock.now())
        return f"Kit {kit.pk} is back in the refrigerator (its time out keeps counting)."

    def do_waste(d: dict[str, Any]) -> str:
        kit = waste_kit(d["kit"], reason=d["reason"], actor=actor, at=clock.now())
        return f"Kit {kit.pk} wasted: {kit.wasted_reason}."

    for form, call in ((receive, do_receive), (out, do_out), (back, do_back), (waste, do_waste)):
        if form.is_bound:
            done = submit(request, form, call, then=here)
            if done:
                return done
    s = stock(actor=actor, at=clock.now())
    errors = [f for f in (out, back, waste) if f.is_bound and f.errors]
    return render(request, "inventory/stock.html", {
        "s": s, "receive": receive, "can_manage": can_manage, "active": "inventory", "errors": errors,
    })  # fmt: skip


@requires(Action.VIEW_INVENTORY)
def kit_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    try:
        kit, events = kit_history(pk, actor=actor, at=clock.now())
    except InputError:
        return render(
            request, "inventory/kit.html", {"missing": pk, "active": "inventory"}, status=404
        )
    return render(
        request, "inventory/kit.html", {"kit": kit, "events": events, "active": "inventory"}
    )
