"""Writes addressed by a record's id pass the care-team gate (issue 10): signing a screening,
stopping a medication, following up a side effect, removing an implant, acknowledging or resolving
an alert. Each use case opens the record through one door, patients.services.open_chart_of, which
asks the same rule as a chart read (clinical/access.py decide_chart_access). With the restriction
on, for each use case, in the services, on the pages and in the API: on the care team, allowed;
outside it, refused (403), audited and nothing written; with a break-the-glass access running,
allowed and audited as break-the-glass."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor, create_staff, create_token
from naltrack.alerts.models import Alert, AlertStatus
from naltrack.alerts.services import acknowledge, refresh_patient, resolve
from naltrack.audit.models import AuditEvent
from naltrack.clinical.access import OutsideCareTeam
from naltrack.clinical.errors import NotFoundError
from naltrack.monitoring.models import SideEffect
from naltrack.monitoring.services import (
    follow_up_side_effect,
    record_observation,
    record_side_effect,
)
from naltrack.patients.careteam import add_to_care_team, break_glass
from naltrack.patients.models import MedicationEntry, Patient
from naltrack.patients.records import add_medication, stop_medication
from naltrack.patients.services import open_chart_of
from naltrack.screening.models import ScreeningRecord
from naltrack.screening.services import run_screening, sign_screening
from naltrack.treatment.implants import insert_implant, remove_implant
from naltrack.treatment.models import Implant
from tests.integration.conftest import (
    COORDINATOR,
    NOW,
    PASSWORD,
    TODAY,
    at,
    attested,
    make_patient,
    started_on_injection,
)

pytestmark = pytest.mark.django_db

MRNS = ("MRN-0700", "MRN-0702")
# Pages read the clock: the fixed day at the wall time. A break-the-glass access opened at the
# day's midnight, for 24 hours, runs whatever the time the tests run.
MIDNIGHT = at(TODAY, 0)
REASON = "Covering the evening clinic for Nina; the patient is here and needs this done now."
# Each role that writes by id has one clinician on the patient's care team and one outside it.
INSIDE = {Role.NURSE: "nina.nurse", Role.PRESCRIBER: "pat.prescriber"}
OUTSIDE = {Role.NURSE: "lou.nurse", Role.PRESCRIBER: "pia.prescriber"}


@dataclass
class World:
    patient: Patient
    implanted: Patient
    screening: int
    medication: int
    side_effect: int
    implant: int
    alert: int
    before: int  # the last audit event of the set-up: the tests count the events after it


@pytest.fixture
def world(settings: Any) -> World:
    """A patient on monthly injections, overdue (an open alert), with an unsigned screening, a
    medication, a side effect to follow up and an implant; made with the restriction off, as the
    suite's builders are, then the restriction is turned on."""
    for role, names in ((Role.NURSE, ("nina.nurse", "lou.nurse")),
                        (Role.PRESCRIBER, ("pat.prescriber", "pia.prescriber"))):  # fmt: skip
        for name in names:
            create_staff(name, PASSWORD, role)
    p = started_on_injection("MRN-0700", TODAY - timedelta(days=40))
    nurse, prescriber = (
        Actor(None, INSIDE[r], r, "10.0.0.8") for r in (Role.NURSE, Role.PRESCRIBER)
    )
    # A complete screening (Part A A2: a urine screen of the day), so that it may be signed.
    record_observation(p, kind="urine_screen", observed_on=TODAY, actor=nurse, at=NOW,
                       data={"results": {"opioids": "negative", "fentanyl": "negative"}})  # fmt: skip
    screening = run_screening(p, {}, formulation="xr_injection", actor=nurse, at=NOW)
    med = add_medication(
        p, name="sertraline", started_on=TODAY - timedelta(days=20), actor=nurse, at=NOW
    )
    effect = record_side_effect(p, kind="nausea", severity="mild", noted_on=TODAY - timedelta(days=3),
                                follow_up_due=TODAY, actor=nurse, at=NOW)  # fmt: skip
    refresh_patient(p, at=NOW)
    alert = (
        Alert.objects.filter(patient=p).exclude(status=AlertStatus.RESOLVED).order_by("id").first()
    )
    assert alert is not None
    # The implant on a second patient (an implant would end the first one's overdue alert).
    q = started_on_injection("MRN-0702", TODAY - timedelta(days=40))
    implant = insert_implant(q, inserted_on=TODAY - timedelta(days=5), product="implant", dose_mg=1800,
                             lot="L-1", site="abdomen", actor=prescriber, at=NOW)  # fmt: skip
    for patient in (p, q):
        for name in INSIDE.values():
            add_to_care_team(patient, name, actor=COORDINATOR, at=NOW)
    settings.CONFIG = dataclasses.replace(
        settings.CONFIG, care_team_required=True, break_glass_hours=24, fixed_today=TODAY
    )
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return World(p, q, screening.pk, med.pk, effect.pk, implant.pk, alert.pk, last)


