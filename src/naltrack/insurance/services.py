"""Insurance and prior authorization use cases (issue 15): record a coverage and a benefits
verification, record a prior authorization and move it through its statuses, read a patient's
insurance, and the MAR's check before an injection (a unit taken from the active approval in the
MAR's own transaction). The rules are the core's (clinical/authorization.py); every read and
write of a patient's record is audited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical import authorization as core
from naltrack.clinical.authorization import AuthStatus, CoverageKind, DoseAuthorization
from naltrack.clinical.errors import InputError, NotFoundError
from naltrack.clinical.mar import Override, Problem
from naltrack.clinical.vocab import Formulation
from naltrack.clock import local_day
from naltrack.patients.models import Patient
from naltrack.patients.services import lock_patient

from .models import (
    AuthorizationEvent,
    BenefitChoice,
    BenefitsVerification,
    Coverage,
    CoverageKindChoice,
    CoveredChoice,
    FormulationChoice,
    PriorAuthorization,
    RankChoice,
    SupplyChoice,
)


@dataclass(frozen=True, slots=True)
class CoverageInput:
    kind: str
    valid_from: date
    payer: str = ""
    plan: str = ""
    member_id: str = ""
    group: str = ""
    valid_to: date | None = None
    rank: str = RankChoice.PRIMARY


@dataclass(frozen=True, slots=True)
class BenefitsInput:
    covered: str
    formulation: str = FormulationChoice.XR_INJECTION
    benefit: str = ""
    supply: str = ""
    copay: Decimal | None = None
    copay_assistance: bool = False
    note: str = ""
    verified_on: date | None = None  # None: today


@dataclass(frozen=True, slots=True)
class PriorAuthInput:
    formulation: str
    submitted_on: date | None = None  # None: today
    payer: str = ""
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Transition:
    status: str
    on: date | None = None  # None: today
    reference: str = ""
    approved_units: int | None = None
    approved_from: date | None = None
    approved_to: date | None = None
    note: str = ""


def _choice(value: str, choices: Iterable[str], field: str) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise InputError(f"must be one of {', '.join(allowed)}", field)
    return value


def _text(value: str, limit: int, field: str) -> str:
    text = " ".join(value.split())
    if len(text) > limit:
        raise InputError(f"must be at most {limit} characters", field)
    return text


def core_coverage(row: Coverage) -> core.Coverage:
    return core.Coverage(CoverageKind(row.kind), row.valid_from, row.valid_to)


def core_authorization(row: PriorAuthorization) -> core.Authorization:
    return core.Authorization(
        row.formulation, AuthStatus(row.status), row.approved_units, row.units_used,
        row.approved_from, row.approved_to, row.pk,
    )  # fmt: skip


def record_coverage(
    patient: Patient, data: CoverageInput, *, actor: Actor, at: datetime
) -> Coverage:
    """Record who pays: insurance (payer, plan, member id, group), self-pay, or a program or
    grant, with the days it is valid and its rank. The intake's conversion calls this too."""
    actor.require(Action.MANAGE_INSURANCE)
    core.check_coverage(data.kind, data.member_id, data.valid_from, data.valid_to)
    _choice(data.rank, RankChoice.values, "rank")
    payer = _text(data.payer, 120, "payer")
    if data.kind == CoverageKind.INSURANCE and not payer:
        raise InputError("name the insurer", "payer")
    with transaction.atomic():
        lock_patient(patient)
        row = Coverage.objects.create(
            patient=patient, kind=data.kind, payer=payer, plan=_text(data.plan, 120, "plan"),
            member_id=_text(data.member_id, 60, "member_id"), group=_text(data.group, 60, "group"),
            valid_from=data.valid_from, valid_to=data.valid_to, rank=data.rank,
            recorded_by=actor.username, recorded_at=at,
        )  # fmt: skip
        record_by(actor, at, AuditAction.CREATE, "coverage", row.pk, patient_mrn=patient.mrn,
                  detail=f"{data.kind} {payer} {data.rank} from {data.valid_from}"[:500])  # fmt: skip
    return row


