"""Days covered, proportion of days covered (PDC), gaps, and the risk windows of Part A A6.

Coverage (A5): an oral dose covers one day per 50 mg (at least its own day), an injection 28 days,
an implant its coverage days. Overlapping supply carries forward: a dose taken while still covered
starts its days when the earlier supply ends. PDC = covered days in the period / days in the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .errors import InputError
from .policy import DEFAULT_POLICY, Policy
from .vocab import Formulation, StopReason

# The care status's and the chart header's recent adherence: days covered and PDC over the last 90
# days (from the first dose when that is later). A fixed window, not a clinic setting: its length
# is part of the stored and published field names (`days_covered_90`, `pdc_90`).
STATUS_WINDOW_DAYS = 90


def status_period_start(first_dose: date, on: date) -> date:
    """The first day of the care status's adherence period on `on` (`STATUS_WINDOW_DAYS` days
    ending on `on`, both included, never before the first dose)."""
    return max(first_dose, on - timedelta(days=STATUS_WINDOW_DAYS - 1))


@dataclass(frozen=True, slots=True)
class Administration:
    """A dose that was given or taken (held or refused doses are not administrations)."""

    date: date
    formulation: Formulation
    dose_mg: float | None = None
    covered_days: int | None = None  # overrides the policy, e.g. an implant product's own days
    removed_on: dt.date | None = None  # an implant removed: its coverage ends that day
    # The patient's own word (the portal's dose log), never counted as observed: coverage
    # reports it apart (`sourced_coverage`).
    self_reported: bool = False


def days_covered_by(admin: Administration, policy: Policy = DEFAULT_POLICY) -> int:
    days = _days_supplied(admin, policy)
    if admin.removed_on is not None:
        # An implant removed early covers only until its removal (the day of removal is not
        # covered); a removal after the coverage ended changes nothing.
        days = max(0, min(days, (admin.removed_on - admin.date).days))
    return days


def _days_supplied(admin: Administration, policy: Policy) -> int:
    if admin.covered_days is not None:
        return admin.covered_days
    if admin.formulation is Formulation.XR_INJECTION:
        return policy.injection_covered_days
    if admin.formulation is Formulation.IMPLANT:
        return policy.implant_coverage_days
    # Oral: 50 mg blocks 24 h, 100 mg 48 h, 150 mg 72 h (fact sheet 7.1); a 25 mg dose its day.
    dose = admin.dose_mg if admin.dose_mg is not None else policy.oral_mg_per_covered_day
    return max(1, int(dose // policy.oral_mg_per_covered_day))


def merge_supply(starts: Sequence[int], spans: Sequence[int]) -> list[tuple[int, int]]:
    """Covered segments [start, end) from day numbers and spans sorted by start, carrying forward.

    Plain integers (date ordinals) so that a cohort of millions of doses stays fast.
    """
    segments: list[tuple[int, int]] = []
    if not starts:
        return segments
    pairs = zip(starts, spans, strict=True)
    seg_start, span = next(pairs)
    seg_end = seg_start + span
    for day, span in pairs:
        if day <= seg_end:  # still covered (or exactly at its end): carry the supply forward
            seg_end += span
        else:
            segments.append((seg_start, seg_end))
            seg_start, seg_end = day, day + span
    segments.append((seg_start, seg_end))
    return segments


def covered_segments(
    admins: Iterable[Administration], policy: Policy = DEFAULT_POLICY
) -> list[tuple[date, date]]:
    """Covered runs as (first covered day, first uncovered day)."""
    ordered = sorted(admins, key=lambda a: a.date)
    segments = merge_supply(
        [a.date.toordinal() for a in ordered], [days_covered_by(a, policy) for a in ordered]
    )
    return [(date.fromordinal(s), date.fromordinal(e)) for s, e in segments]


@dataclass(frozen=True, slots=True)
class Gap:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict[str, object]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days}


@dataclass(frozen=True, slots=True)
class CoverageReport:
    period_start: date
    period_end: date  # inclusive
    days_in_period: int
    days_covered: int
    pdc: float
    adherent: bool
    gaps: tuple[Gap, ...]
    coverage_ends: date | None  # first day after the last supply runs out
    policy: str
    stopped_on: date | None = None  # treatment stopped: the days after it are not counted
    stop_reason: StopReason | None = None
    days_excluded_after_stop: int = 0

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "days_in_period": self.days_in_period,
            "days_covered": self.days_covered,
            "pdc": round(self.pdc, 4),
            "adherent": self.adherent,
            "gaps": [g.as_dict() for g in self.gaps],
            "coverage_ends": self.coverage_ends.isoformat() if self.coverage_ends else None,
            "policy": self.policy,
        }
        if self.stopped_on is not None:  # added fields: the stop and the days it excludes
            out["treatment_stopped_on"] = self.stopped_on.isoformat()
            out["stop_reason"] = self.stop_reason.value if self.stop_reason else None
            out["days_excluded_after_stop"] = self.days_excluded_after_stop
        return out


def clip(
    segments: Sequence[tuple[int, int]], first: int, last: int
) -> tuple[int, list[tuple[int, int]]]:
    """Covered days within [first, last] (ordinals, inclusive) and the uncovered runs (inclusive)."""
    covered = 0
    gaps: list[tuple[int, int]] = []
    cursor = first
    for s, e in segments:
        if e <= first:
            continue
        if s > last:
            break
        s, e = max(s, first), min(e, last + 1)
        if s > cursor:
            gaps.append((cursor, s - 1))
        covered += e - s
        cursor = max(cursor, e)
    if cursor <= last:
        gaps.append((cursor, last))
    return covered, gaps


def gap_allowed(policy: Policy) -> int:
    """The longest uncovered run that does not break continuous treatment (`retained`)."""
    return policy.continuity_gap_allowed_days


def retained(
    admins: Iterable[Administration], first_dose: date, days: int, policy: Policy = DEFAULT_POLICY
) -> bool:
    """Retention at day `days` from the first dose (Part B 9; NQF 3175-style continuity): on
    medication for the `days` days from the first dose (the first dose's day and the `days` - 1
    after it), measured from coverage, not from whether the episode is still open: every
    uncovered run inside those days, one running to the window's end included, is at most
    `continuity_gap_allowed_days` long. The caller asks only once the window has passed (the
    report: first dose at least `days` days before the period's end)."""
    if days < 1:
        raise InputError("must be at least 1", "days")
    segments = [(s.toordinal(), e.toordinal()) for s, e in covered_segments(admins, policy)]
    first = first_dose.toordinal()
    _covered, gaps = clip(segments, first, first + days - 1)
    return all(end - start + 1 <= policy.continuity_gap_allowed_days for start, end in gaps)


def coverage(
    admins: Iterable[Administration],
    period_start: date,
    period_end: date,
    policy: Policy = DEFAULT_POLICY,
    *,
    stopped_on: date | None = None,
    stop_reason: StopReason | None = None,
) -> CoverageReport:
    """Days covered, PDC and gaps over [period_start, period_end], both days included. When
    treatment stopped (`stopped_on`, its last day in treatment), the days after it are not in the
    period: a patient who died, moved or was admitted is not counted as non-adherent."""
    if period_end < period_start:
        raise InputError("is before period_start", "period_end")
    excluded = 0
    end = period_end
    if stopped_on is not None:
        if stopped_on < period_start:
            raise InputError(
                "is before period_start: no day of the period was in treatment",
                "treatment_stopped_on",
            )
        end = min(period_end, stopped_on)
        excluded = (period_end - end).days
    segments = covered_segments(admins, policy)
    ordinal = [(s.toordinal(), e.toordinal()) for s, e in segments]
    covered, gaps = clip(ordinal, period_start.toordinal(), end.toordinal())
    days = (end - period_start).days + 1
    pdc = covered / days
    return CoverageReport(
        period_start=period_start,
        period_end=period_end,
        days_in_period=days,
        days_covered=covered,
        pdc=pdc,
        adherent=pdc >= policy.pdc_adherent_min,
        gaps=tuple(Gap(date.fromordinal(s), date.fromordinal(e)) for s, e in gaps),
        coverage_ends=segments[-1][1] if segments else None,
        policy=policy.version,
        stopped_on=stopped_on,
        stop_reason=stop_reason,
        days_excluded_after_stop=excluded,
    )


def with_self_reported(
    admins: Iterable[Administration], taken: Iterable[tuple[date, float | None]]
) -> list[Administration]:
    """The dosing record with the tablets the patient logged as taken, each a self-reported oral
    dose. A logged tablet on a day that already has an oral dose on record (the MAR) is left
    out: the same tablet is never counted twice."""
    record = sorted(admins, key=lambda a: a.date)
    oral_days = {a.date for a in record if a.formulation is Formulation.ORAL}
    logged = [
        Administration(day, Formulation.ORAL, mg, self_reported=True)
        for day, mg in set(taken)
        if day not in oral_days
    ]
    return sorted(record + logged, key=lambda a: a.date)


@dataclass(frozen=True, slots=True)
class SourcedCoverage:
    """Coverage over one period twice: from observed doses only, and with the patient's
    self-reported tablets; `self_reported_days` are the days only a self-report covers."""

    observed: CoverageReport
    with_self_reported: CoverageReport

    @property
    def self_reported_days(self) -> int:
        return self.with_self_reported.days_covered - self.observed.days_covered


def sourced_coverage(
    admins: Iterable[Administration],
    period_start: date,
    period_end: date,
    policy: Policy = DEFAULT_POLICY,
    *,
    stopped_on: date | None = None,
    stop_reason: StopReason | None = None,
) -> SourcedCoverage:
    """Observed coverage and coverage with self-reported doses, side by side (issue 11: the
    patient's dose log shows in coverage, labelled, never as observed)."""
    every = list(admins)
    observed = [a for a in every if not a.self_reported]
    return SourcedCoverage(
        coverage(observed, period_start, period_end, policy, stopped_on=stopped_on,
                 stop_reason=stop_reason),
        coverage(every, period_start, period_end, policy, stopped_on=stopped_on,
                 stop_reason=stop_reason),
    )  # fmt: skip


# --- risk windows (A6) ------------------------------------------------------------------------


class RiskKind(StrEnum):
    BLOCKADE_WANING = "blockade_waning"
    INJECTION_OVERDUE = "injection_overdue"
    IMPLANT_REPLACEMENT_DUE = "implant_replacement_due"
    IMPLANT_EXPIRED = "implant_expired"
    ORAL_GAP = "oral_gap"
    POST_TREATMENT = "post_treatment"


@dataclass(frozen=True, slots=True)
class RiskWindow:
    kind: RiskKind
    start: date
    end: date | None  # inclusive; None while it lasts until the next dose
    message: str

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "message": self.message,
        }


