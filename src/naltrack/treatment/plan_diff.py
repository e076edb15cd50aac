"""What changed between two versions of a plan, part by part, for the plan history: the value
before and after in words; for a long text, word by word (difflib), so that a reader sees the
sentence that changed and not two paragraphs to compare by eye. Reads only; no writes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .models import TreatmentPlan
from .plans import FIELD_ACTIONS, FIELD_LABELS
from .words import formulation_label, regimen_label

# Free-text parts; longer than this on either side, a change is shown word by word.
TEXT_FIELDS = frozenset(
    {"goals", "triggers", "warning_signs", "coping_strategies", "support_contacts",
     "relapse_management", "discontinuation_plan"}
)  # fmt: skip
LONG_TEXT = 60  # characters


def shown(plan: TreatmentPlan, name: str) -> str:
    """One part of the plan in words ("" when it is empty)."""
    if name == "formulation":
        return formulation_label(plan.formulation)
    if name == "regimen":
        return regimen_label(plan.regimen)
    if name == "planned_duration_days":
        return f"{plan.planned_duration_days} days"
    if name == "psychosocial":
        return ", ".join(plan.psychosocial_labels)
    if name == "patient_may_edit":
        return "yes" if plan.patient_may_edit else "no"
    return str(getattr(plan, name))


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of words: the same on both sides, or only before (`removed`), or only after
    (`added`)."""

    text: str
    kind: str  # "same", "removed" or "added"


@dataclass(frozen=True, slots=True)
class FieldChange:
    name: str
    label: str
    before: str
    after: str
    # Word by word, for a long text: the text before with what was removed marked, and the text
    # after with what was added marked; empty for a short value (shown whole, before -> after).
    before_words: tuple[Piece, ...] = ()
    after_words: tuple[Piece, ...] = ()

    @property
    def by_word(self) -> bool:
        return bool(self.before_words or self.after_words)


def _runs(words: list[str], kind: str) -> Piece:
    return Piece(" ".join(words), kind)


def word_diff(before: str, after: str) -> tuple[tuple[Piece, ...], tuple[Piece, ...]]:
    """`before` and `after` as runs of words, each run the same on both sides or changed."""
    old, new = before.split(), after.split()
    left: list[Piece] = []
    right: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append(_runs(old[i1:i2], "same"))
            right.append(_runs(new[j1:j2], "same"))
            continue
        if i2 > i1:
            left.append(_runs(old[i1:i2], "removed"))
        if j2 > j1:
            right.append(_runs(new[j1:j2], "added"))
    return tuple(left), tuple(right)


def plan_changes(previous: TreatmentPlan, plan: TreatmentPlan) -> tuple[FieldChange, ...]:
    """The parts `plan` changed from `previous`, in the plan's order."""
    out = []
    for name in FIELD_ACTIONS:
        before, after = shown(previous, name), shown(plan, name)
        if before == after:
            continue
        words: tuple[tuple[Piece, ...], tuple[Piece, ...]] = ((), ())
        if name in TEXT_FIELDS and before and after and max(len(before), len(after)) > LONG_TEXT:
            words = word_diff(before, after)
        out.append(FieldChange(name, FIELD_LABELS[name], before, after, *words))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class PlanVersion:
    plan: TreatmentPlan
    changes: tuple[FieldChange, ...]
    first: bool  # the first version of its episode's plan: nothing to compare with


def plan_versions(plans: list[TreatmentPlan]) -> list[PlanVersion]:
    """Each version with what changed from the version before it in the same episode."""
    by_key = {(p.episode_id, p.version): p for p in plans}
    out = []
    for plan in plans:
        previous = by_key.get((plan.episode_id, plan.version - 1))
        changes = plan_changes(previous, plan) if previous is not None else ()
        out.append(PlanVersion(plan, changes, first=previous is None))
    return out
