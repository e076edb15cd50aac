"""The wallet card and the procedures letter (issue 11), decided by the core from the patient's
facts and the policy (shared/clinical-reference.md fact sheet 1.6, 4.1, 4.3, 4.4, 7.1, 7.2; Part A
A5, A6). Table-driven, with the day before, the day of and the day after each boundary."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

import pytest

from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.vocab import Formulation
from naltrack.clinical.wallet import (
    ORAL_CARD_VALID_DAYS,
    SRC_CARD,
    SRC_EMERGENCY_PAIN,
    SRC_IMPLANT,
    SRC_OPIOIDS_BLOCKED,
    SRC_ORAL_BLOCKADE,
    SRC_RESTART,
    SRC_SEDATIVES,
    SRC_SILENT,
    SRC_STOP,
    SRC_STOP_DISAGREE,
    SRC_STOP_HOLD,
    SRC_TOLERANCE,
    SRC_XR_BLOCKADE,
    SRC_XR_DUE,
    CardFacts,
    NoCard,
    ProcedureKind,
    ProcedureLetter,
    Say,
    Statement,
    procedure_letter,
    wallet_card,
)

ON = date(2026, 11, 21)
XR, ORAL, IMPLANT = Formulation.XR_INJECTION, Formulation.ORAL, Formulation.IMPLANT


def injected(days_ago: int, **changes: Any) -> CardFacts:
    return dataclasses.replace(CardFacts(XR, last_dose_on=ON - timedelta(days=days_ago)), **changes)


# --- the card ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "refused"),
    [
        (CardFacts(None), NoCard.NO_TREATMENT),
        (CardFacts(XR, last_dose_on=ON, treatment_stopped=True), NoCard.TREATMENT_STOPPED),
        (CardFacts(XR), NoCard.NO_DOSE_YET),
        (CardFacts(IMPLANT), NoCard.NO_DOSE_YET),
        # a dose dated after `on` is not a dose yet
        (CardFacts(XR, last_dose_on=ON + timedelta(days=1)), NoCard.NO_DOSE_YET),
        # 28 days of blockade (label 5.1): day 0..27 covered; on day 28 the cover has ended
        (injected(28), NoCard.BLOCKADE_ENDED),
        (injected(40), NoCard.BLOCKADE_ENDED),
        (CardFacts(IMPLANT, last_dose_on=ON - timedelta(days=90)), NoCard.BLOCKADE_ENDED),
        (
            CardFacts(IMPLANT, last_dose_on=ON - timedelta(days=30), implant_removed_on=ON),
            NoCard.IMPLANT_REMOVED,
        ),
    ],
)
def test_no_card_states_a_protection_the_patient_does_not_have(
    facts: CardFacts, refused: NoCard
) -> None:
    decision = wallet_card(facts, ON)
    assert decision.card is None and decision.refused is refused


@pytest.mark.parametrize(
    ("days_ago", "blocks_until", "next_due"),
    [
        (0, ON + timedelta(days=27), ON + timedelta(days=28)),
        (20, ON + timedelta(days=7), ON + timedelta(days=8)),
        (27, ON, ON + timedelta(days=1)),  # the last day of the blockade: still a card
    ],
)
def test_injection_card_states_last_injection_blockade_end_and_next_due(
    days_ago: int, blocks_until: date, next_due: date
) -> None:
    card = wallet_card(injected(days_ago), ON).card
    assert card is not None
    last = ON - timedelta(days=days_ago)
    assert (card.last_dose_on, card.blocks_until, card.next_due) == (last, blocks_until, next_due)
    assert card.valid_until == blocks_until  # the verification page expires with the blockade
    said = card.says(Say.LAST_INJECTION)
    assert said is not None and said.params["on"] == last
    until = card.says(Say.BLOCKS_UNTIL)
    assert until is not None and until.params["until"] == blocks_until
    assert "4.1" in until.source and "28 days" in until.source
    due = card.says(Say.NEXT_INJECTION_DUE)
    assert due is not None and due.params["due"] == next_due


def test_every_card_says_what_it_means_for_pain_relief_anaesthesia_and_tolerance() -> None:
    for facts in (injected(3), CardFacts(ORAL), CardFacts(IMPLANT, last_dose_on=ON)):
        card = wallet_card(facts, ON).card
        assert card is not None
        says = [s.say for s in card.statements]
        assert says[:2] == [Say.TAKES_NALTREXONE, Say.FORMULATION]
        assert says[-4:] == [
            Say.OPIOIDS_BLOCKED,
            Say.EMERGENCY_PAIN_OPTIONS,
            Say.IF_OPIOIDS_NEEDED,
            Say.LOW_TOLERANCE,
        ]
        options = card.says(Say.EMERGENCY_PAIN_OPTIONS)
        assert options is not None and "4.3" in options.source
        assert all(s.source for s in card.statements)


@pytest.mark.parametrize(
    ("booked", "shown"),
    [
        (ON + timedelta(days=5), True),
        (ON, True),
        (ON - timedelta(days=1), False),  # a booked day that passed books nothing
        (None, False),
    ],
)
def test_a_booked_next_injection_is_on_the_card_while_it_is_ahead(
    booked: date | None, shown: bool
) -> None:
    card = wallet_card(injected(10, next_injection_booked=booked), ON).card
    assert card is not None
    said = card.says(Say.NEXT_INJECTION_BOOKED)
    assert (said is not None) is shown
    if said is not None:
        assert said.params["on"] == booked


@pytest.mark.parametrize(
    ("dose_mg", "hours"),
    [(None, 24), (25.0, 24), (50.0, 24), (75.0, 24), (100.0, 48), (150.0, 72)],
)
def test_tablet_card_states_how_long_a_dose_blocks(dose_mg: float | None, hours: int) -> None:
    card = wallet_card(CardFacts(ORAL, last_dose_mg=dose_mg), ON).card
    assert card is not None
    said = card.says(Say.ORAL_BLOCKADE)
    assert said is not None and said.params["hours"] == hours and "7.1" in said.source
    assert card.valid_until == ON + timedelta(days=ORAL_CARD_VALID_DAYS)
    assert card.says(Say.LAST_INJECTION) is None and card.next_due is None


@pytest.mark.parametrize(
    ("covered_days", "blocks_until"),
    [(None, ON + timedelta(days=89 - 10)), (120, ON + timedelta(days=119 - 10))],
)
def test_implant_card_uses_the_product_cover_else_the_policy(
    covered_days: int | None, blocks_until: date
) -> None:
    facts = CardFacts(IMPLANT, last_dose_on=ON - timedelta(days=10), implant_covered_days=covered_days)  # fmt: skip
    card = wallet_card(facts, ON).card
    assert card is not None and card.blocks_until == blocks_until
    assert card.says(Say.IMPLANT_INSERTED) is not None and card.next_due is None


def test_the_policy_decides_the_injection_cover_and_reports_its_version() -> None:
    policy = dataclasses.replace(DEFAULT_POLICY, version="clinic-2027", injection_covered_days=30)
    card = wallet_card(injected(28), ON, policy).card
    assert card is not None and card.blocks_until == ON + timedelta(days=1)
    assert card.policy == "clinic-2027"


def test_statements_serialise_dates_as_iso() -> None:
    card = wallet_card(injected(0), ON).card
    assert card is not None
    said = card.says(Say.LAST_INJECTION)
    assert said is not None and said.as_dict()["params"] == {"on": ON.isoformat()}


# --- the procedures letter --------------------------------------------------------------------


def letter(facts: CardFacts, **kw: object) -> ProcedureLetter:
    out = procedure_letter(facts, ON, **kw)  # type: ignore[arg-type]
    assert isinstance(out, ProcedureLetter)
    return out


@pytest.mark.parametrize(
    ("facts", "refused"),
    [
        (CardFacts(None), NoCard.NO_TREATMENT),
        (CardFacts(ORAL, treatment_stopped=True), NoCard.TREATMENT_STOPPED),
    ],
)
def test_no_letter_without_current_treatment(facts: CardFacts, refused: NoCard) -> None:
    assert procedure_letter(facts, ON) is refused


def test_a_procedure_in_the_past_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError) as e:
        procedure_letter(CardFacts(ORAL), ON, procedure_on=ON - timedelta(days=1))
    assert e.value.field == "procedure_on"


@pytest.mark.parametrize(
    ("days_ahead", "say", "params"),
    [
        (
            10,
            Say.LAST_TABLET_BY,
            {"by": ON + timedelta(days=7), "procedure": ON + timedelta(days=10)},
        ),
        (3, Say.LAST_TABLET_BY, {"by": ON, "procedure": ON + timedelta(days=3)}),
        (2, Say.TABLETS_TOO_CLOSE, {"procedure": ON + timedelta(days=2), "hours": 72}),
        (0, Say.TABLETS_TOO_CLOSE, {"procedure": ON, "hours": 72}),
    ],
)
def test_tablets_stop_72_hours_before_a_planned_procedure(
    days_ahead: int, say: Say, params: dict[str, object]
) -> None:
    out = letter(CardFacts(ORAL), procedure_on=ON + timedelta(days=days_ahead))
    stop = out.says(Say.STOP_TABLETS_BEFORE)
    assert stop is not None and stop.params["hours"] == 72 and "1.6" in stop.source
    said = out.says(say)
    assert said is not None and dict(said.params) == params
    other = Say.TABLETS_TOO_CLOSE if say is Say.LAST_TABLET_BY else Say.LAST_TABLET_BY
    assert out.says(other) is None


@pytest.mark.parametrize(
    ("last_days_ago", "days_ahead", "says", "absent"),
    [
        # last injection 10 days ago, procedure in 19 days: 29 days apart, under 30: too close
        (
            10,
            19,
            {Say.LAST_INJECTION_TOO_CLOSE: {"days": 29, "needed": 30}, Say.NO_INJECTION_BEFORE: {}},
            {Say.LAST_INJECTION_CLEAR, Say.LAST_INJECTION_BY},
        ),
        # exactly 30 days apart: clear; the next may not be given before the procedure
        (
            10,
            20,
            {Say.LAST_INJECTION_CLEAR: {"days": 30}, Say.NO_INJECTION_BEFORE: {}},
            {Say.LAST_INJECTION_TOO_CLOSE},
        ),
        # procedure in 30 days: clear, and any further injection no later than today
        (
            10,
            30,
            {Say.LAST_INJECTION_CLEAR: {"days": 40}, Say.LAST_INJECTION_BY: {"by": ON}},
            {Say.NO_INJECTION_BEFORE},
        ),
        (
            10,
            60,
            {Say.LAST_INJECTION_BY: {"by": ON + timedelta(days=30)}},
            {Say.LAST_INJECTION_TOO_CLOSE},
        ),
    ],
)
def test_injection_stops_30_days_before_a_planned_procedure(
    last_days_ago: int,
    days_ahead: int,
    says: dict[Say, dict[str, object]],
    absent: set[Say],
) -> None:
    out = letter(injected(last_days_ago), procedure_on=ON + timedelta(days=days_ahead))
    stop = out.says(Say.STOP_INJECTION_BEFORE)
    assert stop is not None and stop.params == {"days": 30, "blocks_days": 28}
    for say, params in says.items():
        said = out.says(say)
        assert said is not None, say
        for k, v in params.items():
            assert said.params[k] == v, (say, k)
    for say in absent:
        assert out.says(say) is None, say


def test_injection_letter_without_a_date_gives_the_rule_and_the_blockade() -> None:
    out = letter(injected(5))
    until = out.says(Say.BLOCKS_UNTIL)
    assert until is not None and until.params["until"] == ON + timedelta(days=22)
    for say in (Say.LAST_INJECTION_BY, Say.NO_INJECTION_BEFORE, Say.LAST_INJECTION_TOO_CLOSE):
        assert out.says(say) is None


def test_the_letter_says_where_the_reference_is_silent() -> None:
    implant = letter(CardFacts(IMPLANT, last_dose_on=ON - timedelta(days=5)), kind=ProcedureKind.DENTAL)  # fmt: skip
    for say in (Say.IMPLANT_SILENT, Say.ANAESTHETIC_DRUGS_SILENT, Say.DENTAL_SILENT):
        said = implant.says(say)
        assert said is not None and said.source == SRC_SILENT
    assert implant.says(Say.STOP_TIMES_DISAGREE) is None  # no stop time to disagree about
    surgery = letter(CardFacts(ORAL))
    assert surgery.says(Say.DENTAL_SILENT) is None and surgery.says(Say.IMPLANT_SILENT) is None
    disagree = surgery.says(Say.STOP_TIMES_DISAGREE)
    assert disagree is not None and "register 9" in disagree.source


def test_the_letter_covers_pain_relief_anaesthesia_sedatives_and_restarting() -> None:
    out = letter(injected(3), procedure_on=ON + timedelta(days=40))
    for say in (Say.OPIOIDS_BLOCKED, Say.EMERGENCY_PAIN_OPTIONS, Say.IF_OPIOIDS_NEEDED,
                Say.SEDATIVES_NOT_BLOCKED, Say.START_OPIOIDS_LOW, Say.RESTART_AFTER_OPIOIDS):  # fmt: skip
        assert out.says(say) is not None, say
    restart = out.says(Say.RESTART_AFTER_OPIOIDS)
    assert restart is not None and "3-5" in restart.source and "7-10" in restart.source


def test_the_policy_sets_the_stop_times() -> None:
    policy = dataclasses.replace(
        DEFAULT_POLICY, version="clinic-x", surgery_window_days_oral=4,
        surgery_window_days_xr_injection=24,
    )  # fmt: skip
    oral = procedure_letter(CardFacts(ORAL), ON, policy, procedure_on=ON + timedelta(days=10))
    assert isinstance(oral, ProcedureLetter) and oral.policy == "clinic-x"
    by = oral.says(Say.LAST_TABLET_BY)
    assert by is not None and by.params["by"] == ON + timedelta(days=6)
    xr = procedure_letter(injected(1), ON, policy, procedure_on=ON + timedelta(days=24))
    assert isinstance(xr, ProcedureLetter)
    clear = xr.says(Say.LAST_INJECTION_CLEAR)
    assert clear is not None and clear.params["days"] == 25


# Last injection 10 days ago: the next is due in 18 days (day 28). It is held when it falls after
# the last day an injection may be given (the procedure minus 30 days) and by the procedure.
@pytest.mark.parametrize(
    ("days_ahead", "held"),
    [
        (48, False),  # latest injection day = the due day: it is given on time
        (47, True),  # latest = the day before it is due: held
        (30, True),  # latest = today
        (18, False),  # latest is past: no injection at all before the procedure (another statement)
        (60, False),  # due long before the latest day
    ],
)
def test_the_next_injection_is_held_when_it_falls_in_the_30_days_before(
    days_ahead: int, held: bool
) -> None:
    out = letter(injected(10), procedure_on=ON + timedelta(days=days_ahead))
    said = out.says(Say.HOLD_NEXT_INJECTION)
    assert (said is not None) is held
    if said is not None:
        assert said.params == {
            "due": ON + timedelta(days=18),
            "procedure": ON + timedelta(days=days_ahead),
        }
        assert "4.1" in said.source


# --- whole answers: every statement, its parameters and its source, in order -----------------

D = timedelta


def st(say: Say, source: str, **params: object) -> Statement:
    return Statement(say, source, MappingProxyType(params))


CARD_END = [
    st(Say.OPIOIDS_BLOCKED, SRC_OPIOIDS_BLOCKED),
    st(Say.EMERGENCY_PAIN_OPTIONS, SRC_EMERGENCY_PAIN),
    st(Say.IF_OPIOIDS_NEEDED, SRC_EMERGENCY_PAIN),
    st(Say.LOW_TOLERANCE, SRC_TOLERANCE),
]
LETTER_END = [
    st(Say.OPIOIDS_BLOCKED, SRC_OPIOIDS_BLOCKED),
    st(Say.EMERGENCY_PAIN_OPTIONS, SRC_EMERGENCY_PAIN),
    st(Say.IF_OPIOIDS_NEEDED, SRC_EMERGENCY_PAIN),
    st(Say.ANAESTHETIC_DRUGS_SILENT, SRC_SILENT),
    st(Say.SEDATIVES_NOT_BLOCKED, SRC_SEDATIVES),
    st(Say.START_OPIOIDS_LOW, SRC_TOLERANCE),
    st(Say.RESTART_AFTER_OPIOIDS, SRC_RESTART),
]


def takes(form: Formulation) -> list[Statement]:
    return [st(Say.TAKES_NALTREXONE, SRC_CARD), st(Say.FORMULATION, SRC_CARD, formulation=form.value)]  # fmt: skip


@pytest.mark.parametrize(
    ("facts", "expected", "fields"),
    [
        (
            injected(10, next_injection_booked=ON + D(18)),
            [*takes(XR), st(Say.LAST_INJECTION, SRC_CARD, on=ON - D(10)),
             st(Say.BLOCKS_UNTIL, SRC_XR_BLOCKADE, until=ON + D(17)),
             st(Say.NEXT_INJECTION_DUE, SRC_XR_DUE, due=ON + D(18)),
             st(Say.NEXT_INJECTION_BOOKED, SRC_XR_DUE, on=ON + D(18)), *CARD_END],
            (XR, ON + D(17), ON - D(10), ON + D(17), ON + D(18)),
        ),
        (
            injected(0, next_injection_booked=ON),  # booked the day it was given: not a next one
            [*takes(XR), st(Say.LAST_INJECTION, SRC_CARD, on=ON),
             st(Say.BLOCKS_UNTIL, SRC_XR_BLOCKADE, until=ON + D(27)),
             st(Say.NEXT_INJECTION_DUE, SRC_XR_DUE, due=ON + D(28)), *CARD_END],
            (XR, ON + D(27), ON, ON + D(27), ON + D(28)),
        ),
        (
            CardFacts(ORAL, last_dose_on=ON - D(1), last_dose_mg=100.0),
            [*takes(ORAL), st(Say.ORAL_BLOCKADE, SRC_ORAL_BLOCKADE, dose_mg=100, hours=48), *CARD_END],
            (ORAL, ON + D(ORAL_CARD_VALID_DAYS), ON - D(1), None, None),
        ),
        (
            CardFacts(IMPLANT, last_dose_on=ON - D(10), implant_covered_days=120),
            [*takes(IMPLANT), st(Say.IMPLANT_INSERTED, SRC_IMPLANT, on=ON - D(10)),
             st(Say.BLOCKS_UNTIL, SRC_IMPLANT, until=ON + D(109)), *CARD_END],
            (IMPLANT, ON + D(109), ON - D(10), ON + D(109), None),
        ),
    ],
)  # fmt: skip
def test_the_whole_card(facts: CardFacts, expected: list[Statement], fields: tuple[object, ...]) -> None:  # fmt: skip
    card = wallet_card(facts, ON).card
    assert card is not None
    assert list(card.statements) == expected
    assert (card.formulation, card.valid_until, card.last_dose_on, card.blocks_until, card.next_due) == fields  # fmt: skip
    assert (card.issued_on, card.policy) == (ON, DEFAULT_POLICY.version)


@pytest.mark.parametrize(
    ("facts", "kind", "days_ahead", "expected"),
    [
        (
            CardFacts(ORAL, last_dose_mg=50.0), ProcedureKind.DENTAL, 10,
            [*takes(ORAL), st(Say.ORAL_BLOCKADE, SRC_ORAL_BLOCKADE, dose_mg=50, hours=24),
             st(Say.STOP_TABLETS_BEFORE, SRC_STOP, hours=72),
             st(Say.LAST_TABLET_BY, SRC_STOP, by=ON + D(7), procedure=ON + D(10)),
             st(Say.STOP_TIMES_DISAGREE, SRC_STOP_DISAGREE), *LETTER_END,
             st(Say.DENTAL_SILENT, SRC_SILENT)],
        ),
        (
            CardFacts(ORAL, last_dose_mg=150.0), ProcedureKind.SURGERY, 1,
            [*takes(ORAL), st(Say.ORAL_BLOCKADE, SRC_ORAL_BLOCKADE, dose_mg=150, hours=72),
             st(Say.STOP_TABLETS_BEFORE, SRC_STOP, hours=72),
             st(Say.TABLETS_TOO_CLOSE, SRC_STOP, procedure=ON + D(1), hours=72),
             st(Say.STOP_TIMES_DISAGREE, SRC_STOP_DISAGREE), *LETTER_END],
        ),
        (
            injected(10), ProcedureKind.SURGERY, 30,
            [*takes(XR), st(Say.LAST_INJECTION, SRC_CARD, on=ON - D(10)),
             st(Say.BLOCKS_UNTIL, SRC_XR_BLOCKADE, until=ON + D(17)),
             st(Say.STOP_INJECTION_BEFORE, SRC_STOP, days=30, blocks_days=28),
             st(Say.LAST_INJECTION_CLEAR, SRC_STOP, last=ON - D(10), procedure=ON + D(30), days=40),
             st(Say.LAST_INJECTION_BY, SRC_STOP, by=ON, procedure=ON + D(30)),
             st(Say.HOLD_NEXT_INJECTION, SRC_STOP_HOLD, due=ON + D(18), procedure=ON + D(30)),
             st(Say.STOP_TIMES_DISAGREE, SRC_STOP_DISAGREE), *LETTER_END],
        ),
        (
            injected(0), ProcedureKind.SURGERY, 0,  # injected today, procedure today
            [*takes(XR), st(Say.LAST_INJECTION, SRC_CARD, on=ON),
             st(Say.BLOCKS_UNTIL, SRC_XR_BLOCKADE, until=ON + D(27)),
             st(Say.STOP_INJECTION_BEFORE, SRC_STOP, days=30, blocks_days=28),
             st(Say.LAST_INJECTION_TOO_CLOSE, SRC_STOP, last=ON, procedure=ON, days=0, needed=30),
             st(Say.NO_INJECTION_BEFORE, SRC_STOP, procedure=ON),
             st(Say.STOP_TIMES_DISAGREE, SRC_STOP_DISAGREE), *LETTER_END],
        ),
        (
            injected(-1), ProcedureKind.SURGERY, 40,  # an injection dated tomorrow is not given yet
            [*takes(XR), st(Say.STOP_INJECTION_BEFORE, SRC_STOP, days=30, blocks_days=28),
             st(Say.LAST_INJECTION_BY, SRC_STOP, by=ON + D(10), procedure=ON + D(40)),
             st(Say.STOP_TIMES_DISAGREE, SRC_STOP_DISAGREE), *LETTER_END],
        ),
        (
            CardFacts(XR), ProcedureKind.SURGERY, 40,  # no injection yet
            [*takes(XR), st(Say.STOP_INJECTION_BEFORE, SRC_STOP, days=30, blocks_days=28),
             st(Say.LAST_INJECTION_BY, SRC_STOP, by=ON + D(10), procedure=ON + D(40)),
             st(Say.STOP_TIMES_DISAGREE, SRC_STOP_DISAGREE), *LETTER_END],
        ),
        (
            CardFacts(IMPLANT, last_dose_on=ON - D(10)), ProcedureKind.SURGERY, None,
            [*takes(IMPLANT), st(Say.IMPLANT_INSERTED, SRC_IMPLANT, on=ON - D(10)),
             st(Say.BLOCKS_UNTIL, SRC_IMPLANT, until=ON + D(79)),
             st(Say.IMPLANT_SILENT, SRC_SILENT), *LETTER_END],
        ),
    ],
)  # fmt: skip
def test_the_whole_letter(
    facts: CardFacts, kind: ProcedureKind, days_ahead: int | None, expected: list[Statement]
) -> None:
    on = None if days_ahead is None else ON + D(days_ahead)
    out = letter(facts, kind=kind, procedure_on=on)
    assert list(out.statements) == expected
    assert (out.written_on, out.formulation, out.kind, out.procedure_on, out.policy) == (
        ON, facts.formulation, kind, on, DEFAULT_POLICY.version,
    )  # fmt: skip


def test_a_statement_as_json_keeps_numbers_and_writes_dates() -> None:
    said = st(Say.ORAL_BLOCKADE, SRC_ORAL_BLOCKADE, dose_mg=100, hours=48, on=ON)
    assert said.as_dict() == {
        "say": "oral_blockade",
        "params": {"dose_mg": 100, "hours": 48, "on": "2026-11-21"},
        "source": SRC_ORAL_BLOCKADE,
    }


def test_a_past_procedure_is_refused_with_its_reason() -> None:
    with pytest.raises(InputError) as e:
        procedure_letter(CardFacts(ORAL), ON, procedure_on=ON - D(1))
    assert e.value.message == "is before today: a letter is for a procedure still to come"
