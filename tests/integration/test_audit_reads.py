"""The audit trail's view of a request (issue 12): one read event per patient per page view, the
parts read named in it; every refused access written down; the trail exported as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.alerts.models import Alert
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.audit.services import one_read_per_patient, record
from tests.integration.conftest import (
    PRESCRIBER,
    TODAY,
    at,
    login,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


def newest() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def events_of(c: Client, path: str, status: int = 200) -> list[AuditEvent]:
    before = newest()
    assert c.get(path).status_code == status
    return list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))


def test_a_page_that_reads_several_parts_writes_one_event_naming_them() -> None:
    p = started_on_injection("MRN-0001", TODAY - timedelta(days=20))
    c = login(Role.PRESCRIBER, "pat.prescriber")
    [chart] = events_of(c, f"/patients/{p.mrn}/")
    assert (chart.action, chart.object_type, chart.patient_mrn) == ("read", "patient_chart", p.mrn)
    # The counselling page reads the chart (the care-team gate) and then the notes: one event.
    [notes] = events_of(c, f"/patients/{p.mrn}/counselling/")
    assert (notes.object_type, notes.patient_mrn) == ("patient_chart", p.mrn)
    assert notes.detail == "also read counselling_notes"
    [consents] = events_of(c, f"/patients/{p.mrn}/consents/")
    assert "also read consents" in consents.detail


def test_reads_of_two_patients_in_one_block_are_two_events_and_writes_are_not_gathered() -> None:
    when = at(TODAY)
    before = newest()
    with one_read_per_patient():
        record(at=when, actor="a", action=AuditAction.READ, object_type="patient_chart",
               patient_mrn="MRN-1")  # fmt: skip
        record(at=when, actor="a", action=AuditAction.READ, object_type="consents",
               patient_mrn="MRN-1", detail="3 consents")  # fmt: skip
        record(at=when, actor="a", action=AuditAction.READ, object_type="patient_chart",
               patient_mrn="MRN-2")  # fmt: skip
        record(at=when, actor="b", action=AuditAction.READ, object_type="patient_chart",
               patient_mrn="MRN-1")  # fmt: skip
        record(at=when, actor="a", action=AuditAction.CREATE, object_type="observation",
               patient_mrn="MRN-1")  # fmt: skip
        record(at=when, actor="a", action=AuditAction.READ, object_type="patient_chart_refused",
               patient_mrn="MRN-3")  # fmt: skip
        # Written at once: the write and the refusal; the reads wait for the block's end.
        assert [e.object_type for e in AuditEvent.objects.filter(seq__gt=before).order_by("seq")] == [
            "observation", "patient_chart_refused"]  # fmt: skip
    rows = [(e.actor, e.patient_mrn, e.object_type, e.detail)
            for e in AuditEvent.objects.filter(seq__gt=before).order_by("seq")][2:]  # fmt: skip
    assert rows == [
        ("a", "MRN-1", "patient_chart", "also read consents (3 consents)"),
        ("a", "MRN-2", "patient_chart", ""),
        ("b", "MRN-1", "patient_chart", ""),
    ]


def test_reads_are_written_even_when_the_view_fails() -> None:
    before = newest()
    with pytest.raises(RuntimeError), one_read_per_patient():
        record(at=at(TODAY), actor="a", action=AuditAction.READ, object_type="patient_chart",
               patient_mrn="MRN-1")  # fmt: skip
        raise RuntimeError("the page broke")
    [event] = AuditEvent.objects.filter(seq__gt=before)
    assert event.patient_mrn == "MRN-1"


@pytest.mark.parametrize(
    ("role", "user", "path"),
    [
        (Role.COUNSELOR, "cole.counselor", "/patients/MRN-0001/mar/"),
        (Role.DIRECTOR, "dora.director", "/patients/MRN-0001/"),
        (Role.NURSE, "nina.nurse", "/audit/"),
    ],
    ids=["counselor-mar", "director-chart", "nurse-audit"],
)
def test_a_page_refused_to_a_role_is_recorded(role: Role, user: str, path: str) -> None:
    started_on_injection("MRN-0001", TODAY - timedelta(days=20))
    c = login(role, user)
    [event] = events_of(c, path, status=403)
    assert (event.actor, event.action, event.object_type) == (user, "read", "access_refused")
    assert event.patient_mrn == ("MRN-0001" if "MRN-0001" in path else "")
    assert event.detail.startswith(f"GET {path}: role {role.label} may not ")


def test_an_api_call_refused_to_a_role_is_recorded() -> None:
    from naltrack.accounts.tokens import create_token

    started_on_injection("MRN-0001", TODAY - timedelta(days=20))
    login(Role.DIRECTOR, "dora.director")
    token = create_token("dora.director", at=at(TODAY))
    before = newest()
    answer = Client().get("/api/patients/MRN-0001/observations",
                          HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
    assert answer.status_code == 403
    [event] = AuditEvent.objects.filter(seq__gt=before, object_type="access_refused")
    assert (event.actor, event.patient_mrn) == ("dora.director", "MRN-0001")


def test_the_mar_of_a_patient_with_no_active_episode_says_so() -> None:
    from naltrack.treatment.services import discontinue

    p = started_on_injection("MRN-0001", TODAY - timedelta(days=20))
    discontinue(p, reason="moved away", on=TODAY, actor=PRESCRIBER, at=at(TODAY))
    c = login(Role.NURSE, "nina.nurse")
    answer = c.get(f"/patients/{p.mrn}/mar/")
    assert answer.status_code == 409
    assert "has no active episode of care" in answer.content.decode()


def test_the_director_exports_the_trail_as_csv_and_the_export_is_recorded() -> None:
    p = started_on_injection("MRN-0001", TODAY - timedelta(days=20))
    c = login(Role.DIRECTOR, "dora.director")
    answer = c.get("/audit/export.csv", {"mrn": p.mrn})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    text = b"".join(answer.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = list(AuditEvent.objects.filter(patient_mrn=p.mrn).order_by("seq"))
    assert [int(r["seq"]) for r in rows] == [e.seq for e in expected]
    assert [r["row_hash"] for r in rows] == [e.row_hash for e in expected]
    export = AuditEvent.objects.filter(action="export", object_type="audit_trail").get()
    assert export.actor == "dora.director"
    assert export.detail == f"mrn={p.mrn}; {len(expected)} events"
    assert c.get("/audit/export.csv", {"since": "2026-13-01"}).status_code == 400


def test_an_exported_cell_that_a_spreadsheet_would_run_is_quoted() -> None:
    record(at=at(TODAY), actor="=cmd|calc", action=AuditAction.LOGIN_FAILED)
    c = login(Role.DIRECTOR, "dora.director")
    text = b"".join(c.get("/audit/export.csv").streaming_content).decode()  # type: ignore[attr-defined]
    actors = [r["actor"] for r in csv.DictReader(io.StringIO(text))]
    assert "'=cmd|calc" in actors and "=cmd|calc" not in actors


def test_other_roles_cannot_export_the_trail() -> None:
    c = login(Role.PRESCRIBER, "pat.prescriber")
    assert c.get("/audit/export.csv").status_code == 403
    assert not AuditEvent.objects.filter(object_type="audit_trail").exists()


def test_the_console_exports_the_trail_to_a_file(tmp_path: Path) -> None:
    from naltrack.cli.main import main

    started_on_injection("MRN-0001", TODAY - timedelta(days=20))
    out = tmp_path / "trail.csv"
    assert main(["audit", "export", "--mrn", "MRN-0001", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows and {r["patient_mrn"] for r in rows} == {"MRN-0001"}
    export = AuditEvent.objects.get(object_type="audit_trail")
    assert export.actor.startswith("console:") and f"{len(rows)} events" in export.detail
    assert main(["audit", "export", "--since", "yesterday"]) == 2
    assert main(["audit", "export", "--action", "dance"]) == 2


def test_nothing_in_the_demo_clinic_seeded_for_today_is_later_than_its_seeding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A morning user saw alerts raised, and check-ins recorded, later in the day (issue 12).
    Seeded at 06:30 on its day, nothing in the demo clinic is dated after 06:30."""
    from naltrack import clock, demo
    from naltrack.selfreport.models import CheckIn, DoseLogEntry
    from naltrack.treatment.models import Administration

    seeded = at(TODAY, 6) + timedelta(minutes=30)
    monkeypatch.setattr(clock, "now", lambda: seeded)
    demo.seed(TODAY, patients=22)
    assert Alert.objects.exists()
    for model, field in ((Alert, "raised_at"), (AuditEvent, "at"), (Administration, "given_at"),
                         (CheckIn, "recorded_at"), (DoseLogEntry, "recorded_at")):  # fmt: skip
        late = model.objects.filter(**{f"{field}__gt": seeded})
        assert list(late.values_list("pk", field)) == [], model.__name__
