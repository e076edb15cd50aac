"""The patient's protection status and tablet day (clinical/protection.py), table-driven, with the
day before, of and after each boundary. Numbers from clinical-reference.md: Part A A5 (injection
covers 28 days; earliest re-dose day 21, due day 28, overdue from day 29; implant 90 days,
replacement 14 days before; tablets 50 mg = 24 h, 150 mg = 72 h: fact sheet 2.1) and Part A A6
(waning from day 25; post-treatment risk for 30 days after the cover ends: fact sheet 4.1)."""

from __future__ import annotations

from datetime import date

import pytest

from naltrack.clinical.coverage import Administration
from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.protection import (
    DoseDay,
    Protection,
    injection_window,
    oral_dose_on,
    protection_status,
)
from naltrack.clinical.vocab import Formulation, Indication, StopReason

INJ, ORAL, IMPLANT = Formulation.XR_INJECTION, Formulation.ORAL, Formulation.IMPLANT
OUD = frozenset({Indication.OUD})


def shot(day: date) -> Administration:
    return Administration(day, INJ)


def tablet(day: date, mg: float = 50) -> Administration:
    return Administration(day, ORAL, dose_mg=mg)


# An injection on 2 Nov: covered until about 30 Nov (28 days, A5); waning from day 25 (27 Nov,
# A6); the waning window runs through day 28; overdue, the blockade worn off, from day 29 (1 Dec).
@pytest.mark.parametrize(
    ("on", "level"),
    [
        (date(2026, 11, 2), Protection.BLOCKED),  # the day of the injection
        (date(2026, 11, 26), Protection.BLOCKED),  # day 24: the day before waning
        (date(2026, 11, 27), Protection.WANING),  # day 25: waning from here (A6)
        (date(2026, 11, 30), Protection.WANING),  # day 28: due today, the last safe day
        (date(2026, 12, 1), Protection.ENDED),  # day 29: overdue (A5), critical (A6)
        (date(2027, 1, 15), Protection.ENDED),
    ],
)
def test_injection_protection_by_day(on: date, level: Protection) -> None:
    status = protection_status([shot(date(2026, 11, 2))], on, DEFAULT_POLICY)
    assert status.level is level
    assert status.last_dose == date(2026, 11, 2)
    assert status.blockade_until == date(2026, 11, 30)
    assert status.waning_from == date(2026, 11, 27)
    assert status.blocked_today is (level in (Protection.BLOCKED, Protection.WANING))


def test_injection_window_is_the_charts_earliest_due_and_overdue() -> None:
    window = injection_window(date(2026, 11, 2), DEFAULT_POLICY)
    assert window.earliest == date(2026, 11, 23)  # day 21
    assert window.due == date(2026, 11, 30)  # day 28
    assert window.last_safe_day == date(2026, 11, 30)  # the day before overdue
    assert window.overdue_from == date(2026, 12, 1)  # day 29


def test_status_carries_the_next_injection_window() -> None:
    status = protection_status([shot(date(2026, 11, 2))], date(2026, 11, 10))
    assert status.next_injection == injection_window(date(2026, 11, 2))


def test_an_early_injection_carries_the_earlier_supply_forward() -> None:
    # Given on day 23: the cover runs on from the first one's end (A5: supply carries forward).
    doses = [shot(date(2026, 11, 2)), shot(date(2026, 11, 25))]
    status = protection_status(doses, date(2026, 12, 20))
    assert status.blockade_until == date(2026, 12, 28)
    assert status.waning_from == date(2026, 12, 20)  # day 25 after the last one
    assert status.level is Protection.WANING
    assert status.next_injection is not None and status.next_injection.due == date(2026, 12, 23)
    # Overdue by the interval (24 Dec) but still covered by the carried supply until 28 Dec.
    assert protection_status(doses, date(2026, 12, 27)).level is Protection.WANING
    assert protection_status(doses, date(2026, 12, 28)).level is Protection.ENDED


# Tablets: 50 mg blocks about 24 h, 150 mg about 72 h (fact sheet 2.1). The day the cover ends is
# the day the next tablet is due (wearing off); the day after, the blockade has worn off.
@pytest.mark.parametrize(
    ("mg", "on", "level", "until"),
    [
        (50, date(2026, 11, 20), Protection.BLOCKED, date(2026, 11, 21)),
        (50, date(2026, 11, 21), Protection.WANING, date(2026, 11, 21)),
        (50, date(2026, 11, 22), Protection.ENDED, date(2026, 11, 21)),
        (150, date(2026, 11, 22), Protection.BLOCKED, date(2026, 11, 23)),
        (150, date(2026, 11, 23), Protection.WANING, date(2026, 11, 23)),
        (150, date(2026, 11, 24), Protection.ENDED, date(2026, 11, 23)),
    ],
)
def test_tablet_protection_by_day(mg: int, on: date, level: Protection, until: date) -> None:
    status = protection_status([tablet(date(2026, 11, 20), mg)], on)
    assert (status.level, status.blockade_until) == (level, until)
    assert status.next_injection is None