# ---- the use cases, each as the service, the page and the API call it -------------------------


@dataclass(frozen=True)
class Write:
    name: str
    role: Role
    kind: str  # the record's model name, as the door names it in the audit trail
    of: Callable[[World], Patient]  # whose record it is
    service: Callable[[World, Actor, datetime], object]
    page: Callable[[World], tuple[str, dict[str, Any]]]
    api: Callable[[World], tuple[str, dict[str, Any]]]
    done: Callable[[World], bool]


def _first(w: World) -> Patient:
    return w.patient


def _second(w: World) -> Patient:
    return w.implanted


def _day() -> str:
    return TODAY.isoformat()


WRITES = [
    Write("sign a screening", Role.PRESCRIBER, "screeningrecord", _first,
          lambda w, a, when: sign_screening(w.screening, actor=a, at=when, **attested(w.screening)),
          lambda w: (f"/screenings/{w.screening}/sign/", {"override_reason": "", **attested(w.screening)}),
          lambda w: (f"/api/screenings/{w.screening}/sign", {**attested(w.screening)}),
          lambda w: ScreeningRecord.objects.get(pk=w.screening).signed_at is not None),
    Write("stop a medication", Role.NURSE, "medicationentry", _first,
          lambda w, a, when: stop_medication(w.medication, stopped_on=TODAY, actor=a, at=when),
          lambda w: (f"/patients/{w.patient.mrn}/medications/",
                     {"form": "stop", "stop-medication": w.medication, "stop-stopped_on": _day()}),
          lambda w: (f"/api/medications/{w.medication}/stop", {"stopped_on": _day()}),
          lambda w: MedicationEntry.objects.get(pk=w.medication).stopped_on is not None),
    Write("follow up a side effect", Role.NURSE, "sideeffect", _first,
          lambda w, a, when: follow_up_side_effect(w.side_effect, on=TODAY, note="settled", resolved=True, actor=a, at=when),
          lambda w: (f"/patients/{w.patient.mrn}/side-effects/",
                     {"form": "follow", "follow-side_effect": w.side_effect, "follow-on": _day(),
                      "follow-note": "settled", "follow-resolved": "on"}),
          lambda w: (f"/api/side-effects/{w.side_effect}/follow-up", {"on": _day(), "note": "settled", "resolved": True}),
          lambda w: SideEffect.objects.get(pk=w.side_effect).resolved_on is not None),
    Write("remove an implant", Role.PRESCRIBER, "implant", _second,
          lambda w, a, when: remove_implant(w.implant, removed_on=TODAY, reason="patient's wish", actor=a, at=when),
          lambda w: (f"/patients/{w.implanted.mrn}/implants/",
                     {"form": "remove", "remove-implant": w.implant, "remove-removed_on": _day(),
                      "remove-reason": "patient's wish"}),
          lambda w: (f"/api/implants/{w.implant}/removal", {"removed_on": _day(), "reason": "patient's wish"}),
          lambda w: Implant.objects.get(pk=w.implant).removed_on is not None),
    Write("acknowledge an alert", Role.NURSE, "alert", _first,
          lambda w, a, when: acknowledge(w.alert, actor=a, at=when),
          lambda w: (f"/alerts/{w.alert}/", {"do": "acknowledge", "note": ""}),
          lambda w: (f"/api/alerts/{w.alert}/acknowledge", {"note": ""}),
          lambda w: Alert.objects.get(pk=w.alert).status == AlertStatus.ACKNOWLEDGED),
    Write("resolve an alert", Role.PRESCRIBER, "alert", _first,
          lambda w, a, when: resolve(w.alert, actor=a, at=when, note="called: coming in today"),
          lambda w: (f"/alerts/{w.alert}/", {"do": "resolve", "note": "called: coming in today"}),
          lambda w: (f"/api/alerts/{w.alert}/resolve", {"note": "called: coming in today"}),
          lambda w: Alert.objects.get(pk=w.alert).status == AlertStatus.RESOLVED),
]  # fmt: skip

WHO = ["on the care team", "outside it", "break-the-glass"]


def _actor(write: Write, who: str) -> Actor:
    name = INSIDE[write.role] if who == "on the care team" else OUTSIDE[write.role]
    return Actor(None, name, write.role, "10.0.0.20")


def _events(w: World, name: str, **match: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(id__gt=w.before, actor=name, patient_mrn__in=MRNS, **match)
    )


def _refusals(w: World, name: str) -> list[AuditEvent]:
    return _events(w, name, object_type="patient_chart_refused")


def _glass_reads(w: World, name: str) -> list[AuditEvent]:
    return _events(w, name, object_type="patient_chart", detail__startswith="break the glass")


