"""The MAR's clinical decisions: may this dose be given to this patient on this day, and what does
the core propose (side, needle, timing tier, urine screen)?

The treatment area gathers the facts from the record into the frozen values below, calls
`decide_injection` or `decide_oral_dose`, and stores and shows the decision: it never decides a
threshold, a date or a yes/no itself. A refusal is a refusal (the dose is not recorded); a refusal
marked `overridable` is one the reference leaves to a prescriber's clinical judgement, so a
prescriber's written override for that day lifts it. Warnings are for the nurse to read and
confirm.

Sources: Part A A4 (needles), A5 (regimens, late-injection tiers), A2 (urine screen), fact sheet
2.3 and 2.4 (VIVITROL label 2.1: 380 mg, alternate buttocks, the supplied 1.5-inch and 2-inch
administration needles only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .policy import Policy
from .protection import DoseDay, oral_dose_on
from .regimens import InjectionTier, InjectionTiming, injection_timing, regimens
from .vocab import Formulation, Side

# VIVITROL comes in one strength: 380 mg (fact sheet 2.3, "Only one strength"; Part A A5).
INJECTION_STRENGTHS_MG = (380,)
# Oral tablets are 50 mg, scored: a dose is a whole number of half tablets (fact sheet 2.1: 25 mg
# induction, 50 mg daily, 100 mg and 150 mg on the label's intermittent schedules).
ORAL_STEP_MG = 25


class Needle(StrEnum):
    """The administration needles in the carton (fact sheet 2.3; Part A A4). The carton's 1-inch
    needle is for preparing the suspension only: it is never an administration needle."""

    INCH_1_5 = "1.5in"
    INCH_2 = "2in"


PREPARATION_NEEDLE = "1in"


class FirstDoseGate(StrEnum):
    """What the latest signed screening of the episode said."""

    ALLOWED = "allowed"
    NOT_YET = "not_yet"
    CONTRAINDICATED = "contraindicated"


class Refusal(StrEnum):
    SITE = "site"
    NEEDLE_NOT_SUPPLIED = "needle_not_supplied"
    LOT_MISSING = "lot_missing"
    EXPIRY_MISSING = "expiry_missing"
    LOT_EXPIRED = "lot_expired"
    STRENGTH = "strength"
    ORAL_DOSE = "oral_dose"
    NO_SIGNED_SCREENING = "no_signed_screening"
    SCREENING_AFTER_DOSE = "screening_after_dose"
    SCREENING_TOO_OLD = "screening_too_old"
    SCREENING_CONTRAINDICATED = "screening_contraindicated"
    SCREENING_NOT_YET = "screening_not_yet"
    TOO_EARLY = "too_early"
    URINE_SCREEN_MISSING = "urine_screen_missing"
    URINE_SCREEN_POSITIVE = "urine_screen_positive"
    FIRST_DOSE_URINE_SCREEN_MISSING = "first_dose_urine_screen_missing"
    FIRST_DOSE_URINE_SCREEN_POSITIVE = "first_dose_urine_screen_positive"
    NO_ACTIVE_ORDER = "no_active_order"
    ORDER_MISMATCH = "order_mismatch"
    NO_PRIOR_AUTHORIZATION = "no_prior_authorization"  # clinical/authorization.py decides it


# Refusals the reference leaves to a prescriber's judgement (a written override lifts them):
# the earliest re-dose day is a local protocol, not a label number (disagreement register 5), and
# a positive screen in the late tiers "holds the injection and the prescriber decides" (Part A A5;
# fact sheet 2.4: "consult the provider or consider a naloxone challenge").
# An OUD first dose without a recent opioid-free urine screen on file is refused, and a prescriber
# may override it with a written reason (issue 12): the screen is the label's verification of
# abstinence (Part A A2), and TIP 63 2021 leaves a positive one to the prescriber's judgement.
# A dose with no active order, or other than the active order gives, is the prescriber's to allow
# (issue 12: "refused or needs the prescriber's override with a reason").
OVERRIDABLE = frozenset(
    {
        Refusal.TOO_EARLY,
        Refusal.URINE_SCREEN_POSITIVE,
        Refusal.FIRST_DOSE_URINE_SCREEN_MISSING,
        Refusal.FIRST_DOSE_URINE_SCREEN_POSITIVE,
        Refusal.NO_ACTIVE_ORDER,
        Refusal.ORDER_MISMATCH,
        # Who pays is not a clinical reason to withhold a dose: a prescriber may give it unpaid.
        Refusal.NO_PRIOR_AUTHORIZATION,
    }
)


# What each refusal means, for the generated rules document (a clinician reviews this table).
REFUSAL_RULES: dict[Refusal, str] = {
    Refusal.SITE: "Injection site other than the left or right gluteal muscle (label 2.1)",
    Refusal.NEEDLE_NOT_SUPPLIED: "A needle other than the supplied 1.5-inch or 2-inch "
    "administration needle; the 1-inch needle prepares the suspension only (label 2.1; Part A A4)",
    Refusal.LOT_MISSING: "No lot number",
    Refusal.EXPIRY_MISSING: "No lot expiry date",
    Refusal.LOT_EXPIRED: "The lot expired before the day of the dose",
    Refusal.STRENGTH: "An injection of a strength the product does not come in (380 mg only; fact "
    "sheet 2.3): refused, not credited",
    Refusal.ORAL_DOSE: "An oral dose that is not whole half-tablets of 50 mg, or above "
    "`oral_max_single_dose_mg` (fact sheet 2.1)",
    Refusal.NO_SIGNED_SCREENING: "A first dose (or a re-start in the re-screen tier) without a "
    "signed screening",
    Refusal.SCREENING_AFTER_DOSE: "The signed screening is dated after the dose",
    Refusal.SCREENING_TOO_OLD: "The signed screening is older than `uds_lookback_days` (Part A A2)",
    Refusal.SCREENING_CONTRAINDICATED: "The signed screening found a contraindication (only the "
    "screening's own override allows a first dose)",
    Refusal.SCREENING_NOT_YET: "The signed screening defers the first dose",
    Refusal.TOO_EARLY: "Before `injection_earliest_redose_day` after the last injection (Part A A5; "
    "disagreement register 5)",
    Refusal.URINE_SCREEN_MISSING: "A late tier that needs a urine screen (opioid use reported up to "
    "`late_uds_if_reported_until_day`; always up to `late_uds_required_until_day`) without one on "
    "the day or the day before (Part A A5)",
    Refusal.URINE_SCREEN_POSITIVE: "That urine screen is positive: the injection is held and the "
    "prescriber decides (Part A A5; fact sheet 2.4)",
    Refusal.FIRST_DOSE_URINE_SCREEN_MISSING: "OUD: a first dose (injection or tablet; or a re-start "
    "in the re-screen tier) with no urine drug screen dated the day or up to `uds_lookback_days` "
    "before (Part A A2; tablet label: abstinence verified by a urine test)",
    Refusal.FIRST_DOSE_URINE_SCREEN_POSITIVE: "OUD: the latest urine drug screen of that window is "
    "positive for an opioid (Part A A2; VIVITROL label section 4; TIP 63 2021 leaves it to the "
    "prescriber)",
    Refusal.NO_ACTIVE_ORDER: "A dose with no active signed order for the episode (a prescriber's "
    "written override for the day allows it)",
    Refusal.ORDER_MISMATCH: "A dose other than the active order gives: another formulation, "
    "another dose, a day the order's schedule has no tablet, or a day before the order was signed "
    "(a prescriber's written override for the day allows it)",
    Refusal.NO_PRIOR_AUTHORIZATION: "An injection (or an implant's insertion) with no active prior "
    "authorization for it when the clinic refuses one (`injection_without_prior_auth_refused`; else a warning); self-pay or a "
    "program pays without one (clinical/authorization.py; a prescriber's written override for the "
    "day allows it)",
}


class Caution(StrEnum):
    SAME_SIDE = "same_side"
    NEEDLE_HABITUS = "needle_habitus"
    REVERSAL_AGENT = "reversal_agent"
    LATE = "late"


@dataclass(frozen=True, slots=True)
class Problem:
    """A refusal or a warning: what, in words a nurse reads, and the field it is about."""

    code: str
    message: str
    field: str
    overridable: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "overridable": self.overridable,
        }


@dataclass(frozen=True, slots=True)
class SignedScreening:
    """The latest signed screening of the episode (none: None)."""

    as_of: date
    decision: FirstDoseGate
    earliest_start_date: date | None = None
    overridden: bool = False  # a prescriber signed it with a written override


@dataclass(frozen=True, slots=True)
class PriorInjection:
    date: date
    side: Side | None


@dataclass(frozen=True, slots=True)
class UrineScreen:
    date: date
    positive: bool


@dataclass(frozen=True, slots=True)
class Override:
    """A prescriber's written override for one day: the refusal codes it lifts."""

    codes: frozenset[str]
    reason: str
    by: str


