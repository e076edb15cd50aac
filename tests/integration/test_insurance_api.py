"""Insurance and prior authorization in the JSON API (issue 15): typed bodies, the error shape
naming the field, roles, and a prior authorization moved on through its transitions."""

from __future__ import annotations

import pytest

from naltrack.accounts.roles import Role
from naltrack.insurance.models import Coverage, PriorAuthorization
from tests.integration.conftest import TODAY, make_patient
from tests.integration.test_api import Api, token_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


@pytest.fixture
def coordinator() -> Api:
    return Api(token_for("cora.api", Role.COORDINATOR))


def test_coverage_and_benefits_are_recorded_and_listed(coordinator: Api) -> None:
    p = make_patient()
    status, body = coordinator.post(f"/patients/{p.mrn}/coverage", {
        "kind": "insurance", "valid_from": "2026-01-01", "payer": "Acme", "member_id": "M1", "rank": "primary"})  # fmt: skip
    assert status == 201 and body["member_id"] == "M1" and body["valid_to"] is None
    status, body = coordinator.get(f"/patients/{p.mrn}/coverage")
    assert status == 200 and body["total"] == 1 and body["items"][0]["payer"] == "Acme"
    status, body = coordinator.post(f"/patients/{p.mrn}/benefits", {
        "covered": "yes", "benefit": "pharmacy", "supply": "specialty_pharmacy", "copay": 25.0,
        "copay_assistance": True})  # fmt: skip
    assert status == 201 and body["copay_assistance"] is True
    assert coordinator.get(f"/patients/{p.mrn}/benefits")[1]["total"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "insurance", "valid_from": "2026-01-01", "payer": "Acme"}, "member_id"),
        (
            {
                "kind": "insurance",
                "valid_from": "2026-01-01",
                "payer": "Acme",
                "member_id": "M",
                "valid_to": "2025-12-31",
            },
            "valid_to",
        ),
        ({"kind": "gold", "valid_from": "2026-01-01"}, "kind"),
        ({"kind": "self_pay"}, "valid_from"),
        ({"kind": "self_pay", "valid_from": "2026-01-01", "colour": "red"}, "colour"),
    ],
)
def test_bad_coverage_is_400_naming_the_field(
    coordinator: Api, body: dict[str, str], field: str
) -> None:
    p = make_patient()
    status, answer = coordinator.post(f"/patients/{p.mrn}/coverage", body)
    assert status == 400 and answer["field"] == field and set(answer) == {"message", "field"}
    assert not Coverage.objects.exists()


def test_a_prior_authorization_through_its_transitions(coordinator: Api) -> None:
    p = make_patient()
    status, pa = coordinator.post(f"/patients/{p.mrn}/prior-authorizations",
                                  {"formulation": "xr_injection", "reference": "R-7"})  # fmt: skip
    assert status == 201 and pa["status"] == "submitted"
    url = f"/patients/{p.mrn}/prior-authorizations/{pa['id']}/transitions"
    status, answer = coordinator.post(url, {"status": "appealed"})
    assert status == 400 and answer["field"] == "status"
    status, answer = coordinator.post(url, {"status": "approved", "approved_units": 2,
                                            "approved_from": str(TODAY), "approved_to": "2026-11-01"})  # fmt: skip
    assert status == 400 and answer["field"] == "approved_to"
    assert coordinator.post(url, {"status": "denied"})[0] == 200
    assert coordinator.post(url, {"status": "appealed"})[0] == 200
    status, answer = coordinator.post(url, {"status": "approved", "approved_units": 2,
                                            "approved_from": str(TODAY), "approved_to": "2027-02-01"})  # fmt: skip
    assert status == 200 and answer["units_left"] == 2 and answer["shown_status"] == "approved"
    assert [e["status"] for e in answer["history"]] == [
        "submitted",
        "denied",
        "appealed",
        "approved",
    ]
    listed = coordinator.get(f"/patients/{p.mrn}/prior-authorizations")[1]
    assert listed["items"][0]["reference"] == "R-7"
    assert PriorAuthorization.objects.get().status == "approved"


def test_roles_in_the_api() -> None:
    p = make_patient()
    nurse = Api(token_for("nina.api", Role.NURSE))
    assert nurse.get(f"/patients/{p.mrn}/prior-authorizations")[0] == 200
    status, _ = nurse.post(
        f"/patients/{p.mrn}/coverage", {"kind": "self_pay", "valid_from": "2026-01-01"}
    )
    assert status == 403
    counselor = Api(token_for("cole.api", Role.COUNSELOR))
    assert counselor.get(f"/patients/{p.mrn}/coverage")[0] == 403
    assert not Coverage.objects.exists()
