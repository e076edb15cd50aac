"""Orders against the formulation (clinical/orders.py) and a MAR dose against the active order
(clinical/mar.py `ordered_dose`, `order_refusal`), issue 12. Each row is a boundary of
/work/shared/clinical-reference.md Part A A5 (380 mg injection; oral 50 mg daily, 100 mg every
other day, 150 mg every third day, Mon-Wed-Fri 100/100/150 mg, weekdays 50 + Saturday 100 mg; the
350 mg weekly total unless a reason; targeted dosing AUD only) and fact sheet 2.5 (implants)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from naltrack.clinical.checkin import scheduled_tablets
from naltrack.clinical.errors import InputError
from naltrack.clinical.mar import (
    ActiveOrder,
    FirstDoseGate,
    OralFacts,
    OrdersOnFile,
    Override,
    Problem,
    Refusal,
    SignedScreening,
    UrineScreen,
    decide_injection,
    decide_oral_dose,
    lift,
    order_refusal,
    ordered_dose,
)
from naltrack.clinical.orders import OrderRequest, check_order, order_rules_words, regimen_dose_mg
from naltrack.clinical.policy import DEFAULT_POLICY as P
from naltrack.clinical.policy import policy_from_mapping
from naltrack.clinical.protection import DoseDay, oral_dose_on
from naltrack.clinical.regimens import regimens
from naltrack.clinical.vocab import Formulation, Indication
from tests.unit.test_mar import facts

OUD = frozenset({Indication.OUD})
AUD = frozenset({Indication.AUD})
MONDAY = date(2026, 11, 16)


def request(regimen: str, dose: int, *, indications: frozenset[Indication] = OUD,
            reason: str = "") -> OrderRequest:  # fmt: skip
    formulation = regimens()[regimen].formulation.value if regimen in regimens() else "oral"
    return OrderRequest(formulation, regimen, dose, indications, reason)


def refused(req: OrderRequest, policy: object = P) -> tuple[str, str]:
    with pytest.raises(InputError) as err:
        check_order(req, policy)  # type: ignore[arg-type]
    return err.value.field, err.value.message


# --- signing: the dose the formulation and the regimen allow ------------------------------------


@pytest.mark.parametrize(
    ("regimen", "dose"),
    [
        ("xr_injection", 380),
        ("oral_daily", 50),
        ("oral_every_other_day", 100),
        ("oral_every_third_day", 150),
        ("oral_mwf", 150),
        ("oral_weekdays_sat", 100),
        ("oral_custom", 50),
        ("implant", P.implant_order_min_mg),
        ("implant", P.implant_order_max_mg),
        ("implant", 1800),
    ],
)
def test_an_order_the_formulation_allows_is_signed(regimen: str, dose: int) -> None:
    check_order(request(regimen, dose), P)  # signed: no InputError


def test_targeted_dosing_is_signed_for_alcohol_only() -> None:
    check_order(request("oral_targeted", 50, indications=AUD), P)  # signed: no InputError
    field, message = refused(request("oral_targeted", 50, indications=OUD | AUD))
    assert field == "regimen"
    assert message == (
        "targeted (as-needed) dosing is for alcohol use disorder only; it is refused for a "
        "patient with an OUD indication, who needs a continuous blockade (Part A A5)"
    )
    assert refused(request("oral_targeted", 100, indications=AUD))[0] == "dose_mg"


@pytest.mark.parametrize("dose", [1, 379, 381, 760, 1900, 2000])
def test_an_injection_order_other_than_380_mg_is_refused(dose: int) -> None:
    field, message = refused(request("xr_injection", dose))
    assert field == "dose_mg"
    assert message == (
        f"the injection comes only as 380 mg (fact sheet 2.3); an order for {dose} mg is refused"
    )


@pytest.mark.parametrize(
    ("regimen", "dose", "expected"),
    [
        ("oral_daily", 25, 50),
        ("oral_daily", 100, 50),
        ("oral_daily", 1900, 50),
        ("oral_every_other_day", 50, 100),
        ("oral_every_other_day", 150, 100),
        ("oral_every_third_day", 100, 150),
        ("oral_mwf", 100, 150),
        ("oral_mwf", 350, 150),
        ("oral_weekdays_sat", 50, 100),
    ],
)
def test_an_oral_order_names_its_regimens_own_dose(regimen: str, dose: int, expected: int) -> None:
    field, message = refused(request(regimen, dose))
    assert field == "dose_mg"
    assert message == (
        f"{regimens()[regimen].title}: the order's dose is {expected} mg, not {dose} mg"
    )


def test_a_weekly_pattern_names_its_largest_dose() -> None:
    assert regimen_dose_mg(regimens()["oral_mwf"]) == 150
    assert regimen_dose_mg(regimens()["oral_weekdays_sat"]) == 100
    assert regimen_dose_mg(regimens()["oral_every_other_day"]) == 100
    assert regimen_dose_mg(regimens()["oral_custom"]) is None


@pytest.mark.parametrize("dose", [0, 24, 26, 49, 175, P.oral_max_single_dose_mg + 25])
def test_an_own_schedule_is_whole_half_tablets_up_to_the_largest_dose(dose: int) -> None:
    field, message = refused(request("oral_custom", dose, reason="supervised"))
    assert field == "dose_mg" and message.startswith("an oral dose is 25-150 mg in steps of 25 mg")


@pytest.mark.parametrize(("dose", "reason"), [(25, ""), (75, ""), (100, "  "), (150, "")])
def test_an_own_schedule_off_the_weekly_total_needs_a_reason(dose: int, reason: str) -> None:
    field, message = refused(request("oral_custom", dose, reason=reason))
    assert field == "reason"
    assert message == (
        f"a prescriber's own schedule is read as {dose} mg every day, {dose * 7} mg a week, not "
        "the clinic's weekly total of 350 mg; write the reason to use it (Part A A5)"
    )
    check_order(
        request("oral_custom", dose, reason="liver: lower dose"), P
    )  # signed: no InputError


def test_the_weekly_total_is_the_clinics() -> None:
    clinic = dataclasses.replace(P, oral_weekly_total_mg=525)
    check_order(request("oral_custom", 75), clinic)  # signed: no InputError
    assert refused(request("oral_custom", 50), clinic)[0] == "reason"


@pytest.mark.parametrize("dose", [1, P.implant_order_min_mg - 1, P.implant_order_max_mg + 1, 9000])
def test_an_implant_order_outside_the_clinics_range_is_refused(dose: int) -> None:
    field, message = refused(request("implant", dose))
    assert field == "dose_mg"
    assert message == (
        f"an implant order is 1100-3400 mg (the clinic's implant policy; fact sheet 2.5); {dose} "
        "mg is refused"
    )


def test_the_implant_range_is_a_clinic_setting() -> None:
    clinic = policy_from_mapping(
        {"version": "v", "implant_order_min_mg": 1000, "implant_order_max_mg": 1000}
    )
    check_order(request("implant", 1000), clinic)  # signed: no InputError
    assert refused(request("implant", 1001), clinic)[0] == "dose_mg"
    assert refused(request("implant", 999), clinic)[0] == "dose_mg"
    with pytest.raises(InputError) as err:
        policy_from_mapping(
            {"version": "v", "implant_order_min_mg": 1001, "implant_order_max_mg": 1000}
        )
    assert err.value.field == "implant_order_max_mg"


def test_an_unknown_or_mismatched_regimen_is_refused() -> None:
    assert refused(OrderRequest("oral", "oral_weekly", 50, OUD)) == (
        "regimen",
        "is not a known regimen",
    )
    assert refused(OrderRequest("xr_injection", "oral_daily", 380, OUD)) == (
        "regimen",
        "is a regimen for oral, not xr_injection",
    )


# --- the MAR: a dose against the active order ---------------------------------------------------


def order(regimen: str, dose: int | None = None, signed_on: date = MONDAY) -> OrdersOnFile:
    reg = regimens()[regimen]
    mg = dose if dose is not None else regimen_dose_mg(reg) or 50
    return OrdersOnFile(ActiveOrder(reg.formulation, regimen, mg, signed_on, "pat.prescriber"))


def check(orders: OrdersOnFile, mg: int | None, on: date, *, oral: bool = True,
          induction: bool = False) -> Problem | None:  # fmt: skip
    form = Formulation.ORAL if oral else Formulation.XR_INJECTION
    return order_refusal(orders, form, mg, on, induction=induction, policy=P)


def test_no_active_order_is_refused_and_overridable() -> None:
    problem = check(OrdersOnFile(None), 50, MONDAY)
    assert problem is not None
    assert (problem.code, problem.field, problem.overridable) == (
        Refusal.NO_ACTIVE_ORDER,
        "formulation",
        True,
    )


def test_another_formulation_than_ordered_is_refused() -> None:
    problem = check(order("oral_daily"), 380, MONDAY, oral=False)
    assert problem == Problem(
        Refusal.ORDER_MISMATCH,
        "the active order (Oral, 50 mg once a day (OUD induction: 25 mg on day 1); 50 mg; signed "
        "by pat.prescriber on 2026-11-16) is for tablets, not the injection",
        "formulation",
        overridable=True,
    )


def test_a_dose_before_the_order_was_signed_is_refused() -> None:
    problem = check(order("xr_injection"), 380, MONDAY - timedelta(days=1), oral=False)
    assert problem is not None and (problem.code, problem.field) == (
        Refusal.ORDER_MISMATCH,
        "given_at",
    )
    assert problem.message.endswith("was signed after 2026-11-15")
    assert check(order("xr_injection"), 380, MONDAY, oral=False) is None


def test_an_injection_other_than_the_ordered_dose_is_refused() -> None:
    legacy = order("xr_injection", 1900)
    problem = check(legacy, 380, MONDAY, oral=False)
    assert problem is not None and (problem.code, problem.field) == (
        Refusal.ORDER_MISMATCH,
        "dose_mg",
    )
    assert problem.message.endswith("gives 1900 mg on 2026-11-16, not 380 mg")
    assert ordered_dose(legacy.active, MONDAY + timedelta(days=40), P) == 1900  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("regimen", "offset", "mg", "field"),
    [
        ("oral_every_other_day", 0, 100, None),
        ("oral_every_other_day", 1, 100, "given_at"),
        ("oral_every_other_day", 2, 100, None),
        ("oral_every_other_day", 2, 50, "dose_mg"),
        ("oral_every_third_day", 2, 150, "given_at"),
        ("oral_every_third_day", 3, 150, None),
        ("oral_mwf", 0, 100, None),  # Monday
        ("oral_mwf", 1, 100, "given_at"),  # Tuesday: no tablet
        ("oral_mwf", 4, 150, None),  # Friday
        ("oral_mwf", 4, 100, "dose_mg"),
        ("oral_weekdays_sat", 5, 100, None),  # Saturday
        ("oral_weekdays_sat", 5, 50, "dose_mg"),
        ("oral_weekdays_sat", 6, 50, "given_at"),  # Sunday
        ("oral_daily", 9, 50, None),
        ("oral_daily", 9, 75, "dose_mg"),
    ],
)
def test_a_tablet_follows_the_orders_schedule_from_its_signing_day(
    regimen: str, offset: int, mg: int, field: str | None
) -> None:
    problem = check(order(regimen), mg, MONDAY + timedelta(days=offset))
    assert (problem.field if problem else None) == field
    if problem is not None:
        assert problem.code is Refusal.ORDER_MISMATCH and problem.overridable


def test_the_no_tablet_day_says_so() -> None:
    problem = check(order("oral_every_other_day"), 100, MONDAY + timedelta(days=1))
    assert problem is not None
    assert problem.message == (
        "the active order (Oral, 100 mg every other day; 100 mg; signed by pat.prescriber on "
        "2026-11-16) schedules no tablet on 2026-11-17"
    )


def test_the_induction_tablet_is_the_first_of_an_oud_daily_order_only() -> None:
    assert check(order("oral_daily"), 25, MONDAY, induction=True) is None
    assert check(order("oral_daily"), 50, MONDAY, induction=True) is None
    assert check(order("oral_daily"), 25, MONDAY, induction=False) is not None
    # a regimen without an induction dose gives none
    assert check(order("oral_every_other_day"), 25, MONDAY, induction=True) is not None


def test_an_own_schedule_gives_its_dose_every_day_and_targeted_its_50_mg() -> None:
    own = order("oral_custom", 75)
    for offset in (0, 1, 2, 6):
        assert check(own, 75, MONDAY + timedelta(days=offset)) is None
    assert check(own, 50, MONDAY + timedelta(days=1)) is not None
    targeted = order("oral_targeted")
    assert check(targeted, 50, MONDAY + timedelta(days=3)) is None
    assert check(targeted, 100, MONDAY + timedelta(days=3)) is not None


def test_the_injection_decision_checks_the_order_and_an_override_lifts_it() -> None:
    base = facts(since=None)
    no_order = dataclasses.replace(base, orders=OrdersOnFile(None))
    codes = [r.code for r in decide_injection(no_order, None, P).refusals]
    assert Refusal.NO_ACTIVE_ORDER in codes
    # without orders on file (the `schedule` command's what-if visits) nothing is checked
    assert Refusal.NO_ACTIVE_ORDER not in [r.code for r in decide_injection(base, None, P).refusals]
    ordered = dataclasses.replace(base, orders=order("xr_injection", signed_on=base.on))
    assert Refusal.NO_ACTIVE_ORDER not in [
        r.code for r in decide_injection(ordered, None, P).refusals
    ]
    lifted = dataclasses.replace(
        no_order, override=Override(frozenset({Refusal.NO_ACTIVE_ORDER}), "verbal order", "pat")
    )
    decision = decide_injection(lifted, None, P)
    assert Refusal.NO_ACTIVE_ORDER not in [r.code for r in decision.refusals]
    assert [r.code for r in decision.overridden] == [Refusal.NO_ACTIVE_ORDER]
    assert decision.override is not None and decision.override.reason == "verbal order"


SIGNED = SignedScreening(MONDAY, FirstDoseGate.ALLOWED)


def test_the_oral_decision_checks_the_order_and_an_override_lifts_only_the_order() -> None:
    oral = OralFacts(MONDAY + timedelta(days=1), True, SIGNED, orders=order("oral_every_other_day"))
    decision = decide_oral_dose(oral, 100, P)
    assert [r.code for r in decision.refusals] == [Refusal.ORDER_MISMATCH]
    assert decide_oral_dose(oral, None, P).refusals[0].code == Refusal.ORAL_DOSE
    assert len(decide_oral_dose(oral, None, P).refusals) == 1  # no order check without a dose
    allowed = dataclasses.replace(
        oral, override=Override(frozenset({Refusal.ORDER_MISMATCH}), "travel", "pat")
    )
    decision = decide_oral_dose(allowed, 100, P)
    assert decision.accepted and [r.code for r in decision.overridden] == [Refusal.ORDER_MISMATCH]
    assert decision.override is not None
    # the override never lifts the tablet's strength
    assert [r.code for r in decide_oral_dose(allowed, 110, P).refusals] == [Refusal.ORAL_DOSE]
    plain = decide_oral_dose(dataclasses.replace(oral, override=None), 100, P)
    assert plain.override is None and plain.overridden == ()


def test_the_oral_decision_allows_the_induction_tablet_for_oud_only() -> None:
    negative = (UrineScreen(MONDAY, positive=False),)  # the first dose's urine screen (Part A A2)
    first = OralFacts(MONDAY, False, SIGNED, orders=order("oral_daily"), oud=True,
                      urine_screens=negative)  # fmt: skip
    assert decide_oral_dose(first, 25, P).accepted
    assert not decide_oral_dose(dataclasses.replace(first, oud=False), 25, P).accepted
    later = dataclasses.replace(first, earlier_dose_in_episode=True)
    assert not decide_oral_dose(later, 25, P).accepted


def test_an_override_without_a_reason_or_for_another_code_lifts_nothing() -> None:
    too_early = Problem(Refusal.TOO_EARLY, "m", "given_at", overridable=True)
    fixed = Problem(Refusal.LOT_MISSING, "m", "lot")
    assert lift([too_early, fixed], None) == ([too_early, fixed], [])
    blank = Override(frozenset({Refusal.TOO_EARLY, Refusal.LOT_MISSING}), "  ", "pat")
    assert lift([too_early, fixed], blank) == ([too_early, fixed], [])
    written = Override(frozenset({Refusal.TOO_EARLY, Refusal.LOT_MISSING}), "why", "pat")
    assert lift([too_early, fixed], written) == ([fixed], [too_early])
    other = Override(frozenset({Refusal.ORDER_MISMATCH}), "why", "pat")
    assert lift([too_early], other) == ([too_early], [])


# --- one tablet day for Home, Doses and the MAR -------------------------------------------------


@pytest.mark.parametrize(
    "regimen",
    ["oral_daily", "oral_every_other_day", "oral_every_third_day", "oral_mwf",
     "oral_weekdays_sat", "oral_custom"],
)  # fmt: skip
def test_home_doses_and_the_mar_name_the_same_tablet_every_day(regimen: str) -> None:
    anchor = MONDAY + timedelta(days=2)  # a Wednesday: every-N schedules count from it
    ordered = order(regimen, 50 if regimen == "oral_custom" else None, anchor).active
    assert ordered is not None
    first, last = MONDAY - timedelta(days=3), MONDAY + timedelta(days=20)
    listed = {
        t.day: t.mg for t in scheduled_tablets(regimen, anchor, first, last, ordered.dose_mg, P)
    }
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        home = oral_dose_on(regimen, anchor, day, OUD, P)
        home_mg = ordered.dose_mg if home.kind is DoseDay.AS_DIRECTED else home.mg
        if home.kind is DoseDay.NO_DOSE:
            assert day not in listed and ordered_dose(ordered, day, P) is None
        else:
            assert listed[day] == home_mg == ordered_dose(ordered, day, P)


def test_every_other_day_counts_from_the_orders_day() -> None:
    anchor = MONDAY + timedelta(days=1)
    days = [t.day for t in scheduled_tablets("oral_every_other_day", anchor, MONDAY,
                                             MONDAY + timedelta(days=6), None, P)]  # fmt: skip
    assert days == [anchor + timedelta(days=n) for n in (0, 2, 4)]
    assert (
        scheduled_tablets("xr_injection", anchor, MONDAY, MONDAY + timedelta(days=6), 380, P) == []
    )
    assert scheduled_tablets("oral_targeted", anchor, MONDAY, MONDAY, 50, P) == []
    assert scheduled_tablets("nonsense", anchor, MONDAY, MONDAY, 50, P) == []
    assert scheduled_tablets("oral_daily", anchor, MONDAY + timedelta(days=3), MONDAY, 50, P) == []
    assert [t.day for t in scheduled_tablets("oral_daily", anchor, anchor, anchor, 50, P)] == [
        anchor
    ]


def test_the_formulations_are_named_in_words() -> None:
    implant = order("implant", 1800)
    problem = check(implant, 50, MONDAY)
    assert problem is not None and problem.message.endswith("is for an implant, not tablets")
    assert ordered_dose(implant.active, MONDAY + timedelta(days=100), P) == 1800  # type: ignore[arg-type]


def test_the_order_form_states_the_clinics_numbers() -> None:
    clinic = dataclasses.replace(
        P, oral_weekly_total_mg=420, implant_order_min_mg=1000, implant_order_max_mg=2000
    )
    words = order_rules_words(clinic)
    assert "the injection 380 mg;" in words
    assert "the clinic's weekly total (420 mg); an implant 1000-2000 mg." in words


def test_the_words_of_no_order_and_an_override_that_lifts_nothing() -> None:
    problem = check(OrdersOnFile(None), 50, MONDAY)
    assert problem is not None and problem.message == (
        "there is no active signed order: a prescriber signs one (Orders), or writes an "
        "override for today with the reason"
    )
    oral = OralFacts(
        MONDAY + timedelta(days=1), True, SIGNED, orders=order("oral_every_other_day"),
        override=Override(frozenset({Refusal.TOO_EARLY}), "not this one", "pat"),
    )  # fmt: skip
    decision = decide_oral_dose(oral, 100, P)
    assert [r.code for r in decision.refusals] == [Refusal.ORDER_MISMATCH]
    assert decision.override is None and decision.overridden == ()


def test_the_order_form_sentence_in_full() -> None:
    assert order_rules_words(P) == (
        "The dose must be one the formulation and regimen allow (Part A A5): the injection 380 mg; "
        "tablets the regimen's dose (50 mg daily, 100 mg every other day, 150 mg every third day; "
        "a weekly pattern names its largest dose: Mon-Wed-Fri 150 mg, weekdays + Saturday 100 mg); "
        "your own tablet schedule is a daily dose in 25 mg steps and needs a reason unless it "
        "makes the clinic's weekly total (350 mg); an implant 1100-3400 mg."
    )


def test_a_weekly_pattern_signed_on_a_no_tablet_day_says_no_tablet() -> None:
    tuesday = MONDAY + timedelta(days=1)
    problem = check(order("oral_mwf", signed_on=tuesday), 100, tuesday)
    assert problem is not None and problem.message.endswith("schedules no tablet on 2026-11-17")
    targeted = check(
        order("oral_targeted"), 50, MONDAY, induction=False
    )  # as needed: any day from the signing day
    assert targeted is None