FORMULATION_WORDS = {
    Formulation.ORAL: "tablets",
    Formulation.XR_INJECTION: "the injection",
    Formulation.IMPLANT: "an implant",
}


@dataclass(frozen=True, slots=True)
class ActiveOrder:
    """The episode's active signed order."""

    formulation: Formulation
    regimen: str
    dose_mg: int
    signed_on: date
    signed_by: str


@dataclass(frozen=True, slots=True)
class OrdersOnFile:
    """The orders the MAR checks a dose against: the active order, or None when the episode has
    none. (Facts without an OrdersOnFile are not checked against orders: the `schedule` command's
    what-if visits have no record.)"""

    active: ActiveOrder | None


def ordered_dose(order: ActiveOrder, on: date, policy: Policy) -> int | None:
    """The dose the active order gives on `on`, or None on a day it gives nothing (before it was
    signed; a day its tablet schedule has no dose). An injection or implant order gives its dose;
    tablets follow the order's schedule counted from the day it was signed (`oral_dose_on`, the
    same function the portal's Home and Doses pages read); a prescriber's own schedule gives the
    order's dose each day; targeted dosing its 50 mg."""
    if on < order.signed_on:
        return None
    if order.formulation is not Formulation.ORAL:
        return order.dose_mg
    day = oral_dose_on(order.regimen, order.signed_on, on, frozenset(), policy)
    if day.kind is DoseDay.NO_DOSE:
        return None
    return order.dose_mg if day.kind is DoseDay.AS_DIRECTED else day.mg


