"""The MAR: propose an injection, record a dose given, held or refused, and a prescriber's written
override for one day's injection.

Every clinical decision is the core's (clinical/mar.py): this module gathers the facts
(treatment/facts.py), calls `decide_injection` / `decide_oral_dose`, and stores and shows exactly
what they return: their refusals refuse, their warnings need the nurse's confirmation, and the
policy version that decided is stored on the line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.appointments.models import Appointment, AppointmentKind, AppointmentStatus
from naltrack.appointments.services import place_next_injection
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.errors import InputError
from naltrack.clinical.mar import (
    INJECTION_STRENGTHS_MG,
    OVERRIDABLE,
    InjectionDecision,
    InjectionEntry,
    OralDecision,
    Problem,
    decide_injection,
    decide_oral_dose,
    ordered_dose,
    visits_after_injection,
)
from naltrack.clinical.policy import Policy
from naltrack.clinical.regimens import regimens
from naltrack.clinical.vocab import Formulation
from naltrack.clock import local_day
from naltrack.insurance.services import dose_refusals, take_authorized_unit
from naltrack.inventory.services import dispense_kit, kit_for_dose
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Patient
from naltrack.patients.services import active_episode, lock_patient

from .facts import active_order, as_active_order, injection_facts, oral_facts
from .models import Administration, AdministrationStatus, InjectionOverride, Site, UrineScreenResult

INJECTION_PRODUCT = "naltrexone ER 380 mg (VIVITROL)"
INJECTION_DOSE_MG = INJECTION_STRENGTHS_MG[0]  # the one strength (fact sheet 2.3)


@dataclass(frozen=True, slots=True)
class InjectionProposal:
    """What the MAR form proposes for an injection today, and why (the core's decision)."""

    side: str
    side_reason: str
    needle: str
    needle_reason: str
    bmi: float | None
    first_dose: bool
    timing_message: str
    timing_action: str
    tier: str  # an InjectionTier value, "first_dose" or "rescreen"
    may_give: bool
    earliest_on: date | None
    due_on: date | None
    warnings: tuple[str, ...] = ()
    overdue_from: date | None = None
    urine_screen_required: bool = False
    urine_screen_negative: bool | None = None
    refusals: tuple[str, ...] = ()  # what would refuse an injection today, whatever is entered
    overridable: bool = False  # every such refusal may be lifted by a prescriber's override
    overridden: tuple[str, ...] = ()  # refusals a prescriber's override lifts today
    override_reason: str = ""
    override_by: str = ""
    policy_version: str = ""


def _proposal(d: InjectionDecision) -> InjectionProposal:
    return InjectionProposal(
        side=d.side.value, side_reason=d.side_reason, needle=d.needle.value,
        needle_reason=d.needle_reason, bmi=d.bmi, first_dose=d.first_dose,
        timing_message=d.timing_message, timing_action=d.timing_action, tier=d.tier,
        may_give=d.may_give, earliest_on=d.earliest_on, due_on=d.due_on,
        warnings=tuple(w.message for w in d.warnings), overdue_from=d.overdue_from,
        urine_screen_required=d.urine_screen_required, urine_screen_negative=d.urine_screen_negative,
        refusals=tuple(r.message for r in d.refusals),
        overridable=bool(d.refusals) and all(r.overridable for r in d.refusals),
        overridden=tuple(r.message for r in d.overridden),
        override_reason=d.override.reason if d.override else "",
        override_by=d.override.by if d.override else "", policy_version=d.policy,
    )  # fmt: skip


def injection_decision(
    patient: Patient, on: date, *, opioid_use_reported: bool = False, policy: Policy | None = None
) -> InjectionDecision:
    """The core's decision for an injection on `on` from the record as it stands (no entry)."""
    episode = active_episode(patient)
    facts = injection_facts(patient, episode, on, opioid_use_reported=opioid_use_reported)
    return decide_injection(facts, None, policy or active_policy())


def propose_injection(
    patient: Patient, on: date, policy: Policy | None = None
) -> InjectionProposal:
    return _proposal(injection_decision(patient, on, policy=policy))


@dataclass(frozen=True, slots=True)
class OrderToday:
    """The active order as the MAR shows it, and what it gives on the day (the core's
    `ordered_dose`: None when it gives nothing that day)."""

    formulation: str
    formulation_label: str
    regimen: str
    title: str
    dose_mg: int
    instructions: str
    signed_by: str
    signed_at: datetime
    today_mg: int | None


def order_today(patient: Patient, on: date, policy: Policy | None = None) -> OrderToday | None:
    """The active order of the patient's active episode and what it gives on `on`; None
    without one (the MAR then refuses a dose unless a prescriber overrides)."""
    episode = patient.episodes.filter(status="active").first()
    order = active_order(episode)
    if order is None:
        return None
    reg = regimens().get(order.regimen)
    return OrderToday(
        formulation=order.formulation, formulation_label=order.get_formulation_display(),
        regimen=order.regimen, title=reg.title if reg else order.regimen, dose_mg=order.dose_mg,
        instructions=order.instructions, signed_by=order.signed_by, signed_at=order.signed_at,
        today_mg=ordered_dose(as_active_order(order), on, policy or active_policy()),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class AdministrationInput:
    formulation: str
    given_at: datetime
    status: str = AdministrationStatus.GIVEN
    dose_mg: int | None = None
    site: str = ""
    needle: str = ""
    lot: str = ""
    expiry: date | None = None
    observed: bool = True
    reason: str = ""  # why held or refused (required), or why late (optional)
    reversal_agent_discussed: bool = False
    reversal_agent_on_hand: bool = False
    confirm_warnings: bool = False  # the nurse has read the warnings and gives the dose anyway
    product: str = ""
    opioid_use_reported: bool = False  # at this visit (a check-in of the day counts too)
    kit_id: int | None = None  # an injection's kit from the stock: lot and expiry come from it


class NeedsConfirmation(InputError):
    """The dose can be recorded only after the nurse confirms these warnings."""

    def __init__(self, warnings: list[str], *, what: str = "dose") -> None:
        super().__init__(
            f"confirm the warnings to record this {what}: " + " ".join(warnings), "confirm_warnings"
        )
        self.warnings = warnings


class DoseRefused(InputError):
    """The core refuses this dose. `overridable`: every refusal is one a prescriber's written
    override for the day may lift (InjectionOverride)."""

    def __init__(self, refusals: tuple[Problem, ...]) -> None:
        first = refusals[0]
        super().__init__(first.message, first.field)
        self.refusals = refusals
        self.overridable = all(r.overridable for r in refusals)


@dataclass(frozen=True, slots=True)
class Recorded:
    administration: Administration
    next_appointment: Appointment | None
    # Why the next injection was booked on its day, or why none could be (no open day).
    booking_message: str = ""


def _check_input(data: AdministrationInput, at: datetime) -> None:
    if data.given_at > at:
        raise InputError("is in the future", "given_at")
    if data.status not in AdministrationStatus.values:
        raise InputError(f"must be one of {', '.join(AdministrationStatus.values)}", "status")
    if data.formulation not in (Formulation.XR_INJECTION, Formulation.ORAL):
        raise InputError(
            "must be xr_injection or oral (implants are recorded as procedures)", "formulation"
        )
    if data.status != AdministrationStatus.GIVEN and not data.reason.strip():
        raise InputError(f"say why the dose was {data.status}", "reason")


def record_administration(patient: Patient, data: AdministrationInput, *, actor: Actor,
                          at: datetime) -> Recorded:  # fmt: skip
    """Record one MAR line as the core decides it. A given injection books the next one on the
    due day (Part A A5). The patient's row is locked first, so two nurses cannot both record the
    month's injection: the second sees the first and is refused as too early."""
    actor.require(Action.RECORD_ADMINISTRATION)
    _check_input(data, at)
    policy = active_policy()
    day = local_day(data.given_at)
    given = data.status == AdministrationStatus.GIVEN
    injection = data.formulation == Formulation.XR_INJECTION
    with transaction.atomic():
        lock_patient(patient)
        episode = active_episode(patient)
        if day < episode.start_date:
            raise InputError(f"is before the episode started ({episode.start_date})", "given_at")
        warnings: list[str] = []
        first, tier = False, ""
        decision: InjectionDecision | OralDecision | None = None
        dose: int | None
        reported = data.opioid_use_reported
        kit = None
        if injection:
            product, route, dose = INJECTION_PRODUCT, "intramuscular", INJECTION_DOSE_MG
            facts = injection_facts(
                patient, episode, day, opioid_use_reported=data.opioid_use_reported
            )
            reported = facts.opioid_use_reported
            kit = kit_for_dose(patient, data.kit_id, at=data.given_at) if given else None
            if kit is not None:  # lot and expiry as received; the kit is locked until commit
                data = replace(data, lot=kit.lot.lot, expiry=kit.lot.expiry)
            entry = InjectionEntry(
                data.site, data.needle, data.dose_mg, data.lot, data.expiry,
                data.reversal_agent_discussed,
            )  # fmt: skip
            decision = decide_injection(facts, entry if given else None, policy)
            if given:
                if decision.refusals:
                    raise DoseRefused(decision.refusals)
                # Prior authorization (issue 15): a unit of the active approval, or a warning or
                # refusal without one (clinical/authorization.py); rolled back with the dose.
                paid = take_authorized_unit(
                    patient, data.formulation, day, facts.override, actor=actor, at=at
                )
                if paid.refusals:
                    raise DoseRefused(paid.refusals)
                warnings = [w.message for w in decision.warnings + paid.warnings]
                first, tier = decision.first_dose, decision.tier
        else:
            product, route, dose = (
                (data.product.strip() or "naltrexone tablet"),
                "oral",
                data.dose_mg,
            )
            if given:
                decision = decide_oral_dose(oral_facts(episode, day), data.dose_mg, policy)
                if decision.refusals:
                    raise DoseRefused(decision.refusals)
                first, tier = decision.first_dose, decision.tier
        if warnings and not data.confirm_warnings:
            raise NeedsConfirmation(warnings)
        lifted = decision.overridden if decision and given else ()
        override = decision.override if decision and given else None
        screen = "" if not isinstance(decision, InjectionDecision) or decision.urine_screen_negative is None else (
            UrineScreenResult.NEGATIVE if decision.urine_screen_negative else UrineScreenResult.POSITIVE
        )  # fmt: skip
        admin = Administration.objects.create(
            patient=patient, episode=episode, given_at=data.given_at, given_on=day,
            formulation=data.formulation, product=product, dose_mg=dose if given else data.dose_mg,
            route=route, site=data.site if injection else Site.ORAL,
            needle=data.needle if injection else "", lot=data.lot.strip(), expiry=data.expiry, observed=data.observed,
            status=data.status, reason=data.reason.strip(), first_dose=first, late_tier=tier,
            warnings=warnings, reversal_agent_discussed=data.reversal_agent_discussed,
            reversal_agent_on_hand=data.reversal_agent_on_hand, recorded_by=actor.username,
            recorded_at=at, opioid_use_reported=reported,
            urine_screen=screen, overridden=[p.as_dict() for p in lifted],
            override_reason=override.reason if override else "",
            override_by=override.by if override else "", policy_version=policy.version,
        )  # fmt: skip
        if injection and kit is not None:
            dispense_kit(kit, admin.pk, actor=actor, at=at)  # in this transaction
        detail = f"{data.formulation} {data.status}"
        if override is not None:
            codes = ", ".join(p.code for p in lifted)
            detail += f"; override by {override.by} ({codes}): {override.reason}"
        record_by(
            actor, at, AuditAction.CREATE, "administration", admin.pk, patient_mrn=patient.mrn,
            detail=detail[:500],
        )  # fmt: skip
        booked, booking_message = None, ""
        if given and injection:
            _next_on, kept_through = visits_after_injection(day, policy)
            Appointment.objects.filter(
                patient=patient, kind=AppointmentKind.INJECTION, status=AppointmentStatus.BOOKED,
                on__lte=kept_through,
            ).update(status=AppointmentStatus.KEPT)  # fmt: skip
            # The next visit on the day the core picks from the clinic's calendar: the due day,
            # else the nearest open day of the window, never a closed day (clinical/calendar.py).
            placed = place_next_injection(
                patient, last_injection=day, today=day, policy=policy, booked_by=actor.username,
                at=at, note="booked by the MAR on recording the injection",
            )  # fmt: skip
            booked, booking_message = placed.appointment, placed.booking.message
            if booked is not None:
                record_by(actor, at, AuditAction.CREATE, "appointment", booked.pk,
                          patient_mrn=patient.mrn, detail=f"injection {booked.on} (next injection)")  # fmt: skip
    record_changed(patient, at=at)
    return Recorded(admin, booked, booking_message)


def authorize_injection_override(
    patient: Patient, *, on: date, reason: str, actor: Actor, at: datetime,
    formulation: str = Formulation.XR_INJECTION, dose_mg: int | None = None,
) -> InjectionOverride:  # fmt: skip
    """A prescriber's written override for the dose of `on` (today): it lifts the refusals the
    core marks overridable and nothing else. For an injection: before the earliest re-dose day, a
    positive screen in the late tiers, a first dose's missing or positive urine screen, no active
    order or an order for something else. For a tablet of `dose_mg`: no active order, a dose other
    than the active order gives today, a first tablet's missing or positive urine screen. The MAR
    then records the override on the administration (shown on the chart, audited)."""
    actor.require(Action.OVERRIDE_BLOCK)
    if not reason.strip():
        raise InputError("write the clinical reason for the override", "reason")
    if on != local_day(at):
        raise InputError("an override is written on the day of the dose", "on")
    if formulation not in (Formulation.XR_INJECTION, Formulation.ORAL):
        raise InputError("must be xr_injection or oral", "formulation")
    oral = formulation == Formulation.ORAL
    if oral and dose_mg is None:
        raise InputError("give the tablet dose (mg) the override allows", "dose_mg")
    with transaction.atomic():
        lock_patient(patient)
        episode = active_episode(patient)
        policy = active_policy()
        refusals: tuple[Problem, ...]
        if oral:
            facts = replace(oral_facts(episode, on), override=None)
            refusals = decide_oral_dose(facts, dose_mg, policy).refusals
        else:
            facts_i = injection_facts(patient, episode, on)
            refusals = decide_injection(replace(facts_i, override=None), None, policy).refusals
            refusals += dose_refusals(patient, formulation, on)  # no prior authorization
        # Only what the core marks overridable: for a tablet, no active order, a dose other than it
        # orders, and a first tablet's missing or positive urine screen (Part A A2); the tablet's
        # strength and the first-dose screening always stand.
        codes = sorted({r.code for r in refusals if r.code in OVERRIDABLE})
        if not codes:
            what = f"a {dose_mg} mg tablet" if oral else "an injection"
            raise InputError(
                f"nothing to override: the core refuses {what} today for no reason a prescriber "
                "may override",
                "dose_mg" if oral else "on",
            )
        row = InjectionOverride.objects.create(
            patient=patient, episode=episode, on=on, codes=codes, reason=reason.strip()[:500],
            authorized_by=actor.username, authorized_at=at,
        )  # fmt: skip
        what = f"{dose_mg} mg tablet" if oral else "injection"
        record_by(
            actor, at, AuditAction.CREATE, "injection_override", row.pk, patient_mrn=patient.mrn,
            detail=f"override for the {what} of {on} ({', '.join(codes)}): {reason.strip()}"[:500],
        )  # fmt: skip
    return row
