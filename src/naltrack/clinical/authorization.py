"""Insurance coverage and prior authorization (issue 15): the yes/no answers about who pays for an
injection or an implant, decided here and nowhere else.

- a coverage is valid on a day from its first day through its last (open-ended: no last day);
- self-pay, or a program or grant, pays without a payer's prior authorization; insurance valid on
  the day needs one; with no coverage on file the payer is unknown: no approval can be asked for,
  and the worklist shows the benefits as not verified;
- an authorization is active on a day for a formulation when it is approved, for that
  formulation, the day lies within its approved dates, and it has units left;
- the status moves submitted -> approved or denied; denied -> appealed; appealed -> approved or
  denied; an approval is final (a renewal is a new authorization). "Expired" is derived: an
  approval whose last day has passed;
- an approval needs at least one unit and a last day on or after its first day; units used never
  exceed the units approved;
- the worklist shows approvals ending within `prior_auth_lead_days`, and injections due within
  them with no active approval on their due day;
- the MAR: an injection with no active approval where one is needed is a warning, or a refusal
  a prescriber's written override lifts (`injection_without_prior_auth_refused`); an implant's
  insertion (a procedure the prescriber records) is checked the same way and takes a unit of the
  implant's approval.

The reference is silent on all of this but a payer's quantity limit (fact sheet 2.3 [PRACTICE]);
the settings in policy.py say so and hold naltrack's conservative defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .errors import InputError
from .mar import Override, Problem, Refusal, lifts
from .policy import Policy
from .vocab import Formulation


class CoverageKind(StrEnum):
    INSURANCE = "insurance"
    SELF_PAY = "self_pay"
    PROGRAM = "program"  # a program or grant pays


class AuthStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    DENIED = "denied"
    APPEALED = "appealed"
    EXPIRED = "expired"  # derived, never stored: an approval past its last day


# Which status may follow which (an approval is final: a renewal is a new authorization).
TRANSITIONS: dict[AuthStatus, frozenset[AuthStatus]] = {
    AuthStatus.SUBMITTED: frozenset({AuthStatus.APPROVED, AuthStatus.DENIED}),
    AuthStatus.DENIED: frozenset({AuthStatus.APPEALED}),
    AuthStatus.APPEALED: frozenset({AuthStatus.APPROVED, AuthStatus.DENIED}),
    AuthStatus.APPROVED: frozenset(),
    AuthStatus.EXPIRED: frozenset(),
}

# What a prior authorization may be for: the two formulations a payer authorizes.
AUTHORIZED_FORMULATIONS = (Formulation.XR_INJECTION, Formulation.IMPLANT)


@dataclass(frozen=True, slots=True)
class Coverage:
    kind: CoverageKind
    valid_from: date
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class Authorization:
    formulation: str
    status: AuthStatus
    approved_units: int = 0
    units_used: int = 0
    approved_from: date | None = None
    approved_to: date | None = None
    key: int = 0  # the record's id, to name the one the MAR takes a unit from


def check_coverage(kind: str, member_id: str, valid_from: date, valid_to: date | None) -> None:
    """Bad coverage input: an unknown kind, insurance without a member id, dates reversed."""
    if kind not in {k.value for k in CoverageKind}:
        raise InputError(f"must be one of {', '.join(k.value for k in CoverageKind)}", "kind")
    if kind == CoverageKind.INSURANCE and not member_id.strip():
        raise InputError("insurance needs the member id on the card", "member_id")
    if valid_to is not None and valid_to < valid_from:
        raise InputError("ends before the coverage starts", "valid_to")


def coverage_valid(coverage: Coverage, on: date) -> bool:
    return coverage.valid_from <= on and (coverage.valid_to is None or on <= coverage.valid_to)


def pays_without_auth(coverages: Iterable[Coverage], on: date) -> bool:
    """Self-pay, or a program or grant, valid on the day: paid without a payer's approval."""
    return any(
        coverage_valid(c, on) and c.kind in (CoverageKind.SELF_PAY, CoverageKind.PROGRAM)
        for c in coverages
    )


def needs_prior_auth(coverages: Iterable[Coverage], on: date) -> bool:
    """An insurance coverage valid on the day, and no self-pay or program paying instead. With no
    coverage on file the payer is unknown and no approval can be asked for: the worklist shows the
    patient's benefits as not verified instead (`benefits_unverified`)."""
    listed = list(coverages)
    return not pays_without_auth(listed, on) and any(
        coverage_valid(c, on) and c.kind == CoverageKind.INSURANCE for c in listed
    )


def benefits_unverified(coverages: Iterable[Coverage], verified: bool, on: date) -> bool:
    """On the coordinator's list: the injection's benefits not verified, unless self-pay or a
    program pays."""
    return not verified and not pays_without_auth(coverages, on)


