"""The clinic policy: every threshold of clinical-reference.md Part A as one frozen object.

Each setting carries what it means and where its number comes from, so that
docs/clinical-rules.md can be generated from this file and a clinician can review it. A clinic
changes thresholds with a TOML file (see `load_policy`); a policy that differs from the default
must carry its own version name, which every result then reports.
"""

from __future__ import annotations

import dataclasses
import itertools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_type_hints

from .errors import InputError
from .vocab import OpioidKind

DEFAULT_VERSION = "naltrack-default-2026.1"


def setting(
    default: Any,
    doc: str,
    source: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> Any:
    """A policy setting with its meaning, source and allowed range (used by the loader and docs)."""
    return field(
        default=default,
        metadata={"doc": doc, "source": source, "minimum": minimum, "maximum": maximum},
    )


@dataclass(frozen=True, slots=True)
class IntervalRule:
    """Opioid-free interval for one last-opioid kind (Part A, A1).

    Calendar days: last use on day D and `deferral_days` 7 gives D+7 as the first allowed day.
    Between D+deferral_days and D+review_days the start needs a clinician's review; with
    `review_days` None the review never ends (buprenorphine depot).
    """

    deferral_days: int
    review_days: int | None


DEFAULT_INTERVALS: Mapping[OpioidKind, IntervalRule] = MappingProxyType(
    {
        OpioidKind.SHORT_ACTING: IntervalRule(7, 7),
        OpioidKind.FENTANYL: IntervalRule(10, 14),
        OpioidKind.METHADONE: IntervalRule(10, 14),
        OpioidKind.BUPRENORPHINE: IntervalRule(10, 14),
        OpioidKind.BUPRENORPHINE_DEPOT: IntervalRule(0, None),
        OpioidKind.UNKNOWN: IntervalRule(10, 14),
    }
)

INTERVAL_SOURCE = (
    "Part A A1; fact sheet 1.2 (VIVITROL and naltrexone tablet labels: 7-10 days; up to 2 weeks "
    "after methadone or buprenorphine; SAMHSA: 10-14 days long-acting); fentanyl, depot and "
    "unknown are naltrack default policy"
)

A2 = "Part A A2; fact sheet 1.3-1.4, 1.12"
A3 = "Part A A3; fact sheet 1.1, 1.7"
A4 = "Part A A4; fact sheet 1.6, 1.8-1.11, 2.3, 5, 6.3"
A5 = "Part A A5; fact sheet 2"
A6 = "Part A A6; fact sheet 4"
CHECKIN = "Part A A6 (check-ins); fact sheet 3, 6.3"
NALOXONE = "Part A A6; fact sheet 4.5 (overdose reversal agent)"
STORAGE = "fact sheet 2.3 (storage and handling)"


@dataclass(frozen=True, slots=True)
class Policy:
    """One clinic's thresholds. Frozen: a rule can never change the policy it was given."""

    version: str = DEFAULT_VERSION
    opioid_free_interval: Mapping[OpioidKind, IntervalRule] = field(
        default_factory=lambda: DEFAULT_INTERVALS,
        metadata={"doc": "Opioid-free interval by last opioid kind", "source": INTERVAL_SOURCE},
    )

    # A2: verifying abstinence
    uds_lookback_days: int = setting(
        3,
        "A urine drug screen counts for OUD screening when dated the decision day or up to "
        "this many days before",
        A2,
        minimum=0,
        maximum=14,
    )
    allow_positive_uds_after_negative_challenge: bool = setting(
        False,
        "A negative naloxone challenge on or after a positive urine screen turns "
        "UDS_POSITIVE from a deferral into a review (TIP 63 2021 update; the label says "
        "contraindication)",
        A2 + "; disagreement register 2",
    )
    naloxone_challenge_repeat_days: int = setting(
        1,
        "Days after a positive naloxone challenge before it may be repeated",
        A2 + " (label: repeat in 24 hours)",
        minimum=1,
        maximum=14,
    )
    cows_withdrawal_min: int = setting(
        5,
        "COWS total at or above which opioid withdrawal defers the start",
        A2 + " (Wesson-Ling mild band starts at 5)",
        minimum=1,
        maximum=48,
    )
    ciwa_ar_withdrawal_min: int = setting(
        10,
        "CIWA-Ar total at or above which alcohol withdrawal defers the start",
        A2 + " (ASAM 2020: moderate from 10)",
        minimum=1,
        maximum=67,
    )

    # A3: liver
    lft_review_multiple: float = setting(
        3.0,
        "ALT or AST above this multiple of its upper limit of normal needs review",
        A3 + " (Lucey 2008, LiverTox: 3x ULN; a practice convention)",
        minimum=1,
        maximum=20,
    )
    lft_block_multiple: float = setting(
        5.0,
        "ALT or AST above this multiple of its upper limit of normal blocks the start "
        "(hold; clinician override)",
        A3 + " (COMBINE >5x ULN; a practice convention)",
        minimum=1,
        maximum=20,
    )
    lft_baseline_max_age_days: int = setting(
        90,
        "Liver tests older than this many days do not count as a baseline",
        A3,
        minimum=1,
        maximum=730,
    )

    # A4: reviews
    pregnancy_test_age_min: int = setting(
        12,
        "Youngest age at which a female patient without a pregnancy status needs a test",
        A4,
        minimum=0,
        maximum=100,
    )
    pregnancy_test_age_max: int = setting(
        55,
        "Oldest age at which a female patient without a pregnancy status needs a test",
        A4,
        minimum=0,
        maximum=100,
    )
    adult_age_years: int = setting(
        18,
        "Below this age naltrexone is off-label",
        A4 + " (labels: approved from 18)",
        minimum=0,
        maximum=30,
    )
    platelets_floor_10e9_per_l: float = setting(
        50.0,
        "Platelets below this (x10^9/L) are a bleeding risk for an injection or implant",
        A4 + " (no label cut-off; a practice setting)",
        minimum=0,
        maximum=500,
    )
    surgery_window_days_oral: int = setting(
        3,
        "Oral: surgery within this many days of the start needs review (stop 72 h before)",
        A4 + " (ASAM 2015, TIP 28: 72 hours)",
        minimum=0,
        maximum=60,
    )
    surgery_window_days_xr_injection: int = setting(
        30,
        "Injection: surgery within this many days of the start needs review",
        A4 + " (ASAM 2015: stop the injection 30 days before)",
        minimum=0,
        maximum=120,
    )
    surgery_window_days_implant: int = setting(
        90,
        "Implant: surgery within this many days of the start needs review",
        A4 + " (implant coverage about 90 days)",
        minimum=0,
        maximum=400,
    )
    phq9_item9_min: int = setting(
        1,
        "PHQ-9 item 9 at or above this needs a same-day suicide-risk assessment",
        A4 + " (fact sheet 6.3)",
        minimum=1,
        maximum=3,
    )
    phq9_depression_info_min: int = setting(
        10,
        "PHQ-9 total at or above this is noted as depression (monitor)",
        A4 + " (Kroenke 2001: 10 and over)",
        minimum=0,
        maximum=27,
    )
    phq9_depression_review_min: int = setting(
        20,
        "PHQ-9 total at or above this needs review before the start",
        A4 + " (Kroenke 2001: severe from 20)",
        minimum=0,
        maximum=27,
    )
    active_drinking_days: int = setting(
        1,
        "AUD with the injection: alcohol on the decision day or up to this many days "
        "before needs review",
        A4 + " (VIVITROL label 1.1: not drinking at the first injection)",
        minimum=0,
        maximum=14,
    )
    needle_2inch_bmi_min: float = setting(
        30.0,
        "Injection: BMI at or above this calls for the 2-inch supplied needle",
        A4 + " (VIVITROL label 2.1: needle by body habitus)",
        minimum=10,
        maximum=80,
    )
    needle_1_5inch_bmi_below: float = setting(
        20.0,
        "Injection: BMI below this: the 1.5-inch supplied needle may suit",
        A4 + " (VIVITROL label 2.1)",
        minimum=10,
        maximum=80,
    )

    # A5: regimens, injections, implants, coverage
    injection_interval_days: int = setting(
        28,
        "Injection: due this many days after the last injection",
        A5 + " (VIVITROL label: every 4 weeks)",
        minimum=7,
        maximum=60,
    )
    injection_earliest_redose_day: int = setting(
        21,
        "Injection: earliest day after the last injection for the next one",
        A5 + " (local protocol; disagreement register 5)",
        minimum=1,
        maximum=60,
    )
    injection_overdue_from_day: int = setting(
        29, "Injection: overdue from this day after the last injection", A5, minimum=1, maximum=90
    )
    late_uds_if_reported_until_day: int = setting(
        34,
        "Late injection up to this day: give, with a urine screen if opioid use is reported",
        A5 + " (a configurable template, not a guideline; fact sheet 2.4)",
        minimum=1,
        maximum=120,
    )
    late_uds_required_until_day: int = setting(
        55,
        "Late injection up to this day: a urine screen is required first and a positive "
        "result holds the injection; later, the prescriber re-screens as for a first dose",
        A5 + " (a configurable template; fact sheet 2.4)",
        minimum=1,
        maximum=180,
    )
    implant_coverage_days: int = setting(
        90,
        "Implant: expected days of coverage (common 1.1-1.7 g products)",
        A5 + " (Hulse: >2 ng/mL for about 90 days with 1.7 g; fact sheet 2.5)",
        minimum=1,
        maximum=400,
    )
    implant_order_min_mg: int = setting(
        1100,
        "Implant orders: the smallest naltrexone dose an implant order may name",
        A5 + " (fact sheet 2.5: the implant series run from 1.1 g to 3.4 g)",
        minimum=1,
        maximum=10_000,
    )
    implant_order_max_mg: int = setting(
        3400,
        "Implant orders: the largest naltrexone dose an implant order may name",
        A5 + " (fact sheet 2.5: the implant series run from 1.1 g to 3.4 g)",
        minimum=1,
        maximum=10_000,
    )
    implant_replacement_lead_days: int = setting(
        14,
        "Implant: replacement due this many days before coverage ends",
        A5,
        minimum=0,
        maximum=90,
    )
    oral_mg_per_covered_day: int = setting(
        50,
        "Oral: each this many mg of a dose cover one day (50 mg 1 day, 100 mg 2, 150 mg 3); "
        "a smaller dose still covers its day",
        A5 + " (label blockade: 50 mg 24 h, 100 mg 48 h, 150 mg 72 h; fact sheet 7.1)",
        minimum=1,
        maximum=400,
    )
    injection_covered_days: int = setting(
        28,
        "Injection: days of coverage credited to one injection",
        A5 + " (label blockade about 28 days)",
        minimum=1,
        maximum=60,
    )
    oral_weekly_total_mg: int = setting(
        350,
        "Oral intermittent schedules must total this many mg a week unless the "
        "prescriber records a reason",
        A5 + " (50 mg x 7; disagreement register 7)",
        minimum=1,
        maximum=2000,
    )
    injection_due_soon_days: int = setting(
        2,
        "Today lists an injection as due from this many days before its due day (a local "
        "worklist choice, so that a visit can be booked before the day)",
        A5 + " (a program setting, not a label number)",
        minimum=0,
        maximum=14,
    )
    labs_reviews_due_soon_days: int = setting(
        7,
        "Today lists a liver test or a plan review as due this week from this many days before "
        "its due day; a due day already past is overdue (a local worklist choice, so that the "
        "test or the review can be booked before the day)",
        A6 + " (a program setting, not a label number)",
        minimum=0,
        maximum=28,
    )
    injection_site_follow_up_days: int = setting(
        7,
        "An injection-site reaction is followed up this many days after it was noted unless "
        "the nurse sets another day (inside the Medication Guide's 'not better within 2 weeks')",
        A6 + " (fact sheet 3: VIVITROL label 5.2; a program setting)",
        minimum=1,
        maximum=14,
    )
    oral_max_single_dose_mg: int = setting(
        150,
        "Oral: the largest single dose the MAR records (the label's schedules go up to 150 mg "
        "every third day); a larger one is refused",
        A5 + " (fact sheet 2.1: 50 mg daily, 100 mg every other day, 150 mg every third day)",
        minimum=25,
        maximum=400,
    )
    pdc_adherent_min: float = setting(
        0.80,
        "Proportion of days covered at or above which a patient counts as adherent",
        A5 + " (PQA PDC convention; fact sheet 9)",
        minimum=0,
        maximum=1,
    )

    # A6: alerts during treatment
    waning_from_day: int = setting(
        25,
        "Injection: from this day after the last injection, with no next injection booked "
        "by the due day, the blockade is waning",
        A6 + " (label 5.1: fatal overdose at the end of the interval)",
        minimum=1,
        maximum=60,
    )
    missed_oral_days_in_a_row: int = setting(
        2,
        "Oral: this many uncovered days in a row raise a missed-dose alert",
        A6,
        minimum=1,
        maximum=30,
    )
    oral_pdc_window_days: int = setting(
        14, "Oral: window in days for the recent-adherence check", A6, minimum=1, maximum=90
    )
    oral_pdc_alert_below: float = setting(
        0.80,
        "Oral: proportion of days covered over the window below which an alert opens",
        A6,
        minimum=0,
        maximum=1,
    )
    post_treatment_risk_days: int = setting(
        30,
        "Days after the last dose's coverage ends during which a stopped patient is at "
        "high overdose risk",
        A6 + " (label 5.1; fact sheet 4.1: 30+ days)",
        minimum=1,
        maximum=365,
    )
    event_lookback_days: int = setting(
        14,
        "Reported opioid use, a positive screen, LFTs and PHQ-9 within this many days can "
        "open an alert",
        A6 + " (naltrack default policy)",
        minimum=1,
        maximum=365,
    )

    # Daily check-in (issue 11). The reference has no check-in thresholds: where it is silent
    # the source says so and the default is the conservative choice that alerts sooner.
    checkin_craving_alert_min: int = setting(
        6,
        "Daily check-in: craving (0-10) at or above this on `checkin_craving_days_running` "
        "check-in days in a row opens a high-craving alert",
        CHECKIN + " (reference silent on a 0-10 check-in threshold; fact sheet 6.6: Hulse 2010's "
        "lower-risk band ends near 3 of 10, so 6 of 10 is well inside the higher-risk range; "
        "naltrack default)",
        minimum=1,
        maximum=10,
    )
    checkin_craving_days_running: int = setting(
        3,
        "Daily check-in: number of calendar days in a row, each with a check-in whose craving "
        "is at or above `checkin_craving_alert_min`, that opens the alert (a day without a "
        "check-in ends the run)",
        CHECKIN + " (reference silent; naltrack default)",
        minimum=1,
        maximum=14,
    )
    phq2_every_days: int = setting(
        7,
        "Daily check-in: the mood questions (PHQ-2 and the thoughts-of-self-harm question) "
        "are asked when none were answered in the last this many days",
        CHECKIN
        + " (reference silent on a schedule; fact sheet 3: monitor for depression and suicidal "
        "thoughts; weekly is more often than PHQ-2's own 2-week window; naltrack default)",
        minimum=1,
        maximum=28,
    )
    phq2_positive_min: int = setting(
        3,
        "Daily check-in: PHQ-2 total (0-6) at or above this is a positive depression screen "
        "and opens an alert (follow up with a PHQ-9)",
        CHECKIN
        + " (PHQ-2 is PHQ-9 items 1-2, fact sheet 6.3; the cut-off 3 is Kroenke 2003, not in "
        "the reference: verify)",
        minimum=1,
        maximum=6,
    )
    # Issue 15: the medication choice aid
    choice_offers_implant: bool = setting(
        False,
        "The medication choice aid offers the naltrexone implant (only where the clinic provides "
        "it)",
        "fact sheet 2.5 (implants are off-label or unapproved in the US; a payer calls them "
        "experimental): off by default",
    )
    # Insurance and prior authorization (issue 15). The reference names only a payer's quantity
    # limit (fact sheet 2.3: 1 injection per 28 days [PRACTICE]); on lead times and on what to do
    # without an authorization it is silent, so the defaults are naltrack's conservative choices.
    prior_auth_lead_days: int = setting(
        21,
        "Prior authorization: an approval ending within this many days, or an injection due "
        "within them with no active approval, is put on the coordinator's worklist and Today",
        "Reference silent on renewal lead times (fact sheet 2.3 names only the payer's 1 per 28 "
        "days [PRACTICE]); naltrack default: three weeks, about one injection interval, so a "
        "renewal is asked for before the next dose",
        minimum=0,
        maximum=120,
    )
    injection_without_prior_auth_refused: bool = setting(
        False,
        "Prior authorization: the MAR refuses an injection with no active approval (a "
        "prescriber's written override for the day lifts it); false: it warns and the nurse "
        "confirms. Self-pay or a program or grant needs no approval",
        "Reference silent (payer rules are [PRACTICE], fact sheet 2.3); naltrack default: warn, "
        "so that a dose is never withheld for want of paperwork unless the clinic decides so",
    )
    # A7: plan
    plan_target_days: int = setting(
        180,
        "Default plan target of continuous treatment",
        "Part A A7 (NQF 3175 continuity)",
        minimum=1,
        maximum=3650,
    )
    continuity_gap_allowed_days: int = setting(
        7,
        "Retention and continuity: an uncovered run of up to this many days inside the window "
        "does not break continuous treatment (a longer one ends it)",
        "Part B 9 (NQF 3175 / MIPS 468 continuity: commonly cited as no gap over 7 days; the "
        "reference marks the spec text UNVERIFIED)",
        minimum=0,
        maximum=60,
    )
    plan_review_every_days: int = setting(
        90,
        "A prescriber reviews the treatment plan this many days after it was written (the Today "
        "page's plan-review group and the care status's review day)",
        "Part A A7 (the reference sets no plan-review interval; product brief: plan reviews; "
        "naltrack default, about one quarter)",
        minimum=7,
        maximum=365,
    )
    # Intake (issue 15): the reference is silent on the steps before the first dose.
    intake_contact_within_days: int = setting(
        1,
        "Intake: a new inquiry (a call, a referral) is called back within this many days of "
        "first contact; after that it is listed on Today as not contacted",
        "Reference silent on intake (Part A starts at the first dose); naltrack default: the "
        "next day, the conservative choice for a person asking to start treatment",
        minimum=0,
        maximum=14,
    )

    # Naloxone kits (issue 15). Part B 4.5 says to discuss and strongly consider a reversal agent
    # at every injection and after stopping; it is silent on how long a kit counts as on hand and
    # on stock levels: conservative naltrack defaults.
    naloxone_on_hand_valid_days: int = setting(
        365,
        "A naloxone kit handed out, or the patient's report of having one, counts as on hand "
        "through this many days after its day; then a kit is offered again",
        NALOXONE + " (reference silent on how long a kit counts as on hand or when to re-offer; "
        "naltrack default: yearly, shorter than the products' usual shelf life, so a kit is "
        "re-offered before it may have expired, been used or lost)",
        minimum=1,
        maximum=730,
    )
    naloxone_reorder_point: int = setting(
        10,
        "Naloxone stock: reorder when the usable (unexpired) kits on the shelf fall to this many "
        "or fewer",
        NALOXONE + " (reference silent on stock levels; naltrack default, a clinic setting)",
        minimum=0,
        maximum=10000,
    )

    # Injection kits (issue 15): storage, expiry and stock. The reference gives the time out of
    # the refrigerator; it is silent on warnings, reordering and a return to the refrigerator.
    kit_room_temperature_max_days: int = setting(
        7,
        "Injection kit: days a kit may spend out of the refrigerator (at most 25 C) before it may "
        "no longer be given; counted from the first time it left the refrigerator, so putting it "
        "back does not restart the clock",
        STORAGE + " (unrefrigerated, at or below 25 C for at most 7 days); the reference is "
        "silent on a return to the refrigerator: naltrack default counts from the first removal",
        minimum=1,
        maximum=7,
    )
    kit_room_temperature_warning_hours: int = setting(
        48,
        "Injection kit: a kit out of the refrigerator is shown as nearing its limit this many "
        "hours before its time out runs out",
        "the reference is silent: naltrack default (two days, to plan its use)",
        minimum=1,
        maximum=168,
    )
    kit_expiry_warning_days: int = setting(
        60,
        "Injection kit: a kit in stock expiring within this many days is shown as expiring soon",
        "the reference is silent: naltrack default (two injection cycles, to use or return it)",
        minimum=1,
        maximum=365,
    )
    kit_reorder_point: int = setting(
        4,
        "Injection kits: reorder when the usable clinic stock (kits not kept for one patient) is "
        "at or below this count",
        "the reference is silent: naltrack default (a clinic sets its own from its patients)",
        minimum=0,
        maximum=1000,
    )
    mar_requires_stock_kit: bool = setting(
        True,
        "Injection: when the clinic keeps a kit stock, the MAR gives an injection only from a "
        "kit in stock (lot and expiry filled from it); with no stock recorded, lot and expiry "
        "are typed in",
        "the reference is silent: naltrack default (issue 15: the MAR picks from the stock)",
    )

    def interval_for(self, kind: OpioidKind) -> IntervalRule:
        return self.opioid_free_interval[kind]


DEFAULT_POLICY = Policy()


# --- loading a clinic's TOML file ------------------------------------------------------------


def scalar_settings() -> list[dataclasses.Field[Any]]:
    """The policy's plain settings in declaration order (all but version and the interval table)."""
    return [
        f for f in dataclasses.fields(Policy) if f.name not in ("version", "opioid_free_interval")
    ]


def _coerce(name: str, value: object, kind: type, meta: Mapping[str, Any]) -> object:
    if kind is bool:
        if not isinstance(value, bool):
            raise InputError("must be true or false", name)
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError("must be a whole number", name)
        number: float = value
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError("must be a number", name)
        number = float(value)
    else:  # pragma: no cover - a new setting type must be taught to the loader
        raise TypeError(f"unsupported setting type for {name}")
    low, high = meta.get("minimum"), meta.get("maximum")
    if low is not None and number < low:
        raise InputError(f"must be at least {low:g} (got {number:g})", name)
    if high is not None and number > high:
        raise InputError(f"must be at most {high:g} (got {number:g})", name)
    return number


def _load_intervals(raw: object) -> Mapping[OpioidKind, IntervalRule]:
    table = dict(DEFAULT_INTERVALS)
    if not isinstance(raw, dict):
        raise InputError("must be a table of opioid kinds", "opioid_free_interval")
    for key, rule in raw.items():
        path = f"opioid_free_interval.{key}"
        try:
            kind = OpioidKind(key)
        except ValueError:
            allowed = ", ".join(k.value for k in OpioidKind)
            raise InputError(f"unknown opioid kind; use one of {allowed}", path) from None
        if not isinstance(rule, dict):
            raise InputError("must be a table with deferral_days and review_days", path)
        unknown = set(rule) - {"deferral_days", "review_days", "review_always"}
        if unknown:
            raise InputError(f"unknown setting {sorted(unknown)[0]!r}", path)
        current = table[kind]
        deferral = rule.get("deferral_days", current.deferral_days)
        if isinstance(deferral, bool) or not isinstance(deferral, int) or not 0 <= deferral <= 120:
            raise InputError(
                "must be a whole number of days from 0 to 120", f"{path}.deferral_days"
            )
        review: int | None
        if rule.get("review_always") is True:
            review = None
        else:
            review = rule.get("review_days", current.review_days)
            if review is not None and (
                isinstance(review, bool) or not isinstance(review, int) or not 0 <= review <= 365
            ):
                raise InputError(
                    "must be a whole number of days from 0 to 365", f"{path}.review_days"
                )
        if review is not None and review < deferral:
            raise InputError("must not be shorter than deferral_days", f"{path}.review_days")
        table[kind] = IntervalRule(deferral, review)
    return MappingProxyType(table)


def policy_from_mapping(raw: Mapping[str, object]) -> Policy:
    """Build a Policy from parsed TOML; refuse a bad value with the setting's name."""
    hints = get_type_hints(Policy)
    by_name = {f.name: f for f in scalar_settings()}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "version":
            if not isinstance(value, str) or not value.strip():
                raise InputError("must be a non-empty text", "version")
            values["version"] = value.strip()
        elif key == "opioid_free_interval":
            values["opioid_free_interval"] = _load_intervals(value)
        elif key in by_name:
            values[key] = _coerce(key, value, hints[key], by_name[key].metadata)
        else:
            raise InputError("unknown setting (check its spelling in docs/clinical-rules.md)", key)
    policy = Policy(**values)
    _check_consistency(policy)
    return policy


def _check_consistency(p: Policy) -> None:
    if p.lft_block_multiple < p.lft_review_multiple:
        raise InputError("must not be below lft_review_multiple", "lft_block_multiple")
    if p.implant_order_max_mg < p.implant_order_min_mg:
        raise InputError("must not be below implant_order_min_mg", "implant_order_max_mg")
    if p.pregnancy_test_age_max < p.pregnancy_test_age_min:
        raise InputError("must not be below pregnancy_test_age_min", "pregnancy_test_age_max")
    if p.phq9_depression_review_min < p.phq9_depression_info_min:
        raise InputError("must not be below phq9_depression_info_min", "phq9_depression_review_min")
    if p.needle_1_5inch_bmi_below > p.needle_2inch_bmi_min:
        raise InputError("must not be above needle_2inch_bmi_min", "needle_1_5inch_bmi_below")
    order = [
        ("injection_earliest_redose_day", p.injection_earliest_redose_day),
        ("injection_interval_days", p.injection_interval_days),
        ("injection_overdue_from_day", p.injection_overdue_from_day - 1),
        ("late_uds_if_reported_until_day", p.late_uds_if_reported_until_day),
        ("late_uds_required_until_day", p.late_uds_required_until_day),
    ]
    for (_, before), (name, after) in itertools.pairwise(order):
        if after < before:
            raise InputError(
                "injection days must run earliest <= due < overdue <= late tiers", name
            )
    if p.waning_from_day > p.injection_interval_days:
        raise InputError("must not be after injection_interval_days", "waning_from_day")
    if p.version == DEFAULT_VERSION and p != DEFAULT_POLICY:
        raise InputError(
            "a policy that changes any threshold needs its own version name, so that every "
            "result shows which policy produced it",
            "version",
        )


def load_policy(path: str | Path) -> Policy:
    """Read a clinic's policy file. Settings it does not name keep their default."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the policy file: {exc.strerror}", "policy") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"the policy file is not valid TOML: {exc}", "policy") from None
    return policy_from_mapping(raw)
