"""Receiving naloxone stock, and a kit handed to a patient (or "has one", or declined)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from naltrack.web.fields import DATE, BoundedForm

from .models import HandOutKind, NaloxoneLot, Product, Where
from .services import LOT_MAX, MAX_PER_HAND_OUT, MAX_RECEIVED, NOTE_MAX, usable_lots


class ReceiveForm(BoundedForm):
    product = forms.ChoiceField(choices=[("", "choose..."), *Product.choices], label="Product")
    lot = forms.CharField(max_length=LOT_MAX, label="Lot")
    expires_on = forms.DateField(widget=DATE, label="Expires on")
    count = forms.IntegerField(min_value=1, max_value=MAX_RECEIVED, label="Kits received")
    received_on = forms.DateField(widget=DATE, required=False, label="Received on",
                                  help_text="empty: today")  # fmt: skip


def lot_label(lot: NaloxoneLot) -> str:
    return f"{lot.get_product_display()}, lot {lot.lot}, expires {lot.expires_on:%Y-%m-%d} ({lot.remaining} left)"


class HandOutForm(BoundedForm):
    kind = forms.ChoiceField(
        choices=[("", "choose..."), *HandOutKind.choices], label="What happened"
    )
    where = forms.ChoiceField(choices=[("", "choose..."), *Where.choices], label="Where")
    lot_id = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Lot",
                                    help_text="a kit handed out: the lot it comes from")  # fmt: skip
    count = forms.IntegerField(min_value=1, max_value=MAX_PER_HAND_OUT, required=False, label="Kits",
                               help_text="empty: 1")  # fmt: skip
    given_on = forms.DateField(widget=DATE, required=False, label="Day", help_text="empty: today")
    note = forms.CharField(max_length=NOTE_MAX, required=False, label="Note")

    def __init__(self, *args: Any, day: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lots = [(lot.pk, lot_label(lot)) for lot in usable_lots(day)]
        field = self.fields["lot_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "none (not handed out)"), *lots]


class VoidForm(BoundedForm):
    """An entry made in error, voided with a reason (its kits go back on the shelf)."""

    hand_out = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=NOTE_MAX, label="Why void it")
