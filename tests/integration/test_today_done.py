"""Today's labs and reviews (issue 12): grouped by what is due (the core decides: clinical/due.py),
most urgent first; an item marked done (who, when) leaves the day's group, is listed as done, is
audited, and can be undone; the next day it is listed again if still due."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import PermissionRefused, create_staff, create_token
from naltrack.alerts.services import refresh_patient
from naltrack.audit.models import AuditEvent
from naltrack.clinical.access import OutsideCareTeam
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.patients.careteam import add_to_care_team
from naltrack.patients.models import Patient
from naltrack.treatment.plans import change_plan
from naltrack.treatment.services import PlanInput
from naltrack.worklist.done import mark_done, undo_done
from naltrack.worklist.models import DoneMark
from naltrack.worklist.services import LabsReviews, today_worklist
from tests.integration.conftest import (
    COORDINATOR,
    COUNSELOR,
    NOW,
    NURSE,
    PASSWORD,
    PRESCRIBER,
    TODAY,
    at,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

# First injection (and its baseline liver test) 100 days before TODAY: the liver test fell due 90
# days after it (Part A A3), ten days ago. The plan written 85 days ago is reviewed after 90 days:
# due in five days, this week. The second patient started 60 days ago: nothing due.
LATE, CALM = "MRN-0701", "MRN-0702"


@pytest.fixture
def clinic() -> dict[str, Patient]:
    late = started_on_injection(LATE, TODAY - timedelta(days=100))
    change_plan(late, PlanInput(formulation="xr_injection", regimen="xr_injection", goals="g"),
                reason="Initial plan", actor=PRESCRIBER, at=at(TODAY - timedelta(days=85)))  # fmt: skip
    calm = started_on_injection(CALM, TODAY - timedelta(days=60))
    for p in (late, calm):
        refresh_patient(p, at=at(TODAY))
    return {LATE: late, CALM: calm}


def labs(actor: Any = NURSE, on: Any = TODAY) -> LabsReviews:
    out = today_worklist(on, actor=actor).labs_reviews_due
    assert out is not None
    return out


def listed(actor: Any = NURSE, on: Any = TODAY) -> dict[str, list[str]]:
    return {g.group.key: [c.patient.mrn for c in g.rows] for g in labs(actor, on).groups if g.group}


def test_the_groups_are_most_urgent_first_with_their_counts(clinic: dict[str, Patient]) -> None:
    assert listed() == {
        "liver_tests-overdue": [LATE],
        "plan_review-overdue": [],
        "liver_tests-due_this_week": [],
        "plan_review-due_this_week": [LATE],
    }
    groups = labs().groups
    assert [g.total for g in groups] == [1, 0, 0, 1] and labs().total == 2
    assert groups[0].rows[0].due_on == TODAY - timedelta(days=10)
    assert groups[3].rows[0].due_on == TODAY + timedelta(days=5)


def test_marking_done_takes_the_item_off_todays_group_and_lists_it_as_done(clinic: dict[str, Patient]) -> None:  # fmt: skip
    mark = mark_done(LATE, "liver_tests", actor=NURSE, at=NOW)
    assert (mark.done_by, mark.done_at, mark.on, mark.due_on) == (
        "nina.nurse",
        NOW,
        TODAY,
        TODAY - timedelta(days=10),
    )
    assert listed()["liver_tests-overdue"] == []
    assert listed()["plan_review-due_this_week"] == [LATE]  # the other item of the patient stays
    [done] = labs().done
    assert (done.patient.mrn, done.item, done.done_by) == (LATE, "liver_tests", "nina.nurse")
    [event] = AuditEvent.objects.filter(object_type="worklist_done")
    assert (event.actor, event.patient_mrn, event.action) == ("nina.nurse", LATE, "create")
    assert "liver_tests" in event.detail and "marked done" in event.detail
    # Tomorrow the core still finds the test due (no result on file): listed again.
    tomorrow = TODAY + timedelta(days=1)
    assert listed(on=tomorrow)["liver_tests-overdue"] == [LATE] and labs(on=tomorrow).done == []


def test_undo_puts_the_item_back_and_is_audited(clinic: dict[str, Patient]) -> None:
    mark_done(LATE, "plan_review", actor=PRESCRIBER, at=NOW)
    assert listed()["plan_review-due_this_week"] == []
    undo_done(LATE, "plan_review", actor=NURSE, at=NOW + timedelta(minutes=5))
    assert listed()["plan_review-due_this_week"] == [LATE] and not DoneMark.objects.exists()
    undone = AuditEvent.objects.get(object_type="worklist_done", action="update")
    assert (
        undone.actor == "nina.nurse"
        and "undone" in undone.detail
        and "pat.prescriber" in undone.detail
    )


@pytest.mark.parametrize(
    ("mrn", "item", "error", "field", "message"),
    [(LATE, "phq9", InputError, "item", "must be one of liver_tests, plan_review"),
     (CALM, "liver_tests", ConflictError, "item", "liver tests are not due"),
     ("MRN-9999", "liver_tests", NotFoundError, "mrn", "no patient has this MRN")],
    ids=["unknown item", "not due", "unknown patient"],
)  # fmt: skip
def test_bad_marks_are_refused_naming_the_field_and_write_nothing(
    clinic: dict[str, Patient],
    mrn: str,
    item: str,
    error: type[Exception],
    field: str,
    message: str,
) -> None:
    with pytest.raises(error) as exc:
        mark_done(mrn, item, actor=NURSE, at=NOW)
    assert exc.value.field == field and message in exc.value.message  # type: ignore[attr-defined]
    assert (
        not DoneMark.objects.exists()
        and not AuditEvent.objects.filter(object_type="worklist_done").exists()
    )


def test_marking_twice_or_undoing_nothing_is_a_conflict(clinic: dict[str, Patient]) -> None:
    mark_done(LATE, "liver_tests", actor=NURSE, at=NOW)
    with pytest.raises(ConflictError, match="already marked done today"):
        mark_done(LATE, "liver_tests", actor=PRESCRIBER, at=NOW)
    with pytest.raises(ConflictError, match="not marked done today"):
        undo_done(LATE, "plan_review", actor=NURSE, at=NOW)
    assert DoneMark.objects.count() == 1


def test_roles_and_the_care_team(clinic: dict[str, Patient], settings: Any) -> None:
    with pytest.raises(PermissionRefused):
        mark_done(LATE, "liver_tests", actor=COORDINATOR, at=NOW)
    mark_done(LATE, "plan_review", actor=COUNSELOR, at=NOW)  # the counselor sees the list too
    settings.CONFIG = dataclasses.replace(settings.CONFIG, care_team_required=True)
    create_staff("lou.nurse", PASSWORD, Role.NURSE)
    add_to_care_team(clinic[LATE], "lou.nurse", actor=COORDINATOR, at=NOW)
    with pytest.raises(OutsideCareTeam):
        mark_done(LATE, "liver_tests", actor=NURSE, at=NOW)
    assert AuditEvent.objects.filter(
        object_type="patient_chart_refused", actor="nina.nurse"
    ).exists()
    assert DoneMark.objects.filter(item="liver_tests").count() == 0


def _client(username: str, role: Role) -> Client:
    create_staff(username, PASSWORD, role)
    c = Client()
    assert c.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return c


def test_the_today_page_groups_and_marks_done(clinic: dict[str, Patient]) -> None:
    nina = _client("nina.nurse", Role.NURSE)
    page = nina.get("/today/").content.decode()
    assert 'id="due-liver_tests-overdue"' in page and "Liver tests overdue" in page
    assert (
        page.index("Liver tests overdue")
        < page.index("Plan review overdue")
        < page.index("Liver tests due this week")
    )
    assert 'aria-label="Mark liver tests of MRN-0701 done"' in page
    r = nina.post(
        "/today/done/", {"mrn": LATE, "item": "liver_tests", "next": "/today/"}, follow=True
    )
    page = r.content.decode()
    assert "Liver tests of MRN-0701: marked done by nina.nurse." in page
    assert 'aria-label="Undo: Liver tests of MRN-0701"' in page
    assert 'aria-label="Mark liver tests of MRN-0701 done"' not in page
    again = nina.post(
        "/today/done/", {"mrn": LATE, "item": "liver_tests"}, follow=True
    ).content.decode()
    assert "Not changed: liver tests are already marked done today." in again
    r = nina.post("/today/done/", {"mrn": LATE, "item": "liver_tests", "do": "undo"}, follow=True)
    assert "back on today&#x27;s list" in r.content.decode() and not DoneMark.objects.exists()
    cora = _client("cora.coordinator", Role.COORDINATOR)
    assert cora.post("/today/done/", {"mrn": LATE, "item": "liver_tests"}).status_code == 403
    assert nina.get("/today/done/").status_code == 405


def test_the_api_groups_and_marks_done(clinic: dict[str, Patient]) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    headers = {"Authorization": f"Bearer {create_token('nina.nurse', at=NOW)}"}
    c = Client()

    def post(path: str, body: object) -> Any:
        return c.post(path, data=json.dumps(body), content_type="application/json", headers=headers)

    today = c.get("/api/worklist/today", headers=headers).json()["labs_reviews_due"]
    assert [g["key"] for g in today["groups"]] == ["liver_tests-overdue", "plan_review-overdue",
                                                  "liver_tests-due_this_week", "plan_review-due_this_week"]  # fmt: skip
    assert today["groups"][0]["items"] == [{"mrn": LATE, "name": f"Patient {LATE}, Test",
                                            "due_on": str(TODAY - timedelta(days=10))}]  # fmt: skip
    r = post("/api/worklist/done", {"mrn": LATE, "item": "liver_tests"})
    assert r.status_code == 200 and r.json()["done_by"] == "nina.nurse"
    assert post("/api/worklist/done", {"mrn": LATE, "item": "liver_tests"}).status_code == 409
    bad = post("/api/worklist/done", {"mrn": LATE, "item": "phq9"})
    assert bad.status_code == 400 and "item" in bad.json()["field"]
    today = c.get("/api/worklist/today", headers=headers).json()["labs_reviews_due"]
    assert today["groups"][0]["total"] == 0 and [d["mrn"] for d in today["done"]] == [LATE]
    assert post("/api/worklist/done/undo", {"mrn": LATE, "item": "liver_tests"}).json() == {
        "mrn": LATE,
        "item": "liver_tests",
    }
    assert not DoneMark.objects.exists()


def test_a_full_group_shows_its_first_rows_and_its_whole_count() -> None:
    """More overdue than a page holds: the oldest due days first, the group's own total; the other
    groups are counted apart (one windowed query per kind of item)."""
    from naltrack.alerts.models import CareStatus
    from naltrack.worklist.services import SECTION_LIMIT

    n = SECTION_LIMIT + 2
    for i in range(n + 2):
        p = Patient.objects.create(mrn=f"T-{i:03d}", given_name="G", family_name=f"Name {i:03d}",
                                   birth_date=TODAY - timedelta(days=12000), sex_at_birth="male", created_at=NOW)  # fmt: skip
        # n overdue (the i-th i+1 days late, in reverse order of creation), then two due this week
        due = TODAY - timedelta(days=n - i) if i < n else TODAY + timedelta(days=i - n)
        CareStatus.objects.create(patient=p, computed_on=TODAY, active=True, liver_test_due_on=due)
    groups = {g.group.key: g for g in labs().groups if g.group}
    overdue = groups["liver_tests-overdue"]
    assert (overdue.total, len(overdue.rows), overdue.more) == (n, SECTION_LIMIT, 2)
    assert [c.patient.mrn for c in overdue.rows] == [f"T-{i:03d}" for i in range(SECTION_LIMIT)]
    week = groups["liver_tests-due_this_week"]
    assert (week.total, [c.due_on for c in week.rows]) == (2, [TODAY, TODAY + timedelta(days=1)])
    assert groups["plan_review-overdue"].total == 0 and labs().total == n + 2
