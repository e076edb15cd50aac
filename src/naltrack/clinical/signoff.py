"""What a prescriber's signature on a screening must cover (issue 12): the facts a start cannot be
decided without, and what the signature names as reviewed.

A screening that lacks a required fact reads what is missing, never "may start today": Part A A1
(OUD without a date of last opioid use: LAST_OPIOID_USE_UNKNOWN), A2 (OUD without a urine drug
screen on the decision day or the look-back days before it: UDS_MISSING; a positive naloxone
challenge whose repeat is not recorded: NALOXONE_CHALLENGE_POSITIVE as a review) and A4 (a patient
who could be pregnant with no pregnancy status: PREGNANCY_STATUS_UNKNOWN, "do a pregnancy test
before the first dose"). These findings are reviews in the contract (the decision stays
`needs_review`), but no signature can turn them into a start: the fact has to be recorded and the
patient screened again. A naloxone challenge itself is not required (Part A A2, the label).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from .errors import InputError
from .findings import BlockKind, Code, Decision, Finding, Severity


@dataclass(frozen=True, slots=True)
class MissingFact:
    """A fact a start cannot be decided without: the contract's input field, what to record, and
    the finding that says it is missing."""

    fact: str
    words: str
    code: Code

    def as_dict(self) -> dict[str, str]:
        return {"fact": self.fact, "words": self.words, "code": self.code.value}


# The review findings that mean a required fact is missing (Part A A1, A2, A4).
REQUIRED_FACTS: dict[Code, tuple[str, str]] = {
    Code.LAST_OPIOID_USE_UNKNOWN: ("last_opioid_use", "the date and kind of last opioid use"),
    Code.UDS_MISSING: ("urine_drug_screen", "a recent urine drug screen"),
    Code.NALOXONE_CHALLENGE_POSITIVE: (
        "naloxone_challenge",
        "a repeat naloxone challenge (the last one was positive)",
    ),
    Code.PREGNANCY_STATUS_UNKNOWN: ("pregnant", "pregnancy status (a pregnancy test)"),
}


def missing_facts(findings: Iterable[Finding]) -> tuple[MissingFact, ...]:
    """The required facts the findings say are missing, once each, in the findings' order. Only a
    review says a fact is missing: a positive naloxone challenge inside its repeat day is a
    deferral (wait), not a missing fact."""
    out: dict[Code, MissingFact] = {}
    for f in findings:
        if f.severity is Severity.REVIEW and f.code in REQUIRED_FACTS and f.code not in out:
            fact, words = REQUIRED_FACTS[f.code]
            out[f.code] = MissingFact(fact, words, f.code)
    return tuple(out.values())


def missing_words(missing: Iterable[MissingFact]) -> str:
    """'a, b and c': the missing facts as a clinician reads them."""
    words = [m.words for m in missing]
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def allows_start(decision: Decision, overriding: bool) -> bool:
    """Would this signature let a first dose go ahead? An eligible or needs-review result does;
    a not-yet or contraindicated one only with a written override (the MAR's first-dose gate)."""
    return overriding or decision in (Decision.ELIGIBLE, Decision.NEEDS_REVIEW)


# The attestation: what the signature names as reviewed. FACTS is the facts the core decided on
# (the snapshot shown beside the findings); the other items are finding codes.
FACTS = "facts"


def attestation_items(findings: Iterable[Finding], *, overriding: bool) -> tuple[str, ...]:
    """What a signature must name as reviewed: the facts used, every finding that needs a
    clinician (review), and when overriding a block every block finding too. Info findings may be
    named but need not be."""
    items = [FACTS]
    for f in findings:
        needed = f.severity is Severity.REVIEW or (overriding and f.severity is Severity.BLOCK)
        if needed and f.code.value not in items:
            items.append(f.code.value)
    return tuple(items)


def check_signature(
    findings: tuple[Finding, ...],
    decision: Decision,
    *,
    reviewed: Collection[str],
    overriding: bool,
) -> None:
    """Refuse a signature (InputError naming the field) that would let a start go ahead with a
    required fact missing, or that does not name every item it must have reviewed."""
    if allows_start(decision, overriding):
        missing = missing_facts(findings)
        if missing:
            raise InputError(
                f"cannot be signed as a start: record {missing_words(missing)}, then screen again",
                "screening",
            )
    known = {FACTS} | {f.code.value for f in findings}
    unknown = sorted(set(reviewed) - known)
    if unknown:
        raise InputError(f"{unknown[0]!r} is not a finding of this screening", "reviewed")
    gaps = [i for i in attestation_items(findings, overriding=overriding) if i not in reviewed]
    if gaps:
        raise InputError(
            "tick what you reviewed before signing; not yet ticked: " + ", ".join(gaps),
            "reviewed",
        )


def open_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings still open at the first dose: the blocks and the reviews (what a signature
    vouched for, and what the nurse reads before giving); info findings inform only."""
    return tuple(f for f in findings if f.severity is not Severity.INFO)


def finding_from_dict(raw: Mapping[str, object]) -> Finding:
    """A stored finding (Finding.as_dict) read back, so that a stored result can be checked."""
    kind = raw.get("block_kind")
    until = raw.get("until")
    return Finding(
        Code(str(raw["code"])),
        Severity(str(raw["severity"])),
        str(raw.get("message", "")),
        str(raw.get("action", "")),
        str(raw.get("source", "")),
        BlockKind(str(kind)) if kind else None,
        date.fromisoformat(str(until)) if until else None,
    )
