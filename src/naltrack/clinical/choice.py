"""The medication choice aid (shared decision, issue 15): for this patient, what each medication
means on the points a patient weighs, with the source of every statement.

Facts about the patient come in as `ChoiceFacts` (the screening facts the record holds, the last
screening's answer, what the record knows of coverage); the cautions come from the screening
rules themselves (`screen`, run once per naltrexone form), so the aid cannot disagree with the
screening. Where clinical-reference.md is silent (most of buprenorphine, methadone, acamprosate and
disulfiram), a cell says so instead of inventing: `NOT_COVERED`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .findings import Code, Severity
from .medications import DrugClass, match_medication
from .policy import DEFAULT_POLICY, Policy
from .screening import KIND_WORDS, screen
from .screening_facts import ScreeningFacts
from .vocab import Formulation, Indication, OpioidKind


class Option(StrEnum):
    NALTREXONE_TABLET = "naltrexone_tablet"
    NALTREXONE_INJECTION = "naltrexone_injection"
    NALTREXONE_IMPLANT = "naltrexone_implant"
    BUPRENORPHINE = "buprenorphine"
    METHADONE = "methadone"
    ACAMPROSATE = "acamprosate"
    DISULFIRAM = "disulfiram"


class Topic(StrEnum):
    OPIOID_FREE_FIRST = "opioid_free_first"
    VISITS = "visits"
    OVERDOSE = "overdose"
    PAIN = "pain"
    PREGNANCY = "pregnancy"
    LIVER = "liver"
    WORK_TRAVEL = "work_travel"
    COST = "cost"


TOPIC_TITLES = {
    Topic.OPIOID_FREE_FIRST: "Needs to be opioid-free first",
    Topic.VISITS: "How often visits are",
    Topic.OVERDOSE: "Overdose protection and tolerance",
    Topic.PAIN: "Pain management",
    Topic.PREGNANCY: "Pregnancy",
    Topic.LIVER: "Liver",
    Topic.WORK_TRAVEL: "Work and travel",
    Topic.COST: "Cost and coverage",
}
OPTION_TITLES = {
    Option.NALTREXONE_TABLET: "Naltrexone tablet",
    Option.NALTREXONE_INJECTION: "Naltrexone monthly injection",
    Option.NALTREXONE_IMPLANT: "Naltrexone implant",
    Option.BUPRENORPHINE: "Buprenorphine",
    Option.METHADONE: "Methadone",
    Option.ACAMPROSATE: "Acamprosate",
    Option.DISULFIRAM: "Disulfiram",
}
# The naltrexone forms, each screened as that formulation.
FORMULATION_OF = {
    Option.NALTREXONE_TABLET: Formulation.ORAL,
    Option.NALTREXONE_INJECTION: Formulation.XR_INJECTION,
    Option.NALTREXONE_IMPLANT: Formulation.IMPLANT,
}
# Choosing one of these means a referral out to a program that provides it (issue 15).
REFERRAL_OPTIONS = frozenset({Option.BUPRENORPHINE, Option.METHADONE})

NOT_COVERED = "The clinical reference does not cover this; ask the program."
REFERENCE_SILENT = "reference silent"
# Buprenorphine products that are depots (knowledge/products.csv): no interval, always review.
DEPOT_PRODUCTS = frozenset({"sublocade", "brixadi", "probuphine"})
COVERAGE_SOURCE = "the patient's record"
NO_COVERAGE = "naltrack holds no coverage record for this patient: ask the program."

# The screening findings that bear on the choice, shown as cautions on the naltrexone columns.
CAUTION_CODES = frozenset({
    Code.OPIOID_FREE_INTERVAL, Code.LAST_OPIOID_USE_UNKNOWN, Code.OPIOID_MEDICATION,
    Code.OPIOID_ANALGESIA_NEEDED, Code.SURGERY_PLANNED, Code.LIVER_DISEASE, Code.LFT_ELEVATED,
    Code.PREGNANCY, Code.INTERACTION, Code.ACTIVE_DRINKING,
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class LastScreening:
    """The patient's latest stored screening: its day, formulation, decision and earliest start."""

    as_of: date
    formulation: Formulation
    decision: str
    earliest_start: date | None


@dataclass(frozen=True, slots=True)
class ChoiceFacts:
    """What the record holds: the screening facts (formulation is ignored: every form is
    screened), the latest screening if any, and the coverage known (None: naltrack has none)."""

    screening: ScreeningFacts
    last_screening: LastScreening | None = None
    coverage: str | None = None


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    source: str


