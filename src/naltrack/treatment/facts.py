"""Reading the record into the core's frozen facts for the MAR (clinical/mar.py). Queries only:
no decision is made here, and nothing is written."""

from __future__ import annotations

from datetime import date, timedelta

from naltrack.clinical.mar import (
    ActiveOrder,
    FirstDoseGate,
    InjectionFacts,
    OralFacts,
    OrdersOnFile,
    Override,
    PriorInjection,
    SignedScreening,
    UrineScreen,
)
from naltrack.clinical.vocab import Formulation, Indication, Side
from naltrack.clock import local_day
from naltrack.monitoring.models import Observation, ObservationKind
from naltrack.patients.models import Episode, Patient
from naltrack.screening.models import DecisionChoice, ScreeningRecord

from .models import (
    Administration,
    AdministrationStatus,
    Implant,
    InjectionOverride,
    Order,
    OrderStatus,
)

GATES = {
    DecisionChoice.CONTRAINDICATED: FirstDoseGate.CONTRAINDICATED,
    DecisionChoice.NOT_YET: FirstDoseGate.NOT_YET,
}


def latest_bmi(patient: Patient, on: date) -> float | None:
    row = (
        Observation.objects.filter(patient=patient, kind=ObservationKind.WEIGHT, observed_on__lte=on)
        .order_by("-observed_on", "-id").values_list("data", flat=True).first()
    )  # fmt: skip
    return float(row["bmi"]) if row and row.get("bmi") is not None else None


def last_injection(patient: Patient, on: date) -> PriorInjection | None:
    """The last injection given on or before `on`."""
    row = (
        Administration.objects.filter(
            patient=patient, status=AdministrationStatus.GIVEN,
            formulation=Formulation.XR_INJECTION, given_on__lte=on,
        ).order_by("-given_on", "-given_at", "-id").values_list("given_on", "site").first()
    )  # fmt: skip
    if row is None:
        return None
    day, site = row
    return PriorInjection(day, Side(site) if site in Side.__members__.values() else None)


def earlier_dose_in(episode: Episode) -> bool:
    return (
        Administration.objects.filter(episode=episode, status=AdministrationStatus.GIVEN).exists()
        or Implant.objects.filter(episode=episode).exists()
    )


def signed_screening(episode: Episode) -> SignedScreening | None:
    """The latest signed screening of the episode, as the core reads it."""
    latest = (
        ScreeningRecord.objects.filter(episode=episode, signed_at__isnull=False)
        .order_by("-as_of", "-signed_at")
        .first()
    )
    if latest is None:
        return None
    return SignedScreening(
        latest.as_of,
        GATES.get(DecisionChoice(latest.decision), FirstDoseGate.ALLOWED),
        latest.earliest_start_date,
        bool(latest.overridden),
    )


# The widest urine-screen window a rule reads: the first-dose look-back (Part A A2), which a clinic
# may set up to the policy's maximum of `uds_lookback_days`; the core picks its own days from these.
URINE_SCREEN_DAYS = 14


def urine_screens(patient: Patient, on: date) -> tuple[UrineScreen, ...]:
    """The urine screens of `on` and the days before (the band says whether any analyte was
    positive: monitoring.services.read_observation)."""
    rows = Observation.objects.filter(
        patient=patient, kind=ObservationKind.URINE_SCREEN,
        observed_on__gte=on - timedelta(days=URINE_SCREEN_DAYS), observed_on__lte=on,
    ).values_list("observed_on", "band")  # fmt: skip
    return tuple(UrineScreen(day, band == "positive") for day, band in rows)


def opioid_use_reported_on(patient: Patient, on: date) -> bool:
    """A substance-use check-in of the day that reports opioid use."""
    rows = Observation.objects.filter(
        patient=patient, kind=ObservationKind.SUBSTANCE_USE, observed_on=on
    ).values_list("data", flat=True)
    return any(bool(d.get("opioid")) for d in rows)


def override_for(patient: Patient, on: date) -> Override | None:
    """The prescriber's written overrides for `on`: the codes of all of them lift; the latest
    one's reason and author are shown."""
    rows = list(InjectionOverride.objects.filter(patient=patient, on=on))
    if not rows:
        return None
    codes = frozenset(code for row in rows for code in row.codes)
    return Override(codes, rows[0].reason, rows[0].authorized_by)


def active_order(episode: Episode | None) -> Order | None:
    """The episode's active signed order (signing a new one stops the previous one)."""
    if episode is None:
        return None
    return (
        Order.objects.filter(episode=episode, status=OrderStatus.ACTIVE)
        .order_by("-signed_at", "-id")
        .first()
    )


def as_active_order(order: Order) -> ActiveOrder:
    return ActiveOrder(
        Formulation(order.formulation), order.regimen, order.dose_mg, local_day(order.signed_at),
        order.signed_by,
    )  # fmt: skip


def orders_on_file(episode: Episode) -> OrdersOnFile:
    order = active_order(episode)
    return OrdersOnFile(as_active_order(order) if order else None)


def tablet_order(patient: Patient) -> ActiveOrder | None:
    """The active oral order of the patient's active episode: the one truth of which tablets are
    due on which day (its regimen, counted from the day it was signed). The portal's Home and
    Doses pages and the MAR all read it."""
    order = (
        Order.objects.filter(patient=patient, episode__status="active", status=OrderStatus.ACTIVE)
        .order_by("-signed_at", "-id")
        .first()
    )
    if order is None or order.formulation != Formulation.ORAL:
        return None
    return as_active_order(order)


def injection_facts(
    patient: Patient, episode: Episode, on: date, *, opioid_use_reported: bool = False
) -> InjectionFacts:
    return InjectionFacts(
        on=on,
        last_injection=last_injection(patient, on),
        earlier_dose_in_episode=earlier_dose_in(episode),
        bmi=latest_bmi(patient, on),
        screening=signed_screening(episode),
        opioid_use_reported=opioid_use_reported or opioid_use_reported_on(patient, on),
        urine_screens=urine_screens(patient, on),
        override=override_for(patient, on),
        oud=Indication.OUD in episode.indications,
        orders=orders_on_file(episode),
    )


def oral_facts(episode: Episode, on: date) -> OralFacts:
    return OralFacts(
        on, earlier_dose_in(episode), signed_screening(episode), orders=orders_on_file(episode),
        oud=Indication.OUD in episode.indications,
        urine_screens=urine_screens(episode.patient, on),
        override=override_for(episode.patient, on),
    )  # fmt: skip
