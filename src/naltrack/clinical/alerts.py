"""Safety alerts for one patient's record on a given day (Part A A6; fact sheet 4).

`evaluate_alerts(snapshot, policy)` returns the open alerts, one per code (the most severe),
most severe first. The application stores them, deduplicates against open ones and lets staff
acknowledge and resolve them; this module only says what is true on `as_of`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .checkin import (
    CheckIn,
    CoveragePhase,
    SideEffect,
    coverage_phase,
    craving_run,
    phq2_positive,
    recent,
    self_harm_reported,
)
from .coverage import Administration, RiskKind, clip, covered_segments, risk_windows
from .policy import DEFAULT_POLICY, Policy
from .vocab import Formulation, Indication, StopReason


class AlertSeverity(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    ROUTINE = "routine"


class AlertCode(StrEnum):
    BLOCKADE_WANING = "BLOCKADE_WANING"
    INJECTION_OVERDUE = "INJECTION_OVERDUE"
    IMPLANT_REPLACEMENT_DUE = "IMPLANT_REPLACEMENT_DUE"
    IMPLANT_EXPIRED = "IMPLANT_EXPIRED"
    MISSED_ORAL_DOSES = "MISSED_ORAL_DOSES"
    TREATMENT_STOPPED_OVERDOSE_RISK = "TREATMENT_STOPPED_OVERDOSE_RISK"
    OPIOID_USE_WHILE_BLOCKED = "OPIOID_USE_WHILE_BLOCKED"
    OPIOID_USE_REPORTED = "OPIOID_USE_REPORTED"
    LFT_ELEVATED = "LFT_ELEVATED"
    SUICIDE_RISK = "SUICIDE_RISK"
    PREGNANCY = "PREGNANCY"
    SURGERY_PLANNED = "SURGERY_PLANNED"
    REVERSAL_AGENT_NOT_RECORDED = "REVERSAL_AGENT_NOT_RECORDED"
    # From the patient's daily check-in (issue 11; clinical/checkin.py)
    CHECKIN_OPIOID_USE = "CHECKIN_OPIOID_USE"
    CHECKIN_CRAVING_HIGH = "CHECKIN_CRAVING_HIGH"
    CHECKIN_INJECTION_SITE = "CHECKIN_INJECTION_SITE"
    CHECKIN_PHQ2_POSITIVE = "CHECKIN_PHQ2_POSITIVE"
    CHECKIN_SELF_HARM_THOUGHTS = "CHECKIN_SELF_HARM_THOUGHTS"


class TreatmentStatus(StrEnum):
    ACTIVE = "active"
    STOPPED = "stopped"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"


SOURCES = {
    AlertCode.BLOCKADE_WANING: "VIVITROL label 5.1 (overdose at the end of the dosing interval); Part A A6",
    AlertCode.INJECTION_OVERDUE: "VIVITROL label 5.1 (overdose after a missed dose); Part A A6",
    AlertCode.IMPLANT_REPLACEMENT_DUE: "Part A A5 (replacement 14 days before coverage ends)",
    AlertCode.IMPLANT_EXPIRED: "Fact sheet 2.5 and 4.1 (waning blockade); Part A A6",
    AlertCode.MISSED_ORAL_DOSES: "Part A A6 (2 missed days in a row, or 14-day PDC under 0.80)",
    AlertCode.TREATMENT_STOPPED_OVERDOSE_RISK: "VIVITROL label 5.1 (overdose after stopping); Part A A6; fact sheet 4.1",
    AlertCode.OPIOID_USE_WHILE_BLOCKED: "VIVITROL label 5.1 (attempts to overcome the blockade); Part A A6; fact sheet 4.2",
    AlertCode.OPIOID_USE_REPORTED: "VIVITROL label 5.1 (lost tolerance); fact sheet 4.1",
    AlertCode.LFT_ELEVATED: "Part A A6 (above 3x ULN review; above 5x hold); fact sheet 1.7",
    AlertCode.SUICIDE_RISK: "VIVITROL label section 5 (depression and suicidality); Part A A6; fact sheet 6.3",
    AlertCode.PREGNANCY: "ASAM; NYS OASAS pregnancy guideline; fact sheet 1.8",
    AlertCode.SURGERY_PLANNED: "ASAM 2015 (stop oral 72 h, injection 30 days before); fact sheet 1.6, 4.3, 4.4",
    AlertCode.REVERSAL_AGENT_NOT_RECORDED: "VIVITROL label 2.2 (discuss reversal agents at every injection); fact sheet 4.5",
    AlertCode.CHECKIN_OPIOID_USE: "Part A A6 (reported use while blocked, a check-in); VIVITROL label 5.1 (overdose at the end of the interval, after a missed dose, lost tolerance); fact sheet 4.1, 4.2",
    AlertCode.CHECKIN_CRAVING_HIGH: "Fact sheet 3 and 6.6 (craving; lower craving predicted lower relapse, Hulse 2010); thresholds are naltrack defaults (reference silent)",
    AlertCode.CHECKIN_INJECTION_SITE: "VIVITROL label 5.2 (injection-site reactions may need prompt attention); fact sheet 3",
    AlertCode.CHECKIN_PHQ2_POSITIVE: "VIVITROL label section 5 (monitor for depression); fact sheet 3, 6.3 (PHQ-2 = PHQ-9 items 1-2; cut-off Kroenke 2003, not in the reference)",
    AlertCode.CHECKIN_SELF_HARM_THOUGHTS: "Part A A6 (PHQ-9 item 9 of 1 or more: same-day assessment); VIVITROL label section 5; fact sheet 6.3",
}
ORDER = {AlertSeverity.URGENT: 0, AlertSeverity.HIGH: 1, AlertSeverity.ROUTINE: 2}


@dataclass(frozen=True, slots=True)
class LiverTest:
    date: date
    alt: float | None
    ast: float | None
    alt_uln: float
    ast_uln: float


@dataclass(frozen=True, slots=True)
class Phq9Result:
    date: date
    total: int
    item9: int


@dataclass(frozen=True, slots=True)
class PatientSnapshot:
    """What the alert rules read from one patient's record."""

    as_of: date
    indications: frozenset[Indication]
    formulation: Formulation | None
    administrations: tuple[Administration, ...] = ()
    treatment_status: TreatmentStatus = TreatmentStatus.ACTIVE
    stop_reason: StopReason | None = None  # why treatment stopped, when it did
    next_injection_booked: date | None = None  # the next booked injection visit (a passed one
    # books nothing: risk_windows ignores a day before as_of)
    opioid_use_reports: tuple[date, ...] = ()  # check-ins reporting opioid use
    positive_opioid_screens: tuple[date, ...] = ()
    liver_tests: tuple[LiverTest, ...] = ()
    phq9: tuple[Phq9Result, ...] = ()
    pregnant: bool | None = None
    planned_surgery_date: date | None = None
    reversal_agent_discussed_at_last_injection: bool | None = None
    checkins: tuple[CheckIn, ...] = ()  # the patient's daily check-ins (the portal)


