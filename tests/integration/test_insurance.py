"""Insurance and prior authorization through the services and pages (issue 15): coverages and
their bad input, every transition, the MAR's warning or refusal by the clinic's setting, one unit
used per injection given (none for a held or refused dose), the coordinator's worklist."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.insurance.models import AuthorizationEvent, Coverage, PriorAuthorization
from naltrack.insurance.services import (
    BenefitsInput,
    CoverageInput,
    PriorAuthInput,
    Transition,
    authorization_worklist,
    change_prior_auth,
    record_benefits,
    record_coverage,
    record_prior_auth,
)
from naltrack.patients.models import Patient
from naltrack.treatment.implants import insert_implant
from naltrack.treatment.mar import DoseRefused, NeedsConfirmation
from naltrack.treatment.models import Implant
from naltrack.treatment.services import authorize_injection_override, record_administration
from tests.integration.conftest import (
    COORDINATOR,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    fixed_today,
    injection,
    login,
    make_patient,
    started_on_injection,
)

pytestmark = pytest.mark.django_db
NOW = at(TODAY)
__all__ = ["fixed_today"]


def insured(p: Patient, **changes: Any) -> Coverage:
    data = CoverageInput("insurance", TODAY - timedelta(days=200), "Acme Health", "Silver",
                         "M123", "G9", None, "primary")  # fmt: skip
    return record_coverage(p, dataclasses.replace(data, **changes), actor=COORDINATOR, at=NOW)


def approved_pa(p: Patient, units: int = 2, start: date | None = None,
                end: date | None = None) -> PriorAuthorization:  # fmt: skip
    pa = record_prior_auth(
        p, PriorAuthInput("xr_injection", reference="R-1"), actor=COORDINATOR, at=NOW
    )
    return change_prior_auth(p, pa.pk, Transition(
        "approved", approved_units=units, approved_from=start or TODAY - timedelta(days=40),
        approved_to=end or TODAY + timedelta(days=60)), actor=COORDINATOR, at=NOW)  # fmt: skip


@pytest.fixture
def due_patient() -> Patient:
    """On the injection since 28 days ago: due today (started without any coverage on file)."""
    return started_on_injection("MRN-0700", TODAY - timedelta(days=28))


def refusing(settings: Any) -> None:
    policy = dataclasses.replace(settings.CONFIG.policy, injection_without_prior_auth_refused=True,
                                 version="refuse-without-pa")  # fmt: skip
    settings.CONFIG = dataclasses.replace(settings.CONFIG, policy=policy)


# ---- coverage -------------------------------------------------------------------------------


def test_a_coverage_is_recorded_and_audited() -> None:
    p = make_patient()
    c = insured(p)
    assert (c.kind, c.payer, c.member_id, c.rank) == ("insurance", "Acme Health", "M123", "primary")
    assert AuditEvent.objects.filter(object_type="coverage", patient_mrn=p.mrn).count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"member_id": ""}, "member_id"),
        ({"valid_to": TODAY - timedelta(days=201)}, "valid_to"),
        ({"kind": "gold"}, "kind"),
        ({"rank": "third"}, "rank"),
        ({"payer": ""}, "payer"),
    ],
)
def test_bad_coverage_is_refused_and_nothing_written(changes: dict[str, Any], field: str) -> None:
    p = make_patient()
    with pytest.raises(InputError) as exc:
        insured(p, **changes)
    assert exc.value.field == field
    assert not Coverage.objects.exists()


def test_self_pay_needs_no_member_id() -> None:
    p = make_patient()
    record_coverage(p, CoverageInput("self_pay", TODAY), actor=COORDINATOR, at=NOW)
    assert Coverage.objects.get().kind == "self_pay"


def test_benefits_verification_bad_copay_is_refused() -> None:
    p = make_patient()
    with pytest.raises(InputError) as exc:
        record_benefits(p, BenefitsInput("yes", copay=-1), actor=COORDINATOR, at=NOW)  # type: ignore[arg-type]
    assert exc.value.field == "copay"
    row = record_benefits(p, BenefitsInput("yes", benefit="medical", supply="buy_and_bill"),
                          actor=COORDINATOR, at=NOW)  # fmt: skip
    assert row.covered == "yes" and row.verified_on == TODAY


# ---- transitions ------------------------------------------------------------------------------

PATHS = [
    ["approved"],
    ["denied"],
    ["denied", "appealed"],
    ["denied", "appealed", "approved"],
    ["denied", "appealed", "denied"],
]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: "-".join(p))
def test_every_allowed_transition_is_recorded_in_the_history(path: list[str]) -> None:
    p = make_patient()
    pa = record_prior_auth(p, PriorAuthInput("xr_injection"), actor=COORDINATOR, at=NOW)
    for status in path:
        extra = {}
        if status == "approved":
            extra = dict(
                approved_units=1, approved_from=TODAY, approved_to=TODAY + timedelta(days=30)
            )
        pa = change_prior_auth(p, pa.pk, Transition(status, **extra), actor=COORDINATOR, at=NOW)  # type: ignore[arg-type]
    assert pa.status == path[-1]
    assert list(AuthorizationEvent.objects.filter(authorization=pa).values_list("status", flat=True)) == [
        "submitted", *path
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "appealed"),
        ([], "submitted"),
        (["denied"], "approved"),
        (["denied"], "denied"),
        (["approved"], "denied"),
        (["approved"], "appealed"),
        (["denied", "appealed"], "appealed"),
        ([], "expired"),
        ([], "lost"),
    ],
)
def test_a_refused_transition_leaves_the_authorization_as_it_was(
    path: list[str], refused: str
) -> None:
    p = make_patient()
    pa = record_prior_auth(p, PriorAuthInput("xr_injection"), actor=COORDINATOR, at=NOW)
    for status in path:
        extra = {}
        if status == "approved":
            extra = dict(approved_units=1, approved_from=TODAY, approved_to=TODAY)
        change_prior_auth(p, pa.pk, Transition(status, **extra), actor=COORDINATOR, at=NOW)  # type: ignore[arg-type]
    before = AuthorizationEvent.objects.count()
    with pytest.raises(InputError) as exc:
        change_prior_auth(p, pa.pk, Transition(refused, approved_units=1, approved_from=TODAY,
                                               approved_to=TODAY), actor=COORDINATOR, at=NOW)  # fmt: skip
    assert exc.value.field == "status"
    pa.refresh_from_db()
    assert pa.status == (path[-1] if path else "submitted")
    assert AuthorizationEvent.objects.count() == before


@pytest.mark.parametrize(
    ("units", "end", "field"),
    [(0, 30, "approved_units"), (2, -1, "approved_to"), (None, 30, "approved_units")],
)
def test_a_bad_approval_is_refused(units: int | None, end: int, field: str) -> None:
    p = make_patient()
    pa = record_prior_auth(p, PriorAuthInput("xr_injection"), actor=COORDINATOR, at=NOW)
    with pytest.raises(InputError) as exc:
        change_prior_auth(p, pa.pk, Transition("approved", approved_units=units, approved_from=TODAY,
                                               approved_to=TODAY + timedelta(days=end)), actor=COORDINATOR, at=NOW)  # fmt: skip
    assert exc.value.field == field
    pa.refresh_from_db()
    assert pa.status == "submitted" and pa.approved_units == 0


def test_another_patients_authorization_is_not_found() -> None:
    p, q = make_patient("MRN-0101"), make_patient("MRN-0102")
    pa = record_prior_auth(p, PriorAuthInput("xr_injection"), actor=COORDINATOR, at=NOW)
    with pytest.raises(InputError) as exc:
        change_prior_auth(q, pa.pk, Transition("denied"), actor=COORDINATOR, at=NOW)
    assert exc.value.field == "id"


# ---- the MAR --------------------------------------------------------------------------------


def test_an_injection_uses_one_unit_audited(due_patient: Patient) -> None:
    insured(due_patient)
    pa = approved_pa(due_patient, units=3)
    record_administration(due_patient, injection(TODAY, site="right"), actor=NURSE, at=NOW)
    pa.refresh_from_db()
    assert pa.units_used == 1
    assert AuditEvent.objects.filter(
        object_type="prior_authorization", detail__contains="1 of 3"
    ).exists()


def test_a_held_dose_uses_no_unit(due_patient: Patient) -> None:
    insured(due_patient)
    pa = approved_pa(due_patient)
    record_administration(due_patient, injection(TODAY, status="held", reason="patient unwell"),
                          actor=NURSE, at=NOW)  # fmt: skip
    pa.refresh_from_db()
    assert pa.units_used == 0


def test_a_dose_the_core_refuses_uses_no_unit(due_patient: Patient) -> None:
    insured(due_patient)
    pa = approved_pa(due_patient)
    with pytest.raises(DoseRefused):
        record_administration(due_patient, injection(TODAY, site="deltoid"), actor=NURSE, at=NOW)
    pa.refresh_from_db()
    assert pa.units_used == 0


def test_a_dose_waiting_for_confirmation_uses_no_unit_until_confirmed(due_patient: Patient) -> None:
    insured(due_patient)
    pa = approved_pa(due_patient)
    pa.approved_to = TODAY
    pa.save()
    with pytest.raises(NeedsConfirmation):  # a same-side warning
        record_administration(due_patient, injection(TODAY), actor=NURSE, at=NOW)
    pa.refresh_from_db()
    assert pa.units_used == 0


def test_without_an_approval_the_mar_warns_by_default(due_patient: Patient) -> None:
    insured(due_patient)
    with pytest.raises(NeedsConfirmation) as exc:
        record_administration(due_patient, injection(TODAY, site="right"), actor=NURSE, at=NOW)
    assert any("no active prior authorization" in w for w in exc.value.warnings)
    done = record_administration(due_patient, injection(TODAY, site="right", confirm_warnings=True),
                                 actor=NURSE, at=NOW)  # fmt: skip
    assert any("prior authorization" in w for w in done.administration.warnings)


def test_a_used_up_approval_is_not_active(due_patient: Patient) -> None:
    insured(due_patient)
    pa = approved_pa(due_patient, units=1)
    pa.units_used = 1
    pa.save()
    with pytest.raises(NeedsConfirmation):
        record_administration(due_patient, injection(TODAY, site="right"), actor=NURSE, at=NOW)


def test_self_pay_gives_without_a_warning(due_patient: Patient, settings: Any) -> None:
    refusing(settings)
    record_coverage(
        due_patient,
        CoverageInput("self_pay", TODAY - timedelta(days=30)),
        actor=COORDINATOR,
        at=NOW,
    )
    record_administration(due_patient, injection(TODAY, site="right"), actor=NURSE, at=NOW)


def test_a_refusing_clinic_refuses_and_a_prescribers_override_lifts_it(
    due_patient: Patient, settings: Any
) -> None:
    refusing(settings)
    insured(due_patient)
    with pytest.raises(DoseRefused) as exc:
        record_administration(due_patient, injection(TODAY, site="right"), actor=NURSE, at=NOW)
    assert exc.value.overridable and exc.value.refusals[0].code == "no_prior_authorization"
    authorize_injection_override(due_patient, on=TODAY, reason="Paid by the clinic this month.",
                                 actor=PRESCRIBER, at=NOW)  # fmt: skip
    done = record_administration(due_patient, injection(TODAY, site="right"), actor=NURSE, at=NOW)
    assert done.administration.status == "given"


def test_a_refusing_clinic_gives_with_an_active_approval(
    due_patient: Patient, settings: Any
) -> None:
    refusing(settings)
    insured(due_patient)
    pa = approved_pa(due_patient, units=2)
    record_administration(due_patient, injection(TODAY, site="right"), actor=NURSE, at=NOW)
    pa.refresh_from_db()
    assert pa.units_used == 1


# ---- the implant's insertion (a procedure, checked as the injection's dose is) ------------------


def implant_pa(p: Patient, units: int = 1) -> PriorAuthorization:
    pa = record_prior_auth(
        p, PriorAuthInput("implant", reference="IMP-1"), actor=COORDINATOR, at=NOW
    )
    return change_prior_auth(p, pa.pk, Transition(
        "approved", approved_units=units, approved_from=TODAY - timedelta(days=10),
        approved_to=TODAY + timedelta(days=80)), actor=COORDINATOR, at=NOW)  # fmt: skip


def insert(p: Patient, **changes: Any) -> Implant:
    args: dict[str, Any] = {"inserted_on": TODAY, "product": "naltrexone implant", "dose_mg": 1800,
                            "lot": "IMP-L1", "site": "left lower abdomen"}  # fmt: skip
    return insert_implant(p, **(args | changes), actor=PRESCRIBER, at=NOW)


def test_an_implant_uses_a_unit_of_the_implants_approval_not_the_injections(
    due_patient: Patient,
) -> None:
    insured(due_patient)
    injection_pa, pa = approved_pa(due_patient, units=2), implant_pa(due_patient, units=1)
    implant = insert(due_patient)
    pa.refresh_from_db()
    injection_pa.refresh_from_db()
    assert (pa.units_used, injection_pa.units_used) == (1, 0)
    assert AuditEvent.objects.filter(object_type="prior_authorization", object_id=str(pa.pk),
                                     detail__contains="unit used by the implant").exists()  # fmt: skip
    assert implant.inserted_on == TODAY


def test_an_implant_without_an_approval_asks_to_confirm_and_the_audit_says_so(
    due_patient: Patient,
) -> None:
    insured(due_patient)
    approved_pa(due_patient)  # the injection's approval does not pay for an implant
    with pytest.raises(NeedsConfirmation) as exc:
        insert(due_patient)
    assert exc.value.field == "confirm_warnings"
    assert exc.value.warnings == ["no active prior authorization for the implant on this day"]
    assert "record this insertion" in exc.value.message
    assert not Implant.objects.exists()
    implant = insert(due_patient, confirm_warnings=True)
    assert AuditEvent.objects.get(object_type="implant", object_id=str(implant.pk)).detail == (
        "inserted; confirmed: no active prior authorization for the implant on this day"
    )


def test_a_refusing_clinic_refuses_an_implant_without_an_approval_and_writes_nothing(
    due_patient: Patient, settings: Any
) -> None:
    refusing(settings)
    insured(due_patient)
    with pytest.raises(DoseRefused) as exc:
        insert(due_patient, confirm_warnings=True)
    assert (exc.value.field, exc.value.refusals[0].code) == (
        "inserted_on",
        "no_prior_authorization",
    )
    assert not Implant.objects.exists()
    pa = implant_pa(due_patient)
    insert(due_patient)
    pa.refresh_from_db()
    assert pa.units_used == 1


def test_an_implant_a_program_pays_for_needs_no_approval(
    due_patient: Patient, settings: Any
) -> None:
    refusing(settings)
    record_coverage(due_patient, CoverageInput("program", TODAY - timedelta(days=5)),
                    actor=COORDINATOR, at=NOW)  # fmt: skip
    assert insert(due_patient).pk


def test_the_implant_page_shows_the_approval_and_asks_to_confirm(fixed_today: None) -> None:
    p = started_on_injection("MRN-0711", TODAY - timedelta(days=28))
    insured(p)
    prescriber = login(Role.PRESCRIBER, "pat.implant")
    url = f"/patients/{p.mrn}/implants/"
    page = prescriber.get(url).content.decode()
    assert "none active for the implant today" in page
    form = {"form": "insert", "insert-inserted_on": TODAY.isoformat(), "insert-product": "implant",
            "insert-dose_mg": "1800", "insert-lot": "IMP-2", "insert-site": "abdomen"}  # fmt: skip
    answer = prescriber.post(url, form).content.decode()
    assert (
        "confirm the warnings to record this insertion" in answer and not Implant.objects.exists()
    )
    implant_pa(p, units=2)
    assert "2 units left" in prescriber.get(url).content.decode()
    assert prescriber.post(url, form).status_code == 302
    assert "1 unit left" in prescriber.get(url).content.decode()


# ---- the worklist ----------------------------------------------------------------------------


def test_the_worklist_lists_expiring_due_without_and_unverified() -> None:
    a, b, c, d = (make_patient(f"MRN-080{i}") for i in range(4))
    for p in (a, b, c):
        insured(p)
    record_coverage(
        d, CoverageInput("program", TODAY - timedelta(days=9)), actor=COORDINATOR, at=NOW
    )
    expiring = approved_pa(a, end=TODAY + timedelta(days=10))
    approved_pa(b, end=TODAY + timedelta(days=90))  # not within the lead time
    record_benefits(b, BenefitsInput("yes"), actor=COORDINATOR, at=NOW)
    due = {a: TODAY + timedelta(days=5), b: TODAY + timedelta(days=5), c: TODAY + timedelta(days=3),
           d: TODAY}  # fmt: skip
    work = authorization_worklist(TODAY, due, actor=COORDINATOR, at=NOW)
    assert work.expiring == [expiring]
    assert work.due_without == [(c, TODAY + timedelta(days=3))]  # d: a program pays
    assert work.not_verified == [a, c]
    assert AuditEvent.objects.filter(object_type="insurance_worklist").count() == 1


# ---- pages -----------------------------------------------------------------------------------


def test_the_insurance_page_records_a_coverage_and_an_approval(fixed_today: None) -> None:
    p = make_patient()
    client = login(Role.COORDINATOR, "cora.page")
    url = f"/patients/{p.mrn}/insurance/"
    answer = client.post(url, {"form": "coverage", "coverage-kind": "insurance", "coverage-payer": "Acme",
                               "coverage-member_id": "", "coverage-valid_from": "2026-01-01",
                               "coverage-rank": "primary"})  # fmt: skip
    assert answer.status_code == 200 and b"insurance needs the member id" in answer.content
    assert not Coverage.objects.exists()
    client.post(url, {"form": "coverage", "coverage-kind": "insurance", "coverage-payer": "Acme",
                      "coverage-member_id": "M1", "coverage-valid_from": "2026-01-01", "coverage-rank": "primary"})  # fmt: skip
    client.post(url, {"form": "pa", "pa-formulation": "xr_injection", "pa-reference": "R-9"})
    pa = PriorAuthorization.objects.get()
    answer = client.post(url, {"form": "change", "change-authorization": pa.pk, "change-status": "approved",
                               "change-approved_units": "0", "change-approved_from": "2026-11-01",
                               "change-approved_to": "2027-01-31"})  # fmt: skip
    assert b"at least 1 unit" in answer.content
    client.post(url, {"form": "change", "change-authorization": pa.pk, "change-status": "approved",
                      "change-approved_units": "3", "change-approved_from": "2026-11-01",
                      "change-approved_to": "2027-01-31"})  # fmt: skip
    pa.refresh_from_db()
    assert (pa.status, pa.approved_units) == ("approved", 3)
    page = client.get(url).content.decode()
    assert "R-9" in page and "0 of 3 used" in page
    assert client.get("/insurance/worklist/").status_code == 200


def test_a_nurse_sees_the_page_without_forms_and_may_not_post(fixed_today: None) -> None:
    p = make_patient()
    client = login(Role.NURSE, "nora.page")
    page = client.get(f"/patients/{p.mrn}/insurance/")
    assert page.status_code == 200 and b"Record a coverage" not in page.content
    assert client.post(f"/patients/{p.mrn}/insurance/", {"form": "coverage"}).status_code == 403
    assert (
        login(Role.COUNSELOR, "cole.page").get(f"/patients/{p.mrn}/insurance/").status_code == 403
    )


def test_the_mar_page_and_today_show_the_authorization(fixed_today: None) -> None:
    p = started_on_injection("MRN-0710", TODAY - timedelta(days=20))
    nurse = login(Role.NURSE, "nora.mar")
    assert (
        "Prior authorization: not needed today"
        in nurse.get(f"/patients/{p.mrn}/mar/").content.decode()
    )
    insured(p)
    assert (
        "none active for the injection today"
        in nurse.get(f"/patients/{p.mrn}/mar/").content.decode()
    )
    approved_pa(p, units=3)
    page = nurse.get(f"/patients/{p.mrn}/mar/").content.decode()
    assert "3 units left" in page
    coordinator = login(Role.COORDINATOR, "cora.today")
    today = coordinator.get("/today/").content.decode()
    assert "Insurance and prior authorization" in today and "Benefits not verified" in today
    assert "Insurance and prior authorization" not in nurse.get("/today/").content.decode()