def order_refusal(
    orders: OrdersOnFile, formulation: Formulation, dose_mg: int | None, on: date, *,
    induction: bool, policy: Policy,
) -> Problem | None:  # fmt: skip
    """Does a dose of `dose_mg` of `formulation` on `on` match the active order? None: it does;
    else the refusal (overridable: the prescriber may allow it with a written reason). An OUD
    induction's first tablet may be the regimen's induction dose (Part A A5: 25 mg on day 1)."""
    order = orders.active
    if order is None:
        return Problem(
            Refusal.NO_ACTIVE_ORDER,
            "there is no active signed order: a prescriber signs one (Orders), or writes an "
            "override for today with the reason",
            "formulation",
            overridable=True,
        )
    reg = regimens()[order.regimen]
    signed = f"the active order ({reg.title}; {order.dose_mg} mg; signed by {order.signed_by} on "
    signed += f"{order.signed_on})"
    if order.formulation is not formulation:
        return Problem(
            Refusal.ORDER_MISMATCH,
            f"{signed} is for {FORMULATION_WORDS[order.formulation]}, not "
            f"{FORMULATION_WORDS[formulation]}",
            "formulation",
            overridable=True,
        )
    expected = ordered_dose(order, on, policy)
    if expected is None:
        why = "was signed after" if on < order.signed_on else "schedules no tablet on"
        return Problem(Refusal.ORDER_MISMATCH, f"{signed} {why} {on}", "given_at", overridable=True)
    allowed = {expected}
    first_mg = reg.induction_first_dose_mg
    if induction and first_mg is not None:
        allowed.add(first_mg)
    if dose_mg in allowed:
        return None
    return Problem(
        Refusal.ORDER_MISMATCH,
        f"{signed} gives {expected} mg on {on}, not {dose_mg} mg",
        "dose_mg",
        overridable=True,
    )


