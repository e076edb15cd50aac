"""Treatment use cases: plans (versioned), orders, the MAR (injections, oral doses), implants,
appointments and discontinuation. Each owns one transaction, writes its audit event, and
re-evaluates the patient's alerts."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.policy import DEFAULT_POLICY, Policy
from naltrack.clinical.regimens import InjectionTier, injection_timing, regimens
from naltrack.clinical.vocab import Formulation
from naltrack.monitoring.models import Observation, ObservationKind
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Episode, EpisodeStatus, Patient
from naltrack.patients.services import active_episode

from .gate import check_first_dose
from .models import (
    PSYCHOSOCIAL_COMPONENTS,
    Administration,
    AdministrationStatus,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    FormulationChoice,
    Implant,
    Needle,
    Order,
    OrderStatus,
    Site,
    TreatmentPlan,
)

INJECTION_PRODUCT = "naltrexone ER 380 mg (VIVITROL)"
INJECTION_DOSE_MG = 380  # VIVITROL label 2.2; Part A A5


# --- plans ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanInput:
    formulation: str
    regimen: str
    goals: str = ""
    psychosocial: tuple[str, ...] = ()
    triggers: str = ""
    warning_signs: str = ""
    coping_strategies: str = ""
    support_contacts: str = ""
    relapse_management: str = ""
    planned_duration_days: int = 180  # Part A A5 plan target; quality benchmark of 6 months
    discontinuation_plan: str = ""


MEDICATION_FIELDS = ("formulation", "regimen", "planned_duration_days")


def _validate_plan(data: PlanInput, episode: Episode) -> None:
    if data.formulation not in FormulationChoice.values:
        raise InputError(f"must be one of {', '.join(FormulationChoice.values)}", "formulation")
    regimen = regimens().get(data.regimen)
    if regimen is None:
        raise InputError("is not a known regimen", "regimen")
    if regimen.formulation.value != data.formulation:
        raise InputError(
            f"is a regimen for {regimen.formulation.value}, not {data.formulation}", "regimen"
        )
    if regimen.aud_only and episode.treats_oud:
        raise InputError("is for alcohol use disorder only, and this episode treats OUD", "regimen")
    known = {code for code, _ in PSYCHOSOCIAL_COMPONENTS}
    for item in data.psychosocial:
        if item not in known:
            raise InputError(f"{item!r} is not a psychosocial component", "psychosocial")
    if not 1 <= data.planned_duration_days <= 3650:
        raise InputError("must be between 1 and 3650 days", "planned_duration_days")


def change_plan(
    patient: Patient, data: PlanInput, *, reason: str, actor: Actor, at: datetime
) -> TreatmentPlan:
    """Write the next version of the episode's plan. The first version and every change need a
    reason; only a prescriber changes the medication (formulation, regimen, duration)."""
    actor.require(Action.EDIT_PLAN)
    if not reason.strip():
        raise InputError("say why the plan is written or changed", "reason")
    episode = active_episode(patient)
    _validate_plan(data, episode)
    with transaction.atomic():
        previous = (
            TreatmentPlan.objects.select_for_update()
            .filter(episode=episode)
            .order_by("-version")
            .first()
        )
        medication_changed = previous is None or any(
            getattr(previous, name) != getattr(data, name) for name in MEDICATION_FIELDS
        )
        if medication_changed:
            actor.require(Action.EDIT_PLAN_MEDICATION)
        values = {f.name: getattr(data, f.name) for f in fields(data)}
        values["psychosocial"] = list(data.psychosocial)
        try:
            plan = TreatmentPlan.objects.create(
                patient=patient, episode=episode, version=(previous.version + 1) if previous else 1,
                reason=reason.strip(), created_by=actor.username, created_at=at, **values,
            )  # fmt: skip
        except IntegrityError:
            raise ConflictError(
                "the plan was changed by someone else meanwhile; reload", "version"
            ) from None
        record_by(
            actor,
            at,
            AuditAction.CREATE if previous is None else AuditAction.UPDATE,
            "treatment_plan",
            plan.pk,
            patient_mrn=patient.mrn,
            detail=f"version {plan.version}: {plan.reason}",
        )
    record_changed(patient, at=at)
    return plan


# --- orders ---------------------------------------------------------------------------------


def sign_order(patient: Patient, *, formulation: str, regimen: str, dose_mg: int,
               instructions: str = "", actor: Actor, at: datetime) -> Order:  # fmt: skip
    actor.require(Action.SIGN_ORDER)
    episode = active_episode(patient)
    reg = regimens().get(regimen)
    if reg is None:
        raise InputError("is not a known regimen", "regimen")
    if reg.formulation.value != formulation:
        raise InputError(f"is a regimen for {reg.formulation.value}, not {formulation}", "regimen")
    if not 1 <= dose_mg <= 2000:
        raise InputError("must be between 1 and 2000 mg", "dose_mg")
    with transaction.atomic():
        Order.objects.filter(episode=episode, status=OrderStatus.ACTIVE).update(
            status=OrderStatus.STOPPED
        )
        order = Order.objects.create(
            patient=patient, episode=episode, formulation=formulation, regimen=regimen,
            dose_mg=dose_mg, instructions=instructions.strip(), signed_by=actor.username, signed_at=at,
        )  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "order",
            order.pk,
            patient_mrn=patient.mrn,
            detail=f"{regimen} {dose_mg} mg",
        )
    return order


# --- the MAR ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InjectionProposal:
    """What the MAR form proposes for an injection today, and why."""

    side: str
    side_reason: str
    needle: str
    needle_reason: str
    bmi: float | None
    first_dose: bool
    timing_message: str
    timing_action: str
    tier: str  # an InjectionTier value, or "first_dose"
    may_give: bool
    earliest_on: date | None
    due_on: date | None
    warnings: tuple[str, ...] = ()


def _latest_bmi(patient: Patient, on: date) -> float | None:
    row = (
        Observation.objects.filter(patient=patient, kind=ObservationKind.WEIGHT, observed_on__lte=on)
        .order_by("-observed_on", "-id").values_list("data", flat=True).first()
    )  # fmt: skip
    return float(row["bmi"]) if row and row.get("bmi") is not None else None


def needle_for(bmi: float | None, policy: Policy) -> tuple[str, str]:
    """The supplied needle by BMI (VIVITROL label 2.1; Part A A4)."""
    if bmi is None:
        return (
            Needle.LONG,
            "BMI not recorded: assess the habitus; the 2-inch needle is the safe default",
        )
    if bmi >= policy.needle_2inch_bmi_min:
        return Needle.LONG, f"BMI {bmi:g} is {policy.needle_2inch_bmi_min:g} or more"
    if bmi < policy.needle_1_5inch_bmi_below:
        return Needle.SHORT, f"BMI {bmi:g} is under {policy.needle_1_5inch_bmi_below:g}"
    return Needle.STANDARD, f"BMI {bmi:g}"


def _last_injection(patient: Patient) -> Administration | None:
    return (
        Administration.objects.filter(
            patient=patient, status=AdministrationStatus.GIVEN, formulation=Formulation.XR_INJECTION
        ).order_by("-given_on", "-given_at").first()
    )  # fmt: skip


def _any_dose_in(episode: Episode) -> bool:
    return (
        Administration.objects.filter(episode=episode, status=AdministrationStatus.GIVEN).exists()
        or Implant.objects.filter(episode=episode).exists()
    )


def propose_injection(
    patient: Patient, on: date, policy: Policy = DEFAULT_POLICY
) -> InjectionProposal:
    last = _last_injection(patient)
    bmi = _latest_bmi(patient, on)
    needle, needle_reason = needle_for(bmi, policy)
    if last is None or last.given_on > on:
        return InjectionProposal(
            Site.LEFT_GLUTEAL, "first injection: either side", needle, needle_reason, bmi, True,
            "First injection: the signed screening must allow a first dose today.", "",
            "first_dose", True, None, None,
        )  # fmt: skip
    side = Site.RIGHT_GLUTEAL if last.site == Site.LEFT_GLUTEAL else Site.LEFT_GLUTEAL
    timing = injection_timing(last.given_on, on, policy)
    return InjectionProposal(
        side, f"alternates from the {last.get_site_display().lower()} on {last.given_on}",
        needle, needle_reason, bmi, False, timing.message, timing.action, timing.tier.value,
        timing.may_give, timing.earliest_date, timing.due_date,
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
    reason: str = ""
    reversal_agent_discussed: bool = False
    reversal_agent_on_hand: bool = False
    confirm_warnings: bool = False  # the nurse has read the warnings and gives the dose anyway
    product: str = ""


class NeedsConfirmation(InputError):
    """The dose can be recorded only after the nurse confirms these warnings."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__(
            "confirm the warnings to record this dose: " + " ".join(warnings), "confirm_warnings"
        )
        self.warnings = warnings