def _writes(w: World, name: str) -> list[AuditEvent]:
    return _events(w, name, action="update")


def _expect(write: Write, world: World, who: str, name: str, *, refused: bool) -> None:
    """What each outcome leaves behind: the write and its audit row, or nothing but the refusal."""
    assert write.done(world) is (not refused)
    assert len(_writes(world, name)) == (0 if refused else 1)
    if refused:
        assert _refusals(world, name), "a refused attempt is audited"
    if who == "break-the-glass":
        assert _glass_reads(world, name), "a write under break-the-glass is audited as such"
    if who == "on the care team":
        assert not _refusals(world, name) and not _glass_reads(world, name)


# ---- services --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_the_service_asks_the_care_team_rule(write: Write, who: str, world: World) -> None:
    actor = _actor(write, who)
    if who == "break-the-glass":
        break_glass(write.of(world), REASON, actor=actor, at=NOW)
    if who == "outside it":
        with pytest.raises(OutsideCareTeam) as err:
            write.service(world, actor, NOW)
        assert "break the glass" in err.value.message and err.value.mrn == write.of(world).mrn
        [refused] = _refusals(world, actor.username)
        assert refused.detail.startswith(f"write to {write.kind} ")
    else:
        write.service(world, actor, NOW)
    _expect(write, world, who, actor.username, refused=who == "outside it")
    if who == "break-the-glass":
        [glass] = _glass_reads(world, actor.username)
        assert f"to change {write.kind} " in glass.detail


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_break_the_glass_ends_and_the_write_is_refused_again(write: Write, world: World) -> None:
    actor = _actor(write, "outside it")
    break_glass(write.of(world), REASON, actor=actor, at=NOW - timedelta(hours=24))
    with pytest.raises(OutsideCareTeam):
        write.service(world, actor, NOW)
    assert not write.done(world)


def test_an_unknown_id_or_another_patients_record_is_not_found_before_any_access_question(world: World) -> None:  # fmt: skip
    other = make_patient("MRN-0701")
    nina = Actor(None, "nina.nurse", Role.NURSE, None)
    with pytest.raises(NotFoundError) as err:
        open_chart_of(MedicationEntry, 999_999, actor=nina, at=NOW, missing="no medication entry has this id", field="medication")  # fmt: skip
    assert err.value.field == "medication"
    with pytest.raises(NotFoundError):
        stop_medication(world.medication, stopped_on=TODAY, actor=nina, at=NOW, of=other)
    assert (
        not _refusals(world, "nina.nurse")
        and MedicationEntry.objects.get(pk=world.medication).stopped_on is None
    )


# ---- pages -----------------------------------------------------------------------------------


def _client(name: str) -> Client:
    c = Client()
    assert c.post("/login/", {"username": name, "password": PASSWORD}).status_code == 302
    return c


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_the_page_refuses_outside_the_care_team_with_a_403(
    write: Write, who: str, world: World
) -> None:
    actor = _actor(write, who)
    if who == "break-the-glass":
        break_glass(write.of(world), REASON, actor=actor, at=MIDNIGHT)
    url, data = write.page(world)
    answer = _client(actor.username).post(url, data)
    if who == "outside it":
        assert answer.status_code == 403
        page = answer.content.decode()
        # sent from a page (the alert inbox): the break-the-glass form leads back to it
        sent = _client(actor.username).post(
            url, data, HTTP_REFERER="http://testserver/alerts/?status=open"
        )
        assert "break-glass/?next=%2Falerts%2F%3Fstatus%3Dopen" in sent.content.decode()
        assert (
            "Not on this patient&#x27;s care team" in page
            or "Not on this patient's care team" in page
        )
        mrn = write.of(world).mrn
        assert f"/patients/{mrn}/break-glass/?next=%2Fpatients%2F{mrn}%2F" in page
    else:
        assert answer.status_code == 302, answer.content.decode()[:2000]
    _expect(write, world, who, actor.username, refused=who == "outside it")


# ---- API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_the_api_answers_403_outside_the_care_team(write: Write, who: str, world: World) -> None:
    actor = _actor(write, who)
    if who == "break-the-glass":
        break_glass(write.of(world), REASON, actor=actor, at=MIDNIGHT)
    url, data = write.api(world)
    token = create_token(actor.username, at=NOW)
    answer = Client().post(url, data, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    if who == "outside it":
        assert answer.status_code == 403
        body = answer.json()
        assert body["field"] == "reason" and "not on this patient's care team" in body["message"]
        assert f"POST /api/patients/{write.of(world).mrn}/break-glass" in body["message"]
    else:
        assert answer.status_code == 200, answer.json()
    _expect(write, world, who, actor.username, refused=who == "outside it")