# An implant of 1 Aug covers 90 days, to 30 Oct; its replacement is due 14 days before (A5).
@pytest.mark.parametrize(
    ("on", "level"),
    [
        (date(2026, 10, 15), Protection.BLOCKED),
        (date(2026, 10, 16), Protection.WANING),
        (date(2026, 10, 29), Protection.WANING),
        (date(2026, 10, 30), Protection.ENDED),
    ],
)
def test_implant_protection_by_day(on: date, level: Protection) -> None:
    status = protection_status([Administration(date(2026, 8, 1), IMPLANT)], on)
    assert status.level is level
    assert status.blockade_until == date(2026, 10, 30)


def test_after_stopping_the_risk_lasts_30_days_past_the_cover() -> None:
    status = protection_status(
        [shot(date(2026, 11, 2))], date(2026, 12, 5), treatment_stopped=True,
        stop_reason=StopReason.PATIENT_CHOICE,
    )  # fmt: skip
    assert status.level is Protection.STOPPED
    assert status.blockade_until == date(2026, 11, 30)
    assert status.risk_until == date(2026, 12, 29)  # 30 days from 30 Nov, both counted (A6)
    assert status.next_injection is None


@pytest.mark.parametrize(
    ("doses", "reason", "level"),
    [
        ([], None, Protection.NO_DOSE),
        ([shot(date(2026, 12, 1))], None, Protection.NO_DOSE),  # a dose after the day: not yet
        ([shot(date(2026, 11, 2))], StopReason.DEATH, Protection.NOT_APPLICABLE),
    ],
)
def test_no_dose_and_death(
    doses: list[Administration], reason: StopReason | None, level: Protection
) -> None:
    status = protection_status(doses, date(2026, 11, 20), stop_reason=reason)
    assert status.level is level
    assert status.blockade_until is None


# Tablet days (A5 schedules). 16 Nov 2026 is a Monday.
@pytest.mark.parametrize(
    ("regimen", "first", "on", "kind", "mg"),
    [
        ("oral_daily", date(2026, 11, 1), date(2026, 11, 20), DoseDay.DOSE, 50),
        ("oral_mwf", date(2026, 11, 1), date(2026, 11, 16), DoseDay.DOSE, 100),  # Monday
        ("oral_mwf", date(2026, 11, 1), date(2026, 11, 17), DoseDay.NO_DOSE, None),  # Tuesday
        ("oral_mwf", date(2026, 11, 1), date(2026, 11, 20), DoseDay.DOSE, 150),  # Friday
        ("oral_weekdays_sat", date(2026, 11, 1), date(2026, 11, 21), DoseDay.DOSE, 100),  # Sat
        ("oral_weekdays_sat", date(2026, 11, 1), date(2026, 11, 22), DoseDay.NO_DOSE, None),
        ("oral_every_other_day", date(2026, 11, 1), date(2026, 11, 19), DoseDay.DOSE, 100),
        ("oral_every_other_day", date(2026, 11, 1), date(2026, 11, 20), DoseDay.NO_DOSE, None),
        ("oral_every_third_day", date(2026, 11, 1), date(2026, 11, 19), DoseDay.DOSE, 150),
        ("oral_every_third_day", date(2026, 11, 1), date(2026, 11, 20), DoseDay.NO_DOSE, None),
        ("oral_every_third_day", date(2026, 11, 1), date(2026, 11, 21), DoseDay.NO_DOSE, None),
        ("oral_daily", date(2026, 11, 21), date(2026, 11, 20), DoseDay.NO_DOSE, None),  # before
        ("oral_targeted", date(2026, 11, 1), date(2026, 11, 20), DoseDay.AS_NEEDED, 50),
        ("oral_custom", date(2026, 11, 1), date(2026, 11, 20), DoseDay.AS_DIRECTED, None),
    ],
)
def test_tablet_dose_of_the_day(
    regimen: str, first: date, on: date, kind: DoseDay, mg: int | None
) -> None:
    indications = frozenset({Indication.AUD}) if regimen == "oral_targeted" else OUD
    day = oral_dose_on(regimen, first, on, indications)
    assert (day.kind, day.mg) == (kind, mg)


@pytest.mark.parametrize("regimen", ["xr_injection", "no_such_regimen"])
def test_tablet_day_refuses_a_regimen_that_is_not_tablets(regimen: str) -> None:
    with pytest.raises(InputError) as err:
        oral_dose_on(regimen, date(2026, 11, 1), date(2026, 11, 2), OUD)
    assert err.value.field == "regimen"