@dataclass(frozen=True, slots=True)
class Alert:
    code: AlertCode
    severity: AlertSeverity
    message: str
    action: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code.value,
            "severity": self.severity.value,
            "message": self.message,
            "action": self.action,
            "source": self.source,
        }


def _alert(code: AlertCode, severity: AlertSeverity, message: str, action: str) -> Alert:
    return Alert(code, severity, message, action, SOURCES[code])


NALOXONE = "Offer an overdose reversal agent (naloxone) and record it."

# Risk window (coverage.py) -> the alert it opens: code, severity, action. The oral gap is not
# here: it alerts only after the policy's number of missed days (see _dosing).
WINDOW_ALERTS: dict[RiskKind, tuple[AlertCode, AlertSeverity, str]] = {
    RiskKind.POST_TREATMENT: (
        AlertCode.TREATMENT_STOPPED_OVERDOSE_RISK, AlertSeverity.URGENT,
        f"Reach the patient: {NALOXONE} Offer to restart treatment.",
    ),
    RiskKind.BLOCKADE_WANING: (
        AlertCode.BLOCKADE_WANING, AlertSeverity.HIGH,
        "Book the next injection on or before the due day; remind the patient of overdose risk.",
    ),
    RiskKind.INJECTION_OVERDUE: (
        AlertCode.INJECTION_OVERDUE, AlertSeverity.URGENT,
        f"Contact the patient today and give the injection per the late tiers. {NALOXONE}",
    ),
    RiskKind.IMPLANT_REPLACEMENT_DUE: (
        AlertCode.IMPLANT_REPLACEMENT_DUE, AlertSeverity.ROUTINE,
        "Book the replacement implant before coverage ends.",
    ),
    RiskKind.IMPLANT_EXPIRED: (
        AlertCode.IMPLANT_EXPIRED, AlertSeverity.URGENT,
        f"Contact the patient; replace the implant or start another formulation. {NALOXONE}",
    ),
}  # fmt: skip


