"""The portal's words for the record's codes, in plain language and translatable."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from naltrack.appointments.models import AppointmentKind

VISIT_WORDS: dict[str, Promise] = {
    AppointmentKind.INDUCTION: _("First dose visit"),
    AppointmentKind.INJECTION: _("Injection visit"),
    AppointmentKind.PRESCRIBER_REVIEW: _("Visit with your prescriber"),
    AppointmentKind.COUNSELLING: _("Counseling session"),
    AppointmentKind.LAB: _("Lab test"),
}

FORMULATION_WORDS: dict[str, Promise] = {
    "oral": _("Naltrexone tablets"),
    "xr_injection": _("Naltrexone shot (injection)"),
    "implant": _("Naltrexone implant"),
}


def visit_words(kind: str) -> str:
    return str(VISIT_WORDS.get(kind, _("Visit")))


def tablets(mg: int | None) -> str:
    """How many 50 mg tablets a dose is, in words a patient counts ("1", "2", "1/2")."""
    if mg is None:
        return ""
    whole, half = divmod(mg, 50)
    if half and not whole:
        return "½"
    return f"{whole}½" if half else str(whole)


REGIMEN_WORDS: dict[str, Promise] = {
    "oral_daily": _("One 50 mg tablet every day."),
    "oral_mwf": _(
        "Tablets three times a week: 100 mg on Monday, 100 mg on Wednesday and 150 mg on Friday."
    ),
    "oral_weekdays_sat": _("One 50 mg tablet Monday to Friday, and 100 mg on Saturday."),
    "oral_every_other_day": _("100 mg (two tablets) every other day."),
    "oral_every_third_day": _("150 mg (three tablets) every third day."),
    "oral_custom": _("Tablets on a schedule your prescriber made for you."),
    "oral_targeted": _("50 mg about one hour before a time you might drink alcohol."),
    "xr_injection": _(
        "One shot every 4 weeks, in the muscle of your buttock. The side changes each time."
    ),
    "implant": _("A small implant under your skin. It lets out the medicine for about 3 months."),
}

SUPPORT_WORDS: dict[str, Promise] = {
    "individual_therapy": _("Talking one-on-one with a counselor"),
    "group_therapy": _("Group counseling"),
    "intensive_outpatient": _("An intensive outpatient program (several sessions a week)"),
    "cbt": _("Cognitive behavioral therapy: learning new ways to handle thoughts and cravings"),
    "motivational_interviewing": _(
        "Motivational interviewing: talks about your own reasons to change"
    ),
    "mutual_help": _("Support groups such as AA, NA or SMART Recovery"),
    "family_involvement": _("Bringing your family into your care"),
}


def regimen_words(code: str) -> str:
    return str(REGIMEN_WORDS.get(code, _("As your prescriber told you.")))


def support_words(codes: list[str]) -> list[str]:
    return [str(SUPPORT_WORDS.get(code, code)) for code in codes]


# ---- consents (My consents) -------------------------------------------------------------------

CONSENT_STATUS_WORDS: dict[str, Promise] = {
    "in force": _("Active"),
    "expired": _("Expired"),
    "revoked": _("Revoked"),
    "not yet signed": _("Not yet in effect"),
}

PURPOSE_WORDS: dict[str, Promise] = {
    "TREAT": _("My treatment"),
    "HPAYMT": _("Payment for my care"),
    "HOPERAT": _("Running the clinic (health-care operations)"),
    "PATRQT": _("Because I asked for it"),
    "HRESCH": _("Research"),
    "ETREAT": _("Emergency treatment"),
}

RECIPIENT_CLASS_WORDS: dict[str, Promise] = {
    "treating_providers": _("My treating providers"),
    "health_plans": _("My health plan and others who pay for my care"),
    "program_operations": _("People who help run this program"),
}

RECORD_KIND_WORDS: dict[str, Promise] = {
    "demographics": _("My name, birth date and contact details"),
    "episodes": _("When I started and ended treatment here"),
    "assessments": _("My diagnoses and assessments"),
    "medications": _("My medicines, doses and allergies"),
    "screenings": _("My screenings before starting the medicine"),
    "observations": _("My lab results, urine drug screens and questionnaires"),
    "appointments": _("My appointments"),
    "counselling_notes": _("My counseling notes"),
}


# What a support person may be sent (the same words as the Support page's choices)
SUPPORT_NOTICE_WORDS: dict[str, Promise] = {
    "visit": _("Reminders of my visits"),
    "missed_visit": _("A message if I miss a visit"),
    "overdue": _("A message if my next visit is overdue"),
}


def consent_status_words(status: str) -> str:
    return str(CONSENT_STATUS_WORDS.get(status, status))


def purpose_words(code: str) -> str:
    return str(PURPOSE_WORDS.get(code, code))


def recipient_class_words(code: str) -> str:
    return str(RECIPIENT_CLASS_WORDS.get(code, code))


def record_kind_words(code: str) -> str:
    return str(RECORD_KIND_WORDS.get(code, code))
