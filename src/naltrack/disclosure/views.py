"""Consents from the chart (list, record, revoke with a note), a patient's accounting of
disclosures (page and CSV), and the director's review of disclosures and emergencies. Pages only
call the services; a refusal is shown beside its field and writes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinic import break_glass_hours, care_team_required
from naltrack.clinical.access import break_glass_active
from naltrack.clinical.consent import emergency_active
from naltrack.patients.access import chart_access
from naltrack.patients.careteam import (
    active_break_glass,
    add_to_care_team,
    break_glass,
    clinicians,
    read_care_team,
    remove_from_care_team,
)
from naltrack.patients.pages import open_record
from naltrack.patients.services import read_patient
from naltrack.web.bounds import day_problem
from naltrack.web.context import request_actor
from naltrack.web.pages import posted, requires, submit

from .forms import BreakGlassForm, CareTeamForm, ConsentForm, LeaveForm, RevokeForm
from .services import (
    accounting,
    accounting_csv,
    accounting_pdf,
    active_emergency,
    chart_accesses,
    consent_statuses,
    list_consents,
    record_consent,
    review,
    revoke_consent,
)


@requires(Action.VIEW_CONSENTS)
def consents(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.RECORD_CONSENT, what="contact")
    here = reverse("consents", args=[mrn])
    today = clock.today()
    form = ConsentForm(posted(request, "consent"), initial={"signed_on": today, "signer": "patient",
                                                             "signed_by": f"{patient.given_name} {patient.family_name}"})  # fmt: skip

    def record(d: dict[str, Any]) -> str:
        c = record_consent(patient, form.consent_input(), actor=actor, at=clock.now())
        return f"Consent {c.pk} signed {c.signed_on:%Y-%m-%d} recorded."

    done = submit(request, form, record, then=here)
    if done:
        return done
    revoke = RevokeForm(posted(request, "revoke"), initial={"revoked_on": today})

    def withdraw(d: dict[str, Any]) -> str:
        c = revoke_consent(patient, d["consent"], revoked_on=d["revoked_on"], revoked_by=d["revoked_by"],
                           note=d["note"], actor=actor, at=clock.now())  # fmt: skip
        return f"Consent {c.pk} revoked from {c.revoked_on:%Y-%m-%d}."

    done = submit(request, revoke, withdraw, then=here)
    if done:
        return done
    rows = list_consents(patient, actor=actor, at=now)
    status = consent_statuses(patient, rows, today)
    return render(request, "disclosure/consents.html", {
        "patient": patient, "consents": [(c, status[c.pk]) for c in rows], "form": form,
        "revoke": revoke, "revoking": revoke.data.get("consent") if revoke.is_bound else None,
        "can_record": actor.can(Action.RECORD_CONSENT), "active": "patients",
        "emergency": active_emergency(patient, now),
    })  # fmt: skip


@requires(Action.VIEW_DISCLOSURES)
def disclosures(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.VIEW_DISCLOSURES, what="contact")
    rows = accounting(patient, actor=actor, at=now)
    return render(request, "disclosure/accounting.html", {
        "patient": patient, "rows": rows, "active": "patients", "accesses": chart_accesses(patient),
        "emergency": active_emergency(patient, now),
        "can_release": actor.can(Action.DISCLOSE_RECORDS),
    })  # fmt: skip


@requires(Action.VIEW_DISCLOSURES)
def disclosures_csv(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.VIEW_DISCLOSURES, what="contact")
    body = accounting_csv(patient, actor=actor, at=now)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="disclosures-{patient.mrn}.csv"'
    return response


@requires(Action.VIEW_DISCLOSURES)
def disclosures_pdf(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.VIEW_DISCLOSURES, what="contact")
    body = accounting_pdf(patient, actor=actor, at=now)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="disclosures-{patient.mrn}.pdf"'
    return response


def _local(request: HttpRequest, target: str, fallback: str) -> str:
    """`target` when it is a path of this site, else `fallback` (never another site)."""
    ok = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if ok else fallback


@requires(Action.BREAK_GLASS)
def break_glass_page(request: HttpRequest, mrn: str) -> HttpResponse:
    """Break the glass: a clinician outside the patient's care team says why they must open the
    chart; the chart then opens for NALTRACK_BREAK_GLASS_HOURS and shows the flag."""
    actor, now = request_actor(request), clock.now()
    patient = read_patient(mrn, actor=actor, at=now, what="contact")
    chart = reverse("patient-chart", args=[mrn])
    target = _local(request, request.POST.get("next") or request.GET.get("next") or "", chart)
    access = chart_access(patient, actor, now)
    if request.method == "GET" and access.allowed:
        return redirect(target)
    form = BreakGlassForm(
        request.POST if request.method == "POST" else None, initial={"next": target}
    )

    def open_chart(d: dict[str, Any]) -> str:
        g = break_glass(patient, d["reason"], actor=actor, at=clock.now())
        return f"Break-the-glass access to this chart until {g.ends_at:%Y-%m-%d %H:%M}; the program director will review it."  # fmt: skip

    done = submit(request, form, open_chart, then=target)
    if done:
        return done
    return render(request, "disclosure/break_glass.html", {
        "patient": patient, "form": form, "hours": break_glass_hours(), "active": "patients",
        "running": active_break_glass(patient, now),
    })  # fmt: skip


@requires(Action.VIEW_PATIENT_LIST)
def care_team_page(request: HttpRequest, mrn: str) -> HttpResponse:
    """Who is on the patient's care team (they open the chart; anyone else breaks the glass), and
    for prescribers and coordinators, adding and taking off members."""
    actor, now, patient = open_record(request, mrn, writes=Action.MANAGE_CARE_TEAM, what="contact")
    here = reverse("care-team", args=[mrn])
    add = CareTeamForm(posted(request, "add"), clinicians=clinicians())

    def join(d: dict[str, Any]) -> str:
        add_to_care_team(patient, d["username"], actor=actor, at=clock.now())
        return f"{d['username']} is on the care team."

    done = submit(request, add, join, then=here)
    if done:
        return done
    leave = LeaveForm(posted(request, "remove"))

    def go(d: dict[str, Any]) -> str:
        remove_from_care_team(patient, d["username"], actor=actor, at=clock.now())
        return f"{d['username']} is off the care team."

    done = submit(request, leave, go, then=here)
    if done:
        return done
    return render(request, "disclosure/care_team.html", {
        "patient": patient, "members": read_care_team(patient, actor=actor, at=now), "form": add,
        "leave_error": leave.errors.as_text() if leave.is_bound else "",
        "can_manage": actor.can(Action.MANAGE_CARE_TEAM), "active": "patients",
        "break_glass": active_break_glass(patient, now), "required": care_team_required(),
    })  # fmt: skip


@requires(Action.REVIEW_DISCLOSURES)
def review_page(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("since", "").strip()[:10]
    since: date | None = None
    error = ""
    if raw:
        try:
            since = date.fromisoformat(raw)
        except ValueError:
            error = "must be a date as YYYY-MM-DD"
        else:
            error = day_problem(since) or ""
    shown = review(actor=request_actor(request), at=clock.now(), since=None if error else since)
    now = clock.now()
    return render(request, "disclosure/review.html", {
        "r": shown, "since": raw, "error": error, "active": "disclosures",
        "active_ids": {e.pk for e in shown.emergencies if emergency_active(e.ends_at, now)},
        "glass_ids": {g.pk for g in shown.break_glass if break_glass_active(g.ends_at, now)},
    })  # fmt: skip