@dataclass(frozen=True, slots=True)
class InjectionFacts:
    """What the record says about a patient on `on`, for an injection that day."""

    on: date
    last_injection: PriorInjection | None  # the last injection given on or before `on`
    earlier_dose_in_episode: bool  # any dose (oral, injection, implant) given in this episode
    bmi: float | None
    screening: SignedScreening | None = None
    opioid_use_reported: bool = False  # at this visit (or a check-in on the day)
    urine_screens: tuple[UrineScreen, ...] = ()  # any dates: each rule picks its own window
    override: Override | None = None
    # The episode's indications include OUD: a first dose then needs a urine screen (Part A A2).
    # The treatment area always sets it from the episode.
    oud: bool = False
    orders: OrdersOnFile | None = None


@dataclass(frozen=True, slots=True)
class InjectionEntry:
    """What the nurse entered for a given injection."""

    side: str
    needle: str
    dose_mg: int | None
    lot: str
    expiry: date | None
    reversal_agent_discussed: bool


@dataclass(frozen=True, slots=True)
class InjectionDecision:
    on: date
    side: Side
    side_reason: str
    needle: Needle
    needle_reason: str
    needles_fitting: tuple[Needle, ...]
    bmi: float | None
    first_dose: bool
    tier: str  # an InjectionTier value, or "first_dose"
    timing_message: str
    timing_action: str
    may_give: bool  # on timing alone (the tier)
    earliest_on: date | None
    due_on: date | None
    overdue_from: date | None
    needs_first_dose_gate: bool
    urine_screen_required: bool
    urine_screen_negative: bool | None  # None: no screen on the day or the day before
    refusals: tuple[Problem, ...] = ()
    overridden: tuple[Problem, ...] = ()  # refusals lifted by the prescriber's override
    override: Override | None = None
    warnings: tuple[Problem, ...] = ()
    policy: str = ""

    @property
    def accepted(self) -> bool:
        return not self.refusals

    def as_dict(self) -> dict[str, object]:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "on": self.on.isoformat(),
            "side": self.side.value,
            "side_reason": self.side_reason,
            "needle": self.needle.value,
            "needle_reason": self.needle_reason,
            "needles_fitting": [n.value for n in self.needles_fitting],
            "bmi": self.bmi,
            "first_dose": self.first_dose,
            "tier": self.tier,
            "timing_message": self.timing_message,
            "timing_action": self.timing_action,
            "may_give": self.may_give,
            "earliest_on": iso(self.earliest_on),
            "due_on": iso(self.due_on),
            "overdue_from": iso(self.overdue_from),
            "needs_first_dose_gate": self.needs_first_dose_gate,
            "urine_screen_required": self.urine_screen_required,
            "urine_screen_negative": self.urine_screen_negative,
            "refusals": [p.as_dict() for p in self.refusals],
            "overridden": [p.as_dict() for p in self.overridden],
            "warnings": [p.as_dict() for p in self.warnings],
            "policy": self.policy,
        }


# --- the parts ---------------------------------------------------------------------------------