@dataclass(frozen=True, slots=True)
class Recorded:
    administration: Administration
    next_appointment: Appointment | None


def _negative_uds_on(patient: Patient, day: date) -> bool:
    rows = Observation.objects.filter(
        patient=patient, kind=ObservationKind.URINE_SCREEN, observed_on__gte=day - timedelta(days=1),
        observed_on__lte=day,
    ).values_list("data", flat=True)  # fmt: skip
    return any(rows) and all("positive" not in r.get("results", {}).values() for r in rows)


def _check_injection(patient: Patient, episode: Episode, data: AdministrationInput, day: date,
                     policy: Policy) -> tuple[list[str], bool, str]:  # fmt: skip
    """Refusals raise; returns (warnings, first_dose, late tier)."""
    if data.site not in (Site.LEFT_GLUTEAL, Site.RIGHT_GLUTEAL):
        raise InputError("choose the left or right gluteal muscle", "site")
    if data.needle not in Needle.values:
        raise InputError("choose one of the supplied needles", "needle")
    if not data.lot.strip():
        raise InputError("the lot number is required", "lot")
    if data.expiry is None:
        raise InputError("the expiry date is required", "expiry")
    if data.expiry < day:
        raise InputError(f"this lot expired on {data.expiry}: do not use it", "expiry")
    if data.dose_mg not in (None, INJECTION_DOSE_MG):
        raise InputError(f"the injection is {INJECTION_DOSE_MG} mg", "dose_mg")
    proposal = propose_injection(patient, day, policy)
    warnings: list[str] = []
    tier = proposal.tier
    first = proposal.first_dose or not _any_dose_in(episode)
    if first or proposal.tier == InjectionTier.RESCREEN:
        check_first_dose(episode, day, policy)
        tier = "first_dose" if first else InjectionTier.RESCREEN.value
    elif proposal.tier == InjectionTier.TOO_EARLY:
        warnings.append(f"{proposal.timing_message} {proposal.timing_action}")
    elif proposal.tier == InjectionTier.LATE_UDS_REQUIRED and not _negative_uds_on(patient, day):
        raise InputError(
            f"{proposal.timing_message} Record a negative urine drug screen (today or yesterday) first.",
            "urine_screen",
        )
    elif proposal.tier == InjectionTier.LATE:
        warnings.append(f"{proposal.timing_message} {proposal.timing_action}")
    if not proposal.first_dose and data.site != proposal.side:
        warnings.append(
            f"Same side as the last injection: {proposal.side_reason}; alternate sides."
        )
    if data.needle != proposal.needle:
        warnings.append(
            f"Needle differs from the one proposed ({proposal.needle}: {proposal.needle_reason})."
        )
    if not data.reversal_agent_discussed:
        warnings.append(
            "An overdose reversal agent (naloxone) was not discussed at this injection."
        )
    return warnings, first, tier


