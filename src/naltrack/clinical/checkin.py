"""The patient's daily check-in and tablet dose log (issue 11): what a check-in may hold, when the
mood questions are asked, and the facts that the alert rules (alerts.py `_checkins`) read from
check-ins: in which phase of naltrexone coverage a day of reported opioid use fell, a run of
high-craving days, a positive PHQ-2, thoughts of self-harm and an injection-site complaint.

Pure: `today` and the policy are arguments. The thresholds are policy settings (policy.py,
"Daily check-in"); where shared/clinical-reference.md is silent the setting says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .coverage import Administration, covered_segments
from .errors import InputError
from .policy import Policy
from .protection import DoseDay, oral_dose_on
from .regimens import regimens
from .vocab import Formulation

CRAVING_MAX = 10  # the check-in's craving scale is 0-10 (the chart's craving observations too)
PHQ_ITEM_MAX = 3  # PHQ-9 items, so PHQ-2's two and item 9: 0-3 (fact sheet 6.3)
WHAT_MAX_CHARS = 200
REASON_MAX_CHARS = 200
DOSE_LOG_PAST_DAYS = 7  # the dose log covers today and the past 7 days (issue 11)


class SideEffect(StrEnum):
    """The side effects a patient can tick (issue 11's list; fact sheet 3 and the labels)."""

    NAUSEA = "nausea"
    SLEEP = "sleep"
    APPETITE = "appetite"
    MUSCLE_JOINT_PAIN = "muscle_joint_pain"
    HEADACHE = "headache"
    TOOTHACHE = "toothache"
    INJECTION_SITE = "injection_site"  # pain or a lump where the injection went


class DoseStatus(StrEnum):
    TAKEN = "taken"
    SKIPPED = "skipped"


class CoveragePhase(StrEnum):
    """Where a day falls in naltrexone's blockade, from the dosing record."""

    NOT_STARTED = "not_started"  # before the first dose
    BLOCKED = "blocked"  # covered, not yet wearing off
    WANING = "waning"  # covered, but wearing off (an injection from `waning_from_day`)
    ENDED = "ended"  # no dose covers the day: the blockade has worn off


@dataclass(frozen=True, slots=True)
class Phq2:
    """PHQ-2 (PHQ-9 items 1 and 2) and PHQ-9 item 9, each 0-3, over the last two weeks."""

    interest: int  # little interest or pleasure in doing things
    mood: int  # feeling down, depressed or hopeless
    self_harm: int  # thoughts that you would be better off dead or of hurting yourself

    @property
    def total(self) -> int:
        return self.interest + self.mood


@dataclass(frozen=True, slots=True)
class CheckIn:
    """One day's check-in, as the patient answered it."""

    day: date
    craving: int
    opioid_use: bool
    alcohol_use: bool = False
    use_what: str = ""
    side_effects: frozenset[SideEffect] = frozenset()
    phq2: Phq2 | None = None
    # The crisis line the portal showed with the mood questions (the clinic's setting,
    # NALTRACK_CRISIS_LINE): the self-harm alert names the line the patient was given.
    crisis_line_shown: str = ""


def _int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InputError(f"must be a whole number from {low} to {high}", field)
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"must be a whole number from {low} to {high}", field) from None
    if not low <= number <= high:
        raise InputError(f"must be a whole number from {low} to {high}", field)
    return number