def _dosing(s: PatientSnapshot, p: Policy) -> Iterator[Alert]:
    stopped = s.treatment_status is not TreatmentStatus.ACTIVE
    windows = risk_windows(
        s.administrations,
        s.as_of,
        p,
        next_injection_booked=s.next_injection_booked,
        treatment_stopped=stopped,
        stop_reason=s.stop_reason if stopped else None,
    )
    if stopped and s.stop_reason is StopReason.DEATH:
        return  # no follow-up of the dosing record after a death
    if stopped and not windows and s.administrations:
        # Stopped while a dose still covers: the follow-up starts now, before the blockade ends.
        ends = covered_segments(s.administrations, p)[-1][1]
        if s.as_of < ends:
            yield _alert(
                AlertCode.TREATMENT_STOPPED_OVERDOSE_RISK, AlertSeverity.HIGH,
                f"Treatment stopped; the blockade lasts until {(ends - timedelta(days=1)).isoformat()}, "
                "then tolerance is gone: a previously tolerated opioid dose can be fatal.",
                f"Before the blockade ends: {NALOXONE} Agree follow-up contact and offer to restart.",
            )  # fmt: skip
    for w in windows:
        if w.kind in WINDOW_ALERTS:
            code, severity, action = WINDOW_ALERTS[w.kind]
            yield _alert(code, severity, w.message, action)
        else:  # RiskKind.ORAL_GAP
            missed = (s.as_of - w.start).days  # today's dose may still be taken
            if missed >= p.missed_oral_days_in_a_row:
                yield _alert(
                    AlertCode.MISSED_ORAL_DOSES, AlertSeverity.HIGH,
                    f"{missed} days in a row without an oral dose (since {w.start.isoformat()}).",
                    f"Contact the patient about adherence; consider supervised dosing or the injection. {NALOXONE}",
                )  # fmt: skip
    if not stopped and s.formulation is Formulation.ORAL:
        yield from _oral_adherence(s, p)


def _oral_adherence(s: PatientSnapshot, p: Policy) -> Iterator[Alert]:
    oral = [a for a in s.administrations if a.date < s.as_of]
    if not oral:
        return
    first = max(min(a.date for a in oral), s.as_of - timedelta(days=p.oral_pdc_window_days))
    last = s.as_of - timedelta(days=1)
    if last < first:
        return
    segments = [(a.toordinal(), b.toordinal()) for a, b in covered_segments(oral, p)]
    covered, _ = clip(segments, first.toordinal(), last.toordinal())
    days = (last - first).days + 1
    pdc = covered / days
    if pdc < p.oral_pdc_alert_below:
        yield _alert(
            AlertCode.MISSED_ORAL_DOSES, AlertSeverity.HIGH,
            f"Oral doses cover {covered} of the last {days} days (PDC {pdc:.2f}, below "
            f"{p.oral_pdc_alert_below:.2f}).",
            "Review adherence with the patient; consider supervised dosing or the injection.",
        )  # fmt: skip


