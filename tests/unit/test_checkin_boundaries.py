"""The check-in's and the dose log's exact refusals (clinical/checkin.py): the words a patient
reads beside the field they name, and the craving run when more than one run is on record.
Table-driven; issue 9 Part 8 (the core's surviving logic mutants)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from naltrack.clinical.checkin import (
    CheckIn,
    CravingRun,
    check_dose_entry,
    craving_run,
    make_checkin,
)
from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import DEFAULT_POLICY
from tests.builders import days

P = DEFAULT_POLICY
D0 = date(2026, 10, 1)
GOOD: dict[str, Any] = dict(day=D0, today=D0, craving="4", opioid_use="no", alcohol_use="no")
WHOLE_0_10 = "must be a whole number from 0 to 10"
WHOLE_0_3 = "must be a whole number from 0 to 3"
EFFECTS = "nausea, sleep, appetite, muscle_joint_pain, headache, toothache, injection_site"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        pytest.param({"craving": None}, "craving", WHOLE_0_10, id="craving-not-a-number-type"),
        pytest.param({"craving": True}, "craving", WHOLE_0_10, id="craving-bool"),
        pytest.param({"craving": "high"}, "craving", WHOLE_0_10, id="craving-not-digits"),
        pytest.param({"craving": "11"}, "craving", WHOLE_0_10, id="craving-above-10"),
        pytest.param({"craving": "-1"}, "craving", WHOLE_0_10, id="craving-below-0"),
        pytest.param({"opioid_use": "maybe"}, "opioid_use", "must be yes or no", id="opioid-maybe"),
        pytest.param({"alcohol_use": ""}, "alcohol_use", "must be yes or no", id="alcohol-empty"),
        pytest.param({"day": D0 - days(1)}, "day", "a check-in is for today only", id="yesterday"),
        pytest.param({"day": D0 + days(1)}, "day", "a check-in is for today only", id="tomorrow"),
        pytest.param(
            {"use_what": "x" * 201, "opioid_use": "yes"}, "use_what",
            "must be at most 200 characters", id="use-what-201",
        ),
        pytest.param(
            {"use_what": "beer"}, "use_what", "say what was used only when you answered yes",
            id="use-what-without-use",
        ),
        pytest.param(
            {"side_effects": ["nausea", "itch"]}, "side_effects",
            f"unknown side effect 'itch'; use {EFFECTS}", id="side-effect-unknown",
        ),
        pytest.param(
            {"phq2_asked": True}, "phq2_interest", "answer the mood questions", id="phq2-missing"
        ),
        pytest.param(
            {"phq2": ("0", "0", "0")}, "phq2_interest", "the mood questions are not due today",
            id="phq2-not-due",
        ),
        pytest.param(
            {"phq2": ("4", "0", "0"), "phq2_asked": True}, "phq2_interest", WHOLE_0_3,
            id="phq2-interest-4",
        ),
        pytest.param(
            {"phq2": ("0", "-1", "0"), "phq2_asked": True}, "phq2_mood", WHOLE_0_3,
            id="phq2-mood-minus-1",
        ),
        pytest.param(
            {"phq2": ("0", "0", "x"), "phq2_asked": True}, "phq2_self_harm", WHOLE_0_3,
            id="phq2-self-harm-x",
        ),
    ],
)  # fmt: skip
def test_a_refused_check_in_says_why_beside_its_field(
    change: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InputError) as err:
        make_checkin(**{**GOOD, **change})
    assert (err.value.field, err.value.message) == (field, message)


@pytest.mark.parametrize(
    ("craving", "expected"),
    [(0, 0), ("0", 0), (10, 10), ("10", 10), ("7", 7)],
    ids=["int-0", "text-0", "int-10", "text-10", "text-7"],
)
def test_craving_is_read_from_a_number_or_its_digits(craving: object, expected: int) -> None:
    assert make_checkin(**{**GOOD, "craving": craving}).craving == expected


# --- the craving run: the latest of several -------------------------------------------------


def checkin(day: int, craving: int) -> CheckIn:
    return CheckIn(D0 + days(day), craving, False)


@pytest.mark.parametrize(
    ("cravings", "expected"),
    [
        # two runs of three, a low day between: the later run is the one reported
        pytest.param({10: 8, 11: 8, 12: 8, 13: 2, 14: 9, 15: 9, 16: 7}, (14, 16, 3, 9),
                     id="two-runs-latest-wins"),
        # a run of four, then a day without a check-in, then a run of three
        pytest.param({10: 6, 11: 6, 12: 6, 13: 6, 15: 7, 16: 8, 17: 6}, (15, 17, 3, 8),
                     id="gap-then-second-run"),
        # the later stretch is too short (2 days): the earlier run of three is reported
        pytest.param({10: 9, 11: 9, 12: 9, 14: 9, 15: 9}, (10, 12, 3, 9),
                     id="later-stretch-too-short"),
    ],
)  # fmt: skip
def test_the_latest_craving_run_is_reported(
    cravings: dict[int, int], expected: tuple[int, int, int, int]
) -> None:
    cs = [checkin(day, c) for day, c in cravings.items()]
    first, last, length, peak = expected
    assert craving_run(cs, D0 + days(17), P) == CravingRun(
        D0 + days(first), D0 + days(last), length, peak
    )


# --- the dose log's refusals ----------------------------------------------------------------

SCHEDULED = [D0 + days(i) for i in range(-9, 3)]


@pytest.mark.parametrize(
    ("day", "status", "reason", "field", "message"),
    [
        pytest.param(1, "taken", "", "day", "a dose cannot be logged for a day still to come",
                     id="tomorrow"),
        pytest.param(-8, "taken", "", "day", "only today and the past 7 days can be logged",
                     id="eight-days-back"),
        pytest.param(0, "lost", "", "status", "must be taken or skipped", id="status-unknown"),
        pytest.param(0, None, "", "status", "must be taken or skipped", id="status-none"),
        pytest.param(0, "skipped", "x" * 201, "reason", "must be at most 200 characters",
                     id="reason-201"),
        pytest.param(0, "taken", "felt sick", "reason",
                     "a reason is given only for a skipped dose", id="reason-with-taken"),
    ],
)  # fmt: skip
def test_a_refused_dose_entry_says_why_beside_its_field(
    day: int, status: object, reason: str, field: str, message: str
) -> None:
    with pytest.raises(InputError) as err:
        check_dose_entry(D0 + days(day), D0, status, reason, SCHEDULED)
    assert (err.value.field, err.value.message) == (field, message)


@pytest.mark.parametrize(
    ("reason", "kept"),
    [("x" * 200, "x" * 200), ("  " + "x" * 200 + "  ", "x" * 200)],
    ids=["200-chars", "200-chars-padded"],
)
def test_a_skip_reason_of_200_characters_is_kept(reason: str, kept: str) -> None:
    assert check_dose_entry(D0, D0, "skipped", reason, SCHEDULED)[1] == kept