def record_administration(patient: Patient, data: AdministrationInput, *, actor: Actor, at: datetime,
                          policy: Policy = DEFAULT_POLICY) -> Recorded:  # fmt: skip
    """Record one MAR line. A given injection books the next one on day 28 (Part A A5)."""
    actor.require(Action.RECORD_ADMINISTRATION)
    episode = active_episode(patient)
    day = data.given_at.date()
    if data.given_at > at:
        raise InputError("is in the future", "given_at")
    if day < episode.start_date:
        raise InputError(f"is before the episode started ({episode.start_date})", "given_at")
    if data.status not in AdministrationStatus.values:
        raise InputError(f"must be one of {', '.join(AdministrationStatus.values)}", "status")
    if data.formulation not in (Formulation.XR_INJECTION, Formulation.ORAL):
        raise InputError(
            "must be xr_injection or oral (implants are recorded as procedures)", "formulation"
        )
    given = data.status == AdministrationStatus.GIVEN
    if not given and not data.reason.strip():
        raise InputError(f"say why the dose was {data.status}", "reason")
    warnings: list[str] = []
    first, tier = False, ""
    dose: int | None
    if data.formulation == Formulation.XR_INJECTION:
        product, route, dose = INJECTION_PRODUCT, "intramuscular", INJECTION_DOSE_MG
        if given:
            warnings, first, tier = _check_injection(patient, episode, data, day, policy)
    else:
        product, route, dose = (data.product.strip() or "naltrexone tablet"), "oral", data.dose_mg
        if given:
            if dose is None or not 1 <= dose <= 350:
                raise InputError("an oral dose is 1-350 mg", "dose_mg")
            first = not _any_dose_in(episode)
            if first:
                check_first_dose(episode, day, policy)
                tier = "first_dose"
    if warnings and not data.confirm_warnings:
        raise NeedsConfirmation(warnings)
    with transaction.atomic():
        admin = Administration.objects.create(
            patient=patient, episode=episode, given_at=data.given_at, given_on=day,
            formulation=data.formulation, product=product, dose_mg=dose if given else data.dose_mg,
            route=route, site=data.site if data.formulation == Formulation.XR_INJECTION else Site.ORAL,
            needle=data.needle, lot=data.lot.strip(), expiry=data.expiry, observed=data.observed,
            status=data.status, reason=data.reason.strip(), first_dose=first, late_tier=tier,
            warnings=warnings, reversal_agent_discussed=data.reversal_agent_discussed,
            reversal_agent_on_hand=data.reversal_agent_on_hand, recorded_by=actor.username,
            recorded_at=at,
        )  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "administration",
            admin.pk,
            patient_mrn=patient.mrn,
            detail=f"{data.formulation} {data.status}",
        )
        booked = None
        if given and data.formulation == Formulation.XR_INJECTION:
            Appointment.objects.filter(
                patient=patient, kind=AppointmentKind.INJECTION, status=AppointmentStatus.BOOKED,
                on__lte=day + timedelta(days=policy.injection_earliest_redose_day - 1),
            ).update(status=AppointmentStatus.KEPT)  # fmt: skip
            booked = Appointment.objects.create(
                patient=patient, kind=AppointmentKind.INJECTION,
                on=day + timedelta(days=policy.injection_interval_days),
                note="booked by the MAR on recording the injection", booked_by=actor.username, booked_at=at,
            )  # fmt: skip
    record_changed(patient, at=at, policy=policy)
    return Recorded(admin, booked)


