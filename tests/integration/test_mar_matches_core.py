"""Property tests (issue 9): for generated injection histories, BMIs, visit facts and entries, the
MAR service accepts, refuses, warns and proposes exactly what the core decides for the same facts;
and the care status that alerts refresh writes (the chart's due dates, the Today lists, the dosing
alerts) is what the core's injection_timing, coverage and risk windows say.

The facts handed to the core here are built from the generated values, not read back from the
database: a gathering mistake in treatment/facts.py or alerts/snapshot.py makes them disagree.
Each example runs in its own rolled-back transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naltrack.alerts.models import Alert, AlertStatus, CareStatus
from naltrack.alerts.services import refresh_patient
from naltrack.appointments.models import Appointment
from naltrack.chart.services import read_chart
from naltrack.clinical.coverage import Administration as Dose
from naltrack.clinical.coverage import RiskKind, coverage, risk_windows
from naltrack.clinical.mar import (
    ActiveOrder,
    FirstDoseGate,
    InjectionEntry,
    InjectionFacts,
    OrdersOnFile,
    PriorInjection,
    SignedScreening,
    UrineScreen,
    decide_injection,
)
from naltrack.clinical.policy import DEFAULT_POLICY as P
from naltrack.clinical.regimens import injection_timing
from naltrack.clinical.vocab import Formulation, Side
from naltrack.monitoring.models import Observation
from naltrack.patients.models import Patient
from naltrack.screening.models import ScreeningRecord
from naltrack.treatment.models import Administration, Order
from naltrack.treatment.services import (
    AdministrationInput,
    DoseRefused,
    NeedsConfirmation,
    propose_injection,
    record_administration,
)
from naltrack.worklist.services import today_worklist
from tests.integration.conftest import NURSE, TODAY, at, make_patient

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: no random data in tests (style.md habit 9)
)


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@dataclass(frozen=True)
class History:
    """Injections given before TODAY in this episode: days before TODAY, oldest first."""

    days_before: tuple[int, ...]
    first_side: Side

    def injections(self) -> list[tuple[date, Side]]:
        side, out = self.first_side, []
        for n in self.days_before:
            out.append((TODAY - timedelta(days=n), side))
            side = side.other
        return out


@st.composite
def histories(draw: st.DrawFn) -> History:
    """No injection, or up to three with realistic gaps; the latest 0 to 80 days ago."""
    count = draw(st.integers(0, 3))
    if count == 0:
        return History((), Side.LEFT)
    latest = draw(st.integers(0, 80))
    gaps = draw(st.lists(st.integers(21, 40), min_size=count - 1, max_size=count - 1))
    days = [latest]
    for gap in gaps:
        days.append(days[-1] + gap)
    return History(tuple(sorted(days, reverse=True)), draw(st.sampled_from(Side)))


bmis = st.one_of(st.none(), st.floats(15.0, 45.0).map(lambda b: round(b, 1)))
screens = st.sampled_from(
    [None, ("negative", 0), ("negative", 1), ("positive", 0), ("negative", 2)]
)
gates = st.sampled_from([None, "eligible", "not_yet", "needs_review"])
# The active order: none, the injection (most often), or tablets (a mismatch for an injection).
orders = st.sampled_from([None, "xr_injection", "xr_injection", "oral_daily"])
ORDERED = {"xr_injection": ("xr_injection", 380), "oral_daily": ("oral", 50)}


def _build(p: Patient, history: History, bmi: float | None, screen: tuple[str, int] | None,
           gate: str | None, ordered: str | None = None) -> None:  # fmt: skip
    """Write the generated record straight into the tables (the facts, not the use cases)."""
    episode = p.episodes.get()
    if ordered is not None:
        formulation, mg = ORDERED[ordered]
        Order.objects.create(
            patient=p, episode=episode, formulation=formulation, regimen=ordered, dose_mg=mg,
            signed_by="pat.prescriber", signed_at=at(TODAY - timedelta(days=150)),
        )  # fmt: skip
    for day, side in history.injections():
        Administration.objects.create(
            patient=p, episode=episode, given_at=at(day), given_on=day, formulation="xr_injection",
            product="naltrexone ER 380 mg (VIVITROL)", dose_mg=380, route="intramuscular",
            site=side.value, needle="1.5in", lot="LOT-H", expiry=day + timedelta(days=300),
            status="given", recorded_by="history", recorded_at=at(day),
        )  # fmt: skip
    if bmi is not None:
        Observation.objects.create(
            patient=p, kind="weight", observed_on=TODAY - timedelta(days=3),
            data={"weight_kg": 70, "height_cm": 170, "bmi": bmi}, recorded_by="history",
            recorded_at=at(TODAY - timedelta(days=3)),
        )  # fmt: skip
    if screen is not None:
        result, before = screen
        Observation.objects.create(
            patient=p, kind="urine_screen", observed_on=TODAY - timedelta(days=before),
            data={"results": {"opioids": result}}, total=float(result == "positive"), band=result,
            recorded_by="history", recorded_at=at(TODAY - timedelta(days=before), 8),
        )  # fmt: skip
    if gate is not None:
        ScreeningRecord.objects.create(
            patient=p, episode=episode, as_of=TODAY, formulation="xr_injection", facts={}, result={},
            decision=gate, earliest_start_date=TODAY + timedelta(days=3) if gate == "not_yet" else None,
            policy_version=P.version, created_by="pat.prescriber", created_at=at(TODAY, 8),
            signed_by="pat.prescriber", signed_at=at(TODAY, 8),
        )  # fmt: skip


def _facts(history: History, bmi: float | None, screen: tuple[str, int] | None, gate: str | None,
           reported: bool, ordered: str | None) -> InjectionFacts:  # fmt: skip
    injections = history.injections()
    last = PriorInjection(*injections[-1]) if injections else None
    signed = None
    if gate is not None:
        kind = FirstDoseGate.NOT_YET if gate == "not_yet" else FirstDoseGate.ALLOWED
        signed = SignedScreening(
            TODAY, kind, TODAY + timedelta(days=3) if gate == "not_yet" else None
        )
    screens: tuple[UrineScreen, ...] = ()
    if screen is not None:
        screens = (UrineScreen(TODAY - timedelta(days=screen[1]), screen[0] == "positive"),)
    return InjectionFacts(
        on=TODAY, last_injection=last, earlier_dose_in_episode=bool(injections), bmi=bmi,
        screening=signed, opioid_use_reported=reported, urine_screens=screens,
        oud=True,  # make_patient's episode treats OUD
        orders=OrdersOnFile(
            None if ordered is None else ActiveOrder(
                Formulation(ORDERED[ordered][0]), ordered, ORDERED[ordered][1],
                TODAY - timedelta(days=150), "pat.prescriber",
            )
        ),
    )  # fmt: skip


@PROPERTY
@given(
    history=histories(),
    bmi=bmis,
    screen=screens,
    gate=gates,
    reported=st.booleans(),
    side=st.sampled_from(["left", "right"]),
    needle=st.sampled_from(["1in", "1.5in", "2in"]),
    dose=st.sampled_from([None, 380, 380, 190]),
    discussed=st.booleans(),
    confirm=st.booleans(),
    ordered=orders,
)
def test_the_mar_accepts_refuses_warns_and_proposes_what_the_core_decides(
    history: History, bmi: float | None, screen: tuple[str, int] | None, gate: str | None,
    reported: bool, side: str, needle: str, dose: int | None, discussed: bool, confirm: bool,
    ordered: str | None,
) -> None:  # fmt: skip
    with rolled_back():
        p = make_patient("MRN-PROP", start=TODAY - timedelta(days=200))
        _build(p, history, bmi, screen, gate, ordered)
        facts = _facts(history, bmi, screen, gate, reported, ordered)
        entry = InjectionEntry(side, needle, dose, "LOT-9", TODAY + timedelta(days=90), discussed)
        decision = decide_injection(facts, entry, P)
        proposal = propose_injection(p, TODAY)
        # The proposal reads the record only: no opioid use reported yet.
        proposed = decide_injection(_facts(history, bmi, screen, gate, False, ordered), None, P)
        assert (proposal.side, proposal.needle, proposal.tier, proposal.first_dose) == (
            proposed.side.value, proposed.needle.value, proposed.tier, proposed.first_dose,
        )  # fmt: skip
        assert (proposal.earliest_on, proposal.due_on, proposal.may_give) == (
            proposed.earliest_on, proposed.due_on, proposed.may_give,
        )  # fmt: skip
        assert proposal.refusals == tuple(r.message for r in proposed.refusals)
        assert proposal.urine_screen_negative == proposed.urine_screen_negative

        data = AdministrationInput(
            formulation="xr_injection", given_at=at(TODAY), site=side, needle=needle, dose_mg=dose,
            lot="LOT-9", expiry=TODAY + timedelta(days=90), reversal_agent_discussed=discussed,
            confirm_warnings=confirm, opioid_use_reported=reported,
        )  # fmt: skip
        before = Administration.objects.count()
        if decision.refusals:
            with pytest.raises(DoseRefused) as refused:
                record_administration(p, data, actor=NURSE, at=at(TODAY))
            assert refused.value.refusals == decision.refusals
            assert (refused.value.field, refused.value.message) == (
                decision.refusals[0].field, decision.refusals[0].message,
            )  # fmt: skip
            assert Administration.objects.count() == before
        elif decision.warnings and not confirm:
            with pytest.raises(NeedsConfirmation) as asked:
                record_administration(p, data, actor=NURSE, at=at(TODAY))
            assert asked.value.warnings == [w.message for w in decision.warnings]
            assert Administration.objects.count() == before
        else:
            done = record_administration(p, data, actor=NURSE, at=at(TODAY)).administration
            assert done.warnings == [w.message for w in decision.warnings]
            assert (done.late_tier, done.first_dose, done.dose_mg) == (
                decision.tier, decision.first_dose, 380,
            )  # fmt: skip
            assert done.policy_version == decision.policy == P.version
            expected_screen = {None: "", True: "negative", False: "positive"}
            assert done.urine_screen == expected_screen[decision.urine_screen_negative]


@PROPERTY
@given(
    history=histories().filter(lambda h: bool(h.days_before)),
    booked=st.one_of(st.none(), st.integers(-6, 10)),
)
def test_care_status_chart_and_today_lists_follow_the_core(
    history: History, booked: int | None
) -> None:
    with rolled_back():
        p = make_patient("MRN-CARE", start=TODAY - timedelta(days=200))
        _build(p, history, None, None, None)
        booked_on = TODAY + timedelta(days=booked) if booked is not None else None
        if booked_on is not None:
            Appointment.objects.create(
                patient=p, kind="injection", on=booked_on, booked_by="cora", booked_at=at(TODAY)
            )
        refresh_patient(p, at=at(TODAY))
        care = CareStatus.objects.get(patient=p)
        injections = history.injections()
        last = injections[-1][0]
        timing = injection_timing(last, TODAY, P)
        # The chart's due dates are the core's.
        assert (care.next_due_on, care.earliest_on, care.overdue_from) == (
            timing.due_date, timing.earliest_date, timing.overdue_from,
        )  # fmt: skip
        chart = read_chart(p, TODAY)
        assert chart.care is not None and chart.care.next_due_on == timing.due_date
        # Coverage over the last 90 days.
        doses = [Dose(d, Formulation.XR_INJECTION) for d, _ in injections]
        start = max(doses[0].date, TODAY - timedelta(days=89))
        report = coverage(doses, start, TODAY, P)
        assert (care.days_covered_90, care.coverage_ends_on) == (
            report.days_covered, report.coverage_ends,
        )  # fmt: skip
        # The dosing alerts: the core is handed the raw booked day (a passed one books nothing).
        windows = {w.kind for w in risk_windows(doses, TODAY, P, next_injection_booked=booked_on)}
        open_codes = set(
            Alert.objects.filter(patient=p).exclude(status=AlertStatus.RESOLVED)
            .values_list("code", flat=True)
        )  # fmt: skip
        assert ("BLOCKADE_WANING" in open_codes) == (RiskKind.BLOCKADE_WANING in windows)
        assert ("INJECTION_OVERDUE" in open_codes) == (RiskKind.INJECTION_OVERDUE in windows)
        # The Today lists.
        today = today_worklist(TODAY, actor=NURSE)
        assert today.injections_overdue is not None and today.high_risk is not None
        overdue = {c.patient_id for c in today.injections_overdue.rows}
        assert (p.pk in overdue) == (timing.overdue_from <= TODAY)
        at_risk = {c.patient_id for c in today.high_risk.rows}
        assert (p.pk in at_risk) == bool(windows)
