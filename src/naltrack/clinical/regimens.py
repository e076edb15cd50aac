"""Regimens and schedules for every formulation, and the late-injection tiers (Part A A5).

The regimens themselves are data (knowledge/regimens.toml). `build_schedule` turns one into dated
doses from a start date; `injection_timing` says where a day falls after the last injection.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources

from .errors import InputError
from .policy import DEFAULT_POLICY, Policy
from .vocab import Formulation, Indication, Side

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DOSES = 2000


@dataclass(frozen=True, slots=True)
class Regimen:
    code: str
    formulation: Formulation
    title: str
    route: str
    source: str
    every_days: int | None = None
    dose_mg: int | None = None
    weekly: Mapping[str, int] | None = None
    induction_first_dose_mg: int | None = None
    interval_setting: str | None = None
    custom: bool = False
    as_needed: bool = False
    aud_only: bool = False

    def interval(self, policy: Policy) -> int | None:
        if self.interval_setting is not None:
            value = getattr(policy, self.interval_setting)
            assert isinstance(value, int)
            return value
        return self.every_days


@cache
def regimens() -> dict[str, Regimen]:
    text = (
        resources.files("naltrack.clinical.knowledge").joinpath("regimens.toml").read_text("utf-8")
    )
    out: dict[str, Regimen] = {}
    for code, row in tomllib.loads(text).items():
        row = dict(row)
        out[code] = Regimen(code=code, formulation=Formulation(row.pop("formulation")), **row)
    return out


# --- schedules --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleRequest:
    regimen: str
    start_date: date
    indications: frozenset[Indication]
    until: date | None = None  # last day to schedule (inclusive); default: the plan target
    count: int | None = None  # at most this many doses
    induction: bool = False  # oral daily for OUD: the first dose is 25 mg (label)
    last_injection_side: Side | None = None
    last_injection_date: date | None = None  # a schedule never starts inside its re-dose interval
    implant_mg: int | None = None
    weekly_mg: Mapping[str, int] | None = None  # oral_custom
    every_days: int | None = None  # oral_custom
    dose_mg: int | None = None  # oral_custom
    reason: str | None = None  # why an oral schedule does not total the weekly amount


@dataclass(frozen=True, slots=True)
class ScheduledDose:
    number: int
    date: dt.date
    mg: int | None
    route: str
    side: Side | None = None
    earliest_date: dt.date | None = None
    due_date: dt.date | None = None
    overdue_from: dt.date | None = None
    coverage_ends: dt.date | None = None  # implants: the first day no longer covered
    replacement_due: dt.date | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "number": self.number,
            "date": self.date.isoformat(),
            "mg": self.mg,
            "route": self.route,
        }
        for name in (
            "side",
            "earliest_date",
            "due_date",
            "overdue_from",
            "coverage_ends",
            "replacement_due",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.value if isinstance(value, Side) else value.isoformat()
        return out


@dataclass(frozen=True, slots=True)
class Schedule:
    regimen: str
    title: str
    formulation: Formulation
    doses: tuple[ScheduledDose, ...]
    weekly_total_mg: float | None
    notes: tuple[str, ...]
    source: str
    policy: str
    as_needed: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "regimen": self.regimen,
            "title": self.title,
            "formulation": self.formulation.value,
            "as_needed": self.as_needed,
            "weekly_total_mg": self.weekly_total_mg,
            "doses": [d.as_dict() for d in self.doses],
            "notes": list(self.notes),
            "source": self.source,
            "policy": self.policy,
        }


def build_schedule(req: ScheduleRequest, policy: Policy = DEFAULT_POLICY) -> Schedule:
    """Dated doses for `req.regimen` from `req.start_date`; refuses what Part A A5 refuses."""
    table = regimens()
    if req.regimen not in table:
        raise InputError(f"unknown regimen; use one of {', '.join(table)}", "regimen")
    reg = table[req.regimen]
    until = req.until or req.start_date + timedelta(days=policy.plan_target_days - 1)
    if until < req.start_date:
        raise InputError("is before start_date", "until")
    limit = req.count if req.count is not None else MAX_DOSES
    notes: list[str] = []

    if reg.aud_only and Indication.OUD in req.indications:
        raise InputError(
            "targeted (as-needed) dosing is for alcohol use disorder only; it is refused for a "
            "patient with an OUD indication, who needs a continuous blockade",
            "regimen",
        )
    if reg.as_needed:
        notes.append(
            "As needed: no dated doses. Take 50 mg about an hour before an anticipated drinking occasion."
        )
        return Schedule(
            reg.code,
            reg.title,
            reg.formulation,
            (),
            None,
            tuple(notes),
            reg.source,
            policy.version,
            as_needed=True,
        )

    if reg.formulation is Formulation.XR_INJECTION:
        start = first_injection_day(req.start_date, req.last_injection_date, policy)
        if start != req.start_date:
            assert req.last_injection_date is not None
            notes.append(
                f"The first injection moves from {req.start_date.isoformat()} to "
                f"{start.isoformat()}: the earliest re-dose day after the last injection of "
                f"{req.last_injection_date.isoformat()} (day {policy.injection_earliest_redose_day}; "
                "Part A A5)."
            )
        if start > until:
            raise InputError(
                f"no injection fits before {until.isoformat()}: the earliest re-dose day after the "
                f"last injection is {start.isoformat()}",
                "until",
            )
        doses = _injections(req, reg, policy, start, until, limit)
        weekly = None
    elif reg.formulation is Formulation.IMPLANT:
        doses = _implants(req, reg, policy, until, limit)
        weekly = None
    else:
        every, dose, weekly_mg = _oral_pattern(req, reg)
        weekly = _weekly_total(every, dose, weekly_mg)
        if abs(weekly - policy.oral_weekly_total_mg) > 1e-9:
            if not req.reason:
                field_name = "weekly_mg" if weekly_mg is not None else "dose_mg"
                raise InputError(
                    f"this schedule gives {weekly:g} mg a week, not the {policy.oral_weekly_total_mg} "
                    "mg of 50 mg daily; record a reason to use it",
                    field_name,
                )
            notes.append(
                f"Weekly total {weekly:g} mg instead of {policy.oral_weekly_total_mg} mg. Reason: {req.reason}"
            )
        doses = _oral(req, reg, every, dose, weekly_mg, until, limit)
        if req.induction and reg.induction_first_dose_mg is None:
            notes.append(
                "Induction on this schedule: start with 25 mg daily tablets first (label)."
            )
    return Schedule(
        reg.code,
        reg.title,
        reg.formulation,
        tuple(doses),
        weekly,
        tuple(notes),
        reg.source,
        policy.version,
    )


def first_injection_day(start: date, last_injection: date | None, policy: Policy) -> date:
    """The first scheduled injection: `start`, or the earliest re-dose day after the last
    injection when `start` falls inside the re-dose interval (the same rule `injection_timing`
    applies: a schedule never lists a dose on a day the timing rule refuses)."""
    if last_injection is None:
        return start
    return max(start, last_injection + timedelta(days=policy.injection_earliest_redose_day))


def _injections(
    req: ScheduleRequest, reg: Regimen, p: Policy, start: date, until: date, limit: int
) -> list[ScheduledDose]:
    interval = reg.interval(p)
    assert interval is not None
    side = req.last_injection_side.other if req.last_injection_side else Side.LEFT
    doses: list[ScheduledDose] = []
    day = start
    previous: date | None = None
    while day <= until and len(doses) < limit:
        doses.append(
            ScheduledDose(
                number=len(doses) + 1,
                date=day,
                mg=reg.dose_mg,
                route=reg.route,
                side=side,
                earliest_date=previous + timedelta(days=p.injection_earliest_redose_day)
                if previous
                else day,
                due_date=day,
                overdue_from=previous + timedelta(days=p.injection_overdue_from_day)
                if previous
                else None,
            )
        )
        previous, day, side = day, day + timedelta(days=interval), side.other
    return doses


def _implants(
    req: ScheduleRequest, reg: Regimen, p: Policy, until: date, limit: int
) -> list[ScheduledDose]:
    coverage = reg.interval(p)
    assert coverage is not None
    doses: list[ScheduledDose] = []
    day = req.start_date
    while day <= until and len(doses) < limit:
        ends = day + timedelta(days=coverage)
        replacement = ends - timedelta(days=p.implant_replacement_lead_days)
        doses.append(
            ScheduledDose(
                len(doses) + 1,
                day,
                req.implant_mg,
                reg.route,
                coverage_ends=ends,
                replacement_due=replacement,
                due_date=day,
            )
        )
        day = replacement
    return doses


def _oral_pattern(
    req: ScheduleRequest, reg: Regimen
) -> tuple[int | None, int | None, Mapping[str, int] | None]:
    if not reg.custom:
        return reg.every_days, reg.dose_mg, reg.weekly
    if req.weekly_mg is not None:
        if req.every_days is not None or req.dose_mg is not None:
            raise InputError(
                "give either weekly_mg or every_days with dose_mg, not both", "weekly_mg"
            )
        return None, None, req.weekly_mg
    if req.every_days is None or req.dose_mg is None:
        raise InputError(
            "a custom oral schedule needs weekly_mg, or every_days with dose_mg", "weekly_mg"
        )
    return req.every_days, req.dose_mg, None


def _weekly_total(every: int | None, dose: int | None, weekly: Mapping[str, int] | None) -> float:
    if weekly is not None:
        return float(sum(weekly.values()))
    assert every is not None and dose is not None
    return dose * 7 / every


def _oral(
    req: ScheduleRequest,
    reg: Regimen,
    every: int | None,
    dose: int | None,
    weekly: Mapping[str, int] | None,
    until: date,
    limit: int,
) -> list[ScheduledDose]:
    doses: list[ScheduledDose] = []
    day = req.start_date
    first_mg = (
        reg.induction_first_dose_mg
        if (req.induction and Indication.OUD in req.indications)
        else None
    )
    while day <= until and len(doses) < limit:
        if weekly is not None:
            mg = weekly.get(WEEKDAYS[day.weekday()])
            step = 1
        else:
            assert every is not None
            mg, step = dose, every
        if mg:
            if not doses and first_mg is not None:
                mg = first_mg
            doses.append(ScheduledDose(len(doses) + 1, day, mg, reg.route, due_date=day))
        day += timedelta(days=step)
    return doses


# --- late-injection tiers ---------------------------------------------------------------------


class InjectionTier(StrEnum):
    TOO_EARLY = "too_early"
    EARLY_WINDOW = "early_window"
    DUE = "due"
    LATE = "late"
    LATE_UDS_REQUIRED = "late_uds_required"
    RESCREEN = "rescreen"


@dataclass(frozen=True, slots=True)
class InjectionTiming:
    last_injection: date
    on: date
    days_since: int
    tier: InjectionTier
    may_give: bool
    message: str
    action: str
    earliest_date: date
    due_date: date
    overdue_from: date
    source: str

    def as_dict(self) -> dict[str, object]:
        return {
            "last_injection": self.last_injection.isoformat(),
            "on": self.on.isoformat(),
            "days_since": self.days_since,
            "tier": self.tier.value,
            "may_give": self.may_give,
            "message": self.message,
            "action": self.action,
            "earliest_date": self.earliest_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "overdue_from": self.overdue_from.isoformat(),
            "source": self.source,
        }


TIER_SOURCE = (
    "Part A A5 late-injection tiers (a configurable template, not a guideline); fact sheet 2.4"
)


def injection_timing(
    last_injection: date, on: date, policy: Policy = DEFAULT_POLICY
) -> InjectionTiming:
    """Where `on` falls after `last_injection`: too early, due, or which late tier."""
    if on < last_injection:
        raise InputError("is before the last injection", "on")
    p = policy
    days = (on - last_injection).days
    earliest = last_injection + timedelta(days=p.injection_earliest_redose_day)
    due = last_injection + timedelta(days=p.injection_interval_days)
    overdue = last_injection + timedelta(days=p.injection_overdue_from_day)
    if days < p.injection_earliest_redose_day:
        tier, may, msg, action = (
            InjectionTier.TOO_EARLY, False,
            f"Day {days} after the last injection: before the earliest re-dose day ({p.injection_earliest_redose_day}).",
            f"Do not inject yet; the next injection may be given from {earliest.isoformat()}.",
        )  # fmt: skip
    elif days < p.injection_interval_days:
        tier, may, msg, action = (
            InjectionTier.EARLY_WINDOW, True,
            f"Day {days} after the last injection: inside the early window (due on day {p.injection_interval_days}).",
            "The injection may be given now.",
        )  # fmt: skip
    elif days < p.injection_overdue_from_day:
        tier, may, msg, action = (
            InjectionTier.DUE, True, f"Day {days}: the injection is due today.", "Give the injection today.",
        )  # fmt: skip
    elif days <= p.late_uds_if_reported_until_day:
        tier, may, msg, action = (
            InjectionTier.LATE, True,
            f"Day {days}: the injection is overdue; the blockade is waning.",
            "Give the injection; do a urine screen first if the patient reports opioid use. A positive "
            "screen needs the prescriber (or a naloxone challenge).",
        )  # fmt: skip
    elif days <= p.late_uds_required_until_day:
        tier, may, msg, action = (
            InjectionTier.LATE_UDS_REQUIRED, True,
            f"Day {days}: the injection is well overdue; opioid use may have resumed.",
            "A negative urine drug screen is required first; a positive result holds the injection "
            "and the prescriber decides.",
        )  # fmt: skip
    else:
        tier, may, msg, action = (
            InjectionTier.RESCREEN, False,
            f"Day {days}: more than {p.late_uds_required_until_day} days since the last injection.",
            "The prescriber re-screens as for a first dose (opioid-free interval, urine screen) before any injection.",
        )  # fmt: skip
    return InjectionTiming(
        last_injection, on, days, tier, may, msg, action, earliest, due, overdue, TIER_SOURCE
    )


# --- reading a schedule request from JSON -----------------------------------------------------

SCHEDULE_FIELDS = frozenset(
    {
        "regimen", "start_date", "indications", "until", "count", "induction", "last_injection",
        "as_of", "implant_mg", "weekly_mg", "every_days", "dose_mg", "reason",
        "opioid_use_reported", "urine_screen",
    }
)  # fmt: skip


class ScreenResult(StrEnum):
    NEGATIVE = "negative"
    POSITIVE = "positive"


@dataclass(frozen=True, slots=True)
class ScheduleInput:
    request: ScheduleRequest
    last_injection: date | None
    as_of: date | None
    # The facts of the visit on `as_of` that decide the late tiers (Part A A5).
    opioid_use_reported: bool = False
    urine_screen: tuple[date, ScreenResult] | None = None


def parse_schedule_request(raw: object) -> ScheduleInput:
    from .parsing import Obj, join, not_after, parse_enum, parse_int

    doc = Obj(raw, "", SCHEDULE_FIELDS)
    regimen = doc.text("regimen")
    if regimen is None:
        raise InputError("is required", "regimen")
    ind_raw = doc.required("indications")
    if not isinstance(ind_raw, list) or not ind_raw:
        raise InputError("must be a non-empty list of OUD and/or AUD", "indications")
    indications = frozenset(
        parse_enum(v, Indication, join("indications", i)) for i, v in enumerate(ind_raw)
    )
    last_date = last_side = None
    if doc.has("last_injection"):
        li = Obj(doc.raw["last_injection"], "last_injection", {"date", "side"})
        last_date = li.date("date")
        last_side = li.enum("side", Side)
    weekly = None
    if doc.has("weekly_mg"):
        w = Obj(doc.raw["weekly_mg"], "weekly_mg", set(WEEKDAYS))
        weekly = {day: parse_int(w.raw[day], w.at(day), 0, 400) for day in WEEKDAYS if w.has(day)}
        if not any(weekly.values()):
            raise InputError("must give at least one day a dose", "weekly_mg")
    as_of = doc.date("as_of")
    if last_date is not None and as_of is not None:
        not_after(last_date, as_of, "last_injection.date")
    screen = None
    if doc.has("urine_screen"):
        us = Obj(doc.raw["urine_screen"], "urine_screen", {"date", "result"})
        result = us.enum("result", ScreenResult)
        if result is None:
            raise InputError("is required", "urine_screen.result")
        screen = (us.req_date("date"), result)
        if as_of is None:
            raise InputError("is required with urine_screen", "as_of")
        not_after(screen[0], as_of, "urine_screen.date")
    request = ScheduleRequest(
        regimen=regimen,
        start_date=doc.req_date("start_date"),
        indications=indications,
        until=doc.date("until"),
        count=doc.int("count", 1, MAX_DOSES),
        induction=doc.bool("induction") or False,
        last_injection_side=last_side,
        last_injection_date=last_date,
        implant_mg=doc.int("implant_mg", 1, 10_000),
        weekly_mg=weekly,
        every_days=doc.int("every_days", 1, 14),
        dose_mg=doc.int("dose_mg", 1, 400),
        reason=doc.text("reason"),
    )
    return ScheduleInput(
        request, last_date, as_of, doc.bool("opioid_use_reported") or False, screen
    )