def needle_for(bmi: float | None, policy: Policy) -> tuple[Needle, str, tuple[Needle, ...]]:
    """The supplied administration needle by BMI (Part A A4; VIVITROL label 2.1): the proposal,
    why, and the needles that fit this habitus. Only the 1.5-inch and 2-inch needles."""
    both = (Needle.INCH_1_5, Needle.INCH_2)
    if bmi is None:
        return (
            Needle.INCH_2,
            "BMI not recorded: assess the habitus; the 2-inch needle reaches the muscle through "
            "more gluteal tissue",
            both,
        )
    if bmi >= policy.needle_2inch_bmi_min:
        return (
            Needle.INCH_2,
            f"BMI {bmi:g} is {policy.needle_2inch_bmi_min:g} or more: the 2-inch needle",
            (Needle.INCH_2,),
        )
    if bmi < policy.needle_1_5inch_bmi_below:
        return (
            Needle.INCH_1_5,
            f"BMI {bmi:g} is under {policy.needle_1_5inch_bmi_below:g}: the 1.5-inch needle "
            "(avoids the periosteum)",
            (Needle.INCH_1_5,),
        )
    return Needle.INCH_1_5, f"BMI {bmi:g}: either supplied needle fits", both


def first_dose_refusal(
    screening: SignedScreening | None, on: date, policy: Policy
) -> Problem | None:
    """May a first dose (or a re-start after the re-screen tier) be given on `on`? Only when the
    latest signed screening allows it. A screening counts from its own date through the urine-
    screen look-back (Part A A2): after that its facts are stale and the prescriber screens again."""
    if screening is None:
        return Problem(
            Refusal.NO_SIGNED_SCREENING,
            "no signed screening: a prescriber must screen and sign before the first dose",
            "screening",
        )
    last_day = screening.as_of + timedelta(days=policy.uds_lookback_days)
    if on < screening.as_of:
        return Problem(
            Refusal.SCREENING_AFTER_DOSE,
            f"the signed screening is dated {screening.as_of}, after this dose",
            "given_at",
        )
    if on > last_day:
        return Problem(
            Refusal.SCREENING_TOO_OLD,
            f"the last signed screening ({screening.as_of}) is too old for a first dose on {on} "
            f"(it counts through {last_day}); screen again",
            "screening",
        )
    if screening.overridden or screening.decision is FirstDoseGate.ALLOWED:
        return None
    if screening.decision is FirstDoseGate.CONTRAINDICATED:
        return Problem(
            Refusal.SCREENING_CONTRAINDICATED,
            f"the signed screening of {screening.as_of} found a contraindication; only a "
            "prescriber's override with a written reason allows a first dose",
            "screening",
        )
    when = (
        f"not before {screening.earliest_start_date}"
        if screening.earliest_start_date
        else "not until the deferral is cleared"
    )
    return Problem(
        Refusal.SCREENING_NOT_YET,
        f"not yet: the signed screening of {screening.as_of} defers the first dose ({when}); "
        "screen again on that day",
        "screening",
    )


def first_dose_urine_refusal(
    oud: bool, screens: tuple[UrineScreen, ...], on: date, policy: Policy
) -> Problem | None:
    """Part A A2: an OUD first dose needs an opioid-free urine drug screen dated `on` or up to
    `uds_lookback_days` before (the tablet label: self-reported abstinence verified by a urine
    test). The latest day's screens decide, so a repeat negative screen clears an earlier positive
    one. Refused without one, or when it is positive; a prescriber's written override lifts it."""
    if not oud:
        return None
    since = on - timedelta(days=policy.uds_lookback_days)
    counted = [s for s in screens if since <= s.date <= on]
    if not counted:
        return Problem(
            Refusal.FIRST_DOSE_URINE_SCREEN_MISSING,
            f"no urine drug screen on file from {since} to {on}: abstinence must be verified by "
            "an opioid-free urine screen before the first dose; record one, or a prescriber "
            "overrides with a written reason",
            "urine_screen",
            overridable=True,
        )
    latest = max(s.date for s in counted)
    if any(s.positive for s in counted if s.date == latest):
        return Problem(
            Refusal.FIRST_DOSE_URINE_SCREEN_POSITIVE,
            f"the urine drug screen of {latest} is positive: do not give the first dose; repeat "
            "the screen, or a prescriber overrides with a written reason",
            "urine_screen",
            overridable=True,
        )
    return None


def lifts(override: Override | None, problem: Problem) -> bool:
    """Does a prescriber's written override for the day lift this refusal? Only an overridable one
    it names, and only with a reason."""
    return (
        override is not None
        and bool(override.reason.strip())
        and problem.overridable
        and problem.code in override.codes
    )


