"""The analytic facts: the Parquet tables the extract writes and the measures read (issue 14).
This module is the contract between the two; a column is never renamed or removed, only added.

Patients and episodes appear only by pseudonymous keys (`keys.pseudonym`): a keyed hash that the
clinic's secret makes stable across runs and impossible to reverse without it. Dates are real
(the extract stays inside the clinic); the de-identified export is where they are shifted.
"""

from __future__ import annotations

import pyarrow as pa

EPISODES = pa.schema(
    [
        ("episode_key", pa.string()),
        ("patient_key", pa.string()),
        ("clinic", pa.string()),  # the clinic that fed the store (a network pools several)
        ("start_date", pa.date32()),  # the episode's start (registration of the episode)
        ("first_dose", pa.date32()),  # null: never dosed
        ("end_date", pa.date32()),  # discharge day; null while open
        # why it ended: completed | lost_to_follow_up | transferred | referred_out | died | other;
        # null while open. Transferred, referred out and died censor retention; they are not losses.
        ("end_kind", pa.string()),
        ("treats_oud", pa.bool_()),
        ("treats_aud", pa.bool_()),
        ("sex", pa.string()),  # sex at birth: female | male | other | unknown
        ("age_at_start", pa.int16()),  # whole years at start_date
        ("referral_source", pa.string()),  # intake's source when converted from an inquiry; "" else
        ("formulation", pa.string()),  # the first dose's: oral | xr_injection | implant; null
    ]
)

DOSES = pa.schema(
    [
        ("dose_key", pa.string()),
        ("episode_key", pa.string()),
        ("patient_key", pa.string()),
        ("day", pa.date32()),  # the clinic's day it was given (implants: inserted)
        ("formulation", pa.string()),  # oral | xr_injection | implant
        ("dose_mg", pa.float64()),
        # days this dose supplies, decided by the core (coverage.days_covered_by: tablets by mg,
        # injection 28 days, an implant its own days, cut at an early removal)
        ("covered_days", pa.int32()),
        ("observed", pa.bool_()),  # false: the patient's own word (portal dose log)
        ("first_dose", pa.bool_()),
        ("naloxone_discussed", pa.bool_()),  # at an injection (A6/4.5)
        ("opioid_use_reported", pa.bool_()),
    ]
)

OBSERVATIONS = pa.schema(
    [
        ("obs_key", pa.string()),
        ("patient_key", pa.string()),
        ("episode_key", pa.string()),  # the episode open on that day; null if none
        ("day", pa.date32()),
        # urine_screen | craving | phq9 | phq2 | opioid_use | alcohol_use | audit | ...
        ("kind", pa.string()),
        ("value", pa.float64()),  # score or 0/1; null for a urine screen
        ("band", pa.string()),
        ("opioid_positive", pa.bool_()),  # urine screen or reported use; null when not asked
        ("alcohol_positive", pa.bool_()),
        ("source", pa.string()),  # clinic | self (a portal check-in)
    ]
)

EVENTS = pa.schema(
    [
        ("event_key", pa.string()),
        ("patient_key", pa.string()),
        ("episode_key", pa.string()),
        ("day", pa.date32()),
        # side_effect | alert | overdose | naloxone_kit | missed_appointment
        ("kind", pa.string()),
        ("code", pa.string()),  # side effect kind (injection_site, ...) or alert code
        ("severity", pa.string()),
        ("dose_key", pa.string()),  # the administration it followed, when known
    ]
)

TABLES: dict[str, pa.Schema] = {
    "episodes": EPISODES,
    "doses": DOSES,
    "observations": OBSERVATIONS,
    "events": EVENTS,
}

# Derived by the extract from the doses it has just written (`measures.coverage_of`, the measures'
# own expression), so that the measures read each episode's covered days instead of rebuilding
# them from every dose on each run: the covered runs of each episode, supply carried forward,
# contiguous doses joined, [covered_from, covered_until) (the until day is not covered). Rewritten
# whole on every run; the measures use it only when no dose is later than their as_of day (else
# they build the runs from the doses up to as_of).
COVERAGE = pa.schema(
    [
        ("episode_key", pa.string()),
        ("covered_from", pa.date32()),
        ("covered_until", pa.date32()),
    ]
)

DERIVED: dict[str, pa.Schema] = {"coverage": COVERAGE}
