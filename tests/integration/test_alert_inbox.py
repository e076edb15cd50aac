"""The alert inbox (issue 12): filtered by patient, kind, assignee and status; alerts given to a
staff member (audited; the assignee finds them under "assigned to me"); several acknowledged or
resolved at once, in one transaction, each alert the actor cannot act on refused with why."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor, PermissionRefused, create_staff, create_token
from naltrack.alerts.models import Alert, AlertStatus
from naltrack.alerts.services import assign_alerts, handle_alerts, list_alerts, refresh_patient
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.patients.careteam import add_to_care_team
from naltrack.patients.models import Patient
from tests.integration.conftest import COORDINATOR, NOW, PASSWORD, TODAY, at, started_on_injection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

NINA = Actor(None, "nina.nurse", Role.NURSE, None)
LOU = Actor(None, "lou.nurse", Role.NURSE, None)
PAT = Actor(None, "pat.prescriber", Role.PRESCRIBER, None)
COLE = Actor(None, "cole.counselor", Role.COUNSELOR, None)
# Three patients overdue for their injection (first dose 40 days ago), each with its alert:
# Adams and Baker on nina's team, Clark on lou's.
ADAMS, BAKER, CLARK = "MRN-0901", "MRN-0902", "MRN-0903"
TEAMS = {ADAMS: "nina.nurse", BAKER: "nina.nurse", CLARK: "lou.nurse"}
OVERDUE = "INJECTION_OVERDUE"


@pytest.fixture
def clinic(settings: Any) -> dict[str, Patient]:
    for actor in (NINA, LOU, PAT, COLE):
        assert actor.role is not None
        create_staff(actor.username, PASSWORD, actor.role)
    patients = {}
    for mrn, nurse in TEAMS.items():
        p = started_on_injection(mrn, TODAY - timedelta(days=40))
        refresh_patient(p, at=at(TODAY))
        add_to_care_team(p, nurse, actor=COORDINATOR, at=NOW)
        add_to_care_team(p, "pat.prescriber", actor=COORDINATOR, at=NOW)
        patients[mrn] = p
    settings.CONFIG = dataclasses.replace(settings.CONFIG, care_team_required=True)
    return patients


def overdue_alert(mrn: str) -> Alert:
    return Alert.objects.get(patient__mrn=mrn, code=OVERDUE)


def mrns(rows: Any) -> list[str]:
    return sorted({a.patient.mrn for a in rows})


# ---- filters -----------------------------------------------------------------------------------


def test_filters_by_kind_patient_and_status(clinic: dict[str, Patient]) -> None:
    assert mrns(list_alerts(actor=PAT, kind=OVERDUE)) == [ADAMS, BAKER, CLARK]
    assert {a.code for a in list_alerts(actor=PAT, kind=OVERDUE)} == {OVERDUE}
    assert mrns(list_alerts(actor=PAT, patient=BAKER.lower())) == [BAKER]  # an MRN, any case
    assert mrns(list_alerts(actor=PAT, patient="patient mrn-0903")) == [
        CLARK
    ]  # a family name's start
    handle_alerts([overdue_alert(ADAMS).pk], do="acknowledge", actor=NINA, at=NOW)
    assert mrns(list_alerts(actor=PAT, kind=OVERDUE, status="acknowledged")) == [ADAMS]
    assert mrns(list_alerts(actor=PAT, kind=OVERDUE, status="open")) == [BAKER, CLARK]


@pytest.mark.parametrize(
    ("given", "field"), [({"kind": "NOT_A_CODE"}, "kind"), ({"status": "gone"}, "status")]
)
def test_a_bad_filter_names_its_field(
    clinic: dict[str, Patient], given: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as exc:
        list_alerts(actor=PAT, **given)
    assert exc.value.field == field


# ---- assigning ---------------------------------------------------------------------------------


def test_an_assigned_alert_is_in_the_assignees_inbox_and_audited(
    clinic: dict[str, Patient],
) -> None:
    clark = overdue_alert(CLARK)
    assert CLARK not in mrns(list_alerts(actor=NINA))  # lou's patient: not on nina's list
    out = assign_alerts([clark.pk], assignee="nina.nurse", actor=PAT, at=NOW)
    assert [a.pk for a in out.changed] == [clark.pk] and out.refused == []
    clark.refresh_from_db()
    assert (clark.assigned_to, clark.assigned_by, clark.assigned_at) == (
        "nina.nurse",
        "pat.prescriber",
        NOW,
    )
    assert [a.pk for a in list_alerts(actor=NINA, assignee="me")] == [clark.pk]
    assert CLARK in mrns(list_alerts(actor=NINA))  # given to her: in her inbox
    assert mrns(list_alerts(actor=PAT, assignee="none", kind=OVERDUE)) == [ADAMS, BAKER]
    assert mrns(list_alerts(actor=PAT, assignee="nina.nurse")) == [CLARK]
    event = AuditEvent.objects.get(object_type="alert", object_id=str(clark.pk), action="update")
    assert (event.actor, event.patient_mrn) == ("pat.prescriber", CLARK)
    assert event.detail == f"assigned {OVERDUE} to nina.nurse (was nobody)"
    assign_alerts([clark.pk], assignee="", actor=PAT, at=NOW)  # taken away
    assert list(list_alerts(actor=NINA, assignee="me")) == []


@pytest.mark.parametrize(
    ("assignee", "message"),
    [("cole.counselor", "cole.counselor is not an active staff member who handles alerts"),
     ("nobody.here", "nobody.here is not an active staff member who handles alerts")],
    ids=["a role that does not handle alerts", "no such account"],
)  # fmt: skip
def test_assigning_to_someone_who_cannot_act_is_refused(clinic: dict[str, Patient], assignee: str, message: str) -> None:  # fmt: skip
    with pytest.raises(InputError) as exc:
        assign_alerts([overdue_alert(ADAMS).pk], assignee=assignee, actor=PAT, at=NOW)
    assert (exc.value.field, exc.value.message) == ("assignee", message)
    assert not Alert.objects.exclude(assigned_to="").exists()


def test_only_roles_that_handle_alerts_assign_them(clinic: dict[str, Patient]) -> None:
    with pytest.raises(PermissionRefused):
        assign_alerts([overdue_alert(ADAMS).pk], assignee="nina.nurse", actor=COLE, at=NOW)


# ---- several at once -----------------------------------------------------------------------------


def test_bulk_acknowledge_changes_the_allowed_and_refuses_each_other_row(clinic: dict[str, Patient]) -> None:  # fmt: skip
    ids = [overdue_alert(m).pk for m in (ADAMS, BAKER, CLARK)]
    out = handle_alerts([*ids, ids[0], 999999], do="acknowledge", actor=NINA, at=NOW)
    assert sorted(a.pk for a in out.changed) == ids[:2]
    assert out.refused == [
        (
            ids[2],
            f"{CLARK} is not on your care team: open the chart and break the glass to act on this alert",
        ),
        (999999, "no alert has this id"),
    ]
    statuses = dict(Alert.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses == {ids[0]: "acknowledged", ids[1]: "acknowledged", ids[2]: "open"}
    assert (
        AuditEvent.objects.filter(object_type="alert", actor="nina.nurse", action="update").count()
        == 2
    )
    again = handle_alerts(ids[:1], do="acknowledge", actor=NINA, at=NOW)
    assert again.changed == [] and again.refused == [(ids[0], "already acknowledged by nina.nurse")]


def test_bulk_resolve_needs_a_note_and_refuses_the_resolved(clinic: dict[str, Patient]) -> None:
    ids = [overdue_alert(m).pk for m in (ADAMS, BAKER)]
    with pytest.raises(InputError) as exc:
        handle_alerts(ids, do="resolve", note="  ", actor=NINA, at=NOW)
    assert exc.value.field == "note"
    assert not Alert.objects.filter(pk__in=ids, status=AlertStatus.RESOLVED).exists()
    out = handle_alerts(
        ids, do="resolve", note="Both called; injections booked.", actor=NINA, at=NOW
    )
    assert len(out.changed) == 2 and all(
        a.note == "nina.nurse: Both called; injections booked." for a in out.changed
    )
    out = handle_alerts(ids[:1], do="resolve", note="again", actor=PAT, at=NOW)
    assert out.refused == [(ids[0], "already resolved by nina.nurse")]


@pytest.mark.parametrize(
    ("ids", "do", "field"), [([], "acknowledge", "alerts"), (list(range(1, 102)), "acknowledge", "alerts"), ([1], "delete", "do")],
    ids=["none selected", "too many", "unknown action"],
)  # fmt: skip
def test_a_bad_bulk_request_changes_nothing(clinic: dict[str, Patient], ids: list[int], do: str, field: str) -> None:  # fmt: skip
    with pytest.raises(InputError) as exc:
        handle_alerts(ids, do=do, actor=NINA, at=NOW)
    assert exc.value.field == field and not Alert.objects.exclude(status=AlertStatus.OPEN).exists()


def test_the_counselor_cannot_act_on_alerts_in_bulk(clinic: dict[str, Patient]) -> None:
    with pytest.raises(PermissionRefused):
        handle_alerts([overdue_alert(ADAMS).pk], do="acknowledge", actor=COLE, at=NOW)


# ---- the page and the API ------------------------------------------------------------------------


def _client(username: str) -> Client:
    c = Client()
    assert c.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return c


def test_the_inbox_page_filters_assigns_and_acts_on_the_selected(
    clinic: dict[str, Patient],
) -> None:
    pat = _client("pat.prescriber")
    page = pat.get(f"/alerts/?kind={OVERDUE}&patient={BAKER}").content.decode()
    assert BAKER in page and ADAMS not in page and 'form="bulk"' in page
    ids = [str(overdue_alert(m).pk) for m in (ADAMS, BAKER)]
    r = pat.post(
        f"/alerts/?kind={OVERDUE}",
        {"alert": ids, "do": "assign", "assignee": "nina.nurse"},
        follow=True,
    )
    assert "2 alerts assigned to nina.nurse." in r.content.decode()
    nina = _client("nina.nurse")
    mine = nina.get("/alerts/?assignee=me").content.decode()
    assert (
        ADAMS in mine
        and BAKER in mine
        and "assigned to nina.nurse</strong> by pat.prescriber" in mine
    )
    # Resolving without a note: refused, nothing changed, the selection and the page kept.
    r = nina.post("/alerts/?assignee=me", {"alert": ids, "do": "resolve", "note": ""})
    page = r.content.decode()
    assert (
        r.status_code == 200
        and "Nothing changed: say what was done before resolving alerts." in page
    )
    assert page.count("checked") == 2 and 'aria-invalid="true"' in page
    assert not Alert.objects.filter(status=AlertStatus.RESOLVED).exists()
    r = nina.post("/alerts/?assignee=me", {"alert": ids, "do": "acknowledge"}, follow=True)
    assert "2 alerts acknowledged." in r.content.decode()
    clark = str(overdue_alert(CLARK).pk)
    r = nina.post("/alerts/", {"alert": [clark], "do": "acknowledge"}, follow=True)
    assert f"Alert {clark} not changed: {CLARK} is not on your care team" in r.content.decode()
    # Assigning with nobody chosen is refused (the list's first option is not "nobody"); "nobody"
    # chosen takes the assignment away.
    page = pat.post("/alerts/", {"alert": ids, "do": "assign", "assignee": ""}).content.decode()
    assert "Nothing changed: choose whom to assign the alerts to (or nobody)." in page
    assert Alert.objects.filter(assigned_to="nina.nurse").count() == 2
    r = pat.post("/alerts/", {"alert": ids, "do": "assign", "assignee": "none"}, follow=True)
    assert "2 alerts no longer assigned." in r.content.decode()
    assert not Alert.objects.exclude(assigned_to="").exists()
    cole = _client("cole.counselor")
    assert 'form="bulk"' not in cole.get("/alerts/").content.decode()
    assert cole.post("/alerts/", {"alert": ids, "do": "acknowledge"}).status_code == 403


def test_the_api_filters_assigns_and_acts_on_several(clinic: dict[str, Patient]) -> None:
    c = Client()

    def auth(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_token(name, at=NOW)}"}

    pat, nina = auth("pat.prescriber"), auth("nina.nurse")

    def post(path: str, body: object, headers: dict[str, str]) -> Any:
        return c.post(
            f"/api{path}", data=json.dumps(body), content_type="application/json", headers=headers
        )

    ids = [overdue_alert(m).pk for m in (ADAMS, BAKER, CLARK)]
    r = post("/alerts/assign", {"alert_ids": ids[:2], "assignee": "nina.nurse"}, pat)
    assert (
        r.status_code == 200
        and [a["assigned_to"] for a in r.json()["changed"]] == ["nina.nurse"] * 2
    )
    listed = c.get("/api/alerts?assignee=me", headers=nina).json()
    assert sorted(a["id"] for a in listed["items"]) == ids[:2]
    assert c.get(f"/api/alerts?kind={OVERDUE}&patient={CLARK}", headers=pat).json()["total"] == 1
    assert c.get("/api/alerts?kind=NOPE", headers=pat).status_code == 400
    r = post("/alerts/acknowledge", {"alert_ids": ids}, nina)
    body = r.json()
    assert r.status_code == 200 and sorted(a["id"] for a in body["changed"]) == ids[:2]
    assert body["refused"] == [{"id": ids[2], "message": f"{CLARK} is not on your care team: open the chart and "
                                                          "break the glass to act on this alert"}]  # fmt: skip
    assert post("/alerts/resolve", {"alert_ids": ids[:2]}, nina).status_code == 400  # the note
    assert post("/alerts/resolve", {"alert_ids": []}, nina).status_code == 400
    r = post("/alerts/resolve", {"alert_ids": ids[:2], "note": "Called both."}, nina)
    assert [a["status"] for a in r.json()["changed"]] == ["resolved", "resolved"]
    assert (
        post("/alerts/assign", {"alert_ids": ids, "assignee": "cole.counselor"}, pat).json()[
            "field"
        ]
        == "assignee"
    )