def screen_result(screens: tuple[UrineScreen, ...], on: date) -> bool | None:
    """Negative (True), positive (False) or none (None): the urine screens of `on` and the day
    before (Part A A5: a point-of-care screen at the visit). Any positive one is positive."""
    counted = [s for s in screens if on - timedelta(days=1) <= s.date <= on]
    if not counted:
        return None
    return not any(s.positive for s in counted)


def urine_screen_required(tier: InjectionTier, opioid_use_reported: bool) -> bool:
    """Part A A5 late tiers: from the overdue day to the `late_uds_if_reported_until_day` a urine
    screen is needed only when opioid use is reported; in the next tier it is always needed."""
    if tier is InjectionTier.LATE_UDS_REQUIRED:
        return True
    return tier is InjectionTier.LATE and opioid_use_reported


# --- the decision --------------------------------------------------------------------------------


def decide_injection(
    facts: InjectionFacts, entry: InjectionEntry | None, policy: Policy
) -> InjectionDecision:
    """The MAR's decision for an injection on `facts.on`: the proposal, and for an `entry` (what
    the nurse recorded as given) its refusals and warnings. With `entry` None only the proposal
    and the refusals of the day itself (timing, screening, urine screen) are returned."""
    on = facts.on
    needle, needle_reason, fitting = needle_for(facts.bmi, policy)
    last = (
        facts.last_injection if facts.last_injection and facts.last_injection.date <= on else None
    )
    refusals: list[Problem] = []
    warnings: list[Problem] = []
    timing: InjectionTiming | None = None
    if last is None:
        side, side_reason = Side.LEFT, "first injection: either side"
        tier, message, action, may_give = (
            "first_dose",
            "First injection: the signed screening must allow a first dose today.",
            "",
            True,
        )
    else:
        timing = injection_timing(last.date, on, policy)
        side = last.side.other if last.side else Side.LEFT
        side_reason = (
            f"alternates from the {last.side.value} gluteal on {last.date}"
            if last.side
            else f"the side of the injection on {last.date} is not recorded: either side"
        )
        tier, message, action, may_give = (
            timing.tier.value,
            timing.message,
            timing.action,
            timing.may_give,
        )
    first = last is None or not facts.earlier_dose_in_episode
    gate = first or (timing is not None and timing.tier is InjectionTier.RESCREEN)
    required = False
    negative = screen_result(facts.urine_screens, on)
    if timing is not None and timing.tier is InjectionTier.TOO_EARLY:
        # Pharmacology, not paperwork: too early even when a new episode has just started.
        refusals.append(
            Problem(
                Refusal.TOO_EARLY, f"{timing.message} {timing.action}", "given_at", overridable=True
            )
        )
    if gate:
        tier = "first_dose" if first else InjectionTier.RESCREEN.value
        problem = first_dose_refusal(facts.screening, on, policy)
        if problem is not None:
            refusals.append(problem)
        urine = first_dose_urine_refusal(facts.oud, facts.urine_screens, on, policy)
        if urine is not None:
            refusals.append(urine)
    elif timing is not None:
        required = urine_screen_required(timing.tier, facts.opioid_use_reported)
        if required and negative is None:
            why = (
                "opioid use is reported at this late injection"
                if timing.tier is InjectionTier.LATE
                else "the injection is well overdue"
            )
            refusals.append(
                Problem(
                    Refusal.URINE_SCREEN_MISSING,
                    f"{timing.message} A urine drug screen is required first ({why}): record a "
                    "negative screen (today or yesterday).",
                    "urine_screen",
                )
            )
        elif required and negative is False:
            refusals.append(
                Problem(
                    Refusal.URINE_SCREEN_POSITIVE,
                    f"{timing.message} The urine drug screen is positive: the injection is held "
                    "and the prescriber decides (consult, or a naloxone challenge).",
                    "urine_screen",
                    overridable=True,
                )
            )
        if timing.tier is InjectionTier.LATE:
            warnings.append(Problem(Caution.LATE, f"{timing.message} {timing.action}", "given_at"))

    if facts.orders is not None:
        ordered = order_refusal(
            facts.orders, Formulation.XR_INJECTION, INJECTION_STRENGTHS_MG[0], on,
            induction=False, policy=policy,
        )  # fmt: skip
        if ordered is not None:
            refusals.append(ordered)
    if entry is not None:
        refusals[:0] = _entry_refusals(entry, on)
        if last is not None and last.side is not None and entry.side == last.side.value:
            warnings.append(
                Problem(
                    Caution.SAME_SIDE,
                    f"Same side as the last injection: {side_reason}; alternate sides.",
                    "site",
                )
            )
        if entry.needle in {n.value for n in Needle} and Needle(entry.needle) not in fitting:
            warnings.append(
                Problem(
                    Caution.NEEDLE_HABITUS,
                    f"Needle differs from the one proposed ({needle.value}: {needle_reason}).",
                    "needle",
                )
            )
        if not entry.reversal_agent_discussed:
            warnings.append(
                Problem(
                    Caution.REVERSAL_AGENT,
                    "An overdose reversal agent (naloxone) was not discussed at this injection.",
                    "reversal_agent_discussed",
                )
            )

    refusals, overridden = lift(refusals, facts.override)
    ov = facts.override
    return InjectionDecision(
        on=on,
        side=side,
        side_reason=side_reason,
        needle=needle,
        needle_reason=needle_reason,
        needles_fitting=fitting,
        bmi=facts.bmi,
        first_dose=first,
        tier=tier,
        timing_message=message,
        timing_action=action,
        may_give=may_give,
        earliest_on=timing.earliest_date if timing else None,
        due_on=timing.due_date if timing else None,
        overdue_from=timing.overdue_from if timing else None,
        needs_first_dose_gate=gate,
        urine_screen_required=required,
        urine_screen_negative=negative,
        refusals=tuple(refusals),
        overridden=tuple(overridden),
        override=ov if overridden else None,
        warnings=tuple(warnings),
        policy=policy.version,
    )


