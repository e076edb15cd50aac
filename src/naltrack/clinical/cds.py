"""What naltrack tells another system's clinician at the moment they look at a patient or order a
medicine (issue 13, CDS Hooks): the advice on each card is decided here, from the same functions
the chart, the portal and the wallet card use (`protection_status`, the screening's decision,
`match_medication`), so an EHR is never told a date the chart does not show.

- patient-view: where the naltrexone blockade stands today (protection.py): blocking until a
  date, wearing off, worn off in treatment (an injection overdue: the overdose-risk window), or
  treatment stopped with tolerance lost until a date (Part A A5-A6; fact sheet 4.1). The card
  also says the patient is already treated with naltrexone, which an opioid-use-disorder rule of
  the EHR (the CDC Opioid CDS guide's "offer medication for OUD") would not know.
- order-select / order-sign of an opioid (an agonist analgesic, an antitussive or antidiarrheal
  opioid, a mixed agonist-antagonist, methadone or buprenorphine; the knowledge tables' classes,
  fact sheet 5): while the blockade is active or wearing off, a critical card: the opioid's
  effect will be blocked, emergency pain is managed with regional analgesia, non-opioid
  analgesics, conscious sedation or general anaesthesia, and opioids given to overcome the
  blockade need continuous monitoring in a setting equipped for resuscitation (fact sheet 4.3;
  VIVITROL label). Once it has worn off or treatment stopped: a warning that tolerance is lost
  and a usual dose can be an overdose (fact sheet 4.1; Part A A6). An order of methadone or
  buprenorphine to a dependent patient is the same card (fact sheet 5: contraindicated).
- order-select / order-sign of naltrexone: a patient already covered by naltrexone gets an info
  card (a duplicate); one not yet started gets the screening's decision: not eligible, or the
  earliest start date from the opioid-free interval, or no signed screening yet (Part A A1-A3).

Pure: the facts and the day are arguments; no clock, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .medications import (
    OPIOID_BLOCKING,
    OPIOID_REVIEW,
    DrugClass,
    match_medication,
)
from .protection import Protection, ProtectionStatus
from .vocab import Formulation

SUMMARY_MAX = 140  # CDS Hooks 2.0: a card's summary is under 140 characters


class Indicator(StrEnum):
    """CDS Hooks card indicators, least to most urgent."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class OrderKind(StrEnum):
    OPIOID = "opioid"  # its effect is blocked by naltrexone; after naltrexone, tolerance is lost
    NALTREXONE = "naltrexone"  # naltrexone alone (a combination with an opioid is an opioid)
    OTHER = "other"


OPIOID_CLASSES = OPIOID_BLOCKING | OPIOID_REVIEW


def classify_order(text: str, rxnorm: str | None = None) -> OrderKind:
    """An order's medicine, by its RxNorm code when the knowledge tables know it, else by its
    name (the same matching as the chart's medication list)."""
    found = match_medication(text, rxnorm)
    if found.classes & OPIOID_CLASSES:
        return OrderKind.OPIOID
    if DrugClass.NALTREXONE_CONTAINING in found.classes and found.ingredients == ("naltrexone",):
        return OrderKind.NALTREXONE
    return OrderKind.OTHER


@dataclass(frozen=True, slots=True)
class Advice:
    """One card's content: what the EHR shows, and where it comes from."""

    indicator: Indicator
    summary: str
    detail: str
    source: str  # the clinical reference's sections the advice rests on
    kind: str  # what it is about (for the tests and the feedback): blockade, opioid_order, ...
    # The days the advice holds, for a flag that shows it (FHIR Flag.period): from `start`, until
    # `until` (None: until something changes, such as the next dose).
    start: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if len(self.summary) >= SUMMARY_MAX:
            raise ValueError(f"a card's summary is under {SUMMARY_MAX} characters: {self.summary}")


FORMULATION_WORDS = {
    Formulation.XR_INJECTION: "the monthly naltrexone injection (XR-naltrexone 380 mg)",
    Formulation.ORAL: "naltrexone tablets",
    Formulation.IMPLANT: "a naltrexone implant",
}
PAIN_OPTIONS = (
    "For pain, use regional analgesia, non-opioid analgesics, conscious sedation with a "
    "benzodiazepine or general anaesthesia. If opioids must be given to overcome the blockade, "
    "higher doses than usual may be needed, and the patient must be monitored continuously by "
    "trained staff in a setting equipped for resuscitation."
)
PAIN_SOURCE = "fact sheet 4.3 (VIVITROL label, emergency pain management); fact sheet 5 (opioids)"
TOLERANCE_SOURCE = "Part A A6; fact sheet 4.1 (overdose after the blockade ends or treatment stops)"
BLOCKADE_SOURCE = "Part A A5-A6; fact sheet 2.1, 4.1 (blockade duration)"


def _d(day: date | None) -> str:
    return day.isoformat() if day else "an unknown day"


def _what(status: ProtectionStatus) -> str:
    """The last dose's formulation in words (every card that names it follows a dose)."""
    return FORMULATION_WORDS[status.formulation] if status.formulation else "naltrexone"