@dataclass(frozen=True, slots=True)
class Caution:
    code: str
    severity: str
    text: str
    source: str


@dataclass(frozen=True, slots=True)
class Column:
    option: Option
    title: str
    cells: tuple[tuple[Topic, Cell], ...]
    cautions: tuple[Caution, ...]
    referral_out: bool

    def cell(self, topic: Topic) -> Cell:
        return dict(self.cells)[topic]


@dataclass(frozen=True, slots=True)
class OpioidFree:
    """The opioid-free interval naltrexone needs for this patient (Part A A1)."""

    kind: str
    last_use: date
    days: int
    first_day: date
    review_until: date | None  # None: always review (depot)
    days_left: int


@dataclass(frozen=True, slots=True)
class ChoiceAid:
    indications: frozenset[Indication]
    columns: tuple[Column, ...]
    opioid_free: OpioidFree | None
    policy: str
    # The numbers the patient version words (from the policy, so no page reads a threshold):
    # days between injections, an implant's days, and the opioid-free days short-acting..unknown.
    injection_every_days: int = 28
    implant_every_days: int = 90
    free_days_range: tuple[int, int] = (7, 10)

    def column(self, option: Option) -> Column:
        return next(c for c in self.columns if c.option is option)


# The facts the rules document shows the table for: OUD and AUD, nothing else known.
GENERIC_FACTS = ScreeningFacts(
    as_of=date(2026, 1, 1),
    indications=frozenset({Indication.OUD, Indication.AUD}),
    formulation=Formulation.ORAL,
)


def options_for(indications: frozenset[Indication], policy: Policy) -> tuple[Option, ...]:
    """OUD: naltrexone (the implant only where the clinic offers it), buprenorphine, methadone.
    AUD: naltrexone tablet and injection, acamprosate, disulfiram (fact sheet 2.1-2.3, 5)."""
    out: list[Option] = []
    if Indication.OUD in indications:
        implant = [Option.NALTREXONE_IMPLANT] if policy.choice_offers_implant else []
        out = [Option.NALTREXONE_TABLET, Option.NALTREXONE_INJECTION, *implant,
               Option.BUPRENORPHINE, Option.METHADONE]  # fmt: skip
    if Indication.AUD in indications:
        out += [o for o in (Option.NALTREXONE_TABLET, Option.NALTREXONE_INJECTION) if o not in out]
        out += [Option.ACAMPROSATE, Option.DISULFIRAM]
    return tuple(out)


def opioid_free(f: ScreeningFacts, policy: Policy) -> OpioidFree | None:
    """Days of no opioids naltrexone needs after this patient's last use (policy.interval_for)."""
    lou = f.last_opioid_use
    if lou is None:
        return None
    rule = policy.interval_for(lou.kind)
    first = lou.date + timedelta(days=rule.deferral_days)
    until = None if rule.review_days is None else lou.date + timedelta(days=rule.review_days)
    return OpioidFree(
        KIND_WORDS[lou.kind], lou.date, rule.deferral_days, first, until,
        max(0, (first - f.as_of).days),
    )  # fmt: skip


def maintenance(f: ScreeningFacts) -> OpioidKind | None:
    """Methadone or buprenorphine among the current medications (opioid maintenance, Part A A3)."""
    for entry in f.medications:
        m = match_medication(entry.name, entry.rxnorm)
        if DrugClass.OPIOID_MAINTENANCE in m.classes:
            if "methadone" in m.ingredients:
                return OpioidKind.METHADONE
            depot = any(w in DEPOT_PRODUCTS for w in entry.name.lower().split())
            return OpioidKind.BUPRENORPHINE_DEPOT if depot else OpioidKind.BUPRENORPHINE
    return None


def _d(day: date) -> str:
    return day.isoformat()


