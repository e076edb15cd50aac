"""The demo clinic: about 150 synthetic patients spread over every stage of the program, and one
staff account per role. Deterministic: the same `on` day gives the same clinic.

The clinical path (registration, assessment, screening, signing, plan, first dose, recent
observations) goes through the services, so the demo obeys the same gate and rules as a real
clinic; older maintenance doses are written in bulk (marked as entered by the demo) to keep
seeding quick, and every patient's alerts are then computed by the same refresh as the nightly job.
Synthetic people only: names are drawn from fixed lists, no real person is described.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from naltrack import clock
from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor, create_staff
from naltrack.alerts.models import Alert, CareStatus
from naltrack.alerts.services import assign_alerts, refresh_all
from naltrack.appointments.calendar import add_holiday, add_room, set_week_hours
from naltrack.appointments.models import Appointment, AppointmentStatus, Room
from naltrack.appointments.services import (
    book_appointment,
    reschedule_appointment,
    set_appointment_status,
)
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.audit.services import record_many
from naltrack.clinical.errors import InputError
from naltrack.clinical.vocab import Indication
from naltrack.counselling.services import record_session
from naltrack.monitoring.services import record_observation, record_side_effect
from naltrack.patients.hooks import one_announcement_per_patient
from naltrack.patients.models import Patient
from naltrack.patients.records import (
    AssessmentInput,
    add_allergy,
    add_medication,
    record_assessment,
)
from naltrack.patients.services import PatientInput, open_episode, register_patient
from naltrack.portal.services import create_account
from naltrack.screening.services import items_to_review, run_screening, sign_screening
from naltrack.treatment.models import Administration, TreatmentPlan
from naltrack.treatment.services import (
    AdministrationInput,
    PlanInput,
    change_plan,
    discontinue,
    insert_implant,
    record_administration,
    sign_order,
)
from naltrack.worklist.done import mark_done

PASSWORD = "naltrack-demo-2026"  # demo accounts only; `naltrack demo` refuses outside debug mode
STAFF = (
    ("pat.prescriber", Role.PRESCRIBER, "Pat Okafor, MD"),
    ("nina.nurse", Role.NURSE, "Nina Lindqvist, RN"),
    ("cole.counselor", Role.COUNSELOR, "Cole Haddad, LCSW"),
    ("cora.coordinator", Role.COORDINATOR, "Cora Mendes"),
    ("dana.director", Role.DIRECTOR, "Dana Whitfield"),
)
GIVEN = ("Alex", "Sam", "Jordan", "Riley", "Casey", "Morgan", "Taylor", "Jamie", "Avery", "Quinn",
         "Rowan", "Emerson", "Harper", "Reese", "Skyler", "Finley", "Dakota", "Parker", "Hayden", "Sage")  # fmt: skip
FAMILY = ("Abara", "Brennan", "Castillo", "Dubois", "Eriksen", "Fontaine", "Gallagher", "Hoshino", "Ibarra",
          "Janssen", "Kowalski", "Lindgren", "Moreau", "Nakamura", "Okonkwo", "Petrov", "Quintero", "Rahman",
          "Santos", "Tanaka", "Ueda", "Varga", "Whitaker", "Xu", "Yilmaz", "Zielinski")  # fmt: skip
STAGES = (
    "waiting", "review", "due_today", "overdue", "waning", "oral_gaps", "oral_ok", "implant_ok",
    "implant_replace", "implant_expired", "discontinued", "use_while_blocked", "suicide_risk", "lft",
    "pregnancy", "no_naloxone", "surgery", "stable", "stable", "stable", "aud_oral", "stable_early",
)  # fmt: skip
PATIENTS = 154  # 7 of each stage
# Patient portal logins (issue 11), the demo password too: (patient number, language, what it
# shows): an injection patient whose relapse plan is open to edits, one whose injection is wearing
# off, and one on daily tablets who reads the portal in Spanish.
PORTAL = (
    (17, "en", "monthly injection, protected; may edit the relapse plan"),
    (4, "en", "monthly injection wearing off"),
    (6, "es", "daily tablets, in Spanish"),
)


# The moment the demo is seeded, when it is seeded for today: nothing in it may be later (issue 12:
# a check-in "recorded" at 20:00 and the alerts it raised showed in the future to a morning user).
_latest: datetime | None = None


def _at(day: date, hour: int = 10) -> datetime:
    moment = timezone.make_aware(datetime.combine(day, time(hour, 0)))
    return min(moment, _latest) if _latest is not None else moment


def _visit_time(i: int) -> time:
    """A clinic-hours time of day for the i-th demo patient's visits: 09:00 to 15:30."""
    return time(9 + (i // 2) % 7, 30 * (i % 2))


@dataclass
class Cast:
    prescriber: Actor
    nurse: Actor
    counselor: Actor
    coordinator: Actor


def _staff() -> Cast:
    from django.contrib.auth.models import User

    actors = {}
    for username, role, name in STAFF:
        user = User.objects.filter(username=username).first() or create_staff(
            username, PASSWORD, role, full_name=name
        )
        actors[role] = Actor(user.pk, username, role, "127.0.0.1")
    return Cast(
        actors[Role.PRESCRIBER],
        actors[Role.NURSE],
        actors[Role.COUNSELOR],
        actors[Role.COORDINATOR],
    )


def seed(on: date, patients: int = PATIENTS) -> int:
    """Seed the demo clinic for the day `on`; returns the number of patients created. Fewer
    `patients` (at least one of each stage) make a smaller clinic of the same kinds, for tests."""
    global _latest
    if Patient.objects.exists():
        return 0
    if patients < len(STAGES):
        raise ValueError(f"the demo clinic needs at least {len(STAGES)} patients, one per stage")
    # Seeded for today, the day's history stops at this moment (a time of day later than now is
    # moved back to now); seeded for another day, the whole day is history.
    _latest = clock.now() if on == clock.today() else None
    try:
        cast = _staff()
        _clinic_calendar(on, cast)
        for i in range(patients):
            # A patient's history is dozens of writes: alerts and reminders follow it once, at
            # its end, not after each write (patients.hooks.one_announcement_per_patient).
            with transaction.atomic(), one_announcement_per_patient():
                _patient(i, STAGES[i % len(STAGES)], on, cast)
        with transaction.atomic():
            _self_reports(on)
        _assign_visits(on, cast)
        refresh_all(at=_at(on, 7))
        _outreach(on, cast)
        _naloxone(on, cast)
        _portal_logins(on, cast)
        _worklists(on, cast)
        _intake(on, cast)
        _medication_choices(on, cast)
        _kits(on, cast)
        _insurance(on, cast)
    finally:
        _latest = None
    return patients


def _medication_choices(on: date, cast: Cast) -> None:
    """Medication choices made with two patients still waiting to start (issue 15): one chose the
    monthly injection; the other chose buprenorphine and was referred out, which ends the episode
    as a transfer (not a dropout)."""
    from naltrack.choice.services import ChoiceInput, record_choice

    first = Patient.objects.get(mrn="MRN-1000")
    # The second waiting patient (a clinic smaller than two rounds of stages has none).
    second = Patient.objects.filter(mrn=f"MRN-{1000 + len(STAGES)}").first()
    record_choice(first, ChoiceInput(
        option="naltrexone_injection", priorities=("visits", "overdose"),
        reasons="Wants one visit a month rather than a daily tablet; understands the overdose risk after stopping.",
    ), actor=cast.prescriber, at=_at(on, 8))  # fmt: skip
    if second is None:
        return
    record_choice(second, ChoiceInput(
        option="buprenorphine", priorities=("opioid_free_first", "work_travel"),
        reasons="Cannot stop opioids for 10 days while working; prefers to start buprenorphine now.",
        referral_program="Eastside Buprenorphine Clinic", referral_on=on,
    ), actor=cast.prescriber, at=_at(on, 8))  # fmt: skip


def _kits(on: date, cast: Cast) -> None:
    """Injection kits (issue 15): a lot expiring soon, a larger one, stock just above the reorder
    point, one kit out of the refrigerator for five days (nearing its 7-day limit) and one kit a
    specialty pharmacy sent for the first patient on injections. Synthetic lots."""
    from naltrack.inventory.services import receive_lot, take_out_of_fridge

    received = _at(on - timedelta(days=20), 9)
    receive_lot(lot="DEMO-2611A", expiry=on + timedelta(days=25), count=2,
                received_on=on - timedelta(days=20), source="Demo distributor", actor=cast.nurse,
                at=received)  # fmt: skip
    later = receive_lot(lot="DEMO-2703B", expiry=on + timedelta(days=240), count=3,
                        received_on=on - timedelta(days=20), source="Demo distributor",
                        actor=cast.nurse, at=received)  # fmt: skip
    out = later.kits.order_by("id").first()
    assert out is not None
    take_out_of_fridge(out.pk, actor=cast.nurse, at=_at(on - timedelta(days=5), 8))
    own = (
        Patient.objects.filter(
            episodes__status="active", administrations__formulation="xr_injection"
        )
        .distinct()
        .order_by("id")
        .first()
    )
    if own is not None:
        receive_lot(lot="DEMO-SP-0412", expiry=on + timedelta(days=150), count=1,
                    received_on=on - timedelta(days=3), source="Demo specialty pharmacy",
                    patient=own, actor=cast.nurse, at=_at(on - timedelta(days=3), 11))  # fmt: skip


def _insurance(on: date, cast: Cast) -> None:
    """Who pays (issue 15), through the use cases (audited): most patients insured with verified
    benefits and an approved prior authorization for the injection (one ending soon, one denied
    and appealed), every fifth self-pay or on a program, and one insured injection patient with no
    authorization at all, for the coordinator's worklist."""
    from naltrack.alerts.models import CareStatus
    from naltrack.insurance import services as ins

    at, k = _at(on, 8), cast.coordinator
    payers = (("Buckeye Health Plan", "Medicaid MCO"), ("Acme Health", "Silver PPO"))
    on_injection = set(
        CareStatus.objects.filter(active=True, formulation="xr_injection").values_list("patient_id", flat=True)
    )  # fmt: skip
    j = 0  # the insured patients on the injection, counted
    for n, p in enumerate(Patient.objects.order_by("mrn")):
        if n % 5 == 4:
            kind = "self_pay" if n % 10 == 4 else "program"
            ins.record_coverage(
                p, ins.CoverageInput(kind, on - timedelta(days=120)), actor=k, at=at
            )
            continue
        payer, plan = payers[n % 2]
        ins.record_coverage(p, ins.CoverageInput(
            "insurance", on - timedelta(days=300), payer, plan, f"M{100000 + n}", f"G{n % 7}",
        ), actor=k, at=at)  # fmt: skip
        if p.pk not in on_injection:
            continue
        j += 1
        if j == 1:
            continue  # insured, due, no authorization: on the worklist
        ins.record_benefits(p, ins.BenefitsInput(
            "yes", benefit="medical" if n % 2 else "pharmacy",
            supply="buy_and_bill" if n % 2 else "specialty_pharmacy", copay=None if n % 3 else Decimal("25.00"),
            copay_assistance=n % 3 == 0), actor=k, at=at)  # fmt: skip
        pa = ins.record_prior_auth(p, ins.PriorAuthInput(
            "xr_injection", on - timedelta(days=60), payer, f"PA-{2026000 + n}"), actor=k, at=at)  # fmt: skip
        if j == 2:  # denied, then appealed: waiting
            ins.change_prior_auth(
                p, pa.pk, ins.Transition("denied", note="step therapy first"), actor=k, at=at
            )
            ins.change_prior_auth(p, pa.pk, ins.Transition("appealed"), actor=k, at=at)
            continue
        ends = on + timedelta(days=10 if j == 3 else 150)  # one ending within the lead time
        ins.change_prior_auth(p, pa.pk, ins.Transition(
            "approved", approved_units=6, approved_from=on - timedelta(days=50), approved_to=ends,
        ), actor=k, at=at)  # fmt: skip


def _outreach(on: date, cast: Cast) -> None:
    """Outreach to the patients whose injection is overdue or whose tablets stopped (issue 12),
    through the use case (audited): one in three reached, one in three tried and tried again, the
    rest still to contact; a risk-window patient's number turned out wrong."""
    from naltrack.alerts.models import CareStatus
    from naltrack.outreach.services import AttemptInput, record_attempt

    overdue = CareStatus.objects.filter(active=True, overdue_from__lte=on).select_related("patient")
    for n, care in enumerate(overdue.order_by("patient__mrn")):
        assert care.overdue_from is not None
        first = min(on, care.overdue_from + timedelta(days=1))
        p = care.patient
        if n % 3 == 0:
            record_attempt(p, AttemptInput("call", "no_answer", "Text, then call again",
                                           next_attempt_on=first + timedelta(days=1)),
                           actor=cast.nurse, at=_at(first, 11))  # fmt: skip
            record_attempt(p, AttemptInput("text", "message_left", "Home visit if no reply",
                                           next_attempt_on=on + timedelta(days=1)),
                           actor=cast.coordinator, at=_at(on, 9))  # fmt: skip
        elif n % 3 == 1:
            record_attempt(p, AttemptInput("call", "reached", "Comes in tomorrow for the injection"),
                           actor=cast.coordinator, at=_at(first, 14))  # fmt: skip
    gap = CareStatus.objects.filter(risk_window="oral_gap").select_related("patient").order_by("patient__mrn").first()  # fmt: skip
    if gap is not None:
        record_attempt(gap.patient, AttemptInput("call", "wrong_number", "Ask at the next visit; send a letter"),
                       actor=cast.coordinator, at=_at(on, 10))  # fmt: skip


# Intake (issue 15): open inquiries at each step, taken through the use cases; and the inquiries of
# demo patients who started in the last weeks (converted, with their first dose), so that the
# report of days from first contact to first dose has numbers.
INTAKE_OPEN = (
    # (given, family, source, what for, days ago, steps)
    ("Lena", "Ashford", "self", "oud", 0, ()),
    ("Marco", "Bellini", "family", "unknown", 2, ()),
    ("Ada", "Corwin", "hospital", "oud", 3, ("contacted",)),
    ("Teo", "Dalca", "primary_care", "aud", 4, ("contacted", "insurance_checked")),
    ("Iris", "Eklund", "court", "oud", 5, ("contacted", "insurance_checked", "assessment_booked")),
    ("Omar", "Farris", "self", "both", 6, ("closed",)),
)
INTAKE_SOURCES = ("self", "hospital", "family", "court", "primary_care", "self", "hospital")


def _intake(on: date, cast: Cast) -> None:
    from django.db.models import Min

    from naltrack.audit.services import record_by
    from naltrack.intake.models import Inquiry, InquiryStep
    from naltrack.intake.services import InquiryInput, StepInput, take_inquiry, take_step

    k = cast.coordinator
    for n, (given, family, source, what_for, ago, steps) in enumerate(INTAKE_OPEN):
        day = on - timedelta(days=ago)
        q = take_inquiry(InquiryInput(source, given, family, "call", what_for, phone=f"555-02{n:02d}",
                                      birth_date=date(1980 + n, 1 + n, 10), sex_at_birth=("female", "male")[n % 2],
                                      referrer="Mercy ED" if source == "hospital" else "",
                                      first_contact_at=_at(day, 9)), actor=k, at=_at(day, 9))  # fmt: skip
        for step in steps:
            take_step(q.pk, StepInput(
                to=step, pay_kind="insurance", payer="Medicaid", plan="Medicaid MCO", member_id=f"MCD{n:06d}",
                assessment_on=on + timedelta(days=3), assessment_time=time(10, 0),
                close_reason="referred_out", note="Chose a methadone program" if step == "closed" else "",
            ), actor=k, at=_at(on, 8))  # fmt: skip
    # Demo patients whose first dose was in the last weeks, each with the inquiry it came from.
    firsts = (
        Administration.objects.filter(status="given")
        .values("patient_id").annotate(day=Min("given_on")).filter(day__gte=on - timedelta(days=80))
        .order_by("patient_id")
    )  # fmt: skip
    for n, row in enumerate(firsts[:12]):
        p = Patient.objects.get(pk=row["patient_id"])
        first_contact = row["day"] - timedelta(days=3 + (n * 5) % 13)
        q = Inquiry.objects.create(
            first_contact_at=_at(first_contact, 9), first_contact_on=first_contact,
            source=INTAKE_SOURCES[n % len(INTAKE_SOURCES)], given_name=p.given_name, family_name=p.family_name,
            birth_date=p.birth_date, sex_at_birth=p.sex_at_birth, phone=p.phone, email=p.email,
            preferred_contact="call", what_for="oud", status="assessment_booked", pay_kind="insurance",
            payer="Medicaid", member_id=f"MCD9{n:05d}", assessment_on=first_contact + timedelta(days=2),
            patient=p, converted_at=_at(first_contact + timedelta(days=1)), converted_by=k.username,
            taken_by=k.username,
        )  # fmt: skip
        InquiryStep.objects.bulk_create([
            InquiryStep(inquiry=q, step=step, detail=detail, by=k.username, at=_at(first_contact + timedelta(days=d), 9 + d))
            for d, (step, detail) in enumerate((("taken", q.source), ("contacted", "reached"),
                                                ("insurance_checked", "insurance: Medicaid"),
                                                ("converted", f"registered as {p.mrn}")))
        ])  # fmt: skip
        record_by(k, _at(first_contact), AuditAction.CREATE, "inquiry", q.pk, patient_mrn=p.mrn,
                  detail="demo history: converted inquiry")  # fmt: skip


def _naloxone(on: date, cast: Cast) -> None:
    """Naloxone kits (issue 15), through the use cases (audited): an old lot that has expired on
    the shelf, a current lot, and for the patients on tablets or an implant (whom the MAR's
    injection-visit question does not reach) a kit handed out to every other one, one "has one"
    and one refusal; so the coverage report shows a share below 100% and a list to follow up."""
    from naltrack.alerts.models import CareStatus
    from naltrack.naloxone.services import HandOutInput, ReceiveInput, hand_out, receive_stock

    receive_stock(ReceiveInput("nasal_4mg", "NX-2401", on - timedelta(days=10), 12),
                  actor=cast.nurse, at=_at(on - timedelta(days=400), 9))  # fmt: skip
    lot = receive_stock(ReceiveInput("nasal_4mg", "NX-2609", on + timedelta(days=540), 30),
                        actor=cast.nurse, at=_at(on - timedelta(days=60), 9))  # fmt: skip
    others = CareStatus.objects.filter(active=True).exclude(formulation="xr_injection")
    for n, care in enumerate(others.select_related("patient").order_by("patient__mrn")):
        day = on - timedelta(days=n % 10)
        if n % 2 == 0:
            data = HandOutInput(
                "handed_out", "visit", lot.pk, 1, note="Showed how to use the spray"
            )
        elif n == 1:
            data = HandOutInput("has_one", "visit", note="From the pharmacy")
        elif n == 3:
            data = HandOutInput("declined", "visit")
        else:
            continue
        hand_out(care.patient, data, actor=cast.nurse, at=_at(day, 12))


# The demo clinic's calendar (issue 12): open Monday to Friday 08:30-17:00 and Saturday morning to
# 16:00, closed on Sundays, a staff training day ten days ahead (injections due that day are booked
# the open day before, clinical/calendar.py), and its rooms.
DEMO_ROOMS = ("Injection room 1", "Injection room 2", "Counselling room", "Lab chair")


def _clinic_calendar(on: date, cast: Cast) -> None:
    from django.contrib.auth.models import User

    director = Actor(
        User.objects.get(username="dana.director").pk, "dana.director", Role.DIRECTOR, "127.0.0.1"
    )
    hours: dict[int, tuple[time, time] | None] = {d: (time(8, 30), time(17)) for d in range(5)}
    hours |= {5: (time(9), time(16)), 6: None}
    set_week_hours(hours, actor=director, at=_at(on - timedelta(days=400)))
    training = on + timedelta(days=10)
    if training.weekday() == 6:  # a Sunday is closed anyway: the Monday after
        training += timedelta(days=1)
    add_holiday(training, "Staff training day", actor=director, at=_at(on - timedelta(days=400)))
    for name in DEMO_ROOMS:
        add_room(name, actor=director, at=_at(on - timedelta(days=400)))


def _assign_visits(on: date, cast: Cast) -> None:
    """Give the visits of the next two weeks a clinician and a room, as the coordinator would: the
    nurse and an injection room for injections, the counselor and the counselling room for
    counselling, the prescriber for reviews; a slot already taken keeps the visit as it was."""
    rooms = {r.name: r.pk for r in Room.objects.all()}
    who = {"injection": "nina.nurse", "induction": "nina.nurse", "counselling": "cole.counselor",
           "prescriber_review": "pat.prescriber", "lab": "nina.nurse"}  # fmt: skip
    where = {"injection": ("Injection room 1", "Injection room 2"), "induction": ("Injection room 1",),
             "counselling": ("Counselling room",), "prescriber_review": ("Counselling room",),
             "lab": ("Lab chair",)}  # fmt: skip
    ahead = Appointment.objects.filter(status=AppointmentStatus.BOOKED, on__gte=on,
                                       on__lt=on + timedelta(days=14), time__isnull=False)  # fmt: skip
    for appt in ahead.order_by("on", "time", "pk"):
        for room in where[appt.kind]:
            try:
                reschedule_appointment(appt.pk, on=appt.on, time=appt.time, clinician=who[appt.kind],
                                       room=rooms[room], actor=cast.coordinator, at=_at(on, 7))  # fmt: skip
                break
            except InputError:
                continue


def _worklists(on: date, cast: Cast) -> None:
    """Today's work lists as a clinic keeps them (issue 12). Two patients in three in treatment
    for more than three months had a repeat liver test and a plan review (a version with no
    change) at some time in the last 95 days, spread over them: a few fall due this week and a few
    are just overdue; every third patient is the backlog, months overdue. Then two items already
    marked done today by the nurse, and two overdue-injection alerts given to her."""
    rows = CareStatus.objects.filter(active=True, liver_test_due_on__lt=on).select_related(
        "patient"
    )
    with one_announcement_per_patient():  # refresh_all below answers for the day
        for care in rows.order_by("patient__mrn"):
            _repeat_liver_test_and_review(care.patient, on, cast)
    refresh_all(at=_at(on, 7))
    due = CareStatus.objects.filter(active=True, liver_test_due_on__lt=on).order_by("patient__mrn")
    for care in due.select_related("patient")[:2]:
        mark_done(care.patient.mrn, "liver_tests", actor=cast.nurse, at=_at(on, 8))
    overdue = Alert.objects.filter(code="INJECTION_OVERDUE", status="open").order_by("patient__mrn")
    assign_alerts(list(overdue.values_list("pk", flat=True)[:2]), assignee=cast.nurse.username,
                  actor=cast.prescriber, at=_at(on, 8))  # fmt: skip


def _repeat_liver_test_and_review(p: Patient, on: date, cast: Cast) -> None:
    i = int(p.mrn.removeprefix("MRN-"))
    if i % 3 == 0:
        return
    day = on - timedelta(days=(i * 7) % 95)
    record_observation(p, kind="liver", observed_on=day, data={"alt": 25 + i % 20, "ast": 24 + i % 15,
                       "alt_uln": 40, "ast_uln": 40}, actor=cast.nurse, at=_at(day, 9))  # fmt: skip
    plan = TreatmentPlan.current(p)
    if plan is not None:
        review = on - timedelta(days=(i * 11) % 95)
        values = {f.name: getattr(plan, f.name) for f in fields(PlanInput)}
        values["psychosocial"] = tuple(plan.psychosocial)
        change_plan(p, PlanInput(**values), reason="Plan review: goals and plan still fit; no change",
                    actor=cast.prescriber, at=_at(review, 12))  # fmt: skip


def portal_login(i: int) -> str:
    return f"patient{i}@example.org"


def _portal_logins(on: date, cast: Cast) -> None:
    """Portal accounts for a few patients (demo/dev only; a clinic invites from the chart)."""
    for i, language, _what in PORTAL:
        p = Patient.objects.get(mrn=f"MRN-{1000 + i}")
        create_account(p, portal_login(i), PASSWORD, by=cast.coordinator, at=_at(on, 8),
                       language=language)  # fmt: skip
    plan = TreatmentPlan.current(Patient.objects.get(mrn=f"MRN-{1000 + PORTAL[0][0]}"))
    assert plan is not None
    values = {f.name: getattr(plan, f.name) for f in fields(PlanInput)}
    values["psychosocial"] = tuple(plan.psychosocial)
    values["patient_may_edit"] = True
    # The counselor reviews the relapse plans with the patient (the plan history shows the words
    # that changed) and opens them to the patient's own edits.
    values["coping_strategies"] = ("Call my sponsor before anything else; walk for twenty minutes; "
                                   "urge surfing until the craving passes.")  # fmt: skip
    values["warning_signs"] = "Skipping meals, isolating, missing group twice in a row."
    change_plan(plan.patient, PlanInput(**values),
                reason="Relapse plans reviewed with the patient; open to the patient's edits",
                actor=cast.counselor, at=_at(on, 8))  # fmt: skip


def _patient(i: int, stage: str, on: date, cast: Cast) -> None:
    aud_only = stage == "aud_oral"
    sex = ("female", "male")[i % 2] if stage != "pregnancy" else "female"
    birth = date(1960 + (i * 7) % 40, 1 + i % 12, 1 + (i * 3) % 28)
    if stage == "pregnancy":
        birth = date(on.year - 29, 3, 14)
    start = on - timedelta(
        days={"waiting": 6, "review": 3, "discontinued": 200, "stable_early": 40}.get(
            stage, 150 + (i % 5) * 30
        )
    )
    if stage.startswith("implant"):
        start = _implant_day(stage, on) - timedelta(days=1)
    reminder = ("sms", "email", "none")[i % 3]
    p = register_patient(PatientInput(
        mrn=f"MRN-{1000 + i}", given_name=GIVEN[i % len(GIVEN)], family_name=FAMILY[(i * 7) % len(FAMILY)],
        birth_date=birth, sex_at_birth=sex, phone=f"555-01{i % 100:02d}", email=f"patient{i}@example.org",
        preferred_reminder_channel=reminder, support_person_name="" if i % 4 else "A. Support",
        support_person_phone="" if i % 4 else "555-0199",
        address="" if i % 3 else f"{10 + i} Synthetic Street\nSpringfield",
        # The demo is a small clinic: every clinician is on every patient's care team (issue 10),
        # named at registration as the registration page asks.
        prescriber=cast.prescriber.username, nurse=cast.nurse.username, counselor=cast.counselor.username,
    ), actor=cast.coordinator, at=_at(start - timedelta(days=1)))  # fmt: skip
    indications = frozenset({Indication.AUD}) if aud_only else (
        frozenset({Indication.OUD, Indication.AUD}) if i % 5 == 0 else frozenset({Indication.OUD}))  # fmt: skip
    open_episode(
        p,
        indications,
        start - timedelta(days=1),
        actor=cast.coordinator,
        at=_at(start - timedelta(days=1)),
    )
    last_use = start - timedelta(days=4 if stage == "waiting" else 12)
    record_assessment(p, AssessmentInput(
        assessed_on=start - timedelta(days=1), substance="AUD" if aud_only else "OUD",
        dsm5_criteria=("craving", "cut_down", "time_spent", "tolerance", "withdrawal", "role_failure")[: 3 + i % 4],
        last_opioid_use=None if aud_only else last_use, last_opioid_kind="" if aud_only else ("short_acting", "fentanyl")[i % 2],
        last_alcohol_use=start - timedelta(days=5) if Indication.AUD in indications else None,
        goals="Stay in treatment for six months; return to work.", co_occurring_conditions="" if i % 3 else "Anxiety",
    ), actor=cast.prescriber, at=_at(start - timedelta(days=1)))  # fmt: skip
    if i % 6 == 0:
        add_medication(p, name="sertraline", actor=cast.nurse, at=_at(start - timedelta(days=1)))
    if i % 11 == 0:
        add_allergy(
            p,
            substance="penicillin",
            reaction="rash",
            actor=cast.nurse,
            at=_at(start - timedelta(days=1)),
        )
    # Readiness on the screening day: urine screen, COWS, liver tests, weight, PHQ-9.
    day = start

    def obs(kind: str, data: dict[str, Any]) -> None:
        record_observation(
            p, kind=kind, observed_on=day, data=data, actor=cast.nurse, at=_at(day, 9)
        )

    if not aud_only:
        obs(
            "urine_screen",
            {
                "results": {
                    "opioids": "negative",
                    "fentanyl": "negative",
                    "buprenorphine": "negative",
                }
            },
        )
        obs("cows", {"items": [0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0]})
    obs("liver", {"alt": 30 + i % 20, "ast": 28 + i % 15, "alt_uln": 40, "ast_uln": 40})
    obs("weight", {"weight_kg": 55 + (i * 5) % 60, "height_cm": 165 + i % 20})
    obs(
        "phq9",
        {
            "items": [2, 2, 1, 2, 1, 1, 1, 1, 0]
            if stage == "review"
            else [1, 0, 1, 0, 0, 1, 0, 0, 0]
        },
    )
    if sex == "female" and stage != "pregnancy":
        obs("pregnancy_test", {"result": "negative"})
    formulation = {"oral_gaps": "oral", "oral_ok": "oral", "aud_oral": "oral", "implant_ok": "implant",
                   "implant_replace": "implant", "implant_expired": "implant"}.get(stage, "xr_injection")  # fmt: skip
    entered: dict[str, Any] = {"pregnant": False} if sex == "female" else {}
    if stage == "surgery":
        entered["planned_surgery_date"] = (on + timedelta(days=20)).isoformat()
    screening = run_screening(
        p, entered, formulation=formulation, actor=cast.prescriber, at=_at(day, 11)
    )
    if stage in ("waiting", "review"):
        return  # awaiting the prescriber: not yet / needs review, unsigned
    overriding = screening.decision not in ("eligible", "needs_review")
    sign_screening(screening.pk, actor=cast.prescriber, at=_at(day, 11),
                   reviewed=items_to_review(screening, overriding=overriding),
                   note="Reviewed the findings and the facts used with the patient at the visit.",
                   override_reason="Demo clinic: opioid-free interval confirmed by the referring detox unit."
                   if overriding else "")  # fmt: skip
    regimen = {"oral": "oral_daily", "implant": "implant", "xr_injection": "xr_injection"}[
        formulation
    ]
    change_plan(p, PlanInput(
        formulation=formulation, regimen=regimen, goals="Abstinence from opioids; rebuild routines.",
        psychosocial=("individual_therapy", "mutual_help") if i % 2 else ("group_therapy", "cbt"),
        triggers="Payday; old friends from using days.", warning_signs="Skipping meals, isolating.",
        coping_strategies="Call sponsor; walk; urge surfing.", support_contacts="Sponsor, sister.",
        relapse_management="Same-week prescriber visit, naloxone check, adjust counselling.",
    ), reason="Initial plan after screening", actor=cast.prescriber, at=_at(day, 12))  # fmt: skip
    sign_order(p, formulation=formulation, regimen=regimen,
               dose_mg={"oral": 50, "implant": 1800, "xr_injection": 380}[formulation],
               instructions="Observed dosing at the clinic." if formulation != "oral" else "Take one tablet daily.",
               actor=cast.prescriber, at=_at(day, 12))  # fmt: skip
    if formulation == "implant":
        insert_implant(p, inserted_on=_implant_day(stage, on), product="naltrexone implant (compounded)", dose_mg=1800,
                       lot=f"IMP-{i:04d}", site="left lower abdomen", actor=cast.prescriber, at=_at(_implant_day(stage, on)))  # fmt: skip
        return
    if formulation == "oral":
        _oral_history(p, i, stage, start, on, cast)
        return
    _injection_history(p, i, stage, start, on, cast)


def _implant_day(stage: str, on: date) -> date:
    return on - timedelta(
        days={"implant_ok": 30, "implant_replace": 80, "implant_expired": 95}[stage]
    )


def _audited_history(p: Patient, rows: list[Administration]) -> None:
    """The history written straight to the MAR is audited like the MAR's own writes, so that
    `naltrack check` finds every administration with its audit event."""
    record_many([
        AuditEvent(at=r.recorded_at, actor=r.recorded_by, action=AuditAction.CREATE, object_type="administration",
                   object_id=str(r.pk), patient_mrn=p.mrn, detail=f"{r.formulation} {r.status} (demo history)")
        for r in rows
    ])  # fmt: skip


def _oral_history(p: Patient, i: int, stage: str, start: date, on: date, cast: Cast) -> None:
    first = start + timedelta(days=1)
    # OUD starts on the 25 mg induction tablet, AUD on the ordered 50 mg (Part A A5): the MAR
    # gives what the active order orders.
    oud = Indication.OUD in p.episodes.get(status="active").indications
    record_administration(p, AdministrationInput(formulation="oral", given_at=_at(first), dose_mg=25 if oud else 50),
                          actor=cast.nurse, at=_at(first))  # fmt: skip
    rows = []
    last = on - timedelta(days=4 if stage == "oral_gaps" else 1)
    d = first + timedelta(days=1)
    while d <= last:
        skip = stage == "oral_gaps" and (d.toordinal() % 5 == 0)
        if not skip:
            rows.append(Administration(patient=p, episode=p.episodes.get(status="active"), given_at=_at(d, 8), given_on=d,
                                       formulation="oral", product="naltrexone 50 mg tablet", dose_mg=50, route="oral",
                                       site="oral", observed=False, status="given", recorded_by="demo", recorded_at=_at(d, 8)))  # fmt: skip
        d += timedelta(days=1)
    _audited_history(p, Administration.objects.bulk_create(rows))


def _injection_history(p: Patient, i: int, stage: str, start: date, on: date, cast: Cast) -> None:
    last = on - timedelta(days={
        "due_today": 28, "overdue": 36 + i % 10, "waning": 25, "discontinued": 35, "use_while_blocked": 10,
        "no_naloxone": 12, "stable_early": 14,
    }.get(stage, 3 + (i * 5) % 24))  # fmt: skip
    first = start + timedelta(days=1)
    count = max((last - first).days // 28, 0)
    # The first dose follows the screening, the latest is the stage's; those between are spread
    # evenly (each 28 days or a few more: a patient started months ago has run a little late,
    # not missed a month after the first injection).
    # The last interval stays 28 days: the MAR decides the latest injection's timing from it.
    if count >= 2:
        span = (last - timedelta(days=28) - first).days
        days = [first + timedelta(days=round(k * span / (count - 1))) for k in range(count)] + [
            last
        ]
    else:
        days = [first, last][: count + 1]
    episode = p.episodes.get(status="active")
    for n, d in enumerate(days):
        side = ("left", "right")[n % 2]
        discussed = not (stage == "no_naloxone" and d == last)
        if (
            n == 0 or d == last
        ):  # the first (through the gate) and the latest, through the MAR service
            record_administration(p, AdministrationInput(
                formulation="xr_injection", given_at=_at(d), site=side, needle="1.5in", lot=f"LOT{2600 + n}",
                expiry=d + timedelta(days=300), reversal_agent_discussed=discussed, reversal_agent_on_hand=discussed,
                confirm_warnings=True,
            ), actor=cast.nurse, at=_at(d))  # fmt: skip
        else:
            history = Administration.objects.create(
                patient=p, episode=episode, given_at=_at(d), given_on=d, formulation="xr_injection",
                product="naltrexone ER 380 mg (VIVITROL)", dose_mg=380, route="intramuscular", site=side, needle="1.5in",
                lot=f"LOT{2600 + n}", expiry=d + timedelta(days=300), status="given", reversal_agent_discussed=True,
                reversal_agent_on_hand=True, late_tier="due", recorded_by="demo", recorded_at=_at(d),
            )  # fmt: skip
            _audited_history(p, [history])
            Appointment.objects.create(patient=p, kind="injection", on=d, status=AppointmentStatus.KEPT, time=_visit_time(i),
                                       booked_by="demo", booked_at=_at(d - timedelta(days=28)))  # fmt: skip
    if i % 5:  # most booked visits have a time of day; every fifth is booked by the day
        Appointment.objects.filter(
            patient=p, status=AppointmentStatus.BOOKED, time__isnull=True
        ).update(time=_visit_time(i))
    if stage == "waning":  # the booked visit fell through: cancelled, nothing rebooked
        appt = Appointment.objects.filter(patient=p, status=AppointmentStatus.BOOKED).first()
        if appt:
            set_appointment_status(
                appt.pk,
                "cancelled",
                reason="Patient could not come: no transport",
                actor=cast.coordinator,
                at=_at(last, 15),
            )
    if (
        stage == "overdue" and (i // len(STAGES)) % 2
    ):  # use reported after the blockade ran out: tolerance is low
        record_observation(p, kind="substance_use", observed_on=on - timedelta(days=1), data={"opioid": True, "source": "check_in"},
                           actor=cast.nurse, at=_at(on - timedelta(days=1), 16))  # fmt: skip
    if (
        i % 8 == 1 and last + timedelta(days=2) <= on
    ):  # an injection-site reaction, followed up in a week
        record_side_effect(p, kind="injection_site", severity=("mild", "moderate")[i % 2], noted_on=last + timedelta(days=2),
                           description="Tender induration at the injection site, about 2 cm.",
                           actor=cast.nurse, at=_at(last + timedelta(days=2), 15))  # fmt: skip
    if stage == "use_while_blocked":
        record_observation(p, kind="substance_use", observed_on=on - timedelta(days=1), data={"opioid": True, "source": "check_in"},
                           actor=cast.nurse, at=_at(on - timedelta(days=1), 16))  # fmt: skip
    if stage == "suicide_risk":
        record_observation(p, kind="phq9", observed_on=on - timedelta(days=1), data={"items": [2, 2, 2, 1, 1, 2, 1, 1, 1]},
                           actor=cast.nurse, at=_at(on - timedelta(days=1), 16))  # fmt: skip
    if stage == "lft":
        record_observation(p, kind="liver", observed_on=on - timedelta(days=2), data={"alt": 170, "ast": 120, "alt_uln": 40, "ast_uln": 40},
                           actor=cast.nurse, at=_at(on - timedelta(days=2), 16))  # fmt: skip
    if stage == "pregnancy":
        record_observation(p, kind="pregnancy_test", observed_on=on - timedelta(days=1), data={"result": "positive"},
                           actor=cast.nurse, at=_at(on - timedelta(days=1), 16))  # fmt: skip
    for k in range(3):
        d = on - timedelta(days=7 * k + 2)
        if d > start:
            record_observation(
                p,
                kind="craving",
                observed_on=d,
                data={"value": (i + k * 2) % 8},
                actor=cast.nurse,
                at=_at(d, 17),
            )
            if k == 0:
                record_observation(p, kind="urine_screen", observed_on=d,
                                   data={"results": {"opioids": "positive" if stage == "use_while_blocked" else "negative", "fentanyl": "negative"}},
                                   actor=cast.nurse, at=_at(d, 17))  # fmt: skip
    record_session(p, held_on=on - timedelta(days=5), kind="individual", attendance="attended" if i % 4 else "missed",
                   note="Discussed triggers around payday; practised urge surfing. Synthetic note.",
                   minutes=50, actor=cast.counselor, at=_at(on - timedelta(days=5), 14))  # fmt: skip
    if i % 9 == 0:
        review_day = on - timedelta(days=3)
        if review_day.weekday() == 6:  # the demo clinic is closed on Sundays
            review_day -= timedelta(days=1)
        appt = book_appointment(
            p,
            kind="prescriber_review",
            on=review_day,
            time=time(10, 30),
            actor=cast.coordinator,
            at=_at(on - timedelta(days=10)),
        )
        set_appointment_status(
            appt.pk, "missed", actor=cast.coordinator, at=_at(on - timedelta(days=2))
        )
    if stage == "discontinued":
        discontinue(p, reason="Moved away; referred to a clinic near the new address.", on=on - timedelta(days=3),
                    actor=cast.prescriber, at=_at(on - timedelta(days=3), 16))  # fmt: skip


def _self_reports(on: date) -> None:
    """What a few demo patients reported in the patient portal (issue 11), written straight to
    the tables and audited like the MAR history: a tablet dose log (an oral patient), and daily
    check-ins that raise each check-in alert (craving running high and a positive PHQ-2; opioid
    use and an injection-site complaint; thoughts of self-harm)."""
    from naltrack.selfreport.models import CheckIn, DoseLogEntry

    def patient(stage: str) -> Patient:
        return Patient.objects.get(mrn=f"MRN-{1000 + STAGES.index(stage)}")

    oral = patient("oral_ok")
    entries = DoseLogEntry.objects.bulk_create([
        DoseLogEntry(patient=oral, day=on - timedelta(days=n), status="skipped" if n == 2 else "taken",
                     reason="Forgot before work" if n == 2 else "", dose_mg=50,
                     recorded_by="patient:demo", recorded_at=_at(on - timedelta(days=n), 21))
        for n in range(0, 7)
    ])  # fmt: skip
    stable = [Patient.objects.get(mrn=f"MRN-{1000 + i}") for i in (17, 18, 19)]
    rows: list[CheckIn] = []
    for n in range(13, -1, -1):
        day = on - timedelta(days=n)
        mood = n in (13, 6)
        rows.append(CheckIn(
            patient=stable[0], day=day, craving=(2 if n > 2 else 7 + (n % 2)), opioid_use=False,
            alcohol_use=n == 9, use_what="two beers" if n == 9 else "", side_effects=["sleep"] if n in (4, 5) else [],
            phq2_interest=(3 if n == 6 else 0) if mood else None, phq2_mood=(1 if n == 6 else 0) if mood else None,
            phq2_self_harm=0 if mood else None, crisis_line_shown="988" if mood else "",
            recorded_by="patient:demo", recorded_at=_at(day, 20),
        ))  # fmt: skip
    rows.append(CheckIn(
        patient=stable[1], day=on - timedelta(days=1), craving=5, opioid_use=True, alcohol_use=False,
        use_what="pills from a friend", side_effects=["injection_site"], recorded_by="patient:demo",
        recorded_at=_at(on - timedelta(days=1), 20),
    ))  # fmt: skip
    rows.append(CheckIn(
        patient=stable[2], day=on, craving=3, opioid_use=False, alcohol_use=False, phq2_interest=2,
        phq2_mood=2, phq2_self_harm=1, crisis_line_shown="988", recorded_by="patient:demo",
        recorded_at=_at(on, 8),
    ))  # fmt: skip
    checkins = CheckIn.objects.bulk_create(rows)
    record_many([
        AuditEvent(at=r.recorded_at, actor=r.recorded_by, action=AuditAction.CREATE, object_type=kind,
                   object_id=str(r.pk), patient_mrn=r.patient.mrn, detail="demo history")
        for kind, group in (("dose_log_entry", entries), ("checkin", checkins)) for r in group
    ])  # fmt: skip