def record_benefits(
    patient: Patient, data: BenefitsInput, *, actor: Actor, at: datetime
) -> BenefitsVerification:
    """A benefits verification for the injection (or implant): covered or not, as a pharmacy or
    a medical benefit, through a specialty pharmacy or bought and billed, the copay."""
    actor.require(Action.MANAGE_INSURANCE)
    _choice(data.formulation, FormulationChoice.values, "formulation")
    _choice(data.covered, CoveredChoice.values, "covered")
    _choice(data.benefit, ["", *BenefitChoice.values], "benefit")
    _choice(data.supply, ["", *SupplyChoice.values], "supply")
    if data.copay is not None and data.copay < 0:
        raise InputError("cannot be negative", "copay")
    today = local_day(at)
    on = data.verified_on or today
    if on > today:
        raise InputError("is in the future", "verified_on")
    with transaction.atomic():
        lock_patient(patient)
        row = BenefitsVerification.objects.create(
            patient=patient, formulation=data.formulation, covered=data.covered,
            benefit=data.benefit, supply=data.supply, copay=data.copay,
            copay_assistance=data.copay_assistance, note=_text(data.note, 300, "note"),
            verified_on=on, verified_by=actor.username, verified_at=at,
        )  # fmt: skip
        record_by(actor, at, AuditAction.CREATE, "benefits_verification", row.pk,
                  patient_mrn=patient.mrn, detail=f"{data.formulation} covered={data.covered}")  # fmt: skip
    return row


def record_prior_auth(
    patient: Patient, data: PriorAuthInput, *, actor: Actor, at: datetime
) -> PriorAuthorization:
    """A prior authorization as submitted to the payer (then approved, denied, appealed)."""
    actor.require(Action.MANAGE_INSURANCE)
    _choice(data.formulation, FormulationChoice.values, "formulation")
    today = local_day(at)
    on = data.submitted_on or today
    if on > today:
        raise InputError("is in the future", "submitted_on")
    with transaction.atomic():
        lock_patient(patient)
        row = PriorAuthorization.objects.create(
            patient=patient, formulation=data.formulation, payer=_text(data.payer, 120, "payer"),
            status=AuthStatus.SUBMITTED, reference=_text(data.reference, 60, "reference"),
            submitted_on=on, recorded_by=actor.username, recorded_at=at,
        )  # fmt: skip
        AuthorizationEvent.objects.create(authorization=row, status=AuthStatus.SUBMITTED, on=on,
                                          by=actor.username, at=at)  # fmt: skip
        record_by(actor, at, AuditAction.CREATE, "prior_authorization", row.pk,
                  patient_mrn=patient.mrn, detail=f"{data.formulation} submitted {on}")  # fmt: skip
    return row


def change_prior_auth(
    patient: Patient, pk: int, data: Transition, *, actor: Actor, at: datetime
) -> PriorAuthorization:
    """Move a prior authorization on: the core says which status may follow which, and what an
    approval needs (units, dates)."""
    actor.require(Action.MANAGE_INSURANCE)
    try:
        new = AuthStatus(data.status)
    except ValueError:
        raise InputError("must be approved, denied or appealed", "status") from None
    today = local_day(at)
    on = data.on or today
    if on > today:
        raise InputError("is in the future", "on")
    with transaction.atomic():
        lock_patient(patient)
        row = PriorAuthorization.objects.select_for_update().filter(pk=pk, patient=patient).first()
        if row is None:
            raise NotFoundError("no prior authorization of this patient has this id", "id")
        core.check_transition(AuthStatus(row.status), new)
        if new == AuthStatus.APPROVED:
            core.check_approval(data.approved_units, data.approved_from, data.approved_to)
            assert data.approved_units is not None
            row.approved_units = data.approved_units
            row.approved_from, row.approved_to = data.approved_from, data.approved_to
        if data.reference.strip():
            row.reference = _text(data.reference, 60, "reference")
        row.status = new
        row.save()
        note = _text(data.note, 300, "note")
        AuthorizationEvent.objects.create(authorization=row, status=new, on=on, note=note,
                                          by=actor.username, at=at)  # fmt: skip
        detail = f"{row.formulation} {new} {on}"
        if new == AuthStatus.APPROVED:
            detail += f": {row.approved_units} units {row.approved_from}..{row.approved_to}"
        record_by(actor, at, AuditAction.UPDATE, "prior_authorization", row.pk,
                  patient_mrn=patient.mrn, detail=detail[:500])  # fmt: skip
    return row


@dataclass
class PatientInsurance:
    coverages: list[Coverage]
    benefits: list[BenefitsVerification]
    authorizations: list[PriorAuthorization]
    needs_prior_auth: bool
    active: PriorAuthorization | None  # the injection's active approval today


