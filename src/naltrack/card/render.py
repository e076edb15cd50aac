"""A card's frozen content, or a letter, as the words of its language: one set of texts that the
PDF, the phone page, the verification page and the letter page all show (so none can say more or
other than another)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from django.utils import translation

from naltrack.clinical.wallet import Say, Statement

from . import wording
from .services import LetterResult

# Which statements are the card's facts (dates) and which say what they mean.
FACTS = (
    Say.LAST_INJECTION, Say.BLOCKS_UNTIL, Say.NEXT_INJECTION_DUE, Say.NEXT_INJECTION_BOOKED,
    Say.ORAL_BLOCKADE, Say.IMPLANT_INSERTED,
)  # fmt: skip
MEANING = (
    Say.OPIOIDS_BLOCKED,
    Say.EMERGENCY_PAIN_OPTIONS,
    Say.IF_OPIOIDS_NEEDED,
    Say.LOW_TOLERANCE,
)
BEFORE = (
    Say.ORAL_BLOCKADE, Say.LAST_INJECTION, Say.BLOCKS_UNTIL, Say.IMPLANT_INSERTED,
    Say.STOP_TABLETS_BEFORE, Say.LAST_TABLET_BY, Say.TABLETS_TOO_CLOSE, Say.STOP_INJECTION_BEFORE,
    Say.LAST_INJECTION_TOO_CLOSE, Say.LAST_INJECTION_CLEAR, Say.LAST_INJECTION_BY,
    Say.HOLD_NEXT_INJECTION,
    Say.NO_INJECTION_BEFORE, Say.IMPLANT_SILENT, Say.STOP_TIMES_DISAGREE,
)  # fmt: skip
PAIN = (
    Say.OPIOIDS_BLOCKED, Say.EMERGENCY_PAIN_OPTIONS, Say.IF_OPIOIDS_NEEDED,
    Say.ANAESTHETIC_DRUGS_SILENT, Say.SEDATIVES_NOT_BLOCKED, Say.DENTAL_SILENT,
)  # fmt: skip
AFTER = (Say.START_OPIOIDS_LOW, Say.RESTART_AFTER_OPIOIDS)


def statement(d: dict[str, Any]) -> Statement:
    params: dict[str, object] = {}
    for k, v in d["params"].items():
        if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-":
            params[k] = date.fromisoformat(v)
        else:
            params[k] = v
    return Statement(Say(d["say"]), d["source"], MappingProxyType(params))


@dataclass(frozen=True)
class CardText:
    language: str
    words: dict[str, str]
    name: str
    takes: str
    formulation: str
    facts: list[str]
    meaning: list[str]
    meaning_short: list[str]
    emergency_contact: str
    clinic: str
    clinic_phone: str
    issued_on: str
    valid_until: str
    sources: list[tuple[str, str]] = field(default_factory=list)


def card_text(content: dict[str, Any]) -> CardText:
    statements = [statement(d) for d in content["statements"]]
    with translation.override(content["language"]):
        by = {s.say: s for s in statements}
        contact = content["emergency_contact"]
        emergency = " ".join(x for x in (contact.get("name"), contact.get("phone")) if x)
        return CardText(
            language=content["language"],
            words=wording.titles(),
            name=content["name"],
            takes=wording.sentence(by[Say.TAKES_NALTREXONE]),
            formulation=wording.formulation(content["formulation"]),
            facts=[wording.sentence(by[s]) for s in FACTS if s in by],
            meaning=[wording.sentence(by[s]) for s in MEANING if s in by],
            meaning_short=[wording.sentence(by[s], short=True) for s in MEANING if s in by],
            emergency_contact=emergency,
            clinic=content["clinic"]["name"],
            clinic_phone=content["clinic"]["phone"],
            issued_on=wording.day(date.fromisoformat(content["issued_on"])),
            valid_until=wording.day(date.fromisoformat(content["valid_until"])),
            sources=[(wording.sentence(s), s.source) for s in statements],
        )


@dataclass(frozen=True)
class LetterText:
    language: str
    words: dict[str, str]
    title: str
    name: str
    written_on: str
    procedure_on: str
    takes: str
    before: list[str]
    pain: list[str]
    after: list[str]
    clinic: str
    clinic_phone: str
    policy: str
    sources: list[tuple[str, str]]


def letter_text(result: LetterResult) -> LetterText:
    letter = result.letter
    assert letter is not None
    with translation.override(result.language):
        by = {s.say: s for s in letter.statements}
        words = wording.titles()
        title = words["letter_dental_title" if letter.kind == "dental" else "letter_title"]
        takes = f"{words['letter_takes']} {wording.sentence(by[Say.FORMULATION])}"
        return LetterText(
            language=result.language, words=words, title=title, name=result.name,
            written_on=wording.day(letter.written_on),
            procedure_on=wording.day(letter.procedure_on) if letter.procedure_on else "",
            takes=takes,
            before=[wording.sentence(by[s]) for s in BEFORE if s in by],
            pain=[wording.sentence(by[s]) for s in PAIN if s in by],
            after=[wording.sentence(by[s]) for s in AFTER if s in by],
            clinic=result.clinic["name"], clinic_phone=result.clinic["phone"],
            policy=letter.policy,
            sources=[(words["letter_takes"] if s.say is Say.TAKES_NALTREXONE else wording.sentence(s), s.source)
                     for s in letter.statements],
        )  # fmt: skip