# --- implants -------------------------------------------------------------------------------


def insert_implant(patient: Patient, *, inserted_on: date, product: str, dose_mg: int, lot: str, site: str,
                   actor: Actor, at: datetime, policy: Policy = DEFAULT_POLICY) -> Implant:  # fmt: skip
    actor.require(Action.RECORD_IMPLANT)
    episode = active_episode(patient)
    if inserted_on > at.date():
        raise InputError("is in the future", "inserted_on")
    for name, value in (("product", product), ("lot", lot), ("site", site)):
        if not value.strip():
            raise InputError("is required", name)
    if not 1 <= dose_mg <= 5000:
        raise InputError("must be between 1 and 5000 mg", "dose_mg")
    if not _any_dose_in(episode):
        check_first_dose(episode, inserted_on, policy)
    with transaction.atomic():
        implant = Implant.objects.create(
            patient=patient, episode=episode, inserted_on=inserted_on, product=product.strip(),
            dose_mg=dose_mg, covered_days=policy.implant_coverage_days, lot=lot.strip(),
            site=site.strip(), inserted_by=actor.username,
        )  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "implant",
            implant.pk,
            patient_mrn=patient.mrn,
            detail="inserted",
        )
    record_changed(patient, at=at, policy=policy)
    return implant


def remove_implant(implant_id: int, *, removed_on: date, reason: str, actor: Actor, at: datetime,
                   of: Patient | None = None) -> Implant:  # fmt: skip
    """Record a removal; `of` (the patient a page shows) refuses another patient's implant."""
    actor.require(Action.RECORD_IMPLANT)
    if not reason.strip():
        raise InputError("is required", "reason")
    with transaction.atomic():
        implant = (
            Implant.objects.select_for_update()
            .select_related("patient")
            .filter(pk=implant_id, **({"patient": of} if of else {}))
            .first()
        )
        if implant is None:
            raise NotFoundError("no implant has this id", "implant")
        if implant.removed_on is not None:
            raise ConflictError("this implant was already removed", "implant")
        if not implant.inserted_on <= removed_on <= at.date():
            raise InputError("must be between the insertion and today", "removed_on")
        implant.removed_on, implant.removal_reason, implant.removed_by = (
            removed_on,
            reason.strip(),
            actor.username,
        )
        implant.save()
        record_by(
            actor,
            at,
            AuditAction.UPDATE,
            "implant",
            implant.pk,
            patient_mrn=implant.patient.mrn,
            detail="removed",
        )
    record_changed(implant.patient, at=at)
    return implant