def risk_windows(
    admins: Sequence[Administration],
    on: date,
    policy: Policy = DEFAULT_POLICY,
    *,
    next_injection_booked: date | None = None,
    treatment_stopped: bool = False,
    stop_reason: StopReason | None = None,
) -> list[RiskWindow]:
    """The A6 risk windows that contain `on`, from the dosing record up to that day.

    `next_injection_booked` holds back the waning window only while it is still ahead (on or
    after `on`): a booked visit whose day passed without the injection books nothing. A patient
    who died has no risk window."""
    given = [a for a in admins if a.date <= on]
    if not given or stop_reason is StopReason.DEATH:
        return []
    p = policy
    last = max(given, key=lambda a: a.date)
    segments = covered_segments(given, p)
    ends = segments[-1][1]  # first uncovered day
    windows: list[RiskWindow] = []

    if treatment_stopped:
        windows.append(
            RiskWindow(
                RiskKind.POST_TREATMENT,
                ends,
                ends + timedelta(days=p.post_treatment_risk_days - 1),
                f"Treatment stopped; the blockade ended {ends.isoformat()}. Tolerance is gone: "
                "a previously tolerated opioid dose can be fatal.",
            )
        )
    elif last.formulation is Formulation.XR_INJECTION:
        waning = last.date + timedelta(days=p.waning_from_day)
        due = last.date + timedelta(days=p.injection_interval_days)
        overdue = last.date + timedelta(days=p.injection_overdue_from_day)
        booked = next_injection_booked
        if booked is None or booked < on or booked <= last.date or booked > due:
            windows.append(
                RiskWindow(
                    RiskKind.BLOCKADE_WANING,
                    waning,
                    overdue - timedelta(days=1),
                    f"Injection of {last.date.isoformat()} is wearing off (due {due.isoformat()}) "
                    "and no next injection is booked by then.",
                )
            )
        windows.append(
            RiskWindow(
                RiskKind.INJECTION_OVERDUE,
                overdue,
                None,
                f"Injection overdue since {overdue.isoformat()} (last {last.date.isoformat()}): "
                "the label's high-risk time for fatal overdose.",
            )
        )
    elif last.formulation is Formulation.IMPLANT:
        replacement = ends - timedelta(days=p.implant_replacement_lead_days)
        windows.append(
            RiskWindow(
                RiskKind.IMPLANT_REPLACEMENT_DUE,
                replacement,
                ends - timedelta(days=1),
                f"Implant coverage ends {ends.isoformat()}; replacement due from "
                f"{replacement.isoformat()}.",
            )
        )
        windows.append(
            RiskWindow(
                RiskKind.IMPLANT_EXPIRED,
                ends,
                None,
                f"Implant coverage ended {ends.isoformat()}: the blockade is waning.",
            )
        )
    else:
        windows.append(
            RiskWindow(
                RiskKind.ORAL_GAP,
                ends,
                None,
                f"No oral dose covers the days since {ends.isoformat()}.",
            )
        )
    return [w for w in windows if w.contains(on)]


