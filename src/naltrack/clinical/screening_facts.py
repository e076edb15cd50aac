"""The facts a screening is decided on, and reading them from the contract's JSON.

A missing fact is `None`, never a negative fact: where it matters, the rules say so with a finding.
See shared/contracts/screening.md for the JSON shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .errors import InputError
from .parsing import Obj, join, not_after, parse_enum
from .vocab import Formulation, Indication, OpioidKind, SexAtBirth


class Analyte(StrEnum):
    OPIOIDS = "opioids"
    FENTANYL = "fentanyl"
    METHADONE = "methadone"
    BUPRENORPHINE = "buprenorphine"
    OXYCODONE = "oxycodone"


class LabResult(StrEnum):
    NEGATIVE = "negative"
    POSITIVE = "positive"


class RenalImpairment(StrEnum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


@dataclass(frozen=True, slots=True)
class LastOpioidUse:
    date: date
    kind: OpioidKind


@dataclass(frozen=True, slots=True)
class UrineDrugScreen:
    date: date
    # An analyte that is absent was not tested.
    results: Mapping[Analyte, LabResult]

    @property
    def positives(self) -> list[Analyte]:
        return [a for a, r in self.results.items() if r is LabResult.POSITIVE]


@dataclass(frozen=True, slots=True)
class NaloxoneChallenge:
    date: date
    result: LabResult


@dataclass(frozen=True, slots=True)
class Liver:
    acute_hepatitis: bool | None = None
    liver_failure: bool | None = None
    alt: float | None = None
    ast: float | None = None
    alt_uln: float | None = None
    ast_uln: float | None = None
    date: date | None = None


@dataclass(frozen=True, slots=True)
class Phq9Summary:
    total: int
    item9: int


@dataclass(frozen=True, slots=True)
class MedicationEntry:
    name: str
    rxnorm: str | None = None


@dataclass(frozen=True, slots=True)
class ScreeningFacts:
    as_of: date
    indications: frozenset[Indication]
    formulation: Formulation
    age_years: int | None = None
    sex_at_birth: SexAtBirth | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    last_opioid_use: LastOpioidUse | None = None
    last_alcohol_use: date | None = None
    urine_drug_screen: UrineDrugScreen | None = None
    naloxone_challenge: NaloxoneChallenge | None = None
    cows_score: int | None = None
    ciwa_ar_score: int | None = None
    liver: Liver | None = None
    renal_impairment: RenalImpairment | None = None
    coagulation_disorder: bool | None = None
    platelets_10e9_per_l: float | None = None
    bmi: float | None = None
    phq9: Phq9Summary | None = None
    medications: tuple[MedicationEntry, ...] = field(default_factory=tuple)
    allergies: tuple[str, ...] = field(default_factory=tuple)
    needs_opioid_analgesia: bool | None = None
    planned_surgery_date: date | None = None


TOP_LEVEL = frozenset(
    {
        "as_of", "indications", "formulation", "age_years", "sex_at_birth", "pregnant",
        "breastfeeding", "last_opioid_use", "last_alcohol_use", "urine_drug_screen",
        "naloxone_challenge", "cows_score", "ciwa_ar_score", "liver", "renal_impairment",
        "coagulation_disorder", "platelets_10e9_per_l", "bmi", "phq9", "medications",
        "allergies", "needs_opioid_analgesia", "planned_surgery_date",
    }
)  # fmt: skip


def parse_screening_facts(raw: object) -> ScreeningFacts:
    """Read the contract's input document; raise InputError naming the first bad field."""
    doc = Obj(raw, "", TOP_LEVEL)
    as_of = doc.req_date("as_of")

    indications_raw = doc.required("indications")
    if not isinstance(indications_raw, list) or not indications_raw:
        raise InputError("must be a non-empty list of OUD and/or AUD", "indications")
    indications = frozenset(
        parse_enum(v, Indication, join("indications", i)) for i, v in enumerate(indications_raw)
    )
    formulation = parse_enum(doc.required("formulation"), Formulation, "formulation")

    last_opioid = None
    if doc.has("last_opioid_use"):
        lou = Obj(doc.raw["last_opioid_use"], "last_opioid_use", {"date", "kind"})
        last_opioid = LastOpioidUse(
            date=lou.req_date("date"),
            kind=lou.enum("kind", OpioidKind) or OpioidKind.UNKNOWN,
        )
        not_after(last_opioid.date, as_of, "last_opioid_use.date")

    last_alcohol = doc.date("last_alcohol_use")
    not_after(last_alcohol, as_of, "last_alcohol_use")

    uds = None
    if doc.has("urine_drug_screen"):
        u = Obj(
            doc.raw["urine_drug_screen"], "urine_drug_screen", {"date"} | {a.value for a in Analyte}
        )
        results = {a: r for a in Analyte if (r := u.enum(a.value, LabResult)) is not None}
        if not results:
            raise InputError(
                "at least one analyte result is needed (opioids, fentanyl, methadone, "
                "buprenorphine, oxycodone)",
                "urine_drug_screen",
            )
        uds = UrineDrugScreen(date=u.req_date("date"), results=results)
        not_after(uds.date, as_of, "urine_drug_screen.date")

    challenge = None
    if doc.has("naloxone_challenge"):
        c = Obj(doc.raw["naloxone_challenge"], "naloxone_challenge", {"date", "result"})
        challenge = NaloxoneChallenge(date=c.req_date("date"), result=_req_result(c, "result"))
        not_after(challenge.date, as_of, "naloxone_challenge.date")

    liver = None
    if doc.has("liver"):
        lv = Obj(
            doc.raw["liver"], "liver",
            {"acute_hepatitis", "liver_failure", "alt", "ast", "alt_uln", "ast_uln", "date"},
        )  # fmt: skip
        liver = Liver(
            acute_hepatitis=lv.bool("acute_hepatitis"),
            liver_failure=lv.bool("liver_failure"),
            alt=lv.number("alt", 0, 100_000),
            ast=lv.number("ast", 0, 100_000),
            alt_uln=lv.number("alt_uln", 0.001, 100_000),
            ast_uln=lv.number("ast_uln", 0.001, 100_000),
            date=lv.date("date"),
        )
        for value, uln in (("alt", "alt_uln"), ("ast", "ast_uln")):
            if lv.has(value) and not lv.has(uln):
                raise InputError(
                    f"is required with liver.{value} (the lab's upper limit)", lv.at(uln)
                )
        not_after(liver.date, as_of, "liver.date")

    phq9 = None
    if doc.has("phq9"):
        p = Obj(doc.raw["phq9"], "phq9", {"total", "item9"})
        total = p.int("total", 0, 27)
        item9 = p.int("item9", 0, 3)
        if total is None:
            raise InputError("is required (0-27)", "phq9.total")
        if item9 is None:
            raise InputError("is required (0-3)", "phq9.item9")
        if item9 > total:
            raise InputError("cannot be more than phq9.total", "phq9.item9")
        phq9 = Phq9Summary(total=total, item9=item9)

    return ScreeningFacts(
        as_of=as_of,
        indications=indications,
        formulation=formulation,
        age_years=doc.int("age_years", 0, 120),
        sex_at_birth=doc.enum("sex_at_birth", SexAtBirth),
        pregnant=doc.bool("pregnant"),
        breastfeeding=doc.bool("breastfeeding"),
        last_opioid_use=last_opioid,
        last_alcohol_use=last_alcohol,
        urine_drug_screen=uds,
        naloxone_challenge=challenge,
        cows_score=doc.int("cows_score", 0, 48),
        ciwa_ar_score=doc.int("ciwa_ar_score", 0, 67),
        liver=liver,
        renal_impairment=doc.enum("renal_impairment", RenalImpairment),
        coagulation_disorder=doc.bool("coagulation_disorder"),
        platelets_10e9_per_l=doc.number("platelets_10e9_per_l", 0, 5000),
        bmi=doc.number("bmi", 5, 150),
        phq9=phq9,
        medications=tuple(_medication(v, i) for i, v in enumerate(doc.list("medications"))),
        allergies=tuple(_allergy(v, i) for i, v in enumerate(doc.list("allergies"))),
        needs_opioid_analgesia=doc.bool("needs_opioid_analgesia"),
        planned_surgery_date=doc.date("planned_surgery_date"),
    )


def _req_result(obj: Obj, key: str) -> LabResult:
    return parse_enum(obj.required(key), LabResult, obj.at(key))


def _medication(value: object, index: int) -> MedicationEntry:
    path = join("medications", index)
    if isinstance(value, str):
        if not value.strip():
            raise InputError("must be a medication name", path)
        return MedicationEntry(name=value.strip())
    m = Obj(value, path, {"name", "rxnorm"})
    name = m.text("name")
    if name is None:
        raise InputError("is required", m.at("name"))
    rxnorm = None
    if m.has("rxnorm"):
        code = m.raw["rxnorm"]
        if isinstance(code, int) and not isinstance(code, bool):
            code = str(code)
        if not isinstance(code, str) or not code.strip().isdigit():
            raise InputError("must be an RxNorm code (digits)", m.at("rxnorm"))
        rxnorm = code.strip()
    return MedicationEntry(name=name, rxnorm=rxnorm)


def _allergy(value: object, index: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError("must be the name of a substance", join("allergies", index))
    return value.strip()