# --- appointments ---------------------------------------------------------------------------


def book_appointment(patient: Patient, *, kind: str, on: date, note: str = "", actor: Actor,
                     at: datetime) -> Appointment:  # fmt: skip
    actor.require(Action.MANAGE_APPOINTMENTS)
    if kind not in AppointmentKind.values:
        raise InputError(f"must be one of {', '.join(AppointmentKind.values)}", "kind")
    if on < at.date():
        raise InputError("is in the past", "on")
    with transaction.atomic():
        appt = Appointment.objects.create(patient=patient, kind=kind, on=on, note=note.strip()[:500],
                                          booked_by=actor.username, booked_at=at)  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "appointment",
            appt.pk,
            patient_mrn=patient.mrn,
            detail=f"{kind} {on}",
        )
    record_changed(patient, at=at)
    return appt


def set_appointment_status(appointment_id: int, status: str, *, actor: Actor, at: datetime,
                           of: Patient | None = None) -> Appointment:  # fmt: skip
    """Mark a visit kept, missed or cancelled; `of` refuses another patient's appointment."""
    actor.require(Action.MANAGE_APPOINTMENTS)
    if status not in (
        AppointmentStatus.KEPT,
        AppointmentStatus.MISSED,
        AppointmentStatus.CANCELLED,
    ):
        raise InputError("must be kept, missed or cancelled", "status")
    with transaction.atomic():
        appt = (
            Appointment.objects.select_for_update()
            .select_related("patient")
            .filter(pk=appointment_id, **({"patient": of} if of else {}))
            .first()
        )
        if appt is None:
            raise NotFoundError("no appointment has this id", "appointment")
        if status in (AppointmentStatus.KEPT, AppointmentStatus.MISSED) and appt.on > at.date():
            raise InputError("an appointment in the future cannot be kept or missed yet", "status")
        appt.status = status
        appt.save(update_fields=["status"])
        record_by(
            actor,
            at,
            AuditAction.UPDATE,
            "appointment",
            appt.pk,
            patient_mrn=appt.patient.mrn,
            detail=status,
        )
    record_changed(appt.patient, at=at)
    return appt


# --- discontinuation ------------------------------------------------------------------------


def discontinue(patient: Patient, *, reason: str, on: date, lost_to_follow_up: bool = False,
                actor: Actor, at: datetime) -> Episode:  # fmt: skip
    """End the episode: record the reason, stop orders, cancel booked visits, and open the
    post-treatment overdose-risk alert (VIVITROL label 5.1; Part A A6)."""
    actor.require(Action.DISCONTINUE_TREATMENT)
    if not reason.strip():
        raise InputError("say why treatment stops", "reason")
    episode = active_episode(patient)
    if not episode.start_date <= on <= at.date():
        raise InputError("must be between the episode start and today", "on")
    with transaction.atomic():
        episode.status = (
            EpisodeStatus.LOST_TO_FOLLOW_UP if lost_to_follow_up else EpisodeStatus.DISCHARGED
        )
        episode.discharge_date, episode.discharge_reason = on, reason.strip()[:500]
        episode.save()
        Order.objects.filter(episode=episode, status=OrderStatus.ACTIVE).update(
            status=OrderStatus.STOPPED
        )
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.BOOKED, on__gte=on
        ).update(status=AppointmentStatus.CANCELLED)
        record_by(
            actor,
            at,
            AuditAction.UPDATE,
            "episode",
            episode.pk,
            patient_mrn=patient.mrn,
            detail=f"discontinued: {reason.strip()}",
        )
    record_changed(patient, at=at)
    return episode
