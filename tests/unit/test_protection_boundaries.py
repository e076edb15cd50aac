"""The portal's protection status and tablet day (clinical/protection.py) under a clinic policy
that differs from the default, compared field by field, with the day before, of and after each
boundary; the exact refusals of a regimen that names no tablets. Issue 9 Part 8.

Default numbers (clinical-reference.md Part A A5-A6) are in test_protection.py; here the clinic
sets its own (every setting a clinic may change, policy.py), so an answer that ignores the
clinic's policy gives another date."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from naltrack.clinical.coverage import Administration
from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.protection import (
    DoseDay,
    InjectionWindow,
    OralDoseDay,
    Protection,
    ProtectionStatus,
    injection_window,
    oral_dose_on,
    protection_status,
)
from naltrack.clinical.regimens import regimens
from naltrack.clinical.vocab import Formulation, Indication, StopReason

INJ, ORAL, IMPLANT = Formulation.XR_INJECTION, Formulation.ORAL, Formulation.IMPLANT
OUD = frozenset({Indication.OUD})
AUD = frozenset({Indication.AUD})

# A clinic's own numbers: re-dose from day 20, due day 26, overdue from day 27, an injection
# credited 26 days, waning from day 22, post-treatment risk 20 days, implant replaced 10 days
# before its cover ends, oral schedules of 300 mg a week, a plan target of one day.
CLINIC = dataclasses.replace(
    DEFAULT_POLICY,
    version="clinic-b",
    injection_earliest_redose_day=20,
    injection_interval_days=26,
    injection_overdue_from_day=27,
    injection_covered_days=26,
    waning_from_day=22,
    post_treatment_risk_days=20,
    implant_replacement_lead_days=10,
    oral_weekly_total_mg=300,
    plan_target_days=1,
)
SHOT = date(2026, 11, 2)
# Under CLINIC: covered to 28 Nov (first uncovered day), waning from 24 Nov (day 22), may be given
# from 22 Nov (day 20), due 28 Nov (day 26), overdue from 29 Nov (day 27).
CLINIC_WINDOW = InjectionWindow(
    last_injection=SHOT,
    earliest=date(2026, 11, 22),
    due=date(2026, 11, 28),
    last_safe_day=date(2026, 11, 28),
    overdue_from=date(2026, 11, 29),
)


def shot(day: date = SHOT) -> Administration:
    return Administration(day, INJ)


def test_the_injection_window_follows_the_clinics_days() -> None:
    assert injection_window(SHOT, CLINIC) == CLINIC_WINDOW


def test_the_injection_window_by_default() -> None:
    assert injection_window(SHOT) == InjectionWindow(
        SHOT, date(2026, 11, 23), date(2026, 11, 30), date(2026, 11, 30), date(2026, 12, 1)
    )


@pytest.mark.parametrize(
    ("on", "level"),
    [
        pytest.param(date(2026, 11, 2), Protection.BLOCKED, id="day-0"),
        pytest.param(date(2026, 11, 23), Protection.BLOCKED, id="day-21-before-waning"),
        pytest.param(date(2026, 11, 24), Protection.WANING, id="day-22-waning"),
        pytest.param(date(2026, 11, 28), Protection.WANING, id="day-26-due-cover-ends"),
        pytest.param(date(2026, 11, 29), Protection.ENDED, id="day-27-overdue"),
    ],
)
def test_an_injection_under_the_clinics_policy_field_by_field(on: date, level: Protection) -> None:
    assert protection_status([shot()], on, CLINIC) == ProtectionStatus(
        on=on,
        level=level,
        formulation=INJ,
        last_dose=SHOT,
        blockade_until=date(2026, 11, 28),
        waning_from=date(2026, 11, 24),
        risk_until=None,
        next_injection=CLINIC_WINDOW,
        policy="clinic-b",
    )


@pytest.mark.parametrize(
    ("on", "level"),
    [
        pytest.param(date(2026, 10, 19), Protection.BLOCKED, id="day-before-lead"),
        pytest.param(date(2026, 10, 20), Protection.WANING, id="ten-days-before-end"),
        pytest.param(date(2026, 10, 29), Protection.WANING, id="last-covered-day"),
        pytest.param(date(2026, 10, 30), Protection.ENDED, id="cover-ended"),
    ],
)
def test_an_implant_under_the_clinics_policy_field_by_field(on: date, level: Protection) -> None:
    placed = date(2026, 8, 1)
    assert protection_status([Administration(placed, IMPLANT)], on, CLINIC) == ProtectionStatus(
        on, level, IMPLANT, placed, date(2026, 10, 30), date(2026, 10, 20), None, None, "clinic-b"
    )


@pytest.mark.parametrize(
    ("on", "level"),
    [
        pytest.param(date(2026, 11, 20), Protection.BLOCKED, id="tablet-day"),
        pytest.param(date(2026, 11, 21), Protection.WANING, id="next-tablet-due"),
        pytest.param(date(2026, 11, 22), Protection.ENDED, id="day-after"),
    ],
)
def test_a_tablet_under_the_clinics_policy_field_by_field(on: date, level: Protection) -> None:
    given = date(2026, 11, 20)
    assert protection_status([Administration(given, ORAL, 50)], on, CLINIC) == ProtectionStatus(
        on, level, ORAL, given, date(2026, 11, 21), date(2026, 11, 21), None, None, "clinic-b"
    )


def test_after_stopping_the_clinics_risk_window_runs_from_its_cover_end() -> None:
    on = date(2026, 12, 5)
    got = protection_status([shot()], on, CLINIC, treatment_stopped=True,
                            stop_reason=StopReason.PATIENT_CHOICE)  # fmt: skip
    # Cover ends 28 Nov (26 days); the 20 risk days count 28 Nov as the first: to 17 Dec.
    assert got == ProtectionStatus(
        on, Protection.STOPPED, INJ, SHOT, date(2026, 11, 28), None, date(2026, 12, 17), None,
        "clinic-b",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("doses", "reason", "level"),
    [
        pytest.param([], None, Protection.NO_DOSE, id="no-dose"),
        pytest.param([shot(date(2026, 11, 21))], None, Protection.NO_DOSE, id="dose-day-after"),
        pytest.param([shot()], StopReason.DEATH, Protection.NOT_APPLICABLE, id="death"),
        pytest.param([], StopReason.DEATH, Protection.NOT_APPLICABLE, id="death-no-dose"),
    ],
)
def test_no_dose_and_death_report_the_day_and_the_clinics_policy(
    doses: list[Administration], reason: StopReason | None, level: Protection
) -> None:
    on = date(2026, 11, 20)
    got = protection_status(doses, on, CLINIC, stop_reason=reason)
    assert got == ProtectionStatus(on, level, None, None, None, None, None, None, "clinic-b")
    assert got.blocked_today is False


# --- tablets: the dose of a day -------------------------------------------------------------

FIRST = date(2026, 11, 1)  # a Sunday; 16 Nov 2026 is a Monday


@pytest.mark.parametrize(
    ("regimen", "first", "on", "expected"),
    [
        pytest.param("oral_daily", FIRST, date(2026, 10, 31), (DoseDay.NO_DOSE, None),
                     id="daily-day-before-first"),
        pytest.param("oral_daily", FIRST, FIRST, (DoseDay.DOSE, 50), id="daily-first-day"),
        pytest.param("oral_daily", FIRST, date(2026, 11, 2), (DoseDay.DOSE, 50),
                     id="daily-day-after-first"),
        pytest.param("oral_every_other_day", FIRST, FIRST, (DoseDay.DOSE, 100),
                     id="every-other-first-day"),
        pytest.param("oral_every_third_day", FIRST, FIRST, (DoseDay.DOSE, 150),
                     id="every-third-first-day"),
        pytest.param("oral_mwf", date(2026, 11, 16), date(2026, 11, 16), (DoseDay.DOSE, 100),
                     id="mwf-first-day-monday"),
        pytest.param("oral_mwf", FIRST, date(2026, 11, 17), (DoseDay.NO_DOSE, None),
                     id="mwf-tuesday"),
        pytest.param("oral_mwf", FIRST, date(2026, 11, 18), (DoseDay.DOSE, 100),
                     id="mwf-wednesday"),
        pytest.param("oral_targeted", FIRST, date(2026, 11, 20), (DoseDay.AS_NEEDED, 50),
                     id="targeted"),
        pytest.param("oral_custom", FIRST, date(2026, 11, 20), (DoseDay.AS_DIRECTED, None),
                     id="custom"),
        pytest.param("oral_custom", FIRST, date(2026, 10, 31), (DoseDay.NO_DOSE, None),
                     id="custom-before-first"),
    ],
)  # fmt: skip
def test_the_tablet_day_names_the_day_asked_about(
    regimen: str, first: date, on: date, expected: tuple[DoseDay, int | None]
) -> None:
    indications = AUD if regimen == "oral_targeted" else OUD
    kind, mg = expected
    assert oral_dose_on(regimen, first, on, indications) == OralDoseDay(on, kind, mg)


@pytest.mark.parametrize(
    ("regimen", "on", "expected"),
    [
        # The clinic's plan target is one day: the schedule must still run to the day asked about.
        pytest.param("oral_mwf", date(2026, 11, 18), (DoseDay.DOSE, 100), id="mwf-wednesday"),
        pytest.param("oral_mwf", date(2026, 11, 20), (DoseDay.DOSE, 150), id="mwf-friday"),
        pytest.param("oral_mwf", date(2026, 11, 19), (DoseDay.NO_DOSE, None), id="mwf-thursday"),
        # 350 mg a week where the clinic's oral schedules total 300: the plan is signed, so the
        # portal still names the tablet (it is not the place to refuse the prescriber's order).
        pytest.param("oral_daily", date(2026, 11, 20), (DoseDay.DOSE, 50), id="daily"),
        pytest.param("oral_every_other_day", date(2026, 11, 19), (DoseDay.DOSE, 100),
                     id="every-other-day"),
    ],
)  # fmt: skip
def test_the_tablet_day_under_a_clinics_policy(
    regimen: str, on: date, expected: tuple[DoseDay, int | None]
) -> None:
    kind, mg = expected
    assert oral_dose_on(regimen, FIRST, on, OUD, CLINIC) == OralDoseDay(on, kind, mg)


@pytest.mark.parametrize(
    ("regimen", "after", "expected"),
    [
        # Years into an episode the day is still found: the schedule is read from the last
        # cycle start, not from the first tablet day (a schedule lists at most 2000 doses).
        pytest.param("oral_every_other_day", 4002, (DoseDay.DOSE, 100), id="every-other-4002"),
        pytest.param("oral_every_other_day", 4003, (DoseDay.NO_DOSE, None), id="every-other-4003"),
        pytest.param("oral_every_third_day", 6003, (DoseDay.DOSE, 150), id="every-third-6003"),
        pytest.param("oral_every_third_day", 6004, (DoseDay.NO_DOSE, None), id="every-third-6004"),
        pytest.param("oral_daily", 5000, (DoseDay.DOSE, 50), id="daily-5000"),
    ],
)
def test_the_tablet_day_years_into_an_episode(
    regimen: str, after: int, expected: tuple[DoseDay, int | None]
) -> None:
    on = date.fromordinal(FIRST.toordinal() + after)
    kind, mg = expected
    assert oral_dose_on(regimen, FIRST, on, OUD) == OralDoseDay(on, kind, mg)


@pytest.mark.parametrize(
    ("regimen", "message"),
    [
        pytest.param("no_such_regimen", f"unknown regimen; use one of {', '.join(regimens())}",
                     id="unknown"),
        pytest.param("xr_injection", "is not a tablet regimen", id="injection"),
        pytest.param("implant", "is not a tablet regimen", id="implant"),
    ],
)  # fmt: skip
def test_the_tablet_day_refuses_a_regimen_naming_it(regimen: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        oral_dose_on(regimen, FIRST, date(2026, 11, 2), OUD)
    assert (err.value.field, err.value.message) == ("regimen", message)
