"""The standard codes naltrack's records are shown with to other systems (FHIR, issue 13): RxNorm for
the naltrexone products, ICD-10-CM and SNOMED CT for the diagnoses, LOINC for the observations.
One table, from the clinical reference's Part B section 8 (fact sheet 8.1 to 8.4); a concept the
reference could not verify a code for is shown by its words only (`Concept.codings` empty), never
with a guessed code.

Pure: no Django. The FHIR mapping (naltrack.fhir.resources) reads these and decides nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError
from .instruments import dsm5
from .vocab import Formulation

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


@dataclass(frozen=True, slots=True)
class Coding:
    system: str
    code: str
    display: str


@dataclass(frozen=True, slots=True)
class Concept:
    """What a record is, in words, with its standard codes (none where the reference has none)."""

    text: str
    codings: tuple[Coding, ...] = ()


# --- medications (fact sheet 8.1) -----------------------------------------------------------------

_PRODUCTS: dict[Formulation, Concept] = {
    Formulation.XR_INJECTION: Concept(
        "naltrexone 380 mg extended-release injectable suspension (monthly injection)",
        (Coding(RXNORM, "637213", "naltrexone 380 MG Injection"),),
    ),
    Formulation.ORAL: Concept(
        "naltrexone hydrochloride 50 mg oral tablet",
        (Coding(RXNORM, "1483744", "naltrexone hydrochloride 50 MG Oral Tablet"),),
    ),
    # Implants are off-label or unapproved in the US (fact sheet 2.5): no RxNorm concept.
    Formulation.IMPLANT: Concept("naltrexone implant"),
}


def naltrexone_product(formulation: Formulation | str) -> Concept:
    """The naltrexone product of a formulation: RxNorm 637213 (XR injection) or 1483744 (50 mg
    tablet); an implant by its words only."""
    try:
        return _PRODUCTS[Formulation(formulation)]
    except ValueError:
        raise InputError(f"unknown formulation {formulation!r}", "formulation") from None


# --- diagnoses (fact sheet 8.2 and 8.4) -----------------------------------------------------------

_ICD10_TITLES = {
    "F11.10": "Opioid abuse, uncomplicated",
    "F11.20": "Opioid dependence, uncomplicated",
    "F10.10": "Alcohol abuse, uncomplicated",
    "F10.20": "Alcohol dependence, uncomplicated",
}
# SNOMED CT for the same disorder (fact sheet 8.4): mild is "abuse", moderate or severe
# "dependence", as ICD-10-CM's mapping of DSM-5 (fact sheet 8.2) has it.
_SNOMED = {
    ("OUD", True): Coding(SNOMED, "5602001", "Opioid abuse"),
    ("OUD", False): Coding(SNOMED, "75544000", "Opioid dependence"),
    ("AUD", True): Coding(SNOMED, "15167005", "Alcohol abuse"),
    ("AUD", False): Coding(SNOMED, "66590003", "Alcohol dependence"),
}
_SUBSTANCE = {"OUD": dsm5.Substance.OPIOID, "AUD": dsm5.Substance.ALCOHOL}
_DISORDER = {"OUD": "Opioid use disorder", "AUD": "Alcohol use disorder"}
SEVERITIES = ("mild", "moderate", "severe")


def diagnosis(indication: str, severity: str) -> Concept:
    """The disorder an assessment found: "OUD" or "AUD" with its DSM-5 severity (mild, moderate,
    severe) as ICD-10-CM (F11.10/F11.20, F10.10/F10.20: fact sheet 8.2, the DSM-5 instrument's
    table) and SNOMED CT (fact sheet 8.4). Remission is not recorded with an assessment, so the
    codes are the uncomplicated ones. A severity of none or unknown: the words only."""
    if indication not in _SUBSTANCE:
        raise InputError(f"must be OUD or AUD (got {indication!r})", "indication")
    if severity not in SEVERITIES:
        return Concept(_DISORDER[indication])
    mild = severity == "mild"
    icd = dsm5.ICD10[(_SUBSTANCE[indication], mild, False)]
    return Concept(
        f"{_DISORDER[indication]}, {severity}",
        (Coding(ICD10CM, icd, _ICD10_TITLES[icd]), _SNOMED[(indication, mild)]),
    )


# --- observations (fact sheet 8.3) ----------------------------------------------------------------

PHQ9_TOTAL = Coding(LOINC, "44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score")
# The PHQ-9 panel's items in order (LOINC panel 44249-1; item 9 is 44260-8, fact sheet 8.3).
PHQ9_ITEMS = (
    Coding(LOINC, "44250-9", "Little interest or pleasure in doing things"),
    Coding(LOINC, "44255-8", "Feeling down, depressed, or hopeless"),
    Coding(LOINC, "44259-0", "Trouble falling or staying asleep, or sleeping too much"),
    Coding(LOINC, "44254-1", "Feeling tired or having little energy"),
    Coding(LOINC, "44251-7", "Poor appetite or overeating"),
    Coding(LOINC, "44258-2", "Feeling bad about yourself"),
    Coding(LOINC, "44252-5", "Trouble concentrating on things"),
    Coding(LOINC, "44253-3", "Moving or speaking slowly, or being fidgety or restless"),
    Coding(LOINC, "44260-8", "Thoughts that you would be better off dead, or of hurting yourself"),
)
ALT = Coding(LOINC, "1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma")  # fmt: skip
AST = Coding(LOINC, "1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma")  # fmt: skip
BILIRUBIN = Coding(LOINC, "1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma")
# Vital signs as FHIR R4's vital-signs profiles code them (hl7.org/fhir/R4/observation-vitalsigns).
BODY_WEIGHT = Coding(LOINC, "29463-7", "Body weight")
BODY_HEIGHT = Coding(LOINC, "8302-2", "Body height")
BMI = Coding(LOINC, "39156-5", "Body mass index (BMI) [Ratio]")
# Urine drug screens, by analyte (CDC Opioid CDS IG value sets, fact sheet 8.3). Oxycodone's code
# is not in the reference: its words only.
URINE_ANALYTES: dict[str, Concept] = {
    "opioids": Concept("Opiates, urine screen",
                       (Coding(LOINC, "19295-5", "Opiates [Presence] in Urine by Screen method"),)),
    "fentanyl": Concept("Fentanyl, urine screen",
                        (Coding(LOINC, "59673-4", "fentaNYL [Presence] in Urine by Screen method"),)),
    "methadone": Concept("Methadone, urine screen",
                         (Coding(LOINC, "19550-3", "Methadone [Presence] in Urine by Screen method"),)),
    "buprenorphine": Concept("Buprenorphine, urine screen",
                             (Coding(LOINC, "58359-1", "Buprenorphine and Norbuprenorphine [Presence] in Urine by Screen method"),)),
    "oxycodone": Concept("Oxycodone, urine screen"),
}  # fmt: skip
# A lab result's presence: SNOMED CT qualifier values.
RESULT = {"positive": Coding(SNOMED, "10828004", "Positive"),
          "negative": Coding(SNOMED, "260385009", "Negative")}  # fmt: skip

# What each kind of observation is (the record's kind -> its concept). COWS, CIWA-Ar, the full
# AUDIT, craving, the pregnancy test and the naloxone challenge have no LOINC in the reference
# (fact sheet 8.3 "not found" or unverified): their words only.
OBSERVATIONS: dict[str, Concept] = {
    "urine_screen": Concept("Urine drug screen"),
    "liver": Concept("Liver tests (ALT, AST, bilirubin)"),
    "cows": Concept("Clinical Opiate Withdrawal Scale (COWS) total score"),
    "ciwa_ar": Concept("CIWA-Ar (alcohol withdrawal) total score"),
    "phq9": Concept("PHQ-9 total score", (PHQ9_TOTAL,)),
    "audit": Concept("AUDIT (alcohol use) total score"),
    "craving": Concept("Craving (0 to 10)"),
    "pregnancy_test": Concept("Pregnancy test"),
    "weight": Concept("Body weight", (BODY_WEIGHT,)),
    "naloxone_challenge": Concept("Naloxone challenge"),
    "substance_use": Concept("Reported substance use"),
}
# The Observation category of each kind (terminology.hl7.org observation-category).
CATEGORY = {"urine_screen": "laboratory", "liver": "laboratory", "pregnancy_test": "laboratory",
            "weight": "vital-signs", "naloxone_challenge": "procedure",
            "substance_use": "social-history"}  # fmt: skip
SURVEY = "survey"  # the instruments and craving