def check_transition(current: AuthStatus, new: AuthStatus) -> None:
    if new not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing (record a new one)"
        raise InputError(f"cannot go from {current} to {new}; {current} may become {allowed}",
                         "status")  # fmt: skip


def check_approval(units: int | None, start: date | None, end: date | None) -> None:
    """An approval names its units (at least one) and dates (the last on or after the first)."""
    if units is None or units < 1:
        raise InputError("an approval is for at least 1 unit", "approved_units")
    if start is None:
        raise InputError("give the first day of the approval", "approved_from")
    if end is None:
        raise InputError("give the last day of the approval", "approved_to")
    if end < start:
        raise InputError("the approval ends before it starts", "approved_to")


def check_units_used(used: int, approved: int) -> None:
    if used < 0:
        raise InputError("cannot be negative", "units_used")
    if used > approved:
        raise InputError(f"more units used ({used}) than approved ({approved})", "units_used")


def units_left(pa: Authorization) -> int:
    return max(pa.approved_units - pa.units_used, 0)


def shown_status(pa: Authorization, on: date) -> AuthStatus:
    """The status to show: an approval whose last day has passed reads expired."""
    if pa.status == AuthStatus.APPROVED and pa.approved_to is not None and pa.approved_to < on:
        return AuthStatus.EXPIRED
    return pa.status


def is_active(pa: Authorization, formulation: str, on: date) -> bool:
    return (
        pa.status == AuthStatus.APPROVED
        and pa.formulation == formulation
        and pa.approved_from is not None
        and pa.approved_to is not None
        and pa.approved_from <= on <= pa.approved_to
        and units_left(pa) > 0
    )


def active_authorization(
    pas: Iterable[Authorization], formulation: str, on: date
) -> Authorization | None:
    """The active approval for the formulation on the day; of several, the one ending first (its
    units would be lost first), then the oldest."""
    active = [pa for pa in pas if is_active(pa, formulation, on)]
    return min(active, key=lambda pa: (pa.approved_to, pa.key), default=None)


def lead_until(on: date, policy: Policy) -> date:
    return on + timedelta(days=policy.prior_auth_lead_days)


def expiring_soon(pa: Authorization, on: date, policy: Policy) -> bool:
    """An approval still running whose last day falls within the clinic's lead time."""
    return (
        pa.status == AuthStatus.APPROVED
        and pa.approved_to is not None
        and on <= pa.approved_to <= lead_until(on, policy)
    )


def due_without_authorization(
    due_on: date | None,
    on: date,
    coverages: Iterable[Coverage],
    pas: Iterable[Authorization],
    policy: Policy,
) -> bool:
    """An injection due within the lead time (or already due) for which no approval will be
    active on the day it is given (its due day, or today when that has passed), where one is
    needed."""
    if due_on is None or due_on > lead_until(on, policy):
        return False
    day = max(due_on, on)
    if not needs_prior_auth(coverages, day):
        return False
    return active_authorization(pas, Formulation.XR_INJECTION, day) is None


@dataclass(frozen=True, slots=True)
class DoseAuthorization:
    """The MAR's answer for one dose: the approval to take a unit from (None: none needed or none
    active), and what stands in the way (refusals), is lifted, or is to be confirmed (warnings)."""

    authorization: Authorization | None
    refusals: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    overridden: tuple[Problem, ...] = ()


NO_AUTH_MESSAGE = "no active prior authorization for the injection on this day"
# The implant's insertion is checked as the injection's dose is (its form names the day
# `inserted_on`); what stands in the way is worded for the procedure.
_NO_AUTH = {
    Formulation.XR_INJECTION: (NO_AUTH_MESSAGE, "given_at"),
    Formulation.IMPLANT: (
        "no active prior authorization for the implant on this day",
        "inserted_on",
    ),
}


def decide_dose_authorization(
    formulation: str,
    on: date,
    coverages: Iterable[Coverage],
    pas: Iterable[Authorization],
    policy: Policy,
    override: Override | None = None,
) -> DoseAuthorization:
    """Before a dose is given: take a unit from the active approval; without one where one is
    needed, warn, or refuse when the clinic says so (a prescriber's written override lifts it)."""
    if formulation not in AUTHORIZED_FORMULATIONS or not needs_prior_auth(coverages, on):
        return DoseAuthorization(None)
    active = active_authorization(pas, formulation, on)
    if active is not None:
        return DoseAuthorization(active)
    message, field = _NO_AUTH[Formulation(formulation)]
    problem = Problem(Refusal.NO_PRIOR_AUTHORIZATION, message, field, True)
    if not policy.injection_without_prior_auth_refused:
        return DoseAuthorization(None, warnings=(problem,))
    if lifts(override, problem):
        return DoseAuthorization(None, overridden=(problem,))
    return DoseAuthorization(None, refusals=(problem,))