def _opioid_free_text(facts: ChoiceFacts, free: OpioidFree | None, oud: bool, p: Policy) -> str:
    kind = maintenance(facts.screening)
    if kind is not None:
        rule = p.interval_for(kind)
        review = (
            "a specialist decides the timing" if rule.review_days is None
            else f"a clinician's review until day {rule.review_days}"
        )  # fmt: skip
        text = (
            f"Yes: on {KIND_WORDS[kind]} now; naltrexone needs {rule.deferral_days} days "
            f"without opioids after its last dose ({review})."
        )
    elif free is None:
        text = (
            "Yes: 7 to 10 or more days without opioids, by the kind last used; the date of last "
            "opioid use is not recorded, so the days for this patient are not known yet."
            if oud
            else "No opioid use is recorded; for alcohol, not drinking at the first injection "
            "(3-7 days of abstinence, TIP 28)."
        )
    else:
        if free.review_until is None:
            review = " A depot's effect lasts weeks to months: a specialist decides the timing."
        elif free.review_until > free.first_day:
            review = f" Until {_d(free.review_until)} a naloxone challenge or a clinician's review."
        else:
            review = ""
        left = f" ({free.days_left} days from today)" if free.days_left else " (already met)"
        text = (
            f"Yes: {free.days} days without opioids after the last {free.kind} use "
            f"({_d(free.last_use)}); earliest first dose {_d(free.first_day)}{left}.{review}"
        )
    last = facts.last_screening
    if last is not None:
        start = f", earliest start {_d(last.earliest_start)}" if last.earliest_start else ""
        text += (
            f" Last screening {_d(last.as_of)} ({last.formulation.value}): "
            f"{last.decision.replace('_', ' ')}{start}."
        )
    return text


def _cells(option: Option, facts: ChoiceFacts, free: OpioidFree | None, p: Policy) -> dict[Topic, Cell]:  # fmt: skip
    oud = Indication.OUD in facts.screening.indications
    coverage = Cell(facts.coverage, COVERAGE_SOURCE) if facts.coverage else Cell(NO_COVERAGE, COVERAGE_SOURCE)  # fmt: skip
    silent = Cell(NOT_COVERED, REFERENCE_SILENT)
    free_cell = Cell(_opioid_free_text(facts, free, oud, p), "Part A A1; fact sheet 1.2, 1.12")
    card = "carry a medication-alert card (fact sheet 4.4)"
    if option is Option.NALTREXONE_TABLET:
        cells = {
            Topic.VISITS: Cell(
                "A tablet a day (50 mg) at home, or supervised three times a week (100/100/150 mg); for OUD, ASAM advises tablets only in limited circumstances such as supervised dosing.",
                "Part A A5; fact sheet 2.1, disagreement 21",
            ),
            Topic.OVERDOSE: Cell(
                "A 50 mg tablet blocks opioids for about 24 hours. After a missed dose or stopping, tolerance is lost and the risk of a fatal overdose is high.",
                "fact sheet 2.1, 4.1; Part A A6",
            ),
            Topic.PAIN: Cell(
                f"Blocks opioid pain medicines. Stop {p.surgery_window_days_oral} days (72 hours) before planned surgery; emergency pain: regional anaesthesia, non-opioid medicines.",
                "Part A A4, A6; fact sheet 1.6, 4.3",
            ),
            Topic.LIVER: Cell(
                "Not to be used with acute hepatitis or liver failure (tablet label); liver tests at baseline.",
                "Part A A3; fact sheet 1.7",
            ),
            Topic.WORK_TRAVEL: Cell(
                f"No clinic visit for a dose taken at home; tablets travel with you; {card}.",
                "fact sheet 2.1, 4.4",
            ),
        }
    elif option is Option.NALTREXONE_INJECTION:
        cells = {
            Topic.VISITS: Cell(
                f"One clinic visit every {p.injection_interval_days} days for the injection (given by a nurse; earliest day {p.injection_earliest_redose_day}).",
                "Part A A5; fact sheet 2.3",
            ),
            Topic.OVERDOSE: Cell(
                "Blocks opioids for about 28 days. At the end of the month, after a missed injection or after stopping, tolerance is lost and the risk of a fatal overdose is high.",
                "fact sheet 4.1; Part A A6",
            ),
            Topic.PAIN: Cell(
                f"Blocks opioid pain medicines for the month. Stop {p.surgery_window_days_xr_injection} days before planned surgery; emergency pain: regional anaesthesia, non-opioid medicines, monitored care.",
                "Part A A4, A6; fact sheet 1.6, 4.3",
            ),
            Topic.LIVER: Cell(
                "Liver disease is a warning, not a bar (removed from the injection label in 2013): a clinician weighs it; liver tests at baseline.",
                "Part A A3; fact sheet 1.1, 1.7",
            ),
            Topic.WORK_TRAVEL: Cell(
                f"Plan trips around the monthly due day; {card}.", "Part A A5; fact sheet 2.3, 4.4"
            ),
        }
    elif option is Option.NALTREXONE_IMPLANT:
        cells = {
            Topic.VISITS: Cell(
                f"A small procedure; replaced about every {p.implant_coverage_days} days. Off-label, not approved in the US.",
                "Part A A5; fact sheet 2.5",
            ),
            Topic.OVERDOSE: Cell(
                "Blocks opioids for months; as the implant runs out, or after removal, tolerance is lost and the overdose risk is high.",
                "fact sheet 2.5, 4.1; Part A A6",
            ),
            Topic.PAIN: Cell(
                f"Blocks opioid pain medicines while it lasts; planned surgery within {p.surgery_window_days_implant} days needs a clinician's review.",
                "Part A A4; fact sheet 1.6, 4.3",
            ),
            Topic.LIVER: Cell(
                "Liver disease needs a clinician's review (as for the injection); liver tests at baseline.",
                "Part A A3; fact sheet 1.7",
            ),
            Topic.WORK_TRAVEL: Cell(
                f"Few visits once in place; {card}.", "Part A A5; fact sheet 2.5, 4.4"
            ),
        }
        coverage = Cell(f"{coverage.text} Some payers consider implants experimental (Aetna CPB 0878).", "fact sheet 2.5; " + coverage.source)  # fmt: skip
    elif option in REFERRAL_OPTIONS:
        cells = {
            Topic.PAIN: silent, Topic.LIVER: silent, Topic.WORK_TRAVEL: silent,
            Topic.VISITS: Cell("Provided by a buprenorphine or methadone program (a referral out); how often: ask the program.", REFERENCE_SILENT),
            Topic.OVERDOSE: silent,
        }  # fmt: skip
        free_cell = Cell(
            "The clinical reference does not cover starting it. Coming from naltrexone: wait about 1 day after a tablet and about 30 days after the injection, then start at a low dose.",
            "fact sheet 3 (ASAM 2015)",
        )
    else:  # acamprosate, disulfiram: the reference names them only as interactions
        free_cell = silent
        cells = {t: silent for t in (Topic.VISITS, Topic.OVERDOSE, Topic.PAIN, Topic.WORK_TRAVEL)}
        cells[Topic.LIVER] = (
            Cell("With naltrexone: two potentially liver-toxic drugs together are not ordinarily recommended.", "Part A A4; fact sheet 5")
            if option is Option.DISULFIRAM
            else silent
        )  # fmt: skip
    cells[Topic.OPIOID_FREE_FIRST] = free_cell
    cells[Topic.PREGNANCY] = _pregnancy_cell(option, oud)
    cells[Topic.COST] = coverage
    return cells


