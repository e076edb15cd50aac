"""Insurance coverage and prior authorization in the core (clinical/authorization.py): validity,
which approval is active, the status transitions, bad input, the lead time and the MAR's answer.
The day before, of and after each boundary."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from naltrack.clinical.authorization import (
    TRANSITIONS,
    Authorization,
    AuthStatus,
    Coverage,
    CoverageKind,
    active_authorization,
    benefits_unverified,
    check_approval,
    check_coverage,
    check_transition,
    check_units_used,
    coverage_valid,
    decide_dose_authorization,
    due_without_authorization,
    expiring_soon,
    is_active,
    lead_until,
    needs_prior_auth,
    pays_without_auth,
    shown_status,
    units_left,
)
from naltrack.clinical.errors import InputError
from naltrack.clinical.mar import Override, Refusal
from naltrack.clinical.policy import DEFAULT_POLICY

P = DEFAULT_POLICY
REFUSE = dataclasses.replace(P, injection_without_prior_auth_refused=True, version="t")
ON = date(2026, 11, 21)
XR, IMPLANT, ORAL = "xr_injection", "implant", "oral"
S = AuthStatus


def d(n: int) -> date:
    return ON + timedelta(days=n)


def approved(start: int = -10, end: int = 30, units: int = 2, used: int = 0, *, key: int = 1,
             formulation: str = XR, status: AuthStatus = S.APPROVED) -> Authorization:  # fmt: skip
    return Authorization(formulation, status, units, used, d(start), d(end), key)


INS = Coverage(CoverageKind.INSURANCE, d(-100))
SELF = Coverage(CoverageKind.SELF_PAY, d(-100))
PROG = Coverage(CoverageKind.PROGRAM, d(-100))


# ---- coverage ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "valid"),
    [
        (0, None, True),
        (1, None, False),
        (-5, -1, False),
        (-5, 0, True),
        (0, 0, True),
        (-5, 3, True),
    ],
)
def test_a_coverage_is_valid_from_its_first_through_its_last_day(
    start: int, end: int | None, valid: bool
) -> None:
    c = Coverage(CoverageKind.INSURANCE, d(start), None if end is None else d(end))
    assert coverage_valid(c, ON) is valid


def test_self_pay_and_program_pay_without_prior_authorization() -> None:
    assert needs_prior_auth([INS], ON)
    assert not needs_prior_auth([SELF], ON)
    assert not needs_prior_auth([PROG], ON)
    assert not needs_prior_auth([INS, PROG], ON)
    assert not needs_prior_auth([], ON)  # no coverage on file: the payer is unknown
    assert pays_without_auth([SELF], ON) and pays_without_auth([PROG], ON)
    assert not pays_without_auth([INS], ON) and not pays_without_auth([], ON)


def test_only_coverage_valid_on_the_day_counts() -> None:
    ended_self = Coverage(CoverageKind.SELF_PAY, d(-100), d(-1))
    assert needs_prior_auth([INS, ended_self], ON)
    assert not pays_without_auth([ended_self], ON)
    future_ins = Coverage(CoverageKind.INSURANCE, d(1))
    assert not needs_prior_auth([future_ins], ON)
    assert needs_prior_auth([future_ins], d(1))


def test_benefits_unverified_unless_verified_or_paid_without_authorization() -> None:
    assert benefits_unverified([INS], False, ON)
    assert benefits_unverified([], False, ON)
    assert not benefits_unverified([INS], True, ON)
    assert not benefits_unverified([SELF], False, ON)


KINDS = "must be one of insurance, self_pay, program"
MEMBER = "insurance needs the member id on the card"
REVERSED = "ends before the coverage starts"


@pytest.mark.parametrize(
    ("kind", "member", "start", "end", "field", "message"),
    [
        ("gold", "M1", 0, None, "kind", KINDS),
        ("insurance", "", 0, None, "member_id", MEMBER),
        ("insurance", "   ", 0, None, "member_id", MEMBER),
        ("insurance", "M1", 0, -1, "valid_to", REVERSED),
        ("self_pay", "", 0, -1, "valid_to", REVERSED),
    ],
)
def test_bad_coverage_input_names_its_field(
    kind: str, member: str, start: int, end: int | None, field: str, message: str
) -> None:
    with pytest.raises(InputError) as exc:
        check_coverage(kind, member, d(start), None if end is None else d(end))
    assert (exc.value.field, exc.value.message) == (field, message)


@pytest.mark.parametrize(
    ("kind", "member", "end"),
    [("insurance", "M1", None), ("insurance", "M1", 0), ("self_pay", "", None), ("program", "", 3)],
)
def test_good_coverage_input_passes(kind: str, member: str, end: int | None) -> None:
    check_coverage(kind, member, ON, None if end is None else d(end))


# ---- transitions and approvals -----------------------------------------------------------------

ALLOWED = {
    (S.SUBMITTED, S.APPROVED),
    (S.SUBMITTED, S.DENIED),
    (S.DENIED, S.APPEALED),
    (S.APPEALED, S.APPROVED),
    (S.APPEALED, S.DENIED),
}


@pytest.mark.parametrize("current", list(AuthStatus), ids=lambda s: s.value)
@pytest.mark.parametrize("new", list(AuthStatus), ids=lambda s: s.value)
def test_every_transition_is_allowed_or_refused(current: AuthStatus, new: AuthStatus) -> None:
    if (current, new) in ALLOWED:
        check_transition(current, new)
    else:
        with pytest.raises(InputError) as exc:
            check_transition(current, new)
        assert exc.value.field == "status"
        assert f"cannot go from {current} to {new}" in exc.value.message


def test_the_transition_table_is_the_allowed_set() -> None:
    assert {(a, b) for a, bs in TRANSITIONS.items() for b in bs} == ALLOWED
    with pytest.raises(InputError) as exc:
        check_transition(S.SUBMITTED, S.APPEALED)
    assert exc.value.message == (
        "cannot go from submitted to appealed; submitted may become approved, denied"
    )
    with pytest.raises(InputError) as exc:
        check_transition(S.APPROVED, S.DENIED)
    assert exc.value.message == (
        "cannot go from approved to denied; approved may become nothing (record a new one)"
    )
    with pytest.raises(InputError, match="nothing"):
        check_transition(S.APPROVED, S.DENIED)
    with pytest.raises(InputError, match="may become appealed"):
        check_transition(S.DENIED, S.APPROVED)


UNITS = "an approval is for at least 1 unit"


@pytest.mark.parametrize(
    ("units", "start", "end", "field", "message"),
    [
        (0, 0, 10, "approved_units", UNITS),
        (-1, 0, 10, "approved_units", UNITS),
        (None, 0, 10, "approved_units", UNITS),
        (1, None, 10, "approved_from", "give the first day of the approval"),
        (1, 0, None, "approved_to", "give the last day of the approval"),
        (1, 0, -1, "approved_to", "the approval ends before it starts"),
    ],
)
def test_bad_approval_names_its_field(
    units: int | None, start: int | None, end: int | None, field: str, message: str
) -> None:
    with pytest.raises(InputError) as exc:
        check_approval(units, None if start is None else d(start), None if end is None else d(end))
    assert (exc.value.field, exc.value.message) == (field, message)


def test_an_approval_of_one_unit_on_one_day_is_good() -> None:
    check_approval(1, ON, ON)


def test_an_approval_ending_before_it_starts_says_so() -> None:
    with pytest.raises(InputError, match="ends before it starts"):
        check_approval(1, ON, d(-1))


@pytest.mark.parametrize(
    ("used", "approved", "message"),
    [
        (0, 0, None),
        (2, 2, None),
        (3, 2, "more units used (3) than approved (2)"),
        (-1, 2, "cannot be negative"),
    ],
    ids=["none-of-none", "all-used", "more-than-approved", "negative"],
)
def test_units_used_never_exceed_units_approved(
    used: int, approved: int, message: str | None
) -> None:
    if message is None:
        check_units_used(used, approved)
    else:
        with pytest.raises(InputError) as exc:
            check_units_used(used, approved)
        assert (exc.value.field, exc.value.message) == ("units_used", message)


def test_units_left() -> None:
    assert units_left(approved(units=3, used=1)) == 2
    assert units_left(approved(units=2, used=2)) == 0
    assert units_left(approved(units=1, used=3)) == 0


def test_an_approval_past_its_last_day_shows_expired() -> None:
    assert shown_status(approved(end=0), ON) == S.APPROVED
    assert shown_status(approved(end=-1), ON) == S.EXPIRED
    assert shown_status(approved(end=-1, status=S.DENIED), ON) == S.DENIED
    assert shown_status(Authorization(XR, S.SUBMITTED), ON) == S.SUBMITTED
    assert shown_status(Authorization(XR, S.APPROVED), ON) == S.APPROVED


# ---- active -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pa", "formulation", "active"),
    [
        (approved(), XR, True),
        (approved(start=0), XR, True),
        (approved(start=1), XR, False),
        (approved(end=0), XR, True),
        (approved(end=-1), XR, False),
        (approved(units=2, used=1), XR, True),
        (approved(units=2, used=2), XR, False),
        (approved(), IMPLANT, False),
        (approved(formulation=IMPLANT), IMPLANT, True),
        (approved(status=S.SUBMITTED), XR, False),
        (approved(status=S.APPEALED), XR, False),
        (Authorization(XR, S.APPROVED, 2, 0, None, d(5)), XR, False),
        (Authorization(XR, S.APPROVED, 2, 0, d(-5), None), XR, False),
    ],
)
def test_an_approval_is_active_within_its_dates_with_units_left(
    pa: Authorization, formulation: str, active: bool
) -> None:
    assert is_active(pa, formulation, ON) is active
    assert (active_authorization([pa], formulation, ON) == pa) is active


def test_of_several_active_approvals_the_one_ending_first_then_the_oldest() -> None:
    late, early = approved(end=40, key=1), approved(end=20, key=2)
    assert active_authorization([late, early], XR, ON) == early
    a, b = approved(end=20, key=5), approved(end=20, key=3)
    assert active_authorization([a, b], XR, ON) == b
    assert active_authorization([], XR, ON) is None


# ---- lead time and the worklist ---------------------------------------------------------------


def test_lead_until_is_the_lead_days_ahead() -> None:
    assert P.prior_auth_lead_days == 21
    assert lead_until(ON, P) == d(21)


@pytest.mark.parametrize(
    ("end", "soon"), [(-1, False), (0, True), (10, True), (21, True), (22, False)]
)
def test_expiring_within_the_lead_time(end: int, soon: bool) -> None:
    assert expiring_soon(approved(end=end), ON, P) is soon


def test_only_an_approval_expires() -> None:
    assert not expiring_soon(approved(end=5, status=S.DENIED), ON, P)
    assert not expiring_soon(Authorization(XR, S.APPROVED), ON, P)


@pytest.mark.parametrize(
    ("due", "coverages", "pas", "flagged"),
    [
        (None, [INS], [], False),
        (21, [INS], [], True),
        (22, [INS], [], False),
        (0, [INS], [], True),
        (-3, [INS], [], True),  # overdue: due today
        (5, [SELF], [], False),
        (5, [], [], False),
        (5, [INS], [approved(end=5)], False),
        (5, [INS], [approved(end=4)], True),  # ends before the due day
        (-3, [INS], [approved(start=-1, end=5)], False),  # overdue: active today
        (-3, [INS], [approved(start=1, end=5)], True),
        (5, [INS], [approved(formulation=IMPLANT)], True),
        (5, [INS], [approved(used=2)], True),
    ],
)
def test_injection_due_without_authorization(
    due: int | None, coverages: list[Coverage], pas: list[Authorization], flagged: bool
) -> None:
    on_day = None if due is None else d(due)
    assert due_without_authorization(on_day, ON, coverages, pas, P) is flagged


# ---- the MAR --------------------------------------------------------------------------------


def test_an_active_approval_is_taken_from() -> None:
    pa = approved()
    out = decide_dose_authorization(XR, ON, [INS], [pa], REFUSE)
    assert out.authorization == pa and not out.refusals and not out.warnings


@pytest.mark.parametrize("coverages", [[SELF], [PROG], []])
def test_no_authorization_needed_takes_nothing_and_says_nothing(coverages: list[Coverage]) -> None:
    out = decide_dose_authorization(XR, ON, coverages, [approved()], REFUSE)
    assert out.authorization is None and not out.refusals and not out.warnings


def test_a_tablet_needs_no_authorization() -> None:
    out = decide_dose_authorization(ORAL, ON, [INS], [], REFUSE)
    assert out.authorization is None and not out.refusals and not out.warnings


def test_without_an_approval_the_default_policy_warns() -> None:
    assert P.injection_without_prior_auth_refused is False
    out = decide_dose_authorization(XR, ON, [INS], [approved(end=-1)], P)
    assert out.authorization is None and not out.refusals
    (w,) = out.warnings
    assert w.code == Refusal.NO_PRIOR_AUTHORIZATION and w.field == "given_at" and w.overridable


def test_without_an_approval_a_refusing_clinic_refuses_overridably() -> None:
    out = decide_dose_authorization(XR, ON, [INS], [], REFUSE)
    (r,) = out.refusals
    assert r.code == Refusal.NO_PRIOR_AUTHORIZATION and r.overridable and not out.warnings
    assert r.message == "no active prior authorization for the injection on this day"
    assert r.field == "given_at"
    (implant,) = decide_dose_authorization(IMPLANT, ON, [INS], [], REFUSE).refusals
    assert implant.message == "no active prior authorization for the implant on this day"
    assert implant.field == "inserted_on"  # the implant form's day


def test_a_prescribers_override_lifts_the_refusal() -> None:
    override = Override(frozenset({Refusal.NO_PRIOR_AUTHORIZATION.value}), "paid later", "pat")
    out = decide_dose_authorization(XR, ON, [INS], [], REFUSE, override)
    assert not out.refusals and len(out.overridden) == 1
    other = Override(frozenset({Refusal.TOO_EARLY.value}), "x", "pat")
    assert decide_dose_authorization(XR, ON, [INS], [], REFUSE, other).refusals
    no_reason = Override(frozenset({Refusal.NO_PRIOR_AUTHORIZATION.value}), " ", "pat")
    assert decide_dose_authorization(XR, ON, [INS], [], REFUSE, no_reason).refusals
