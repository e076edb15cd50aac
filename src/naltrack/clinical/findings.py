"""Finding codes, severities and decisions of the screening contract, with each rule's source.

`RULES` is the one place a finding's source text lives; the screening rules and the generated
docs/clinical-rules.md both read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Severity(StrEnum):
    BLOCK = "block"
    REVIEW = "review"
    INFO = "info"


class BlockKind(StrEnum):
    CONTRAINDICATION = "contraindication"
    DEFERRAL = "deferral"


class Decision(StrEnum):
    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"
    NOT_YET = "not_yet"
    CONTRAINDICATED = "contraindicated"


class Code(StrEnum):
    OPIOID_FREE_INTERVAL = "OPIOID_FREE_INTERVAL"
    LAST_OPIOID_USE_UNKNOWN = "LAST_OPIOID_USE_UNKNOWN"
    UDS_POSITIVE = "UDS_POSITIVE"
    UDS_MISSING = "UDS_MISSING"
    UDS_ANALYTE_NOT_TESTED = "UDS_ANALYTE_NOT_TESTED"
    NALOXONE_CHALLENGE_POSITIVE = "NALOXONE_CHALLENGE_POSITIVE"
    OPIOID_WITHDRAWAL = "OPIOID_WITHDRAWAL"
    ALCOHOL_WITHDRAWAL = "ALCOHOL_WITHDRAWAL"
    OPIOID_MEDICATION = "OPIOID_MEDICATION"
    OPIOID_ANALGESIA_NEEDED = "OPIOID_ANALGESIA_NEEDED"
    SURGERY_PLANNED = "SURGERY_PLANNED"
    HYPERSENSITIVITY = "HYPERSENSITIVITY"
    LIVER_DISEASE = "LIVER_DISEASE"
    LFT_ELEVATED = "LFT_ELEVATED"
    LFT_BASELINE_MISSING = "LFT_BASELINE_MISSING"
    PREGNANCY = "PREGNANCY"
    PREGNANCY_STATUS_UNKNOWN = "PREGNANCY_STATUS_UNKNOWN"
    BREASTFEEDING = "BREASTFEEDING"
    AGE_UNDER_18 = "AGE_UNDER_18"
    RENAL_IMPAIRMENT = "RENAL_IMPAIRMENT"
    BLEEDING_RISK = "BLEEDING_RISK"
    SUICIDE_RISK = "SUICIDE_RISK"
    DEPRESSION = "DEPRESSION"
    INTERACTION = "INTERACTION"
    DUPLICATE_NALTREXONE = "DUPLICATE_NALTREXONE"
    ACTIVE_DRINKING = "ACTIVE_DRINKING"
    NEEDLE_LENGTH = "NEEDLE_LENGTH"
    OVERDOSE_EDUCATION = "OVERDOSE_EDUCATION"
    MEDICATION_NOT_CHECKED = "MEDICATION_NOT_CHECKED"


@dataclass(frozen=True, slots=True)
class RuleDoc:
    """What raises a finding, which settings steer it, and where the rule comes from."""

    raised_when: str
    settings: tuple[str, ...]
    source: str


RULES: dict[Code, RuleDoc] = {
    Code.OPIOID_FREE_INTERVAL: RuleDoc(
        "The opioid-free interval for the last opioid kind is not yet met (block, deferral until "
        "the first allowed day) or only just met (review; a naloxone challenge is suggested).",
        ("opioid_free_interval",),
        "VIVITROL and naltrexone tablet labels, section 2 (7-10 days opioid-free; up to 2 weeks "
        "after methadone or buprenorphine); Part A A1; fact sheet 1.2",
    ),
    Code.LAST_OPIOID_USE_UNKNOWN: RuleDoc(
        "OUD indication and no date of last opioid use (review).",
        (),
        "Part A A1 (naltrack default policy)",
    ),
    Code.UDS_POSITIVE: RuleDoc(
        "Any opioid analyte is positive (block, deferral with no date: repeat the screen). With "
        "the setting on, a later negative naloxone challenge makes it a review.",
        ("allow_positive_uds_after_negative_challenge",),
        "VIVITROL label section 4 (positive opioid urine screen: contraindication); TIP 63 2021 "
        "update; Part A A2; fact sheet 1.3",
    ),
    Code.UDS_MISSING: RuleDoc(
        "OUD indication and no urine drug screen on the decision day or in the days before "
        "(review).",
        ("uds_lookback_days",),
        "Naltrexone tablet label section 2 (abstinence verified by a urine test); Part A A2",
    ),
    Code.UDS_ANALYTE_NOT_TESTED: RuleDoc(
        "OUD: the recent urine screen did not test the analyte of the last opioid kind "
        "(fentanyl, methadone or buprenorphine) (info).",
        (),
        "Fact sheet 1.3 (a standard opiate immunoassay misses fentanyl, buprenorphine, methadone "
        "and oxycodone; naltrack default policy)",
    ),
    Code.NALOXONE_CHALLENGE_POSITIVE: RuleDoc(
        "The naloxone challenge was positive: block, deferral until the challenge may be repeated;"
        " after that, review until a repeat challenge is recorded.",
        ("naloxone_challenge_repeat_days",),
        "Naltrexone tablet label section 2 (naloxone challenge; repeat in 24 hours); Part A A2; "
        "fact sheet 1.4",
    ),
    Code.OPIOID_WITHDRAWAL: RuleDoc(
        "COWS at or above the threshold (block, deferral with no date: reassess).",
        ("cows_withdrawal_min",),
        "Naltrexone labels (do not give with signs of withdrawal); Part A A2; fact sheet 1.12",
    ),
    Code.ALCOHOL_WITHDRAWAL: RuleDoc(
        "CIWA-Ar at or above the threshold (block, deferral with no date: treat withdrawal first).",
        ("ciwa_ar_withdrawal_min",),
        "ASAM Alcohol Withdrawal Management 2020 (moderate from 10); TIP 28; Part A A2; "
        "fact sheet 1.12",
    ),
    Code.OPIOID_MEDICATION: RuleDoc(
        "A current medication contains an opioid agonist: analgesic, maintenance or mixed "
        "agonist-antagonist (block, contraindication); antitussive or antidiarrheal (review).",
        (),
        "Naltrexone tablet and VIVITROL labels, sections 4 and 7; Part A A3; fact sheet 5",
    ),
    Code.OPIOID_ANALGESIA_NEEDED: RuleDoc(
        "The patient needs opioid pain relief (block, contraindication).",
        (),
        "Naltrexone tablet and VIVITROL labels, section 4; Part A A3; fact sheet 1.6",
    ),
    Code.SURGERY_PLANNED: RuleDoc(
        "Surgery falls within the window in which naltrexone would still block opioid analgesia "
        "(review).",
        (
            "surgery_window_days_oral",
            "surgery_window_days_xr_injection",
            "surgery_window_days_implant",
        ),
        "ASAM 2015 (stop oral 72 hours and the injection 30 days before surgery); TIP 28; "
        "Part A A4; fact sheet 1.6",
    ),
    Code.HYPERSENSITIVITY: RuleDoc(
        "Allergy to naltrexone, or for the injection to polylactide-co-glycolide, "
        "carboxymethylcellulose or another diluent component (block, contraindication).",
        (),
        "VIVITROL label section 4; naltrexone tablet label section 4; Part A A3; fact sheet 1.1",
    ),
    Code.LIVER_DISEASE: RuleDoc(
        "Acute hepatitis or liver failure: oral (block, contraindication); injection or implant "
        "(review).",
        (),
        "Naltrexone tablet label section 4; VIVITROL label (contraindication removed 07/2013, "
        "warning kept); Part A A3; fact sheet 1.1, 1.7",
    ),
    Code.LFT_ELEVATED: RuleDoc(
        "ALT or AST above the block multiple of its upper limit (block, contraindication: hold, "
        "clinician override) or above the review multiple (review).",
        ("lft_review_multiple", "lft_block_multiple"),
        "Practice convention (Lucey 2008, LiverTox 3x; COMBINE 5x); Part A A3; fact sheet 1.7",
    ),
    Code.LFT_BASELINE_MISSING: RuleDoc(
        "No liver test values, or values older than the baseline age (info: order them; the "
        "start need not wait).",
        ("lft_baseline_max_age_days",),
        "TIP 28 pre-treatment work-up; Lab Wisely (do not delay the start for LFTs); Part A A3",
    ),
    Code.PREGNANCY: RuleDoc(
        "Pregnant (review): naltrexone is not started as first choice in pregnancy.",
        (),
        "ASAM 2015 and 2020 patient guide; NYS OASAS pregnancy guideline; Part A A4; "
        "fact sheet 1.8",
    ),
    Code.PREGNANCY_STATUS_UNKNOWN: RuleDoc(
        "Female sex at birth, age in the test range or unknown, and no pregnancy status (review).",
        ("pregnancy_test_age_min", "pregnancy_test_age_max"),
        "TIP 28 pre-treatment work-up (pregnancy test); Part A A4; fact sheet 1.13",
    ),
    Code.BREASTFEEDING: RuleDoc(
        "Breastfeeding (info: LactMed rates naltrexone compatible).",
        (),
        "LactMed; Part A A4; fact sheet 1.8",
    ),
    Code.AGE_UNDER_18: RuleDoc(
        "Younger than the adult age (review: off-label).",
        ("adult_age_years",),
        "Naltrexone labels (approved from 18); AAP/SAHM; Part A A4; fact sheet 1.10",
    ),
    Code.RENAL_IMPAIRMENT: RuleDoc(
        "Moderate or severe renal impairment (review).",
        (),
        "VIVITROL label (not studied in moderate-severe impairment); Part A A4; fact sheet 1.9",
    ),
    Code.BLEEDING_RISK: RuleDoc(
        "Injection or implant with a coagulation disorder, an anticoagulant, or platelets under "
        "the floor (review).",
        ("platelets_10e9_per_l",),
        "VIVITROL label section 5 (caution with thrombocytopenia or a coagulation disorder); "
        "Part A A4; fact sheet 1.11",
    ),
    Code.SUICIDE_RISK: RuleDoc(
        "PHQ-9 item 9 at or above the threshold (review: same-day suicide-risk assessment).",
        ("phq9_item9_min",),
        "VIVITROL label section 5 (depression and suicidality); Part A A4; fact sheet 6.3",
    ),
    Code.DEPRESSION: RuleDoc(
        "PHQ-9 total in the depression range (info) or at the review threshold (review).",
        ("phq9_depression_info_min", "phq9_depression_review_min"),
        "Kroenke 2001 (PHQ-9 bands); Part A A4; fact sheet 6.3",
    ),
    Code.INTERACTION: RuleDoc(
        "A non-opioid medication with a listed interaction; severity per knowledge/"
        "interactions.csv.",
        (),
        "Part A A4; fact sheet 5; each row of knowledge/interactions.csv names its own source",
    ),
    Code.DUPLICATE_NALTREXONE: RuleDoc(
        "A current product already contains naltrexone (review).",
        (),
        "RxNorm naltrexone-containing products; Part A A4; fact sheet 5",
    ),
    Code.ACTIVE_DRINKING: RuleDoc(
        "AUD with the injection and alcohol on the decision day or just before (review).",
        ("active_drinking_days",),
        "VIVITROL label 1.1 (not actively drinking at the first injection); Part A A4; "
        "fact sheet 1.12",
    ),
    Code.NEEDLE_LENGTH: RuleDoc(
        "Injection: which supplied needle fits the body habitus (info).",
        ("needle_2inch_bmi_min", "needle_1_5inch_bmi_below"),
        "VIVITROL label 2.1 (1.5-inch or 2-inch supplied needle by habitus); Part A A4; "
        "fact sheet 2.3",
    ),
    Code.OVERDOSE_EDUCATION: RuleDoc(
        "Always for OUD: lost tolerance, the surmountable blockade, an overdose reversal agent "
        "(info).",
        (),
        "VIVITROL label 2.2 and 5.1; Part A A4; fact sheet 4.1, 4.2, 4.5",
    ),
    Code.MEDICATION_NOT_CHECKED: RuleDoc(
        "A medication (or part of a combination) is not in naltrack's tables and was not checked "
        "(info).",
        (),
        "naltrack default policy: an unknown medicine is listed, never silently passed",
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    code: Code
    severity: Severity
    message: str
    action: str
    source: str
    block_kind: BlockKind | None = None
    until: date | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code.value, "severity": self.severity.value}
        if self.severity is Severity.BLOCK:
            out["block_kind"] = self.block_kind.value if self.block_kind else None
            if self.block_kind is BlockKind.DEFERRAL:
                out["until"] = self.until.isoformat() if self.until else None
        out.update(message=self.message, action=self.action, source=self.source)
        return out