def _shown(rows: list[PriorAuthorization], on: date) -> list[PriorAuthorization]:
    for row in rows:
        pa = core_authorization(row)
        row.shown_status = core.shown_status(pa, on)  # type: ignore[attr-defined]
        row.units_left = core.units_left(pa)  # type: ignore[attr-defined]
    return rows


def patient_insurance(patient: Patient, *, actor: Actor, at: datetime) -> PatientInsurance:
    """A patient's coverages, benefits verifications and prior authorizations (audited read)."""
    actor.require(Action.VIEW_INSURANCE)
    on = local_day(at)
    coverages = list(patient.coverages.all())
    pas = _shown(list(patient.prior_authorizations.prefetch_related("events")), on)
    active = core.active_authorization(
        [core_authorization(r) for r in pas], Formulation.XR_INJECTION, on
    )
    record_by(actor, at, AuditAction.READ, "insurance", patient_mrn=patient.mrn)
    return PatientInsurance(
        coverages, list(patient.benefits.all()), pas,
        core.needs_prior_auth([core_coverage(c) for c in coverages], on),
        next((r for r in pas if active and r.pk == active.key), None),
    )  # fmt: skip


def coverage_words(patient: Patient, on: date) -> str | None:
    """Who pays, in a sentence, for the medication choice aid's cost cell: the coverages valid on
    `on` (primary first) and the latest benefits check of the injection; None: nothing on file."""
    rows = sorted(
        (c for c in patient.coverages.all() if core.coverage_valid(core_coverage(c), on)),
        key=lambda c: (c.rank != RankChoice.PRIMARY, c.pk),
    )
    if not rows:
        return None
    parts = []
    for c in rows:
        who = c.get_kind_display() if c.kind != CoverageKindChoice.INSURANCE else (
            " ".join(x for x in (c.payer, c.plan and f"({c.plan})") if x) or "Insurance"
        )  # fmt: skip
        parts.append(f"{who}, {c.get_rank_display().lower()}")
    words = "On file: " + "; ".join(parts) + "."
    check = (
        patient.benefits.filter(formulation=FormulationChoice.XR_INJECTION)
        .order_by("-verified_on", "-pk")
        .first()
    )
    if check is not None:
        how = f" ({check.get_benefit_display().lower()})" if check.benefit else ""
        copay = f", copay {check.copay}" if check.copay is not None else ""
        words += (
            f" Monthly injection benefits checked {check.verified_on.isoformat()}: "
            f"{check.get_covered_display().lower()}{how}{copay}."
        )
    return words


def mar_state(patient: Patient, on: date,
              formulation: str = Formulation.XR_INJECTION) -> dict[str, object]:  # fmt: skip
    """What the MAR page (or the implant page) shows of the formulation's authorization today: the
    core's answer for a dose given, or an implant inserted, now (the page's read is audited)."""
    coverages = [core_coverage(c) for c in patient.coverages.all()]
    rows = list(patient.prior_authorizations.all())
    decision = core.decide_dose_authorization(
        formulation, on, coverages, [core_authorization(r) for r in rows], active_policy()
    )
    active = decision.authorization
    return {
        "needed": core.needs_prior_auth(coverages, on),
        "active": next((r for r in rows if active and r.pk == active.key), None),
        "units_left": core.units_left(active) if active else 0,
        "refused": bool(decision.refusals),
        "implant": formulation == Formulation.IMPLANT,
    }


# ---- the MAR ------------------------------------------------------------------------------------


def _dose_decision(patient: Patient, formulation: str, on: date, override: Override | None,
                   *, lock: bool) -> tuple[DoseAuthorization, list[PriorAuthorization]]:  # fmt: skip
    rows = PriorAuthorization.objects.filter(patient=patient, formulation=formulation,
                                             status=AuthStatus.APPROVED)  # fmt: skip
    pas = list(rows.select_for_update() if lock else rows)
    coverages = [core_coverage(c) for c in Coverage.objects.filter(patient=patient)]
    decision = core.decide_dose_authorization(
        formulation, on, coverages, [core_authorization(r) for r in pas], active_policy(), override
    )
    return decision, pas