def patient_view(status: ProtectionStatus) -> Advice | None:
    """The naltrexone status card for a patient's chart in another system (None: nothing to say,
    no dose yet or the patient died)."""
    level, what = status.level, _what(status)
    treated = (
        f"Already treated for a substance use disorder with {what} at this program (last dose "
        f"{_d(status.last_dose)}): a rule that would offer medication for opioid use disorder "
        "does not apply."
    )
    if level is Protection.BLOCKED:
        return Advice(Indicator.WARNING, f"Naltrexone blocks opioids until about {_d(status.blockade_until)}",
                      f"{treated} Opioid analgesics will not work until then. {PAIN_OPTIONS}",
                      BLOCKADE_SOURCE, "blockade", status.last_dose, status.blockade_until)  # fmt: skip
    if level is Protection.WANING:
        return Advice(Indicator.WARNING, f"Naltrexone blockade wearing off; blocks opioids until about {_d(status.blockade_until)}",
                      f"{treated} The next dose is due; as the blockade wears off, opioid use "
                      f"can overdose. {PAIN_OPTIONS}", BLOCKADE_SOURCE, "blockade",
                      status.last_dose, status.blockade_until)  # fmt: skip
    if level is Protection.ENDED:
        return Advice(Indicator.CRITICAL, "Naltrexone has worn off: dose overdue, high opioid overdose risk",
                      f"{treated} No naltrexone covers today (cover ended {_d(status.blockade_until)}). "
                      "Tolerance to opioids is lost: a dose the patient once used can be fatal. "
                      "Check for naloxone on hand and contact the program.", TOLERANCE_SOURCE,
                      "overdue", status.blockade_until)  # fmt: skip
    if (
        level is Protection.STOPPED
        and status.risk_until is not None
        and status.on <= status.risk_until
    ):
        return Advice(Indicator.WARNING, f"Stopped naltrexone: opioid overdose risk until about {_d(status.risk_until)}",
                      f"Treated with {what} at this program until {_d(status.last_dose)}; the "
                      "blockade has ended and tolerance to opioids is lost: a usual dose can be "
                      "an overdose. Offer naloxone.", TOLERANCE_SOURCE, "stopped",
                      status.last_dose, status.risk_until)  # fmt: skip
    return None


def opioid_order(status: ProtectionStatus, medicine: str) -> Advice | None:
    """An opioid ordered for a patient of the program."""
    level = status.level
    if level in (Protection.BLOCKED, Protection.WANING):
        return Advice(Indicator.CRITICAL, f"Naltrexone will block {medicine[:40]} until about {_d(status.blockade_until)}",
                      f"The patient receives {_what(status)} (last dose {_d(status.last_dose)}): "
                      f"the opioid's effect is blocked, and in a patient still dependent on opioids "
                      f"naltrexone and an opioid together are contraindicated. {PAIN_OPTIONS}",
                      PAIN_SOURCE, "opioid_order")  # fmt: skip
    if level is Protection.ENDED or (
        level is Protection.STOPPED
        and status.risk_until is not None
        and status.on <= status.risk_until
    ):
        return Advice(Indicator.WARNING, f"Opioid after naltrexone: tolerance lost, overdose risk with {medicine[:40]}",
                      f"The naltrexone blockade ended about {_d(status.blockade_until)}. After "
                      "naltrexone the patient may respond to lower opioid doses than before: "
                      "start low, monitor, and co-prescribe naloxone.", TOLERANCE_SOURCE,
                      "opioid_order")  # fmt: skip
    return None


@dataclass(frozen=True, slots=True)
class StartFacts:
    """A naltrexone order's facts: the program's latest signed screening for the patient's next
    first dose (None: none signed), its decision and earliest start date."""

    screened_on: date | None
    decision: str | None  # eligible | needs_review | not_yet | contraindicated (the contract)
    earliest_start: date | None


def naltrexone_order(status: ProtectionStatus, start: StartFacts, on: date) -> Advice | None:
    """Naltrexone ordered for a patient of the program."""
    if status.blocked_today:
        return Advice(Indicator.INFO, f"Already on naltrexone at this program until about {_d(status.blockade_until)}",
                      f"The patient receives {_what(status)} (last dose {_d(status.last_dose)}) "
                      "from the program: a second order would duplicate it.", BLOCKADE_SOURCE,
                      "duplicate")  # fmt: skip
    if start.decision is None:
        return Advice(Indicator.WARNING, "Naltrexone start: no signed opioid-free screening at the program",
                      "Starting naltrexone before the opioid-free interval is complete precipitates "
                      "withdrawal. The program has no signed screening for this start.",
                      "Part A A1-A3", "start")  # fmt: skip
    if start.decision == "contraindicated":
        return Advice(Indicator.CRITICAL, f"Naltrexone start: contraindicated at the program's screening of {_d(start.screened_on)}",
                      "The program's screening found a contraindication to naltrexone (for "
                      "example current opioid analgesics or acute hepatitis).", "Part A A3-A4",
                      "start")  # fmt: skip
    if start.decision == "not_yet" or (
        start.earliest_start is not None and start.earliest_start > on
    ):
        return Advice(Indicator.CRITICAL, f"Naltrexone start: opioid-free interval not complete; earliest {_d(start.earliest_start)}",
                      f"The program's screening of {_d(start.screened_on)} gives {_d(start.earliest_start)} "
                      "as the earliest start day; a start before it precipitates withdrawal.",
                      "Part A A1-A2", "start")  # fmt: skip
    if start.decision == "needs_review":
        return Advice(Indicator.WARNING, f"Naltrexone start: the program's screening of {_d(start.screened_on)} needs review",
                      "A finding of the screening needs a prescriber's review before the start.",
                      "Part A A1-A3", "start")  # fmt: skip
    return None
