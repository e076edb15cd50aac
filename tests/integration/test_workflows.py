"""The clinic's workflows on a real database: screening and signing, the induction gate, the MAR,
alerts, plans and discontinuation. Each workflow is one transaction: a refusal writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from naltrack.accounts.services import PermissionRefused
from naltrack.alerts.models import Alert, AlertStatus, CareStatus
from naltrack.alerts.services import RefreshOutcome, refresh_all, refresh_patient, resolve
from naltrack.appointments.models import Appointment
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.screening.services import run_screening, sign_screening
from naltrack.treatment.models import Administration, TreatmentPlan
from naltrack.treatment.services import (
    DoseRefused,
    PlanInput,
    authorize_injection_override,
    change_plan,
    discontinue,
    propose_injection,
    record_administration,
)
from tests.integration.conftest import (
    COUNSELOR,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    attested,
    injection,
    make_patient,
    make_ready,
    started_on_injection,
)

pytestmark = pytest.mark.django_db


def test_screening_4_days_after_short_acting_use_is_not_yet_with_the_date() -> None:
    p = make_patient()
    make_ready(p, TODAY, last_use_days=4)
    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(TODAY))
    assert rec.decision == "not_yet"
    assert rec.earliest_start_date == TODAY + timedelta(days=3)  # 7 opioid-free days (Part A A1)
    assert rec.policy_version == rec.result["policy"] == "naltrack-default-2026.1"
    assert rec.facts["last_opioid_use"] == {
        "date": str(TODAY - timedelta(days=4)),
        "kind": "short_acting",
    }
    assert rec.facts["urine_drug_screen"]["opioids"] == "negative"  # gathered from the record
    assert not rec.signed


def test_entered_facts_correct_the_record_for_this_screening() -> None:
    p = make_patient()
    make_ready(p, TODAY, last_use_days=30)
    rec = run_screening(p, {"pregnant": False, "needs_opioid_analgesia": True}, formulation="oral",
                        actor=PRESCRIBER, at=at(TODAY))  # fmt: skip
    assert rec.decision == "contraindicated"
    assert "OPIOID_ANALGESIA_NEEDED" in {f["code"] for f in rec.result["findings"]}


def test_only_a_prescriber_signs_and_an_override_needs_a_written_reason() -> None:
    p = make_patient()
    make_ready(p, TODAY, last_use_days=4)
    rec = run_screening(p, {}, formulation="xr_injection", actor=NURSE, at=at(TODAY))
    with pytest.raises(PermissionRefused):
        sign_screening(rec.pk, actor=NURSE, at=at(TODAY))
    with pytest.raises(InputError) as err:
        sign_screening(rec.pk, actor=PRESCRIBER, at=at(TODAY), override_reason="ok")
    assert err.value.field == "override_reason"
    rec.refresh_from_db()
    assert not rec.signed  # the refusal wrote nothing
    reason = "Detox unit confirmed 10 opioid-free days; patient history unreliable."
    signed = sign_screening(
        rec.pk,
        actor=PRESCRIBER,
        at=at(TODAY),
        override_reason=reason,
        **attested(rec.pk, overriding=True),
    )
    assert (signed.signed_by, signed.override_reason) == ("pat.prescriber", reason)
    assert AuditEvent.objects.filter(
        object_type="screening", detail__startswith="signed with override"
    ).exists()


def test_no_first_dose_without_a_signed_screening_that_allows_it() -> None:
    p = make_patient()
    make_ready(p, TODAY, last_use_days=4)
    with pytest.raises(InputError, match="no signed screening"):
        record_administration(p, injection(TODAY), actor=NURSE, at=at(TODAY))
    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(TODAY))
    sign_screening(rec.pk, actor=PRESCRIBER, at=at(TODAY), **attested(rec.pk))
    with pytest.raises(InputError, match=f"not before {TODAY + timedelta(days=3)}"):
        record_administration(p, injection(TODAY), actor=NURSE, at=at(TODAY))
    assert not Administration.objects.exists()
    assert not Appointment.objects.exists()


def test_a_stale_screening_does_not_allow_a_first_dose() -> None:
    p = make_patient(start=TODAY - timedelta(days=20))
    make_ready(p, TODAY - timedelta(days=10))
    rec = run_screening(
        p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(TODAY - timedelta(days=10))
    )
    sign_screening(rec.pk, actor=PRESCRIBER, at=at(TODAY - timedelta(days=10)), **attested(rec.pk))
    with pytest.raises(InputError, match="too old"):
        record_administration(p, injection(TODAY), actor=NURSE, at=at(TODAY))


def test_a_given_injection_books_the_next_on_day_28_and_the_next_proposes_the_other_side() -> None:
    p = started_on_injection("MRN-0200", TODAY - timedelta(days=28))
    booked = Appointment.objects.get(patient=p, status="booked")
    assert booked.on == TODAY
    proposal = propose_injection(p, TODAY)
    assert (proposal.side, proposal.tier, proposal.needle) == ("right", "due", "1.5in")  # BMI 25.2
    done = record_administration(p, injection(TODAY, site="right"), actor=NURSE, at=at(TODAY))
    assert done.next_appointment is not None and done.next_appointment.on == TODAY + timedelta(
        days=28
    )
    booked.refresh_from_db()
    assert booked.status == "kept"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"lot": ""}, "lot"), ({"expiry": None}, "expiry"), ({"expiry": TODAY - timedelta(days=1)}, "expiry"),
     ({"site": "oral"}, "site"), ({"needle": "3in"}, "needle")],
)  # fmt: skip
def test_an_injection_needs_lot_unexpired_expiry_site_and_needle(
    change: dict[str, object], field: str
) -> None:
    p = started_on_injection("MRN-0201", TODAY - timedelta(days=28))
    before = (Administration.objects.count(), AuditEvent.objects.count())
    with pytest.raises(InputError) as err:
        record_administration(
            p, injection(TODAY, **({"site": "right"} | change)), actor=NURSE, at=at(TODAY)
        )
    assert err.value.field == field
    assert (Administration.objects.count(), AuditEvent.objects.count()) == before


def test_before_the_earliest_redose_day_the_core_refuses_and_only_a_prescriber_overrides() -> None:
    # Issue 9: the too-early injection was recordable after the nurse's confirmation; the core
    # refuses it, and a prescriber's written override for the day is the clinical exception.
    p = started_on_injection("MRN-0202", TODAY - timedelta(days=20))
    before = (Administration.objects.count(), AuditEvent.objects.count())
    for confirm in (False, True):
        with pytest.raises(DoseRefused) as err:
            record_administration(
                p,
                injection(TODAY, site="right", confirm_warnings=confirm),
                actor=NURSE,
                at=at(TODAY),
            )
        assert err.value.field == "given_at" and err.value.overridable
        assert "earliest re-dose day" in err.value.message
    assert (Administration.objects.count(), AuditEvent.objects.count()) == before
    with pytest.raises(PermissionRefused):
        authorize_injection_override(p, on=TODAY, reason="travel", actor=NURSE, at=at(TODAY))
    with pytest.raises(InputError) as blank:
        authorize_injection_override(p, on=TODAY, reason=" ", actor=PRESCRIBER, at=at(TODAY))
    assert blank.value.field == "reason"
    reason = "Leaves for a three-week work placement tomorrow; day 20 is the last visit possible."
    authorize_injection_override(p, on=TODAY, reason=reason, actor=PRESCRIBER, at=at(TODAY))
    done = record_administration(p, injection(TODAY, site="right"), actor=NURSE, at=at(TODAY))
    admin = done.administration
    assert (admin.override_reason, admin.override_by) == (reason, "pat.prescriber")
    assert [o["code"] for o in admin.overridden] == ["too_early"]
    assert admin.late_tier == "too_early" and admin.policy_version == "naltrack-default-2026.1"
    assert AuditEvent.objects.filter(
        object_type="administration", detail__contains="override by pat.prescriber"
    ).exists()
    assert AuditEvent.objects.filter(object_type="injection_override").exists()


def test_an_override_lifts_nothing_that_is_not_left_to_the_prescriber() -> None:
    p = started_on_injection("MRN-0206", TODAY - timedelta(days=28))
    with pytest.raises(InputError, match="nothing to override") as err:
        authorize_injection_override(p, on=TODAY, reason="why not", actor=PRESCRIBER, at=at(TODAY))
    assert err.value.field == "on"


def test_late_injection_after_day_35_needs_a_negative_urine_screen() -> None:
    p = started_on_injection("MRN-0203", TODAY - timedelta(days=40))
    with pytest.raises(InputError) as err:
        record_administration(p, injection(TODAY, site="right"), actor=NURSE, at=at(TODAY))
    assert err.value.field == "urine_screen"


def test_overdue_injection_raises_one_alert_that_clears_when_the_injection_is_given() -> None:
    p = started_on_injection("MRN-0204", TODAY - timedelta(days=30))
    refresh_patient(p, at=at(TODAY))
    refresh_patient(p, at=at(TODAY))  # deduplicated: one alert per code
    overdue = Alert.objects.filter(patient=p, code="INJECTION_OVERDUE")
    assert overdue.count() == 1 and overdue.get().severity == "urgent"
    assert CareStatus.objects.get(patient=p).overdue_from == TODAY - timedelta(days=1)
    record_administration(
        p, injection(TODAY, site="right", confirm_warnings=True), actor=NURSE, at=at(TODAY)
    )
    assert overdue.get().status == AlertStatus.RESOLVED
    assert refresh_all(at=at(TODAY)) == RefreshOutcome(refreshed=1, failed=0)


def test_resolving_an_alert_needs_a_note_and_a_role_that_handles_alerts() -> None:
    p = started_on_injection("MRN-0205", TODAY - timedelta(days=30))
    alert = refresh_patient(p, at=at(TODAY))[0]
    with pytest.raises(PermissionRefused):
        resolve(alert.pk, actor=COUNSELOR, at=at(TODAY), note="called")
    with pytest.raises(InputError) as err:
        resolve(alert.pk, actor=NURSE, at=at(TODAY), note=" ")
    assert err.value.field == "note"
    done = resolve(
        alert.pk, actor=NURSE, at=at(TODAY), note="Reached by phone; booked for tomorrow."
    )
    assert (done.status, done.resolved_by) == ("resolved", "nina.nurse")


def _plan(**changes: object) -> PlanInput:
    values: dict[str, object] = dict(
        formulation="xr_injection", regimen="xr_injection", goals="Six months in treatment"
    )
    values.update(changes)
    return PlanInput(**values)  # type: ignore[arg-type]


def test_plan_changes_keep_history_and_only_a_prescriber_changes_the_medication() -> None:
    p = make_patient()
    first = change_plan(p, _plan(), reason="Initial plan", actor=PRESCRIBER, at=at(TODAY))
    with pytest.raises(PermissionRefused):
        change_plan(
            p,
            _plan(formulation="oral", regimen="oral_daily"),
            reason="Prefers tablets",
            actor=COUNSELOR,
            at=at(TODAY),
        )
    second = change_plan(p, _plan(triggers="Payday", psychosocial=("cbt",)), reason="Relapse-prevention plan agreed",
                         actor=COUNSELOR, at=at(TODAY))  # fmt: skip
    assert (first.version, second.version) == (1, 2)
    assert list(TreatmentPlan.objects.filter(patient=p).values_list("version", "reason")) == [
        (2, "Relapse-prevention plan agreed"), (1, "Initial plan")]  # fmt: skip
    with pytest.raises(InputError) as err:
        change_plan(p, _plan(), reason="", actor=PRESCRIBER, at=at(TODAY))
    assert err.value.field == "reason"


def test_discontinuation_records_the_reason_and_opens_the_post_treatment_alert() -> None:
    p = started_on_injection("MRN-0206", TODAY - timedelta(days=10))
    episode = discontinue(
        p, reason="Patient chose to stop", on=TODAY, actor=PRESCRIBER, at=at(TODAY)
    )
    assert (episode.status, episode.discharge_reason) == ("discharged", "Patient chose to stop")
    alert = Alert.objects.get(patient=p, code="TREATMENT_STOPPED_OVERDOSE_RISK")
    assert alert.status == "open"
    assert not Appointment.objects.filter(patient=p, status="booked").exists()


def test_a_discontinued_patient_in_the_post_treatment_window_is_on_the_today_high_risk_list() -> (
    None
):
    from naltrack.worklist.services import today_worklist

    p = started_on_injection("MRN-0207", TODAY - timedelta(days=35))
    discontinue(
        p,
        reason="Patient chose to stop",
        on=TODAY - timedelta(days=1),
        actor=PRESCRIBER,
        at=at(TODAY),
    )
    work = today_worklist(TODAY, actor=NURSE)
    assert work.high_risk is not None
    assert [c.patient.mrn for c in work.high_risk.rows] == [p.mrn]
    assert work.high_risk.rows[0].risk_window == "post_treatment"


def test_the_nightly_refresh_resolves_alerts_of_patients_long_discharged() -> None:
    p = started_on_injection("MRN-0208", TODAY - timedelta(days=520))
    discontinue(
        p,
        reason="Moved away",
        on=TODAY - timedelta(days=510),
        actor=PRESCRIBER,
        at=at(TODAY - timedelta(days=510)),
    )
    stopped = Alert.objects.get(patient=p, code="TREATMENT_STOPPED_OVERDOSE_RISK")
    assert stopped.status == "open"
    refresh_all(at=at(TODAY))
    stopped.refresh_from_db()
    assert (stopped.status, stopped.resolved_by) == ("resolved", "naltrack")


def test_a_positive_urine_screen_during_coverage_opens_the_overcoming_the_blockade_alert() -> None:
    from naltrack.monitoring.services import record_observation

    p = started_on_injection("MRN-0209", TODAY - timedelta(days=10))
    record_observation(p, kind="urine_screen", observed_on=TODAY, data={"results": {"fentanyl": "positive"}},
                       actor=NURSE, at=at(TODAY))  # fmt: skip
    assert Alert.objects.get(patient=p, code="OPIOID_USE_WHILE_BLOCKED").severity == "urgent"


def test_screening_reads_current_medications_only() -> None:
    from naltrack.patients.records import add_medication, stop_medication

    p = make_patient()
    make_ready(p, TODAY, last_use_days=30)
    entry = add_medication(
        p, name="oxycodone", started_on=TODAY - timedelta(days=60), actor=NURSE, at=at(TODAY)
    )
    rec = run_screening(p, {}, formulation="oral", actor=PRESCRIBER, at=at(TODAY))
    assert rec.facts["medications"] == ["oxycodone"] and rec.decision == "contraindicated"
    stop_medication(entry.pk, stopped_on=TODAY - timedelta(days=1), actor=NURSE, at=at(TODAY))
    with pytest.raises(InputError):
        stop_medication(entry.pk, stopped_on=TODAY, actor=NURSE, at=at(TODAY))
    rec = run_screening(p, {}, formulation="oral", actor=PRESCRIBER, at=at(TODAY))
    assert rec.facts["medications"] == [] and "OPIOID_MEDICATION" not in {
        f["code"] for f in rec.result["findings"]
    }


def test_an_implant_removed_early_covers_only_until_its_removal() -> None:
    from naltrack.treatment.services import insert_implant, remove_implant

    p = make_patient(start=TODAY - timedelta(days=40))
    make_ready(p, TODAY - timedelta(days=30))
    rec = run_screening(
        p, {}, formulation="implant", actor=PRESCRIBER, at=at(TODAY - timedelta(days=30))
    )
    sign_screening(rec.pk, actor=PRESCRIBER, at=at(TODAY - timedelta(days=30)), **attested(rec.pk))
    implant = insert_implant(p, inserted_on=TODAY - timedelta(days=30), product="implant", dose_mg=1800, lot="I-1",
                             site="abdomen", actor=PRESCRIBER, at=at(TODAY - timedelta(days=30)))  # fmt: skip
    assert CareStatus.objects.get(patient=p).coverage_ends_on == TODAY + timedelta(days=60)
    remove_implant(
        implant.pk,
        removed_on=TODAY - timedelta(days=2),
        reason="Site infection",
        actor=PRESCRIBER,
        at=at(TODAY),
    )
    assert CareStatus.objects.get(patient=p).coverage_ends_on == TODAY - timedelta(days=2)
    assert Alert.objects.get(patient=p, code="IMPLANT_EXPIRED").severity == "urgent"


def test_the_care_status_pdc_leaves_out_the_days_after_a_coded_stop(db: None) -> None:
    """Issue 9: a patient transferred out is not counted as non-adherent for the days after the
    transfer; the care status's 90-day PDC is the core's coverage() with the stop."""
    from naltrack.alerts.models import CareStatus
    from naltrack.alerts.services import refresh_patient
    from naltrack.clinical.coverage import Administration as Dose
    from naltrack.clinical.coverage import coverage
    from naltrack.clinical.vocab import Formulation, StopReason
    from naltrack.treatment.services import discontinue

    first = TODAY - timedelta(days=40)
    p = started_on_injection("MRN-0950", first)
    stop = first + timedelta(days=27)  # the last covered day: transferred to another program
    discontinue(p, reason="moved to another city's program", on=stop, stop_reason="transfer",
                actor=PRESCRIBER, at=at(stop))  # fmt: skip
    refresh_patient(p, at=at(TODAY))
    care = CareStatus.objects.get(patient=p)
    dose = [Dose(first, Formulation.XR_INJECTION, 380)]
    with_stop = coverage(dose, first, TODAY, stopped_on=stop, stop_reason=StopReason.TRANSFER)
    without = coverage(dose, first, TODAY)
    assert with_stop.pdc != without.pdc  # the stop matters here
    assert care.pdc_90 == round(with_stop.pdc, 3)
