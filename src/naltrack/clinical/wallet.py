"""What the wallet card and the procedures letter say (issue 11), decided from the patient's facts
and the clinic's policy: pure, with `on` (today) and the policy as arguments.

The core decides *which* statements apply and their dates and numbers; each statement is a code
with its parameters and its source in shared/clinical-reference.md. The words (English and
Spanish) live with the pages that show them (naltrack.card.wording), so that a translation can
never change a date or a number, and the card, its phone page, its verification page and the
letter cannot disagree.

Where the reference gives no answer (how long before surgery an implant matters, non-opioid
anaesthetic drugs, dental work as such), the letter says that the reference is silent and that
the prescriber decides, rather than inventing a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType

from .errors import InputError
from .policy import DEFAULT_POLICY, Policy
from .vocab import Formulation

# Sources (fact sheet sections of shared/clinical-reference.md Part B, and Part A).
SRC_CARD = "Fact sheet 4.4 (labels: carry medication-alert documentation; card names the drug, formulation, last dose and expected blockade end)"  # fmt: skip
SRC_XR_BLOCKADE = "Fact sheet 4.1 and 7.2 (VIVITROL label 5.1: blockade about 28 days); Part A A5 (coverage credited 28 days)"  # fmt: skip
SRC_XR_DUE = "Part A A5 (injection every 28 days; due day 28)"
SRC_ORAL_BLOCKADE = "Fact sheet 7.1 (tablet label: 50 mg blocks 24 h, 100 mg 48 h, 150 mg 72 h)"
SRC_IMPLANT = "Part A A5 and fact sheet 2.5 (implant off-label; its coverage is a clinic setting, 90 days by default)"  # fmt: skip
SRC_OPIOIDS_BLOCKED = "Fact sheet 1.1, 1.6 and 5 (labels: opioid analgesics contraindicated; naltrexone blocks their analgesia)"  # fmt: skip
SRC_EMERGENCY_PAIN = "Fact sheet 4.3 (VIVITROL label: regional analgesia, conscious sedation with a benzodiazepine, non-opioid analgesics, general anaesthesia; opioids only at higher doses with continuous monitoring in a setting equipped for CPR; TIP 28 the same for tablets)"  # fmt: skip
SRC_TOLERANCE = "Fact sheet 4.1 (VIVITROL label 5.1: lost tolerance, fatal overdose after the blockade wanes) and 3 (ASAM 2015: start opioids at low doses after naltrexone)"  # fmt: skip
SRC_STOP = "Part A A6; fact sheet 1.6 (ASAM 2015, TIP 28: stop tablets 72 hours and the injection 30 days before elective surgery)"  # fmt: skip
SRC_STOP_HOLD = "Part A A5-A6 and fact sheet 1.6, 4.1 (an injection held before surgery leaves the patient without the blockade: the high-risk time for fatal overdose)"  # fmt: skip
SRC_STOP_DISAGREE = "Disagreement register 9 (other perioperative sources: tablets 3-4 days, injection 24-30 days)"  # fmt: skip
SRC_RESTART = "Fact sheet 1.6 and disagreement register 9 (TIP 28: 3-5 opioid-free days before restarting tablets; label logic: 7-10 days)"  # fmt: skip
SRC_SEDATIVES = "Fact sheet 5 (naltrexone does not protect against overdose of sedatives: benzodiazepines, alcohol, gabapentinoids)"  # fmt: skip
SRC_SILENT = "Not in shared/clinical-reference.md: the reference gives no answer here"

# A card for tablets states no dose date, so it has no natural end; it is reissued after this
# many days (a product choice so that a scanned old card shows as expired, not a clinical number).
ORAL_CARD_VALID_DAYS = 90


class Say(StrEnum):
    """The statements a card or a letter can make (the wording lives in naltrack.card.wording)."""

    TAKES_NALTREXONE = "takes_naltrexone"
    FORMULATION = "formulation"
    LAST_INJECTION = "last_injection"
    BLOCKS_UNTIL = "blocks_until"
    NEXT_INJECTION_DUE = "next_injection_due"
    NEXT_INJECTION_BOOKED = "next_injection_booked"
    ORAL_BLOCKADE = "oral_blockade"
    IMPLANT_INSERTED = "implant_inserted"
    OPIOIDS_BLOCKED = "opioids_blocked"
    EMERGENCY_PAIN_OPTIONS = "emergency_pain_options"
    IF_OPIOIDS_NEEDED = "if_opioids_needed"
    LOW_TOLERANCE = "low_tolerance"
    # the procedures letter
    STOP_TABLETS_BEFORE = "stop_tablets_before"
    LAST_TABLET_BY = "last_tablet_by"
    TABLETS_TOO_CLOSE = "tablets_too_close"
    STOP_INJECTION_BEFORE = "stop_injection_before"
    LAST_INJECTION_TOO_CLOSE = "last_injection_too_close"
    LAST_INJECTION_CLEAR = "last_injection_clear"
    LAST_INJECTION_BY = "last_injection_by"
    NO_INJECTION_BEFORE = "no_injection_before"
    HOLD_NEXT_INJECTION = "hold_next_injection"
    IMPLANT_SILENT = "implant_silent"
    STOP_TIMES_DISAGREE = "stop_times_disagree"
    RESTART_AFTER_OPIOIDS = "restart_after_opioids"
    START_OPIOIDS_LOW = "start_opioids_low"
    SEDATIVES_NOT_BLOCKED = "sedatives_not_blocked"
    ANAESTHETIC_DRUGS_SILENT = "anaesthetic_drugs_silent"
    DENTAL_SILENT = "dental_silent"


@dataclass(frozen=True, slots=True)
class Statement:
    say: Say
    source: str
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def as_dict(self) -> dict[str, object]:
        return {
            "say": self.say.value,
            "params": {
                k: v.isoformat() if isinstance(v, date) else v for k, v in self.params.items()
            },
            "source": self.source,
        }


def _s(say: Say, source: str, **params: object) -> Statement:
    return Statement(say, source, MappingProxyType(dict(params)))


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What the clinic knows, gathered by the caller: the current plan's formulation, the last dose
    given (an injection, a tablet, or an implant's insertion), and the next booked injection."""

    formulation: Formulation | None
    last_dose_on: date | None = None
    last_dose_mg: float | None = None  # tablets: the usual dose
    implant_covered_days: int | None = None  # an implant product's own coverage
    implant_removed_on: date | None = None
    next_injection_booked: date | None = None
    treatment_stopped: bool = False