def _opioid_use(s: PatientSnapshot, p: Policy) -> Iterator[Alert]:
    since = s.as_of - timedelta(days=p.event_lookback_days)
    segments = covered_segments(s.administrations, p)  # once, not once per event
    events = sorted(
        [(d, "reported opioid use") for d in s.opioid_use_reports]
        + [(d, "a positive opioid urine screen") for d in s.positive_opioid_screens]
    )
    for day, what in reversed(events):
        if not since <= day <= s.as_of:
            continue
        if any(start <= day < end for start, end in segments):
            yield _alert(
                AlertCode.OPIOID_USE_WHILE_BLOCKED, AlertSeverity.URGENT,
                f"{what.capitalize()} on {day.isoformat()} while naltrexone was blocking: trying to "
                "overcome the blockade can cause a fatal overdose.",
                f"Same-day contact: warn about overcoming the blockade, review the plan. {NALOXONE}",
            )  # fmt: skip
        else:
            yield _alert(
                AlertCode.OPIOID_USE_REPORTED, AlertSeverity.HIGH,
                f"{what.capitalize()} on {day.isoformat()} without naltrexone coverage: tolerance is low.",
                f"Contact the patient; relapse-management plan. {NALOXONE}",
            )  # fmt: skip


def _labs_and_mood(s: PatientSnapshot, p: Policy) -> Iterator[Alert]:
    started = min((a.date for a in s.administrations), default=None)
    tests = [
        t for t in s.liver_tests if started is not None and t.date >= started and t.date <= s.as_of
    ]
    if tests:
        t = max(tests, key=lambda x: x.date)
        ratios = [v / u for v, u in ((t.alt, t.alt_uln), (t.ast, t.ast_uln)) if v is not None and u]
        worst = max(ratios, default=0.0)
        if worst > p.lft_block_multiple:
            yield _alert(
                AlertCode.LFT_ELEVATED, AlertSeverity.URGENT,
                f"Liver enzymes on {t.date.isoformat()} at {worst:.1f}x the upper limit (above {p.lft_block_multiple:g}x).",
                "Hold the next dose; the prescriber reviews the liver today.",
            )  # fmt: skip
        elif worst > p.lft_review_multiple:
            yield _alert(
                AlertCode.LFT_ELEVATED, AlertSeverity.HIGH,
                f"Liver enzymes on {t.date.isoformat()} at {worst:.1f}x the upper limit (above {p.lft_review_multiple:g}x).",
                "Prescriber reviews; repeat liver tests.",
            )  # fmt: skip
    scores = [x for x in s.phq9 if x.date <= s.as_of]
    if scores:
        latest = max(scores, key=lambda x: x.date)
        if latest.item9 >= p.phq9_item9_min:
            yield _alert(
                AlertCode.SUICIDE_RISK, AlertSeverity.URGENT,
                f"PHQ-9 on {latest.date.isoformat()}: item 9 is {latest.item9} (thoughts of death or self-harm).",
                "Same-day suicide-risk assessment.",
            )  # fmt: skip