# --- reading a coverage request from JSON -----------------------------------------------------

COVERAGE_FIELDS = frozenset(
    {
        "period_start",
        "period_end",
        "administrations",
        "as_of",
        "next_injection_booked",
        "treatment_stopped",
        "treatment_stopped_on",
        "stop_reason",
    }
)
ADMIN_FIELDS = frozenset({"date", "formulation", "dose_mg", "covered_days", "removed_on"})


@dataclass(frozen=True, slots=True)
class CoverageRequest:
    period_start: date
    period_end: date
    administrations: tuple[Administration, ...]
    as_of: date | None = None
    next_injection_booked: date | None = None
    treatment_stopped: bool = False
    treatment_stopped_on: date | None = None
    stop_reason: StopReason | None = None

    def stopped_by(self, day: date) -> bool:
        return self.treatment_stopped or (
            self.treatment_stopped_on is not None and self.treatment_stopped_on <= day
        )

    def evaluate(self, policy: Policy = DEFAULT_POLICY) -> dict[str, object]:
        out = coverage(
            self.administrations,
            self.period_start,
            self.period_end,
            policy,
            stopped_on=self.treatment_stopped_on,
            stop_reason=self.stop_reason,
        ).as_dict()
        if self.as_of is not None:
            out["as_of"] = self.as_of.isoformat()
            out["risk_windows"] = [
                w.as_dict()
                for w in risk_windows(
                    self.administrations,
                    self.as_of,
                    policy,
                    next_injection_booked=self.next_injection_booked,
                    treatment_stopped=self.stopped_by(self.as_of),
                    stop_reason=self.stop_reason,
                )
            ]
        return out