def lift(refusals: list[Problem], override: Override | None) -> tuple[list[Problem], list[Problem]]:
    """The refusals that stand, and those a prescriber's written override lifts (overridable
    ones whose code it names)."""
    lifted = [r for r in refusals if lifts(override, r)]
    return [r for r in refusals if r not in lifted], lifted


def _entry_refusals(entry: InjectionEntry, on: date) -> list[Problem]:
    out: list[Problem] = []
    if entry.side not in (Side.LEFT.value, Side.RIGHT.value):
        out.append(Problem(Refusal.SITE, "choose the left or right gluteal muscle", "site"))
    if entry.needle not in {n.value for n in Needle}:
        why = (
            "the 1-inch needle is for preparing the suspension only; inject with the 1.5-inch or "
            "2-inch supplied needle"
            if entry.needle == PREPARATION_NEEDLE
            else "choose one of the supplied needles (1.5-inch or 2-inch)"
        )
        out.append(Problem(Refusal.NEEDLE_NOT_SUPPLIED, why, "needle"))
    if not entry.lot.strip():
        out.append(Problem(Refusal.LOT_MISSING, "the lot number is required", "lot"))
    if entry.expiry is None:
        out.append(Problem(Refusal.EXPIRY_MISSING, "the expiry date is required", "expiry"))
    elif entry.expiry < on:
        out.append(
            Problem(
                Refusal.LOT_EXPIRED, f"this lot expired on {entry.expiry}: do not use it", "expiry"
            )
        )
    if entry.dose_mg is not None and entry.dose_mg not in INJECTION_STRENGTHS_MG:
        strengths = ", ".join(f"{s} mg" for s in INJECTION_STRENGTHS_MG)
        out.append(
            Problem(
                Refusal.STRENGTH,
                f"the injection comes only as {strengths}; a {entry.dose_mg} mg injection is "
                "refused, not credited",
                "dose_mg",
            )
        )
    return out