def _other(s: PatientSnapshot, p: Policy) -> Iterator[Alert]:
    if s.pregnant:
        yield _alert(
            AlertCode.PREGNANCY, AlertSeverity.HIGH,
            "The patient is pregnant while on naltrexone.",
            "Counsel on the options (methadone or buprenorphine for OUD); involve obstetric care.",
        )  # fmt: skip
    if s.planned_surgery_date is not None and s.planned_surgery_date >= s.as_of:
        days = (s.planned_surgery_date - s.as_of).days
        window = {
            Formulation.ORAL: p.surgery_window_days_oral,
            Formulation.XR_INJECTION: p.surgery_window_days_xr_injection,
            Formulation.IMPLANT: p.surgery_window_days_implant,
        }.get(s.formulation) if s.formulation else None  # fmt: skip
        severity = (
            AlertSeverity.HIGH if window is not None and days <= window else AlertSeverity.ROUTINE
        )
        yield _alert(
            AlertCode.SURGERY_PLANNED, severity,
            f"Surgery planned on {s.planned_surgery_date.isoformat()} ({days} days away).",
            "Agree a pain plan with the surgical team and give the wallet card; stop oral naltrexone "
            "72 hours and the injection 30 days before.",
        )  # fmt: skip
    given = [a for a in s.administrations if a.date <= s.as_of]
    if (
        given
        and max(given, key=lambda a: a.date).formulation is Formulation.XR_INJECTION
        and not s.reversal_agent_discussed_at_last_injection
    ):
        yield _alert(
            AlertCode.REVERSAL_AGENT_NOT_RECORDED, AlertSeverity.ROUTINE,
            "The last injection visit does not record that an overdose reversal agent was discussed.",
            "Discuss naloxone at the next contact and record whether the patient has it.",
        )  # fmt: skip


# A day of opioid use reported in a check-in, by the blockade's phase on that day: why it is
# dangerous. Every phase is urgent: nobody has spoken with the patient yet, and A6 makes use while
# blocked urgent; as the blockade wanes or after it ends, a dose once tolerated can kill (4.1).
USE_PHASE_WORDS: dict[CoveragePhase, str] = {
    CoveragePhase.BLOCKED: "while naltrexone was blocking: trying to overcome the blockade can "
    "cause a fatal overdose",
    CoveragePhase.WANING: "while the blockade was wearing off: a dose that overcomes it can "
    "cause a fatal overdose",
    CoveragePhase.ENDED: "after the blockade had worn off: tolerance is low and a previously "
    "tolerated dose can be fatal",
    CoveragePhase.NOT_STARTED: "before any naltrexone dose on record: tolerance may be low",
}


def _checkins(s: PatientSnapshot, p: Policy) -> Iterator[Alert]:
    """Alerts from the patient's daily check-ins in the look-back (clinical/checkin.py)."""
    checkins = recent(s.checkins, s.as_of, p)
    used = [c for c in checkins if c.opioid_use]
    if used:
        c = used[-1]
        phase = coverage_phase(c.day, s.administrations, p)
        what = f" ({c.use_what})" if c.use_what else ""
        yield _alert(
            AlertCode.CHECKIN_OPIOID_USE, AlertSeverity.URGENT,
            f"The patient reported opioid use{what} in the check-in of {c.day.isoformat()} "
            f"{USE_PHASE_WORDS[phase]}.",
            f"Same-day contact: talk through the use and the overdose risk; relapse-management plan. {NALOXONE}",
        )  # fmt: skip
    run = craving_run(s.checkins, s.as_of, p)
    if run is not None:
        yield _alert(
            AlertCode.CHECKIN_CRAVING_HIGH, AlertSeverity.HIGH,
            f"Craving at or above {p.checkin_craving_alert_min} of 10 on {run.days} check-in days "
            f"in a row ({run.first.isoformat()} to {run.last.isoformat()}, highest {run.highest}).",
            "Contact the patient: review triggers and the relapse-prevention plan; consider an "
            "earlier visit or counselling session.",
        )  # fmt: skip
    site = [c for c in checkins if SideEffect.INJECTION_SITE in c.side_effects]
    if site:
        yield _alert(
            AlertCode.CHECKIN_INJECTION_SITE, AlertSeverity.HIGH,
            f"The patient reported pain or a lump at the injection site in the check-in of "
            f"{site[-1].day.isoformat()}.",
            "A nurse looks at the site (swelling, redness, hardness, a wound) and records it as a "
            "side effect with its follow-up; severe reactions may need prompt surgical review.",
        )  # fmt: skip
    mood = [c for c in checkins if c.phq2 is not None]
    harm = [c for c in mood if c.phq2 is not None and self_harm_reported(c.phq2, p)]
    if harm:
        c = harm[-1]
        assert c.phq2 is not None
        line = (
            f" The portal showed the crisis line {c.crisis_line_shown}."
            if c.crisis_line_shown
            else ""
        )
        yield _alert(
            AlertCode.CHECKIN_SELF_HARM_THOUGHTS, AlertSeverity.URGENT,
            f"The patient reported thoughts of being better off dead or of self-harm in the "
            f"check-in of {c.day.isoformat()} (answer {c.phq2.self_harm} of 3).{line}",
            "Same-day suicide-risk assessment; if the patient cannot be reached today, follow "
            "the clinic's crisis procedure"
            + (f" (crisis line {c.crisis_line_shown})." if c.crisis_line_shown else "."),
        )  # fmt: skip
    positive = [c for c in mood if c.phq2 is not None and phq2_positive(c.phq2, p)]
    if positive:
        c = positive[-1]
        assert c.phq2 is not None
        yield _alert(
            AlertCode.CHECKIN_PHQ2_POSITIVE, AlertSeverity.HIGH,
            f"PHQ-2 of {c.phq2.total} (of 6) in the check-in of {c.day.isoformat()}: a positive "
            f"depression screen (at or above {p.phq2_positive_min}).",
            "Complete a PHQ-9 at the next contact, within a few days; review mood in the plan.",
        )  # fmt: skip


