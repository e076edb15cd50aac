"""Two nurses giving the same kit at once, to two patients, dispense it once (issue 15): the MAR
locks the kit (SELECT ... FOR UPDATE) inside the dose's transaction, so the second nurse sees it
dispensed and is refused, naming the field `kit`; that patient's dose is not recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor
from naltrack.clinical.errors import InputError
from naltrack.inventory.models import Kit
from naltrack.inventory.services import receive_lot
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


def test_two_nurses_giving_the_same_kit_at_once_dispense_it_once() -> None:
    first = started_on_injection("MRN-R001", TODAY - timedelta(days=28))
    second = started_on_injection("MRN-R002", TODAY - timedelta(days=28))
    lot = receive_lot(lot="RACE-1", expiry=TODAY + timedelta(days=90), count=1, received_on=TODAY,
                      actor=NURSE, at=at(TODAY, 8))  # fmt: skip
    kit = lot.kits.get()
    results = race(
        lambda: record_administration(
            first, injection(TODAY, site="right", kit_id=kit.pk), actor=NURSE, at=at(TODAY)
        ),
        lambda: record_administration(
            second, injection(TODAY, site="right", kit_id=kit.pk), actor=SECOND_NURSE, at=at(TODAY)
        ),
    )
    refused = [r for r in results if isinstance(r, InputError)]
    assert len(refused) == 1, results
    assert refused[0].field == "kit" and "already dispensed" in refused[0].message
    given = Administration.objects.filter(given_on=TODAY, patient__in=[first, second])
    assert given.count() == 1
    kit = Kit.objects.get(pk=kit.pk)
    assert kit.state == "dispensed" and kit.administration_id == given.get().pk
