"""The release page: choose the recipient, the purpose and the records; the consent filter decides.
Permitted: the printable summary (or its JSON export) with the 42 CFR 2.32 notice. Refused: the
reason beside the form, and nothing released."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.consent import DisclosureRefused, Purpose, Recipient, RecipientClass
from naltrack.clinical.errors import InputError
from naltrack.disclosure.forms import ReleaseForm
from naltrack.disclosure.models import Channel
from naltrack.disclosure.services import active_emergency
from naltrack.patients.pages import open_record
from naltrack.web.pages import attach, requires

from .release import release_records


@requires(Action.DISCLOSE_RECORDS)
def release(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.DISCLOSE_RECORDS)
    form = ReleaseForm(request.POST or None, initial={"purpose": Purpose.TREATMENT.value})
    as_json = request.POST.get("format") == "json"
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        kind = RecipientClass(d["recipient_class"]) if d["recipient_class"] else None
        try:
            summary = release_records(
                patient, Recipient(d["recipient_name"], kind), d["purpose"], d["record_kinds"],
                actor=actor, at=clock.now(), emergency_reason=d["emergency_reason"] or None,
                affiliation=d["recipient_affiliation"],
                channel=Channel.RECORD_EXPORT if as_json else Channel.PRINTED_SUMMARY,
            )  # fmt: skip
        except DisclosureRefused as exc:
            form.add_error(None, exc.message)
        except InputError as exc:
            attach(form, exc)
        else:
            if as_json:
                body = json.dumps(summary.as_json(), indent=2)
                response = HttpResponse(body, content_type="application/json")
                name = f"record-{patient.mrn}-{summary.released.disclosure.pk}.json"
                response["Content-Disposition"] = f'attachment; filename="{name}"'
                return response
            return render(request, "chart/summary.html", {"s": summary, "active": "patients"})
    return render(request, "chart/release.html", {
        "patient": patient, "form": form, "active": "patients",
        "emergency": active_emergency(patient, now),
    })  # fmt: skip