class NoCard(StrEnum):
    """Why no card is made: a card must never state a protection the patient does not have."""

    NO_TREATMENT = "no_treatment"  # no plan with a naltrexone formulation
    TREATMENT_STOPPED = "treatment_stopped"
    NO_DOSE_YET = "no_dose_yet"  # an injection or implant not given yet
    BLOCKADE_ENDED = "blockade_ended"  # the last injection's or implant's cover has run out
    IMPLANT_REMOVED = "implant_removed"


@dataclass(frozen=True, slots=True)
class WalletCard:
    issued_on: date
    formulation: Formulation
    valid_until: date  # the verification page expires after this day
    statements: tuple[Statement, ...]
    policy: str
    last_dose_on: date | None = None
    blocks_until: date | None = None  # the last day the blockade is expected to last (about)
    next_due: date | None = None

    def says(self, what: Say) -> Statement | None:
        return next((s for s in self.statements if s.say is what), None)


@dataclass(frozen=True, slots=True)
class CardDecision:
    card: WalletCard | None
    refused: NoCard | None = None


def _cover_days(facts: CardFacts, policy: Policy) -> int:
    if facts.formulation is Formulation.IMPLANT:
        return facts.implant_covered_days or policy.implant_coverage_days
    return policy.injection_covered_days


