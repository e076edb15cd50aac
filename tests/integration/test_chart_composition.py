"""Arrows point down (issue 9, part 7): the chart composes the record areas from above and hands
the pages below it what they no longer read themselves; the record areas announce a write through
patients.hooks and alerts, above them, refreshes the patient."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.alerts.models import CareStatus
from naltrack.monitoring.services import record_observation
from naltrack.patients.hooks import (
    one_announcement_per_patient,
    patient_record_changed,
    record_changed,
)
from naltrack.treatment.services import PlanInput, change_plan
from tests.integration.conftest import NURSE, PRESCRIBER, TODAY, at, login, started_on_injection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


def test_the_charts_screening_link_carries_the_current_plans_formulation() -> None:
    p = started_on_injection("MRN-7950", TODAY - timedelta(days=40))
    change_plan(p, PlanInput(formulation="oral", regimen="oral_daily"), reason="switch",
                actor=PRESCRIBER, at=at(TODAY - timedelta(days=1)))  # fmt: skip
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    chart = prescriber.get(f"/patients/{p.mrn}/").content.decode()
    assert f'href="/patients/{p.mrn}/screen/?formulation=oral"' in chart
    page = prescriber.get(f"/patients/{p.mrn}/screen/?formulation=oral").content.decode()
    assert '<option value="oral" selected>' in page
    assert '<option value="xr_injection" selected>' not in page


def test_the_screening_form_ignores_an_unknown_formulation_and_starts_from_the_injection() -> None:
    p = started_on_injection("MRN-7951", TODAY - timedelta(days=40))
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    page = prescriber.get(f"/patients/{p.mrn}/screen/?formulation=patch").content.decode()
    assert '<option value="xr_injection" selected>' in page
    assert "patch" not in page


def test_the_patient_list_names_each_patients_formulation_from_the_care_status() -> None:
    p = started_on_injection("MRN-7952", TODAY - timedelta(days=10))
    nurse = login(Role.NURSE, "nina.nurse")
    page = nurse.get("/patients/?q=MRN-7952").content.decode()
    assert p.mrn in page
    assert "Extended-release injection (380 mg)" in page  # was "—" for every patient


def test_a_record_change_announced_below_refreshes_the_care_status_above() -> None:
    p = started_on_injection("MRN-7953", TODAY - timedelta(days=10))
    CareStatus.objects.filter(patient=p).delete()
    record_changed(p, at=at(TODAY))
    care = CareStatus.objects.get(patient=p)
    assert care.computed_on == TODAY and care.next_due_on == TODAY + timedelta(days=18)


def test_a_monitoring_write_refreshes_alerts_though_monitoring_does_not_import_them() -> None:
    p = started_on_injection("MRN-7954", TODAY - timedelta(days=10))
    CareStatus.objects.filter(patient=p).delete()
    record_observation(p, kind="craving", observed_on=TODAY, data={"value": 3}, actor=NURSE,
                       at=at(TODAY))  # fmt: skip
    assert CareStatus.objects.get(patient=p).computed_on == TODAY


def test_a_batch_of_writes_is_announced_once_per_patient_at_its_latest_write() -> None:
    p = started_on_injection("MRN-7955", TODAY - timedelta(days=10))
    q = started_on_injection("MRN-7956", TODAY - timedelta(days=10))
    heard: list[tuple[str, datetime]] = []

    def listen(sender: Any, *, patient: Any, at: datetime, **kwargs: Any) -> None:
        heard.append((patient.mrn, at))

    patient_record_changed.connect(listen, dispatch_uid="test.batch")
    try:
        with one_announcement_per_patient():
            record_changed(p, at=at(TODAY - timedelta(days=3)))
            record_changed(q, at=at(TODAY - timedelta(days=2)))
            with one_announcement_per_patient():  # an inner block leaves it to the outer one
                record_changed(p, at=at(TODAY))
            record_changed(p, at=at(TODAY - timedelta(days=1)))  # dated earlier: not the latest
            assert heard == []
        assert heard == [("MRN-7955", at(TODAY)), ("MRN-7956", at(TODAY - timedelta(days=2)))]
        heard.clear()
        with pytest.raises(RuntimeError), one_announcement_per_patient():
            record_changed(p, at=at(TODAY))
            raise RuntimeError("the batch failed")
        assert heard == []  # a failed batch announces nothing
        record_changed(q, at=at(TODAY))  # outside a block: at once
        assert heard == [("MRN-7956", at(TODAY))]
    finally:
        patient_record_changed.disconnect(dispatch_uid="test.batch")