def observations_since(on: date, policy: Policy) -> date:
    """The first day of the observations the alert rules read on `on` (events within
    `event_lookback_days`; liver tests within `lft_baseline_max_age_days`)."""
    return on - timedelta(days=max(policy.event_lookback_days, policy.lft_baseline_max_age_days))


def liver_test_due(last_liver_test: date, policy: Policy) -> date:
    """The day the next liver test is due: the last one (or the first dose) ages out of the
    baseline after `lft_baseline_max_age_days` (Part A A3, A6)."""
    return last_liver_test + timedelta(days=policy.lft_baseline_max_age_days)


def injection_due_soon_until(on: date, policy: Policy) -> date:
    """The last due day that Today lists on `on` as an injection due soon
    (`injection_due_soon_days`)."""
    return on + timedelta(days=policy.injection_due_soon_days)


def injection_site_follow_up_due(noted_on: date, policy: Policy) -> date:
    """When an injection-site reaction noted on `noted_on` is followed up by default (VIVITROL
    label 5.2: severe reactions need prompt attention; `injection_site_follow_up_days`)."""
    return noted_on + timedelta(days=policy.injection_site_follow_up_days)


def follow_up_horizon(on: date, policy: Policy) -> date:
    """The earliest discharge day whose patient can still have a post-treatment risk window on
    `on`: the window starts when the last dose's coverage ends (at most an implant's coverage
    after the discharge) and lasts `post_treatment_risk_days` (Part A A6)."""
    return on - timedelta(days=policy.post_treatment_risk_days + policy.implant_coverage_days)


def evaluate_alerts(snapshot: PatientSnapshot, policy: Policy = DEFAULT_POLICY) -> list[Alert]:
    """The open alerts for this patient on `snapshot.as_of`: one per code, most severe first."""
    best: dict[AlertCode, Alert] = {}
    for rule in (_dosing, _opioid_use, _labs_and_mood, _other, _checkins):
        for alert in rule(snapshot, policy):
            current = best.get(alert.code)
            if current is None or ORDER[alert.severity] < ORDER[current.severity]:
                best[alert.code] = alert
    return sorted(best.values(), key=lambda a: ORDER[a.severity])