def _yes_no(value: object, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("yes", "no"):
        return value == "yes"
    raise InputError("must be yes or no", field)


def make_checkin(
    *,
    day: date,
    today: date,
    craving: object,
    opioid_use: object,
    alcohol_use: object,
    use_what: str = "",
    side_effects: Iterable[str] = (),
    phq2: tuple[object, object, object] | None = None,
    phq2_asked: bool = False,
    crisis_line: str = "",
) -> CheckIn:
    """A check-in from the patient's answers, or InputError naming the first bad field.

    A check-in is for today only (a daily check-in, not a diary). When the mood questions were
    asked (`phq2_asked`: `phq2_due` said so) all three must be answered."""
    if day != today:
        raise InputError("a check-in is for today only", "day")
    score = _int(craving, "craving", 0, CRAVING_MAX)
    opioid = _yes_no(opioid_use, "opioid_use")
    alcohol = _yes_no(alcohol_use, "alcohol_use")
    what = use_what.strip()
    if len(what) > WHAT_MAX_CHARS:
        raise InputError(f"must be at most {WHAT_MAX_CHARS} characters", "use_what")
    if what and not (opioid or alcohol):
        raise InputError("say what was used only when you answered yes", "use_what")
    effects: set[SideEffect] = set()
    for raw in side_effects:
        try:
            effects.add(SideEffect(raw))
        except ValueError:
            allowed = ", ".join(s.value for s in SideEffect)
            raise InputError(
                f"unknown side effect {raw!r}; use {allowed}", "side_effects"
            ) from None
    answers: Phq2 | None = None
    if phq2_asked:
        if phq2 is None:
            raise InputError("answer the mood questions", "phq2_interest")
        answers = Phq2(
            _int(phq2[0], "phq2_interest", 0, PHQ_ITEM_MAX),
            _int(phq2[1], "phq2_mood", 0, PHQ_ITEM_MAX),
            _int(phq2[2], "phq2_self_harm", 0, PHQ_ITEM_MAX),
        )
    elif phq2 is not None:
        raise InputError("the mood questions are not due today", "phq2_interest")
    shown = crisis_line.strip() if answers is not None else ""
    return CheckIn(day, score, opioid, alcohol, what, frozenset(effects), answers, shown)


# --- the mood questions' schedule -------------------------------------------------------------


def phq2_due(today: date, last_answered: date | None, policy: Policy) -> bool:
    """Whether today's check-in asks the mood questions: never answered, or last answered
    `phq2_every_days` or more days ago (7: answered on a Monday, asked again next Monday)."""
    return last_answered is None or (today - last_answered).days >= policy.phq2_every_days


def phq2_positive(answers: Phq2, policy: Policy) -> bool:
    return answers.total >= policy.phq2_positive_min


def self_harm_reported(answers: Phq2, policy: Policy) -> bool:
    """Any answer but "not at all" to the thoughts-of-self-harm question (PHQ-9 item 9: 1 or
    more at any time needs a same-day assessment; Part A A6, `phq9_item9_min`)."""
    return answers.self_harm >= policy.phq9_item9_min


@dataclass(frozen=True, slots=True)
class AlertLines:
    """The thresholds the chart draws on the check-in plots, so that the chart shows the
    policy's lines without reading the policy itself."""

    craving: int  # checkin_craving_alert_min
    phq2: int  # phq2_positive_min


def alert_lines(policy: Policy) -> AlertLines:
    return AlertLines(policy.checkin_craving_alert_min, policy.phq2_positive_min)


# --- facts the alert rules read ---------------------------------------------------------------


def coverage_phase(day: date, admins: Sequence[Administration], policy: Policy) -> CoveragePhase:
    """The phase of the blockade on `day`, from the doses given up to that day.

    An injection's cover wanes from `waning_from_day` after it (Part A A6) until its coverage
    ends; an implant's during its last `implant_replacement_lead_days` (Part A A5: the replacement
    is due then); an oral dose covers its days fully (fact sheet 7.1: 50 mg 24 h, 100 mg 48 h)
    and a missed day is uncovered, so oral has no waning phase."""
    given = [a for a in admins if a.date <= day]
    if not given:
        return CoveragePhase.NOT_STARTED
    segment = next(((s, e) for s, e in covered_segments(given, policy) if s <= day < e), None)
    if segment is None:
        return CoveragePhase.ENDED
    end = segment[1]
    last = max(given, key=lambda a: a.date)
    if last.formulation is Formulation.XR_INJECTION:
        waning = last.date + timedelta(days=policy.waning_from_day)
    elif last.formulation is Formulation.IMPLANT:
        waning = end - timedelta(days=policy.implant_replacement_lead_days)
    else:
        return CoveragePhase.BLOCKED
    return CoveragePhase.WANING if day >= waning else CoveragePhase.BLOCKED


def recent(checkins: Iterable[CheckIn], as_of: date, policy: Policy) -> list[CheckIn]:
    """The check-ins that can open an alert on `as_of`: within `event_lookback_days` (as other
    reported events), oldest first."""
    since = as_of - timedelta(days=policy.event_lookback_days)
    return sorted((c for c in checkins if since <= c.day <= as_of), key=lambda c: c.day)


@dataclass(frozen=True, slots=True)
class CravingRun:
    first: date
    last: date
    days: int
    highest: int


def craving_run(checkins: Iterable[CheckIn], as_of: date, policy: Policy) -> CravingRun | None:
    """The latest run of consecutive calendar days, each with a check-in whose craving is at or
    above `checkin_craving_alert_min`, of at least `checkin_craving_days_running` days, that
    ends within the look-back. A day without a check-in ends a run."""
    high = {
        c.day: c.craving
        for c in checkins
        if c.day <= as_of and c.craving >= policy.checkin_craving_alert_min
    }
    since = as_of - timedelta(days=policy.event_lookback_days)
    best: CravingRun | None = None
    for day in sorted(high):
        if day - timedelta(days=1) in high:
            continue  # not the first day of its run
        last = day
        while last + timedelta(days=1) in high:
            last += timedelta(days=1)
        days = (last - day).days + 1
        if days >= policy.checkin_craving_days_running and last >= since:
            peak = max(high[day + timedelta(days=i)] for i in range(days))
            best = CravingRun(day, last, days, peak)
    return best


# --- the dose log -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduledTablet:
    day: date
    mg: int | None


def scheduled_tablets(
    regimen: str, anchor: date, first: date, last: date, dose_mg: int | None, policy: Policy
) -> list[ScheduledTablet]:
    """The oral doses an order's regimen schedules on the days from `first` to `last`, counting
    the pattern from `anchor` (the day the order was signed). Day by day this is
    `protection.oral_dose_on`, the one function that names a day's tablet: the portal's Home and
    Doses pages and the MAR's order check all read it, so they cannot disagree. An injection,
    implant or as-needed regimen schedules no tablets. A prescriber's own (custom) schedule is not
    stored day by day: it is read as one dose of the order's strength each day, so that every day
    can be logged."""
    reg = regimens().get(regimen)
    if reg is None or reg.formulation is not Formulation.ORAL or reg.as_needed:
        return []
    out: list[ScheduledTablet] = []
    for i in range((last - first).days + 1):
        day = oral_dose_on(regimen, anchor, first + timedelta(days=i), frozenset(), policy)
        if day.kind is DoseDay.DOSE:
            out.append(ScheduledTablet(day.on, day.mg))
        elif day.kind is DoseDay.AS_DIRECTED:
            out.append(ScheduledTablet(day.on, dose_mg))
    return out


def dose_log_window(today: date) -> tuple[date, date]:
    """The days a patient may log a tablet for: today and the past 7 days."""
    return today - timedelta(days=DOSE_LOG_PAST_DAYS), today


def check_dose_entry(
    day: date, today: date, status: object, reason: str, scheduled: Iterable[date]
) -> tuple[DoseStatus, str]:
    """A dose-log entry's status and reason, or InputError naming the bad field."""
    first, last = dose_log_window(today)
    if day > last:
        raise InputError("a dose cannot be logged for a day still to come", "day")
    if day < first:
        raise InputError(f"only today and the past {DOSE_LOG_PAST_DAYS} days can be logged", "day")
    if day not in set(scheduled):
        raise InputError("no tablet is scheduled on this day", "day")
    try:
        value = DoseStatus(str(status))
    except ValueError:
        raise InputError("must be taken or skipped", "status") from None
    text = reason.strip()
    if len(text) > REASON_MAX_CHARS:
        raise InputError(f"must be at most {REASON_MAX_CHARS} characters", "reason")
    if text and value is DoseStatus.TAKEN:
        raise InputError("a reason is given only for a skipped dose", "reason")
    return value, text
