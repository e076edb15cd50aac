"""Merging two charts of one person (issue 12): the director moves every record of the duplicate
into the surviving chart in one transaction, audited; the duplicate's MRN still finds the person.

The whole-clinic test walks the Django model graph (every model with a path of foreign keys to a
patient) and counts each table's rows of the two charts before and after, so a table added later
is counted without this file knowing it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Q
from django.test import Client

from naltrack import demo
from naltrack.accounts.roles import Role
from naltrack.accounts.services import PermissionRefused, create_staff, create_token
from naltrack.alerts.models import Alert, AlertStatus, CareStatus
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.merge.services import merge_charts, patient_links, preview_merge
from naltrack.patients.careteam import add_to_care_team
from naltrack.patients.models import CareTeamMember, Patient
from naltrack.patients.records import search_patients
from naltrack.patients.services import PatientInput, read_patient, register_patient
from naltrack.portal.models import PatientAccount
from naltrack.treatment.discontinuation import discontinue
from tests.integration.conftest import (
    CAST,
    COORDINATOR,
    DIRECTOR,
    NOW,
    PASSWORD,
    PRESCRIBER,
    TODAY,
    at,
    login,
    make_patient,
    started_on_injection,
)
from tests.integration.portal_helpers import give_portal_account

pytestmark = pytest.mark.django_db

REASON = "Registered twice at the front desk: same person, same ID card."


def _fresh(given: str = "Robin", family: str = "Sample") -> Patient:
    """A registered patient with no episode yet (the chart that stays, in most tests)."""
    return register_patient(PatientInput("", given, family, date(1990, 3, 4), "female"),
                            actor=COORDINATOR, at=NOW)  # fmt: skip


# ---- the model graph -----------------------------------------------------------------------------


def _lookups(model: type[models.Model], depth: int = 3) -> Iterator[str]:
    """Each chain of foreign keys from `model` to Patient ("patient", "episode__patient", ...)."""
    for field in model._meta.concrete_fields:
        if not field.is_relation or field.related_model is None:
            continue
        if field.related_model is Patient:
            yield field.name
        elif depth > 1:
            for rest in _lookups(field.related_model, depth - 1):
                yield f"{field.name}__{rest}"


def patient_linked_models() -> dict[type[models.Model], list[str]]:
    found = {}
    for model in apps.get_models():
        if model is Patient:
            continue
        paths = list(_lookups(model))
        if paths:
            found[model] = paths
    return found


def counts(patients: list[Patient]) -> dict[str, int]:
    """Rows of each patient-linked table that belong to any of `patients`."""
    out = {}
    for model, paths in patient_linked_models().items():
        where = Q()
        for path in paths:
            where |= Q(**{f"{path}__in": patients})
        out[model._meta.label_lower] = model._default_manager.filter(where).distinct().count()
    return out


def test_the_graph_finds_the_record_areas_and_the_merge_moves_every_direct_link() -> None:
    linked = {m._meta.label_lower for m in patient_linked_models()}
    assert {"patients.episode", "screening.screeningrecord", "treatment.order",
            "treatment.administration", "monitoring.observation", "appointments.appointment",
            "disclosure.consent", "alerts.alert", "portal.patientaccount", "reminders.reminder",
            "patients.careteammember", "treatment.discontinuation"} <= linked  # fmt: skip
    direct = {link.table for link in patient_links()}
    # every table with a column naming a patient is moved by the merge (the others follow them)
    assert direct == {
        m._meta.label_lower for m, paths in patient_linked_models().items()
        if any("__" not in p for p in paths)
    } | {"patients.patient"}  # fmt: skip


def test_a_demo_chart_merged_into_a_new_one_moves_every_row_and_loses_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo, "PATIENTS", 22)  # one patient of each stage: every kind of record
    demo.seed(TODAY)
    # The demo patient whose chart touches the most tables, with a portal account.
    candidates = Patient.objects.filter(pk__in=PatientAccount.objects.values("patient"))
    duplicate = max(candidates, key=lambda p: (sum(1 for n in counts([p]).values() if n), -p.pk))
    survivor = _fresh("Someone", "Else")
    before = counts([survivor, duplicate])
    derived = {"alerts.carestatus"}  # recomputed from the records after the merge, not moved
    touched = [t for t, n in before.items() if n and t not in derived]
    assert len(touched) >= 15, touched  # a chart with records in most areas

    moved = merge_charts(survivor.mrn, duplicate.mrn, reason=REASON, actor=DIRECTOR, at=NOW)

    after_duplicate = counts([Patient.objects.get(pk=duplicate.pk)])
    after_survivor = counts([Patient.objects.get(pk=survivor.pk)])
    for table, n in before.items():
        if table in derived:
            continue
        assert after_duplicate[table] == 0, table  # nothing left behind
        assert after_survivor[table] == n, table  # nothing lost, nothing doubled
    assert sum(moved.values()) > 0
    assert CareStatus.objects.filter(patient=survivor).count() == 1  # recomputed for the survivor
    assert not CareStatus.objects.filter(patient=duplicate).exists()
    gone = Patient.objects.get(pk=duplicate.pk)
    assert (gone.merged_into_id, gone.merged_by, gone.merge_reason) == (
        survivor.pk,
        "dana.director",
        REASON,
    )


def test_the_duplicate_mrn_finds_the_survivor_in_reads_search_and_the_chart_page() -> None:
    survivor = _fresh()
    duplicate = started_on_injection("MRN-0200", TODAY - timedelta(days=20))
    merge_charts(survivor.mrn, duplicate.mrn, reason=REASON, actor=DIRECTOR, at=NOW)
    assert read_patient("MRN-0200", actor=PRESCRIBER, at=NOW, what="contact").pk == survivor.pk
    assert [p.mrn for p in search_patients("MRN-0200", actor=COORDINATOR)] == [survivor.mrn]
    assert "MRN-0200" not in [p.mrn for p in search_patients("", actor=COORDINATOR)]
    page = login(Role.COORDINATOR, "cora.coordinator").get("/patients/MRN-0200/")
    assert page.status_code == 302 and page["Location"] == f"/patients/{survivor.mrn}/"
    assert survivor.administrations.count() == 1 and survivor.episodes.count() == 1


def test_the_merge_is_audited_on_both_charts_with_the_reason() -> None:
    survivor = _fresh()
    duplicate = make_patient("MRN-0201")
    merge_charts(survivor.mrn, duplicate.mrn, reason=REASON, actor=DIRECTOR, at=NOW)
    on_duplicate = AuditEvent.objects.get(patient_mrn="MRN-0201", object_type="patient_merge")
    assert (
        on_duplicate.actor == "dana.director"
        and on_duplicate.detail == f"merged into {survivor.mrn}: {REASON}"
    )
    details = list(AuditEvent.objects.filter(patient_mrn=survivor.mrn, object_type="patient_merge")
                   .values_list("detail", flat=True))  # fmt: skip
    assert "1 patients.episode row(s) moved here from MRN-0201" in details
    assert any(d.startswith("MRN-0201 merged into this chart") and REASON in d for d in details)


def test_open_alerts_and_care_teams_on_both_charts_are_combined_without_a_clash() -> None:
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    survivor = make_patient("MRN-0202")
    duplicate = make_patient("MRN-0203")
    discontinue(duplicate, reason="registered twice", on=TODAY, actor=PRESCRIBER, at=at(TODAY))
    for p in (survivor, duplicate):
        add_to_care_team(p, "pat.prescriber", actor=COORDINATOR, at=NOW)
        Alert.objects.create(patient=p, code="no_care_plan", severity="routine", severity_rank=2,
                             message="m", action="a", source="s", raised_at=NOW)  # fmt: skip
    merge_charts(survivor.mrn, duplicate.mrn, reason=REASON, actor=DIRECTOR, at=at(TODAY, 12))
    team = CareTeamMember.objects.filter(patient=survivor, username="pat.prescriber")
    assert team.count() == 2 and team.filter(removed_at__isnull=True).count() == 1
    # The duplicate's copy was resolved by the merge (the survivor's stays as the alerts refresh
    # leaves it): both rows kept, never two unresolved ones.
    alerts = Alert.objects.filter(patient=survivor, code="no_care_plan")
    assert alerts.count() == 2
    merged = alerts.get(note__contains="merged into MRN-0202")
    assert (merged.status, merged.resolved_by) == (AlertStatus.RESOLVED, "naltrack")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("both_active", "Both charts have an active episode of care"),
        ("both_portal", "Both charts have a patient portal account"),
    ],
)
def test_a_merge_that_cannot_be_made_correctly_is_refused_and_writes_nothing(
    setup: str, message: str
) -> None:
    survivor, duplicate = make_patient("MRN-0204"), make_patient("MRN-0205")
    if setup == "both_portal":
        discontinue(duplicate, reason="registered twice", on=TODAY, actor=PRESCRIBER, at=at(TODAY))
        give_portal_account(survivor)
        give_portal_account(duplicate)
    preview = preview_merge("MRN-0204", "MRN-0205", actor=DIRECTOR, at=NOW)
    assert any(message in p for p in preview.problems)
    events = AuditEvent.objects.count()
    with pytest.raises(ConflictError, match=message) as err:
        merge_charts("MRN-0204", "MRN-0205", reason=REASON, actor=DIRECTOR, at=NOW)
    assert err.value.field == "duplicate"
    assert (
        duplicate.episodes.count() == 1
        and Patient.objects.get(mrn="MRN-0205").merged_into_id is None
    )
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("survivor", "duplicate", "reason", "error", "field"),
    [
        ("MRN-0206", "MRN-0207", "same", InputError, "reason"),
        ("MRN-0206", "MRN-0206", REASON, InputError, "duplicate"),
        ("MRN-0206", "MRN-9999", REASON, NotFoundError, "duplicate"),
        ("", "MRN-0207", REASON, InputError, "survivor"),
    ],
)
def test_bad_merge_input_names_the_field(survivor: str, duplicate: str, reason: str,
                                         error: type[Exception], field: str) -> None:  # fmt: skip
    make_patient("MRN-0206")
    make_patient("MRN-0207")
    with pytest.raises(error) as err:
        merge_charts(survivor, duplicate, reason=reason, actor=DIRECTOR, at=NOW)
    assert getattr(err.value, "field", None) == field
    assert not Patient.objects.filter(merged_into__isnull=False).exists()


def test_only_the_director_merges() -> None:
    survivor = _fresh()
    make_patient("MRN-0208")
    for actor in CAST:
        if actor is DIRECTOR:
            continue
        with pytest.raises(PermissionRefused):
            merge_charts(survivor.mrn, "MRN-0208", reason=REASON, actor=actor, at=NOW)
        with pytest.raises(PermissionRefused):
            preview_merge(survivor.mrn, "MRN-0208", actor=actor, at=NOW)
    assert login(Role.COORDINATOR, "cora.coordinator").get("/merge/").status_code == 403


def test_the_director_reviews_then_merges_on_the_page() -> None:
    survivor = _fresh()
    make_patient("MRN-0209")
    page = login(Role.DIRECTOR, "dana.director")
    form = {"survivor": survivor.mrn, "duplicate": "MRN-0209", "reason": REASON}
    review = page.post("/merge/", form | {"do": "review"}).content.decode()
    assert "1 episode" in review and "Merge MRN-0209 into" in review
    assert not Patient.objects.filter(merged_into__isnull=False).exists()
    form["reviewed"] = f"{survivor.mrn}>MRN-0209"  # the pair the review showed
    changed = page.post("/merge/", form | {"do": "merge", "confirm": "on", "reviewed": "X>Y"})
    assert changed.status_code == 200  # MRNs other than those reviewed: shown for review again
    assert not Patient.objects.filter(merged_into__isnull=False).exists()
    unconfirmed = page.post("/merge/", form | {"do": "merge"}).content.decode()
    assert "tick to confirm" in unconfirmed and 'value="' + REASON + '"' not in unconfirmed
    assert REASON in unconfirmed  # what was typed stays
    assert not Patient.objects.filter(merged_into__isnull=False).exists()
    done = page.post("/merge/", form | {"do": "merge", "confirm": "on"})
    assert done.status_code == 302
    assert Patient.objects.get(mrn="MRN-0209").merged_into_id == survivor.pk


def test_the_api_previews_refuses_and_merges() -> None:
    create_staff("dana.director", PASSWORD, Role.DIRECTOR)
    auth = {"Authorization": f"Bearer {create_token('dana.director', at=NOW)}"}
    make_patient("MRN-0210")
    make_patient("MRN-0211")
    c = Client()
    body = {"survivor": "MRN-0210", "duplicate": "MRN-0211", "reason": REASON}
    preview = c.post("/api/merges/preview", body, content_type="application/json", headers=auth)
    assert preview.status_code == 200 and preview.json()["problems"]
    refused = c.post("/api/merges", body, content_type="application/json", headers=auth)
    assert refused.status_code == 409 and refused.json()["field"] == "duplicate"
    discontinue(Patient.objects.get(mrn="MRN-0211"), reason="registered twice", on=TODAY,
                actor=PRESCRIBER, at=at(TODAY))  # fmt: skip
    done = c.post("/api/merges", body, content_type="application/json", headers=auth)
    assert done.status_code == 200 and done.json()["moved"]["patients.episode"] == 1
