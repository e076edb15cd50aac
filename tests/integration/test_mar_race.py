"""Two nurses recording the month's injection at once record it once (issue 9, part 4): the MAR
locks the patient, then reads, decides with the core and writes, so the second nurse's request
sees the first injection and the core refuses it as too early."""

from __future__ import annotations

from datetime import timedelta

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor
from naltrack.appointments.models import Appointment
from naltrack.clinical.errors import InputError
from naltrack.treatment.models import Administration
from naltrack.treatment.services import record_administration
from tests.integration.committed import append_only_restored, committed_data  # noqa: F401
from tests.integration.conftest import NURSE, TODAY, at, injection, started_on_injection
from tests.integration.test_concurrency import race, slow_audit  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("committed_data", "slow_audit"),
]
SECOND_NURSE = Actor(8, "nell.nurse", Role.NURSE, "10.0.0.14")


def test_two_nurses_recording_the_months_injection_at_once_record_one() -> None:
    p = started_on_injection("MRN-M001", TODAY - timedelta(days=28))  # due today
    results = race(
        lambda: record_administration(p, injection(TODAY, site="right"), actor=NURSE, at=at(TODAY)),
        lambda: record_administration(
            p, injection(TODAY, site="right"), actor=SECOND_NURSE, at=at(TODAY)
        ),
    )
    assert Administration.objects.filter(patient=p, given_on=TODAY).count() == 1, results
    refused = [r for r in results if isinstance(r, InputError)]
    assert len(refused) == 1, results
    assert refused[0].field == "given_at"  # the core's too-early refusal names the day
    assert Appointment.objects.filter(patient=p, on=TODAY + timedelta(days=28)).count() == 1
