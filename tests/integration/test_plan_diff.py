"""Plan versions show what changed and why (issue 12): part by part, before -> after in words; a
long text word by word (difflib); the reason of each version, and "no reason recorded" for a
version written without one before reasons were required."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from naltrack.accounts.roles import Role
from naltrack.patients.models import Patient
from naltrack.treatment.models import TreatmentPlan
from naltrack.treatment.plan_diff import Piece, plan_changes, plan_versions, word_diff
from naltrack.treatment.plans import PlanInput, change_plan
from tests.integration.conftest import (
    COUNSELOR,
    NOW,
    PRESCRIBER,
    TODAY,
    login,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

LONG_BEFORE = "Call my sponsor first, then go for a long walk around the park and breathe slowly"
LONG_AFTER = "Call my sister first, then go for a long walk around the park and write down the urge"

FIRST = PlanInput(formulation="xr_injection", regimen="xr_injection", goals="Return to work",
                  psychosocial=("group_therapy",), triggers="Payday", coping_strategies=LONG_BEFORE)  # fmt: skip
SECOND = PlanInput(formulation="xr_injection", regimen="xr_injection", goals="Return to work",
                   psychosocial=("group_therapy", "cbt"), triggers="Payday; old friends",
                   coping_strategies=LONG_AFTER, relapse_management="Same-week visit")  # fmt: skip


@pytest.fixture
def two_versions(db: None) -> Patient:
    p = started_on_injection("MRN-0600", TODAY - timedelta(days=5))
    change_plan(p, FIRST, reason="Initial plan", actor=PRESCRIBER, at=NOW)
    change_plan(p, SECOND, reason="Relapse plan with the patient", actor=COUNSELOR, at=NOW)
    return p


def test_word_diff_marks_the_words_removed_and_added() -> None:
    before, after = word_diff("take the bus to work", "take the train to work today")
    assert before == (Piece("take the", "same"), Piece("bus", "removed"), Piece("to work", "same"))
    assert after == (Piece("take the", "same"), Piece("train", "added"), Piece("to work", "same"),
                     Piece("today", "added"))  # fmt: skip


def test_word_diff_of_a_text_written_from_nothing_is_all_added() -> None:
    assert word_diff("", "a new plan") == ((), (Piece("a new plan", "added"),))
    assert word_diff("same words", "same words") == ((Piece("same words", "same"),),) * 2


def test_the_changes_are_part_by_part_in_words(two_versions: Patient) -> None:
    new, old = TreatmentPlan.objects.filter(patient=two_versions).order_by("-version")
    changes = {c.name: c for c in plan_changes(old, new)}
    assert list(changes) == ["psychosocial", "triggers", "coping_strategies", "relapse_management"]
    assert (changes["psychosocial"].before, changes["psychosocial"].after) == (
        "Group therapy", "Group therapy, Cognitive behavioural therapy")  # fmt: skip
    short = changes["triggers"]
    assert (short.label, short.before, short.after, short.by_word) == (
        "Relapse prevention: triggers", "Payday", "Payday; old friends", False)  # fmt: skip
    assert changes["relapse_management"].before == "" and not changes["relapse_management"].by_word
    long = changes["coping_strategies"]
    assert long.by_word
    assert [p for p in long.before_words if p.kind == "removed"] == [
        Piece("sponsor", "removed"), Piece("breathe slowly", "removed")]  # fmt: skip
    assert [p for p in long.after_words if p.kind == "added"] == [
        Piece("sister", "added"), Piece("write down the urge", "added")]  # fmt: skip


def test_a_medication_change_reads_in_words(two_versions: Patient) -> None:
    change_plan(two_versions, SECOND.__class__(**{**{n: getattr(SECOND, n) for n in SECOND.__dataclass_fields__},
                                                   "planned_duration_days": 365}),
                reason="A year of treatment", actor=PRESCRIBER, at=NOW)  # fmt: skip
    newest, previous = TreatmentPlan.objects.filter(patient=two_versions).order_by("-version")[:2]
    [change] = plan_changes(previous, newest)
    assert (change.label, change.before, change.after) == (
        "Planned duration (days)",
        "180 days",
        "365 days",
    )


def test_each_version_is_compared_with_the_one_before_it_in_its_episode(
    two_versions: Patient,
) -> None:
    versions = plan_versions(
        list(TreatmentPlan.objects.filter(patient=two_versions).order_by("-version"))
    )
    assert [(v.plan.version, v.first, len(v.changes)) for v in versions] == [
        (2, False, 4),
        (1, True, 0),
    ]


def test_the_history_page_shows_what_changed_and_why(two_versions: Patient) -> None:
    page = (
        login(Role.NURSE, "nina.nurse")
        .get(f"/patients/{two_versions.mrn}/plan/history/")
        .content.decode()
    )
    assert "<strong>Why:</strong> Relapse plan with the patient" in page
    assert "The first version of this episode's plan." in page
    row = re.search(r"<strong>Relapse prevention: triggers</strong></td>(.*?)</tr>", page, re.S)
    assert row and "<td>Payday</td><td>Payday; old friends</td>" in row.group(1)
    coping = re.search(r"Relapse prevention: coping strategies</strong></td>(.*?)</tr>", page, re.S)
    assert coping
    assert '<del><span class="sr-only">removed: </span>sponsor</del>' in coping.group(1)
    assert '<ins><span class="sr-only">added: </span>write down the urge</ins>' in coping.group(1)
    assert "<td>—</td><td>Same-week visit</td>" in page  # relapse management written from nothing


def test_a_version_without_a_reason_reads_no_reason_recorded(two_versions: Patient) -> None:
    TreatmentPlan.objects.filter(patient=two_versions, version=1).update(reason="")
    TreatmentPlan.objects.filter(patient=two_versions, version=2).update(reason="")
    nurse = login(Role.NURSE, "nina.nurse")
    history = nurse.get(f"/patients/{two_versions.mrn}/plan/history/").content.decode()
    assert history.count('<span class="muted">no reason recorded</span>') == 2
    chart = nurse.get(f"/patients/{two_versions.mrn}/").content.decode()
    assert "no reason recorded" in chart


def test_a_patients_portal_edit_shows_in_the_history_as_a_change(two_versions: Patient) -> None:
    from naltrack.treatment.plans import RelapsePreventionInput, patient_edits_relapse_plan
    from tests.integration.portal_helpers import give_portal_account, portal_actor

    change_plan(two_versions, PlanInput(**{**{n: getattr(SECOND, n) for n in SECOND.__dataclass_fields__},
                                           "patient_may_edit": True}),
                reason="Open to the patient", actor=COUNSELOR, at=NOW)  # fmt: skip
    actor = portal_actor(give_portal_account(two_versions))
    patient_edits_relapse_plan(RelapsePreventionInput(warning_signs="Not answering my phone"),
                               based_on_version=3, actor=actor, at=NOW)  # fmt: skip
    page = (
        login(Role.COUNSELOR, "cole.counselor")
        .get(f"/patients/{two_versions.mrn}/plan/history/")
        .content.decode()
    )
    assert "<td>—</td><td>Not answering my phone</td>" in page
    assert "<td>no</td><td>yes</td>" in page  # version 3 opened the plan to the patient


def test_the_chart_shows_both_relapse_plans(two_versions: Patient) -> None:
    chart = (
        login(Role.COUNSELOR, "cole.counselor")
        .get(f"/patients/{two_versions.mrn}/")
        .content.decode()
    )
    card = chart[chart.index('id="h-plan"') : chart.index('id="h-next"')]
    assert "Relapse-prevention plan" in card and "Relapse-management plan" in card
    assert "<li>Triggers: Payday; old friends</li>" in card
    assert "<li>Warning signs: not written yet</li>" in card
    assert "Same-week visit" in card
    assert (
        "Extended-release injection, 380 mg deep gluteal every 28 days" in card
    )  # the regimen in words