def _pregnancy_cell(option: Option, oud: bool) -> Cell:
    if option in FORMULATION_OF:
        return Cell(
            "Not to be started as a first choice in pregnancy"
            + ("; methadone or buprenorphine are preferred for OUD." if oud else "."),
            "Part A A4; fact sheet 1.8",
        )
    if option in REFERRAL_OPTIONS:
        return Cell(
            "Preferred for OUD in pregnancy (ASAM; NYS guideline).", "Part A A4; fact sheet 1.8"
        )
    return Cell(NOT_COVERED, REFERENCE_SILENT)


def _cautions(option: Option, facts: ChoiceFacts, p: Policy) -> tuple[Caution, ...]:
    f = facts.screening
    if option in FORMULATION_OF:
        result = screen(dataclasses.replace(f, formulation=FORMULATION_OF[option]), p)
        return tuple(
            Caution(x.code.value, x.severity.value, x.message, x.source)
            for x in result.findings
            if x.code in CAUTION_CODES and (x.code is not Code.INTERACTION or x.severity is not Severity.INFO)
        )  # fmt: skip
    if option in REFERRAL_OPTIONS and f.pregnant and Indication.OUD in f.indications:
        return (
            Caution(
                "PREGNANCY", Severity.INFO.value,
                "Pregnant: the reference says methadone or buprenorphine are preferred for OUD.",
                "Part A A4; fact sheet 1.8",
            ),
        )  # fmt: skip
    return ()


def compare(facts: ChoiceFacts, policy: Policy = DEFAULT_POLICY) -> ChoiceAid:
    """The comparison for this patient: one column per option, each cell with its source, and the
    cautions this patient's facts raise per option."""
    f = facts.screening
    free = opioid_free(f, policy)
    columns = []
    for option in options_for(f.indications, policy):
        cells = _cells(option, facts, free, policy)
        columns.append(Column(option, OPTION_TITLES[option], tuple((t, cells[t]) for t in Topic),
                              _cautions(option, facts, policy), option in REFERRAL_OPTIONS))  # fmt: skip
    free_range = (
        policy.interval_for(OpioidKind.SHORT_ACTING).deferral_days,
        policy.interval_for(OpioidKind.UNKNOWN).deferral_days,
    )
    return ChoiceAid(f.indications, tuple(columns), free, policy.version,
                     policy.injection_interval_days, policy.implant_coverage_days, free_range)  # fmt: skip