def parse_coverage_request(raw: object) -> CoverageRequest:
    from .parsing import Obj, join, parse_enum

    doc = Obj(raw, "", COVERAGE_FIELDS)
    items = doc.required("administrations")
    if not isinstance(items, list):
        raise InputError("must be a list of administrations", "administrations")
    admins: list[Administration] = []
    for i, item in enumerate(items):
        a = Obj(item, join("administrations", i), ADMIN_FIELDS)
        formulation = parse_enum(a.required("formulation"), Formulation, a.at("formulation"))
        given_on, removed = a.req_date("date"), a.date("removed_on")
        if removed is not None:
            if formulation is not Formulation.IMPLANT:
                raise InputError("only an implant is removed", a.at("removed_on"))
            if removed < given_on:
                raise InputError("is before the implant's date", a.at("removed_on"))
        admins.append(
            Administration(
                date=given_on,
                formulation=formulation,
                dose_mg=a.number("dose_mg", 0.001, 2000),
                covered_days=a.int("covered_days", 1, 400),
                removed_on=removed,
            )
        )
    start, end = doc.req_date("period_start"), doc.req_date("period_end")
    if end < start:
        raise InputError("is before period_start", "period_end")
    stopped_on = doc.date("treatment_stopped_on")
    reason = doc.enum("stop_reason", StopReason)
    if reason is not None and stopped_on is None:
        raise InputError("is required with stop_reason", "treatment_stopped_on")
    if stopped_on is not None and stopped_on < start:
        raise InputError(
            "is before period_start: no day of the period was in treatment",
            "treatment_stopped_on",
        )
    return CoverageRequest(
        period_start=start,
        period_end=end,
        administrations=tuple(admins),
        as_of=doc.date("as_of"),
        next_injection_booked=doc.date("next_injection_booked"),
        treatment_stopped=doc.bool("treatment_stopped") or False,
        treatment_stopped_on=stopped_on,
        stop_reason=reason,
    )