def _oral_blockade(facts: CardFacts, policy: Policy) -> Statement:
    """How long the usual tablet blocks: 50 mg about 24 h, 100 mg 48 h, 150 mg 72 h (fact sheet
    7.1), 24 h per `oral_mg_per_covered_day` and never less than a day."""
    mg = int(facts.last_dose_mg or policy.oral_mg_per_covered_day)
    hours = 24 * max(1, mg // policy.oral_mg_per_covered_day)
    return _s(Say.ORAL_BLOCKADE, SRC_ORAL_BLOCKADE, dose_mg=mg, hours=hours)


def wallet_card(facts: CardFacts, on: date, policy: Policy = DEFAULT_POLICY) -> CardDecision:
    """The wallet card for `on`, or why none is made (fact sheet 4.4)."""
    form = facts.formulation
    if form is None:
        return CardDecision(None, NoCard.NO_TREATMENT)
    if facts.treatment_stopped:
        return CardDecision(None, NoCard.TREATMENT_STOPPED)
    out = [
        _s(Say.TAKES_NALTREXONE, SRC_CARD),
        _s(Say.FORMULATION, SRC_CARD, formulation=form.value),
    ]
    last = (
        facts.last_dose_on if facts.last_dose_on is not None and facts.last_dose_on <= on else None
    )
    blocks_until: date | None = None
    next_due: date | None = None
    if form is Formulation.ORAL:
        out.append(_oral_blockade(facts, policy))
        valid_until = on + timedelta(days=ORAL_CARD_VALID_DAYS)
    else:
        if last is None:
            return CardDecision(None, NoCard.NO_DOSE_YET)
        removed = facts.implant_removed_on
        if form is Formulation.IMPLANT and removed is not None and removed <= on:
            return CardDecision(None, NoCard.IMPLANT_REMOVED)
        blocks_until = last + timedelta(days=_cover_days(facts, policy) - 1)
        if blocks_until < on:
            return CardDecision(None, NoCard.BLOCKADE_ENDED)
        valid_until = blocks_until
        if form is Formulation.XR_INJECTION:
            next_due = last + timedelta(days=policy.injection_interval_days)
            out.append(_s(Say.LAST_INJECTION, SRC_CARD, on=last))
            out.append(_s(Say.BLOCKS_UNTIL, SRC_XR_BLOCKADE, until=blocks_until))
            out.append(_s(Say.NEXT_INJECTION_DUE, SRC_XR_DUE, due=next_due))
            booked = facts.next_injection_booked
            if booked is not None and booked >= on and booked > last:
                out.append(_s(Say.NEXT_INJECTION_BOOKED, SRC_XR_DUE, on=booked))
        else:
            out.append(_s(Say.IMPLANT_INSERTED, SRC_IMPLANT, on=last))
            out.append(_s(Say.BLOCKS_UNTIL, SRC_IMPLANT, until=blocks_until))
    out += [
        _s(Say.OPIOIDS_BLOCKED, SRC_OPIOIDS_BLOCKED),
        _s(Say.EMERGENCY_PAIN_OPTIONS, SRC_EMERGENCY_PAIN),
        _s(Say.IF_OPIOIDS_NEEDED, SRC_EMERGENCY_PAIN),
        _s(Say.LOW_TOLERANCE, SRC_TOLERANCE),
    ]
    card = WalletCard(
        issued_on=on, formulation=form, valid_until=valid_until, statements=tuple(out),
        policy=policy.version, last_dose_on=last, blocks_until=blocks_until, next_due=next_due,
    )  # fmt: skip
    return CardDecision(card)


# --- the procedures letter --------------------------------------------------------------------


class ProcedureKind(StrEnum):
    SURGERY = "surgery"
    DENTAL = "dental"


@dataclass(frozen=True, slots=True)
class ProcedureLetter:
    written_on: date
    formulation: Formulation
    kind: ProcedureKind
    procedure_on: date | None
    statements: tuple[Statement, ...]
    policy: str

    def says(self, what: Say) -> Statement | None:
        return next((s for s in self.statements if s.say is what), None)


def procedure_letter(
    facts: CardFacts,
    on: date,
    policy: Policy = DEFAULT_POLICY,
    *,
    kind: ProcedureKind = ProcedureKind.SURGERY,
    procedure_on: date | None = None,
) -> ProcedureLetter | NoCard:
    """The letter for a surgeon or dentist: when to stop tablets or how long an injection blocks,
    what that means for pain relief and anaesthesia, and restarting (fact sheet 1.6, 4.3, A6)."""
    if procedure_on is not None and procedure_on < on:
        raise InputError(
            "is before today: a letter is for a procedure still to come", "procedure_on"
        )
    form = facts.formulation
    if form is None:
        return NoCard.NO_TREATMENT
    if facts.treatment_stopped:
        return NoCard.TREATMENT_STOPPED
    last = (
        facts.last_dose_on if facts.last_dose_on is not None and facts.last_dose_on <= on else None
    )
    out = [
        _s(Say.TAKES_NALTREXONE, SRC_CARD),
        _s(Say.FORMULATION, SRC_CARD, formulation=form.value),
    ]
    stop_days_oral = policy.surgery_window_days_oral
    stop_days_xr = policy.surgery_window_days_xr_injection
    if form is Formulation.ORAL:
        out.append(_oral_blockade(facts, policy))
        out.append(_s(Say.STOP_TABLETS_BEFORE, SRC_STOP, hours=stop_days_oral * 24))
        if procedure_on is not None:
            by = procedure_on - timedelta(days=stop_days_oral)
            if by >= on:
                out.append(_s(Say.LAST_TABLET_BY, SRC_STOP, by=by, procedure=procedure_on))
            else:
                out.append(_s(Say.TABLETS_TOO_CLOSE, SRC_STOP, procedure=procedure_on, hours=stop_days_oral * 24))  # fmt: skip
    elif form is Formulation.XR_INJECTION:
        blocks = policy.injection_covered_days
        if last is not None:
            out.append(_s(Say.LAST_INJECTION, SRC_CARD, on=last))
            out.append(_s(Say.BLOCKS_UNTIL, SRC_XR_BLOCKADE, until=last + timedelta(days=blocks - 1)))  # fmt: skip
        out.append(_s(Say.STOP_INJECTION_BEFORE, SRC_STOP, days=stop_days_xr, blocks_days=blocks))
        if procedure_on is not None:
            latest = procedure_on - timedelta(days=stop_days_xr)
            if last is not None:
                gap = (procedure_on - last).days
                if 0 <= gap < stop_days_xr:
                    out.append(_s(Say.LAST_INJECTION_TOO_CLOSE, SRC_STOP, last=last, procedure=procedure_on, days=gap, needed=stop_days_xr))  # fmt: skip
                elif gap >= stop_days_xr:
                    out.append(_s(Say.LAST_INJECTION_CLEAR, SRC_STOP, last=last, procedure=procedure_on, days=gap))  # fmt: skip
            # Any injection must be at least `stop_days_xr` days before the procedure.
            if latest >= on:
                out.append(_s(Say.LAST_INJECTION_BY, SRC_STOP, by=latest, procedure=procedure_on))
                # The next injection due inside those days is held: the patient goes without
                # the blockade from when it wanes until after the procedure (fact sheet 4.1).
                # (Here the procedure is at least `stop_days_xr` days after the last injection,
                # so the next due day is always before it.)
                due = last + timedelta(days=policy.injection_interval_days) if last else None
                if due is not None and latest < due:
                    out.append(_s(Say.HOLD_NEXT_INJECTION, SRC_STOP_HOLD, due=due, procedure=procedure_on))  # fmt: skip
            else:
                out.append(_s(Say.NO_INJECTION_BEFORE, SRC_STOP, procedure=procedure_on))
    else:
        if last is not None:
            until = last + timedelta(days=_cover_days(facts, policy) - 1)
            out.append(_s(Say.IMPLANT_INSERTED, SRC_IMPLANT, on=last))
            out.append(_s(Say.BLOCKS_UNTIL, SRC_IMPLANT, until=until))
        out.append(_s(Say.IMPLANT_SILENT, SRC_SILENT))
    if form is not Formulation.IMPLANT:
        out.append(_s(Say.STOP_TIMES_DISAGREE, SRC_STOP_DISAGREE))
    out += [
        _s(Say.OPIOIDS_BLOCKED, SRC_OPIOIDS_BLOCKED),
        _s(Say.EMERGENCY_PAIN_OPTIONS, SRC_EMERGENCY_PAIN),
        _s(Say.IF_OPIOIDS_NEEDED, SRC_EMERGENCY_PAIN),
        _s(Say.ANAESTHETIC_DRUGS_SILENT, SRC_SILENT),
        _s(Say.SEDATIVES_NOT_BLOCKED, SRC_SEDATIVES),
        _s(Say.START_OPIOIDS_LOW, SRC_TOLERANCE),
        _s(Say.RESTART_AFTER_OPIOIDS, SRC_RESTART),
    ]
    if kind is ProcedureKind.DENTAL:
        out.append(_s(Say.DENTAL_SILENT, SRC_SILENT))
    return ProcedureLetter(on, form, kind, procedure_on, tuple(out), policy.version)
