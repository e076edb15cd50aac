"""May this patient start naltrexone on `as_of`, and if not, when? (Part A, A1-A4.)

`screen(facts, policy)` returns every finding with its message, action and source, and the decision
and earliest start date exactly as shared/contracts/screening.md defines them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from .findings import RULES, BlockKind, Code, Decision, Finding, Severity
from .mar import Needle, needle_for
from .medications import (
    OPIOID_BLOCKING,
    OPIOID_REVIEW,
    DrugClass,
    MedicationMatch,
    knowledge,
    match_medication,
)
from .policy import DEFAULT_POLICY, Policy
from .screening_facts import (
    Analyte,
    LabResult,
    RenalImpairment,
    ScreeningFacts,
)
from .vocab import Formulation, Indication, OpioidKind, SexAtBirth


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    decision: Decision
    earliest_start_date: date | None
    findings: tuple[Finding, ...]
    policy: str

    def as_dict(self) -> dict[str, object]:
        return {
            "decision": self.decision.value,
            "earliest_start_date": (
                self.earliest_start_date.isoformat() if self.earliest_start_date else None
            ),
            "findings": [f.as_dict() for f in self.findings],
            "policy": self.policy,
        }


KIND_WORDS = {
    OpioidKind.SHORT_ACTING: "short-acting opioid",
    OpioidKind.FENTANYL: "fentanyl",
    OpioidKind.METHADONE: "methadone",
    OpioidKind.BUPRENORPHINE: "buprenorphine",
    OpioidKind.BUPRENORPHINE_DEPOT: "depot buprenorphine (monthly injection or implant)",
    OpioidKind.UNKNOWN: "opioid of unknown kind",
}
FORMULATION_WORDS = {
    Formulation.ORAL: "oral naltrexone",
    Formulation.XR_INJECTION: "the extended-release injection",
    Formulation.IMPLANT: "a naltrexone implant",
}
CLASS_WORDS = {
    DrugClass.OPIOID_AGONIST_ANALGESIC: "an opioid analgesic",
    DrugClass.OPIOID_MAINTENANCE: "opioid maintenance",
    DrugClass.MIXED_AGONIST_ANTAGONIST: "a mixed opioid agonist-antagonist",
    DrugClass.OPIOID_ANTITUSSIVE: "an opioid cough medicine",
    DrugClass.OPIOID_ANTIDIARRHEAL: "an opioid antidiarrheal",
}
# The analyte that detects each long-acting kind; a standard opiate assay misses them.
KIND_ANALYTE = {
    OpioidKind.FENTANYL: Analyte.FENTANYL,
    OpioidKind.METHADONE: Analyte.METHADONE,
    OpioidKind.BUPRENORPHINE: Analyte.BUPRENORPHINE,
    OpioidKind.BUPRENORPHINE_DEPOT: Analyte.BUPRENORPHINE,
}


def _d(day: date) -> str:
    return day.isoformat()


def _block(
    code: Code, kind: BlockKind, message: str, action: str, until: date | None = None
) -> Finding:
    return Finding(code, Severity.BLOCK, message, action, RULES[code].source, kind, until)


def _deferral(code: Code, message: str, action: str, until: date | None) -> Finding:
    return _block(code, BlockKind.DEFERRAL, message, action, until)


def _contra(code: Code, message: str, action: str) -> Finding:
    return _block(code, BlockKind.CONTRAINDICATION, message, action)


def _review(code: Code, message: str, action: str, source: str | None = None) -> Finding:
    return Finding(code, Severity.REVIEW, message, action, source or RULES[code].source)


def _info(code: Code, message: str, action: str, source: str | None = None) -> Finding:
    return Finding(code, Severity.INFO, message, action, source or RULES[code].source)


# --- A1 and A2: the opioid-free interval and verifying abstinence ---------------------------------


def _opioid_free_interval(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    lou = f.last_opioid_use
    if lou is None:
        if Indication.OUD in f.indications:
            yield _review(
                Code.LAST_OPIOID_USE_UNKNOWN,
                "The date of last opioid use is not recorded, so the opioid-free interval cannot "
                "be checked.",
                "Record the date and kind of last opioid use; verify with a urine screen and "
                "consider a naloxone challenge.",
            )
        # An AUD-only patient with no opioid history gets no interval finding (A1).
        return
    rule = p.interval_for(lou.kind)
    words = KIND_WORDS[lou.kind]
    first_day = lou.date + timedelta(days=rule.deferral_days)
    if f.as_of < first_day:
        yield _deferral(
            Code.OPIOID_FREE_INTERVAL,
            f"Last {words} use {_d(lou.date)}; at least {rule.deferral_days} opioid-free days "
            "are needed before the first dose.",
            f"Book induction on or after {_d(first_day)}.",
            first_day,
        )
        return
    days = (f.as_of - lou.date).days
    if rule.review_days is None:
        yield _review(
            Code.OPIOID_FREE_INTERVAL,
            f"Last {words} use {_d(lou.date)} ({days} days ago): a depot releases buprenorphine "
            "for weeks to months, so precipitated withdrawal is possible for an unknown time.",
            "Specialist decision on timing; consider a naloxone challenge before the first dose.",
        )
    elif days < rule.review_days:
        review_end = lou.date + timedelta(days=rule.review_days)
        yield _review(
            Code.OPIOID_FREE_INTERVAL,
            f"Last {words} use {_d(lou.date)} ({days} days ago): the {rule.deferral_days}-day "
            f"minimum is met, but precipitated withdrawal remains possible until "
            f"{_d(review_end)} ({rule.review_days} days).",
            f"Consider a naloxone challenge before the first dose, or wait until {_d(review_end)}.",
        )


def _urine_screen(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    uds = f.urine_drug_screen
    oud = Indication.OUD in f.indications
    if uds is not None and uds.positives:
        names = ", ".join(a.value for a in uds.positives)
        ch = f.naloxone_challenge
        # A negative challenge on or after the positive screen, where the clinic allows it (A2).
        clearing = (
            ch
            if p.allow_positive_uds_after_negative_challenge
            and ch is not None
            and ch.result is LabResult.NEGATIVE
            and ch.date >= uds.date
            else None
        )
        message = f"Urine drug screen {_d(uds.date)} positive for {names}."
        if clearing is not None:
            ch = clearing
            yield _review(
                Code.UDS_POSITIVE,
                f"{message} A naloxone challenge on {_d(ch.date)} was negative; the clinic's "
                "policy allows a start after review (TIP 63 2021; the label says contraindication).",
                "Prescriber reviews the positive screen and the challenge before the first dose.",
            )
        else:
            yield _deferral(
                Code.UDS_POSITIVE,
                f"{message} Naltrexone must not start while opioids are in the urine.",
                "Repeat the urine screen after a longer opioid-free interval.",
                None,
            )
        return
    recent = uds is not None and (f.as_of - uds.date).days <= p.uds_lookback_days
    if oud and not recent:
        when = f" (last one {_d(uds.date)})" if uds is not None else ""
        yield _review(
            Code.UDS_MISSING,
            f"No urine drug screen on {_d(f.as_of)} or in the {p.uds_lookback_days} days "
            f"before{when}; self-reported abstinence must be verified.",
            "Collect a urine drug screen (opioids, fentanyl, methadone, buprenorphine, "
            "oxycodone) before the first dose.",
        )
    elif oud and uds is not None and f.last_opioid_use is not None:
        analyte = KIND_ANALYTE.get(f.last_opioid_use.kind)
        if analyte is not None and analyte not in uds.results:
            yield _info(
                Code.UDS_ANALYTE_NOT_TESTED,
                f"The urine screen of {_d(uds.date)} did not test {analyte.value}, the last "
                "opioid used; a standard opiate immunoassay does not detect it.",
                f"Add a {analyte.value} test to the urine screen.",
            )


def _naloxone_challenge(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    ch = f.naloxone_challenge
    if ch is None or ch.result is not LabResult.POSITIVE:
        return
    repeat_on = ch.date + timedelta(days=p.naloxone_challenge_repeat_days)
    if f.as_of < repeat_on:
        yield _deferral(
            Code.NALOXONE_CHALLENGE_POSITIVE,
            f"Naloxone challenge {_d(ch.date)} was positive: the patient is still opioid-dependent.",
            f"Do not give naltrexone; repeat the challenge on or after {_d(repeat_on)}.",
            repeat_on,
        )
    else:
        yield _review(
            Code.NALOXONE_CHALLENGE_POSITIVE,
            f"The last naloxone challenge ({_d(ch.date)}) was positive and no later challenge is "
            "recorded.",
            "Repeat the naloxone challenge before the first dose.",
        )


def _withdrawal(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    if f.cows_score is not None and f.cows_score >= p.cows_withdrawal_min:
        yield _deferral(
            Code.OPIOID_WITHDRAWAL,
            f"COWS {f.cows_score}: signs of opioid withdrawal (threshold {p.cows_withdrawal_min}).",
            "Do not give naltrexone now; treat symptoms and reassess.",
            None,
        )
    if f.ciwa_ar_score is not None and f.ciwa_ar_score >= p.ciwa_ar_withdrawal_min:
        yield _deferral(
            Code.ALCOHOL_WITHDRAWAL,
            f"CIWA-Ar {f.ciwa_ar_score}: alcohol withdrawal (threshold {p.ciwa_ar_withdrawal_min}).",
            "Treat alcohol withdrawal first; naltrexone does not treat it.",
            None,
        )


# --- A3: contraindications ------------------------------------------------------------------


def _medication_findings(matches: list[MedicationMatch]) -> Iterator[Finding]:
    kb = knowledge()
    for m in matches:
        name = f"'{m.entry}'"
        contains = f" (contains {', '.join(m.ingredients)})" if m.ingredients else ""
        if not m.ingredients:
            yield _info(
                Code.MEDICATION_NOT_CHECKED,
                f"{name} is not in naltrack's medication tables, so it was not checked for "
                "opioids or interactions.",
                "Check it by hand against its label: opioid content and interactions.",
            )
        elif m.unrecognized:
            yield _info(
                Code.MEDICATION_NOT_CHECKED,
                f"Part of {name} ({' '.join(m.unrecognized)}) is not in naltrack's medication "
                f"tables and was not checked{contains}.",
                "Check the unrecognized part by hand against its label.",
            )
        blocking = sorted(m.classes & OPIOID_BLOCKING)
        reviewing = sorted(m.classes & OPIOID_REVIEW)
        if blocking:
            what = " and ".join(CLASS_WORDS[c] for c in blocking)
            yield _contra(
                Code.OPIOID_MEDICATION,
                f"{name}{contains} is {what}: naltrexone is contraindicated while taking opioids; "
                "it blocks them and can precipitate withdrawal.",
                "Stop or taper the opioid and complete the opioid-free interval before screening "
                "again.",
            )
        elif reviewing:
            what = " and ".join(CLASS_WORDS[c] for c in reviewing)
            yield _review(
                Code.OPIOID_MEDICATION,
                f"{name}{contains} is {what}: it will not work on naltrexone, and it points to "
                "opioid exposure.",
                "Choose a non-opioid alternative and ask about recent opioid use.",
            )
        if DrugClass.NALTREXONE_CONTAINING in m.classes:
            yield _review(
                Code.DUPLICATE_NALTREXONE,
                f"{name}{contains} already contains naltrexone.",
                "Avoid duplicate naltrexone: stop one product or confirm a planned switch.",
            )
        rows = [row for cls, row in kb.interactions.items() if cls in m.classes]
        if rows:
            row = min(rows, key=lambda r: 0 if r.severity == "review" else 1)
            make = _review if row.severity == "review" else _info
            yield make(Code.INTERACTION, f"{name}: {row.message}", row.action, row.source)


def _hypersensitivity(f: ScreeningFacts) -> Iterator[Finding]:
    for allergy in f.allergies:
        m = match_medication(allergy)
        if "naltrexone" in m.ingredients:
            yield _contra(
                Code.HYPERSENSITIVITY,
                f"Recorded allergy to '{allergy}' (naltrexone).",
                "Do not give naltrexone; choose another medicine for use disorder.",
            )
        elif f.formulation is Formulation.XR_INJECTION and DrugClass.XR_EXCIPIENT in m.classes:
            yield _contra(
                Code.HYPERSENSITIVITY,
                f"Recorded allergy to '{allergy}', a component of the injection "
                "(polylactide-co-glycolide microspheres or the diluent).",
                "Do not give the injection; consider oral naltrexone or another medicine.",
            )


def _opioid_analgesia(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    if f.needs_opioid_analgesia:
        yield _contra(
            Code.OPIOID_ANALGESIA_NEEDED,
            "The patient needs opioid pain relief; naltrexone would block it.",
            "Treat the pain first or use non-opioid analgesia; screen again afterwards.",
        )


def _liver(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    lv = f.liver
    if lv is not None and (lv.acute_hepatitis or lv.liver_failure):
        what = "acute hepatitis" if lv.acute_hepatitis else "liver failure"
        if f.formulation is Formulation.ORAL:
            yield _contra(
                Code.LIVER_DISEASE,
                f"The patient has {what}: oral naltrexone is contraindicated (tablet label).",
                "Do not start oral naltrexone; discuss alternatives with hepatology.",
            )
        else:
            yield _review(
                Code.LIVER_DISEASE,
                f"The patient has {what}: the injection label keeps a hepatotoxicity warning.",
                "Prescriber weighs the liver risk and documents the decision; monitor liver tests.",
            )
    worst: tuple[float, str, float, float] | None = None
    if lv is not None:
        for label, value, uln in (("ALT", lv.alt, lv.alt_uln), ("AST", lv.ast, lv.ast_uln)):
            if value is not None and uln:
                ratio = value / uln
                if worst is None or ratio > worst[0]:
                    worst = (ratio, label, value, uln)
    if worst is not None:
        ratio, label, value, uln = worst
        text = f"{label} {value:g} U/L is {ratio:.1f}x the upper limit of normal ({uln:g})"
        if ratio > p.lft_block_multiple:
            yield _contra(
                Code.LFT_ELEVATED,
                f"{text}, above {p.lft_block_multiple:g}x.",
                "Hold naltrexone; investigate the liver. Only a prescriber's documented override "
                "allows a start.",
            )
        elif ratio > p.lft_review_multiple:
            yield _review(
                Code.LFT_ELEVATED,
                f"{text}, above {p.lft_review_multiple:g}x.",
                "Prescriber reviews the liver tests; repeat them within a month of starting.",
            )
    has_values = lv is not None and (lv.alt is not None or lv.ast is not None)
    # Values without a date count as current (A3).
    stale_since = lv.date if lv is not None and lv.date is not None else None
    if stale_since is not None and (f.as_of - stale_since).days <= p.lft_baseline_max_age_days:
        stale_since = None
    if not has_values or stale_since is not None:
        why = (
            f"the last values are from {_d(stale_since)}"
            if stale_since is not None
            else "no liver test values are recorded"
        )
        yield _info(
            Code.LFT_BASELINE_MISSING,
            f"No baseline liver tests in the last {p.lft_baseline_max_age_days} days ({why}).",
            "Order ALT, AST and bilirubin; the start need not wait for them.",
        )


# --- A4: reviews -------------------------------------------------------------------------------


def _pregnancy(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    if f.pregnant:
        yield _review(
            Code.PREGNANCY,
            "The patient is pregnant: naltrexone is not started as first choice in pregnancy; "
            "for OUD, methadone or buprenorphine are preferred.",
            "Discuss methadone or buprenorphine; if naltrexone is still chosen, document the "
            "informed decision and involve obstetric care.",
        )
    elif (
        f.pregnant is None
        and f.sex_at_birth is SexAtBirth.FEMALE
        and (
            f.age_years is None
            or p.pregnancy_test_age_min <= f.age_years <= p.pregnancy_test_age_max
        )
    ):
        yield _review(
            Code.PREGNANCY_STATUS_UNKNOWN,
            "Pregnancy status is not recorded for a patient who could be pregnant.",
            "Do a pregnancy test before the first dose.",
        )
    if f.breastfeeding:
        yield _info(
            Code.BREASTFEEDING,
            "The patient is breastfeeding: naltrexone passes into milk only minimally (LactMed: "
            "compatible).",
            "No need to stop breastfeeding; watch the infant and note it in the plan.",
        )


def _age_renal(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    if f.age_years is not None and f.age_years < p.adult_age_years:
        yield _review(
            Code.AGE_UNDER_18,
            f"The patient is {f.age_years}: naltrexone is approved from {p.adult_age_years}, so "
            "this is off-label use.",
            "Prescriber attests to the off-label use and involves a guardian as required.",
        )
    if f.renal_impairment in (RenalImpairment.MODERATE, RenalImpairment.SEVERE):
        yield _review(
            Code.RENAL_IMPAIRMENT,
            f"{f.renal_impairment.value.capitalize()} renal impairment: naltrexone has not been "
            "studied there and is cleared mainly by the kidneys.",
            "Prescriber reviews; use with caution.",
        )


def _bleeding(f: ScreeningFacts, p: Policy, matches: list[MedicationMatch]) -> Iterator[Finding]:
    if f.formulation is Formulation.ORAL:
        return
    reasons: list[str] = []
    if f.coagulation_disorder:
        reasons.append("a coagulation disorder")
    reasons += [
        f"an anticoagulant ('{m.entry}')" for m in matches if DrugClass.ANTICOAGULANT in m.classes
    ]
    if f.platelets_10e9_per_l is not None and f.platelets_10e9_per_l < p.platelets_floor_10e9_per_l:
        reasons.append(
            f"platelets {f.platelets_10e9_per_l:g} x10^9/L (below {p.platelets_floor_10e9_per_l:g})"
        )
    if reasons:
        yield _review(
            Code.BLEEDING_RISK,
            f"Bleeding risk with {FORMULATION_WORDS[f.formulation]}: {'; '.join(reasons)}.",
            "Prescriber weighs the bleeding risk of the procedure; consider oral naltrexone.",
        )


def _surgery(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    if f.planned_surgery_date is None:
        return
    days = (f.planned_surgery_date - f.as_of).days
    window = {
        Formulation.ORAL: p.surgery_window_days_oral,
        Formulation.XR_INJECTION: p.surgery_window_days_xr_injection,
        Formulation.IMPLANT: p.surgery_window_days_implant,
    }[f.formulation]
    if 0 <= days <= window:
        yield _review(
            Code.SURGERY_PLANNED,
            f"Surgery planned on {_d(f.planned_surgery_date)}, {days} days away: "
            f"{FORMULATION_WORDS[f.formulation]} would still block opioid analgesia then "
            f"(window {window} days).",
            "Start after the surgery, or agree a non-opioid pain plan with the surgical team and "
            "give the wallet card.",
        )


def _mood(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    if f.phq9 is None:
        return
    if f.phq9.item9 >= p.phq9_item9_min:
        yield _review(
            Code.SUICIDE_RISK,
            f"PHQ-9 item 9 is {f.phq9.item9}: thoughts of death or self-harm.",
            "Do a suicide-risk assessment today (for example C-SSRS) before the first dose.",
        )
    total = f.phq9.total
    if total >= p.phq9_depression_review_min:
        yield _review(
            Code.DEPRESSION,
            f"PHQ-9 total {total}: severe depressive symptoms.",
            "Prescriber reviews mood treatment before the first dose; monitor closely.",
        )
    elif total >= p.phq9_depression_info_min:
        yield _info(
            Code.DEPRESSION,
            f"PHQ-9 total {total}: depressive symptoms.",
            "Monitor mood at each visit; consider treatment.",
        )


def _drinking(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    if (
        Indication.AUD in f.indications
        and f.formulation is Formulation.XR_INJECTION
        and f.last_alcohol_use is not None
        and (f.as_of - f.last_alcohol_use).days <= p.active_drinking_days
    ):
        yield _review(
            Code.ACTIVE_DRINKING,
            f"Alcohol used on {_d(f.last_alcohol_use)}: the injection is for patients who are not "
            "drinking at the first injection.",
            "Confirm the patient can abstain; check CIWA-Ar and consider a later date.",
        )


def _needle(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    if f.formulation is not Formulation.XR_INJECTION:
        return
    # The one needle rule (clinical.mar.needle_for), which the MAR proposes and accepts too.
    _, _, fitting = needle_for(f.bmi, p)
    if f.bmi is None:
        msg = "BMI is not recorded: assess body habitus to choose the supplied needle."
        action = "Record weight and height; use the 2-inch needle over more gluteal tissue."
    elif fitting == (Needle.INCH_2,):
        msg = f"BMI {f.bmi:g}: use the 2-inch supplied needle."
        action = "Use the 2-inch needle from the carton; no other needle."
    elif fitting == (Needle.INCH_1_5,):
        msg = f"BMI {f.bmi:g}: the 1.5-inch supplied needle may suit (avoids the periosteum)."
        action = "Assess habitus; use the 1.5-inch needle from the carton if lean."
    else:
        msg = f"BMI {f.bmi:g}: either supplied needle (1.5-inch or 2-inch) fits."
        action = "Assess habitus before each injection; use only the supplied needles."
    yield _info(Code.NEEDLE_LENGTH, msg, action)


def _overdose_education(f: ScreeningFacts, p: Policy) -> Iterator[Finding]:
    if Indication.OUD in f.indications:
        yield _info(
            Code.OVERDOSE_EDUCATION,
            "After detox, tolerance is gone: a dose once tolerated can kill when the blockade "
            "wanes, after a missed dose or after stopping, and large doses can overcome the "
            "blockade.",
            "Teach overdose risk, offer an overdose reversal agent (naloxone) and record it.",
        )


Rule = Callable[[ScreeningFacts, Policy], Iterable[Finding]]
SIMPLE_RULES: tuple[Rule, ...] = (
    _opioid_free_interval,
    _urine_screen,
    _naloxone_challenge,
    _withdrawal,
    _opioid_analgesia,
    _liver,
    _pregnancy,
    _age_renal,
    _surgery,
    _mood,
    _drinking,
    _needle,
    _overdose_education,
)
SEVERITY_ORDER = {Severity.BLOCK: 0, Severity.REVIEW: 1, Severity.INFO: 2}


def screen(facts: ScreeningFacts, policy: Policy = DEFAULT_POLICY) -> ScreeningResult:
    """Evaluate every Part A screening rule for `facts` on `facts.as_of`."""
    matches = [match_medication(m.name, m.rxnorm) for m in facts.medications]
    findings: list[Finding] = []
    for rule in SIMPLE_RULES:
        findings.extend(rule(facts, policy))
    findings.extend(_medication_findings(matches))
    findings.extend(_hypersensitivity(facts))
    findings.extend(_bleeding(facts, policy, matches))
    unique = list(dict.fromkeys(findings))
    unique.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    decision, earliest = decide(unique, facts.as_of)
    return ScreeningResult(decision, earliest, tuple(unique), policy.version)


def decide(findings: Iterable[Finding], as_of: date) -> tuple[Decision, date | None]:
    """The contract's decision rule: strongest finding first."""
    blocks = [f for f in findings if f.severity is Severity.BLOCK]
    if any(f.block_kind is BlockKind.CONTRAINDICATION for f in blocks):
        return Decision.CONTRAINDICATED, None
    if blocks:
        dates = [f.until for f in blocks]
        if any(d is None for d in dates):
            return Decision.NOT_YET, None
        return Decision.NOT_YET, max(d for d in dates if d is not None)
    if any(f.severity is Severity.REVIEW for f in findings):
        return Decision.NEEDS_REVIEW, as_of
    return Decision.ELIGIBLE, as_of