# --- oral doses ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OralFacts:
    on: date
    earlier_dose_in_episode: bool
    screening: SignedScreening | None = None
    orders: OrdersOnFile | None = None
    oud: bool = False  # an OUD indication (as InjectionFacts.oud); the first tablet may be 25 mg
    urine_screens: tuple[UrineScreen, ...] = ()
    override: Override | None = None  # a prescriber's written override for the day


@dataclass(frozen=True, slots=True)
class OralDecision:
    on: date
    first_dose: bool
    tier: str  # "first_dose" or ""
    refusals: tuple[Problem, ...]
    policy: str
    overridden: tuple[Problem, ...] = ()  # refusals lifted by the prescriber's override
    override: Override | None = None

    @property
    def accepted(self) -> bool:
        return not self.refusals


def oral_dose_refusal(dose_mg: int | None, policy: Policy) -> Problem | None:
    """A given oral dose: whole half-tablets of the 50 mg scored tablet, from 25 mg to the largest
    single dose of the label's schedules (fact sheet 2.1: 150 mg every third day)."""
    top = policy.oral_max_single_dose_mg
    if dose_mg is None or not ORAL_STEP_MG <= dose_mg <= top or dose_mg % ORAL_STEP_MG:
        return Problem(
            Refusal.ORAL_DOSE,
            f"an oral dose is {ORAL_STEP_MG}-{top} mg in steps of {ORAL_STEP_MG} mg (50 mg scored "
            "tablets)",
            "dose_mg",
        )
    return None


def decide_oral_dose(facts: OralFacts, dose_mg: int | None, policy: Policy) -> OralDecision:
    refusals: list[Problem] = []
    strength = oral_dose_refusal(dose_mg, policy)
    if strength is not None:
        refusals.append(strength)
    first = not facts.earlier_dose_in_episode
    if first:
        gate = first_dose_refusal(facts.screening, facts.on, policy)
        if gate is not None:
            refusals.append(gate)
        urine = first_dose_urine_refusal(facts.oud, facts.urine_screens, facts.on, policy)
        if urine is not None:
            refusals.append(urine)
    if facts.orders is not None and strength is None:
        ordered = order_refusal(
            facts.orders, Formulation.ORAL, dose_mg, facts.on, induction=first and facts.oud,
            policy=policy,
        )  # fmt: skip
        if ordered is not None:
            refusals.append(ordered)
    refusals, overridden = lift(refusals, facts.override)
    return OralDecision(
        facts.on, first, "first_dose" if first else "", tuple(refusals), policy.version,
        tuple(overridden), facts.override if overridden else None,
    )  # fmt: skip


# --- what a recorded dose books ------------------------------------------------------------------


def visits_after_injection(given_on: date, policy: Policy) -> tuple[date, date]:
    """After an injection given on `given_on`: the day of the next injection visit to book (the due
    day, Part A A5), and the last day of a booked injection visit that this injection keeps (a
    visit before the earliest re-dose day was for this injection)."""
    return (
        given_on + timedelta(days=policy.injection_interval_days),
        given_on + timedelta(days=policy.injection_earliest_redose_day - 1),
    )


def implant_covered_days(policy: Policy) -> int:
    """Days an implant inserted today is expected to cover (Part A A5: a clinic setting)."""
    return policy.implant_coverage_days


def visit_decision(
    last_injection: PriorInjection,
    on: date,
    policy: Policy,
    *,
    opioid_use_reported: bool = False,
    urine_screens: tuple[UrineScreen, ...] = (),
) -> InjectionDecision:
    """The late tiers decided for a visit of a patient already in treatment (the `schedule`
    command): timing, whether a urine screen is required and what it says, and what refuses an
    injection today. The re-screen tier is refused until a prescriber screens again."""
    facts = InjectionFacts(
        on=on,
        last_injection=last_injection,
        earlier_dose_in_episode=True,
        bmi=None,
        opioid_use_reported=opioid_use_reported,
        urine_screens=urine_screens,
    )
    return decide_injection(facts, None, policy)