def take_authorized_unit(patient: Patient, formulation: str, on: date, override: Override | None,
                         *, actor: Actor, at: datetime) -> DoseAuthorization:  # fmt: skip
    """Inside the MAR's transaction, before a given dose is recorded: the core's answer, and when
    an approval is active, one of its units is used (its row locked; audited). The MAR raises the
    refusals and shows the warnings; any later refusal rolls the unit back with the dose."""
    decision, rows = _dose_decision(patient, formulation, on, override, lock=True)
    if decision.authorization is not None:
        row = next(r for r in rows if r.pk == decision.authorization.key)
        core.check_units_used(row.units_used + 1, row.approved_units)
        row.units_used += 1
        row.save(update_fields=["units_used"])
        record_by(actor, at, AuditAction.UPDATE, "prior_authorization", row.pk,
                  patient_mrn=patient.mrn,
                  detail=f"unit used by the {formulation} of {on}: {row.units_used} of {row.approved_units}")  # fmt: skip
    for lifted in decision.overridden:
        record_by(actor, at, AuditAction.UPDATE, "prior_authorization", "", patient_mrn=patient.mrn,
                  detail=f"{lifted.code} lifted by the prescriber's override of {on}")  # fmt: skip
    return decision


def dose_refusals(patient: Patient, formulation: str, on: date) -> tuple[Problem, ...]:
    """The refusals a prescriber's override could lift for a dose on `on` (the override form)."""
    return _dose_decision(patient, formulation, on, None, lock=False)[0].refusals


# ---- the coordinator's worklist and Today -------------------------------------------------------


@dataclass
class AuthWorklist:
    expiring: list[PriorAuthorization]
    due_without: list[tuple[Patient, date]]
    not_verified: list[Patient]

    @property
    def total(self) -> int:
        return len(self.expiring) + len(self.due_without) + len(self.not_verified)


def authorization_worklist(on: date, due: Mapping[Patient, date | None], *, actor: Actor,
                           at: datetime | None = None) -> AuthWorklist:  # fmt: skip
    """Approvals ending within the clinic's lead time; injections due within it with no active
    approval on their day; patients on the injection whose benefits are not verified. `due`: each
    patient on the injection and their next due day (the core's, as the care status holds it)."""
    actor.require(Action.VIEW_INSURANCE)
    policy = active_policy()
    approved = list(
        PriorAuthorization.objects.select_related("patient").filter(
            status=AuthStatus.APPROVED, approved_to__gte=on, approved_to__lte=core.lead_until(on, policy)
        ).order_by("approved_to", "id")
    )  # fmt: skip
    expiring = [r for r in approved if core.expiring_soon(core_authorization(r), on, policy)]
    ids = [p.pk for p in due]
    coverages: dict[int, list[core.Coverage]] = {i: [] for i in ids}
    for c in Coverage.objects.filter(patient_id__in=ids):
        coverages[c.patient_id].append(core_coverage(c))
    pas: dict[int, list[core.Authorization]] = {i: [] for i in ids}
    for r in PriorAuthorization.objects.filter(patient_id__in=ids, status=AuthStatus.APPROVED):
        pas[r.patient_id].append(core_authorization(r))
    due_without = sorted(
        ((p, d) for p, d in due.items() if d is not None
         and core.due_without_authorization(d, on, coverages[p.pk], pas[p.pk], policy)),
        key=lambda pd: (pd[1], pd[0].pk),
    )  # fmt: skip
    verified = set(
        BenefitsVerification.objects.filter(
            patient_id__in=ids, formulation=FormulationChoice.XR_INJECTION
        ).exclude(covered=CoveredChoice.UNKNOWN).values_list("patient_id", flat=True)
    )  # fmt: skip
    not_verified = sorted(
        (p for p in due if core.benefits_unverified(coverages[p.pk], p.pk in verified, on)),
        key=lambda p: p.pk,
    )
    out = AuthWorklist(expiring, due_without, not_verified)
    if at is not None:
        record_by(actor, at, AuditAction.READ, "insurance_worklist",
                  detail=f"{on}: expiring={len(expiring)} due_without={len(due_without)} "
                  f"not_verified={len(not_verified)}")  # fmt: skip
    return out


def today_section(
    on: date, due: Mapping[Patient, date | None], *, actor: Actor
) -> AuthWorklist | None:
    """Today's insurance section, for whoever handles prior authorizations (the coordinator):
    the same lists as the coordinator's worklist (None for other roles)."""
    if not actor.can(Action.MANAGE_INSURANCE):
        return None
    return authorization_worklist(on, due, actor=actor)
