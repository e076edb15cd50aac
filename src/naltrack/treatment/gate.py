"""The induction gate: may a first dose be given on this day? Only when the latest signed
screening allows it (issue 3; Part A A1-A4). Pure reading of the record; no writes."""

from __future__ import annotations

from datetime import date, timedelta

from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import Policy
from naltrack.patients.models import Episode
from naltrack.screening.models import DecisionChoice, ScreeningRecord


def check_first_dose(episode: Episode, day: date, policy: Policy) -> ScreeningRecord:
    """Return the screening that allows a first dose on `day`, or refuse with the reason.

    A screening counts for the days from its own date through the urine-screen look-back
    (Part A A2: a urine screen on the day or the `uds_lookback_days` before): after that the facts
    are stale and the prescriber screens again.
    """
    latest = (
        ScreeningRecord.objects.filter(episode=episode, signed_at__isnull=False)
        .order_by("-as_of", "-signed_at")
        .first()
    )
    if latest is None:
        raise InputError(
            "no signed screening: a prescriber must screen and sign before the first dose",
            "screening",
        )
    last_day = latest.as_of + timedelta(days=policy.uds_lookback_days)
    if day < latest.as_of:
        raise InputError(
            f"the signed screening is dated {latest.as_of}, after this dose", "given_at"
        )
    if day > last_day:
        raise InputError(
            f"the last signed screening ({latest.as_of}) is too old for a first dose on {day} "
            f"(it counts through {last_day}); screen again",
            "screening",
        )
    if latest.overridden:
        return latest
    if latest.decision == DecisionChoice.CONTRAINDICATED:
        raise InputError(
            f"the signed screening of {latest.as_of} found a contraindication; only a prescriber's "
            "override with a written reason allows a first dose",
            "screening",
        )
    if latest.decision == DecisionChoice.NOT_YET:
        when = (
            f"not before {latest.earliest_start_date}"
            if latest.earliest_start_date
            else "not until the deferral is cleared"
        )
        raise InputError(
            f"not yet: the signed screening of {latest.as_of} defers the first dose ({when}); "
            "screen again on that day",
            "screening",
        )
    return latest
