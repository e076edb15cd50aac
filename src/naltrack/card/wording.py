"""The words of the wallet card and the procedures letter, in the active language (gettext: the
Spanish is in src/naltrack/locale/es). The core (naltrack.clinical.wallet) decides which
statements apply and their dates and numbers; this module only words them, so a translation can
never change a date or a threshold. Plain language for the patient's card and phone page; the
letter is for a clinician but says the same things."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from naltrack.clinical.vocab import Formulation
from naltrack.clinical.wallet import NoCard, Say, Statement

FORMULATIONS: Mapping[str, object] = {
    Formulation.XR_INJECTION.value: gettext_lazy(
        "Monthly injection (extended-release naltrexone 380 mg)"
    ),
    Formulation.ORAL.value: gettext_lazy("Naltrexone tablets"),
    Formulation.IMPLANT.value: gettext_lazy("Naltrexone implant"),
}

NO_CARD: Mapping[NoCard, object] = {
    NoCard.NO_TREATMENT: gettext_lazy(
        "There is no current naltrexone treatment plan, so there is nothing for a card to say."
    ),
    NoCard.TREATMENT_STOPPED: gettext_lazy(
        "Treatment has stopped. A card saying you take naltrexone would be wrong."
    ),
    NoCard.NO_DOSE_YET: gettext_lazy(
        "No dose has been given yet. The card shows the date of the last dose."
    ),
    NoCard.BLOCKADE_ENDED: gettext_lazy(
        "The blocking effect of the last dose is expected to have ended, so a card would promise a protection that is gone. Talk with the clinic about the next dose and about overdose risk."
    ),
    NoCard.IMPLANT_REMOVED: gettext_lazy(
        "The implant was removed, so a card would promise a protection that is gone."
    ),
}

# What each statement says, with %(name)s for its parameters (dates are written out in the
# language of the page). Full sentences: the phone page, the full-page card, the letter.
FULL: Mapping[Say, object] = {
    Say.TAKES_NALTREXONE: gettext_lazy("I take naltrexone, a medicine that blocks opioids."),
    Say.FORMULATION: gettext_lazy("Form: %(formulation)s."),
    Say.LAST_INJECTION: gettext_lazy("Last injection: %(on)s."),
    Say.BLOCKS_UNTIL: gettext_lazy(
        "Its blocking effect is expected to last until about %(until)s."
    ),
    Say.NEXT_INJECTION_DUE: gettext_lazy("Next injection due: %(due)s."),
    Say.NEXT_INJECTION_BOOKED: gettext_lazy("Next injection booked for %(on)s."),
    Say.ORAL_BLOCKADE: gettext_lazy(
        "A %(dose_mg)s mg tablet blocks opioids for about %(hours)s hours."
    ),
    Say.IMPLANT_INSERTED: gettext_lazy("Implant put in on %(on)s."),
    Say.OPIOIDS_BLOCKED: gettext_lazy(
        "Opioid pain medicines (such as morphine, oxycodone or fentanyl) will not work as expected."
    ),
    Say.EMERGENCY_PAIN_OPTIONS: gettext_lazy(
        "For pain, use other options: regional anaesthesia (nerve blocks), non-opioid pain medicines, sedation with a benzodiazepine, or general anaesthesia."
    ),
    Say.IF_OPIOIDS_NEEDED: gettext_lazy(
        "If opioids must be used, higher doses than usual may be needed, with continuous monitoring by trained staff in a setting equipped for resuscitation (CPR)."
    ),
    Say.LOW_TOLERANCE: gettext_lazy(
        "When the blocking effect wears off, my tolerance to opioids is low: a dose I once took could cause a fatal overdose."
    ),
    Say.STOP_TABLETS_BEFORE: gettext_lazy(
        "Before a planned procedure, the last naltrexone tablet is taken at least %(hours)s hours before."
    ),
    Say.LAST_TABLET_BY: gettext_lazy(
        "For the procedure on %(procedure)s: last tablet no later than %(by)s."
    ),
    Say.TABLETS_TOO_CLOSE: gettext_lazy(
        "The procedure on %(procedure)s is less than %(hours)s hours away: the blocking effect may still be present. Plan pain relief without relying on opioids."
    ),
    Say.STOP_INJECTION_BEFORE: gettext_lazy(
        "One injection blocks opioids for about %(blocks_days)s days. Before a planned procedure, the last injection is given at least %(days)s days before."
    ),
    Say.LAST_INJECTION_TOO_CLOSE: gettext_lazy(
        "The last injection (%(last)s) is only %(days)s days before the procedure on %(procedure)s, fewer than %(needed)s: expect the blocking effect to be present."
    ),
    Say.LAST_INJECTION_CLEAR: gettext_lazy(
        "The last injection (%(last)s) is %(days)s days before the procedure on %(procedure)s."
    ),
    Say.LAST_INJECTION_BY: gettext_lazy(
        "For the procedure on %(procedure)s: no injection after %(by)s until after the procedure."
    ),
    Say.NO_INJECTION_BEFORE: gettext_lazy(
        "No further injection before the procedure on %(procedure)s. While uncovered, the risk of overdose rises: the prescriber plans this time with the patient."
    ),
    Say.HOLD_NEXT_INJECTION: gettext_lazy(
        "The next injection, due %(due)s, falls inside those days, so it is held until after the procedure on %(procedure)s. Until then the blocking effect wears off and the risk of overdose rises: the prescriber plans this time with the patient (naloxone, support)."
    ),
    Say.IMPLANT_SILENT: gettext_lazy(
        "The clinic's clinical reference gives no time for removing or waiting out an implant before a procedure. The prescriber decides."
    ),
    Say.STOP_TIMES_DISAGREE: gettext_lazy(
        "Sources differ on these times (some say tablets 3-4 days and the injection 24-30 days before). The prescriber confirms them."
    ),
    Say.ANAESTHETIC_DRUGS_SILENT: gettext_lazy(
        "The clinic's clinical reference names regional and general anaesthesia as options and says nothing more about other anaesthetic drugs."
    ),
    Say.SEDATIVES_NOT_BLOCKED: gettext_lazy(
        "Naltrexone does not protect against an overdose of sedatives (benzodiazepines, alcohol, gabapentinoids)."
    ),
    Say.START_OPIOIDS_LOW: gettext_lazy(
        "After the blocking effect wears off, tolerance to opioids is low: start any opioid at a low dose."
    ),
    Say.RESTART_AFTER_OPIOIDS: gettext_lazy(
        "Naltrexone is restarted only when opioid medicines have stopped: sources differ (3-5 opioid-free days before restarting tablets, or 7-10 days). The prescriber decides."
    ),
    Say.DENTAL_SILENT: gettext_lazy(
        "The clinical reference does not treat dental work separately; the same advice applies."
    ),
}

# The credit-card back has room for a few short lines only.
SHORT: Mapping[Say, object] = {
    Say.OPIOIDS_BLOCKED: pgettext_lazy("card", "Opioid pain medicines will not work as expected."),
    Say.EMERGENCY_PAIN_OPTIONS: pgettext_lazy(
        "card", "For pain: nerve blocks, non-opioid medicines, sedation, general anaesthesia."
    ),
    Say.IF_OPIOIDS_NEEDED: pgettext_lazy(
        "card", "If opioids are needed: higher doses, continuous monitoring, CPR ready."
    ),
    Say.LOW_TOLERANCE: pgettext_lazy("card", "After it wears off: low tolerance, overdose risk."),
}


def day(d: date) -> str:
    """A date written out in the active language (Django's DATE_FORMAT: "Nov. 2, 2026",
    "2 de noviembre de 2026")."""
    return date_format(d, "DATE_FORMAT")


def _params(params: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in params.items():
        if isinstance(v, date):
            out[k] = day(v)
        elif k == "formulation":
            out[k] = str(FORMULATIONS[str(v)])
        else:
            out[k] = v
    return out


def sentence(s: Statement, *, short: bool = False) -> str:
    """One statement in the active language."""
    text = SHORT.get(s.say) if short else None
    return str(text or FULL[s.say]) % _params(s.params)


def formulation(value: str) -> str:
    return str(FORMULATIONS[value])


def no_card(reason: NoCard) -> str:
    return str(NO_CARD[reason])


def titles() -> dict[str, str]:
    """The fixed words of the card, the pages and the letter, in the active language."""
    return {
        "card_title": _("I take naltrexone"),
        "card_subtitle": _("Medical alert: opioid blocker"),
        "name": _("Name"),
        "emergency_contact": _("Emergency contact"),
        "clinic": _("Clinic"),
        "clinic_phone": _("Clinic phone"),
        "scan": _("Scan to check this card"),
        "issued": _("Card made on"),
        "valid_until": _("Check page valid until"),
        "meaning": _("What this means for pain relief and anaesthesia"),
        "letter_title": _("Naltrexone: information for the surgeon, dentist or anaesthetist"),
        "letter_dental_title": _("Naltrexone: information for the dentist"),
        "letter_takes": _("The patient takes naltrexone, a medicine that blocks opioids."),
        "letter_intro": _(
            "This letter is from the clinic that treats the patient named below. It was made from the clinic's record and its clinical reference on the date shown. Please contact the clinic with any question."
        ),
        "patient": _("Patient"),
        "procedure_on": _("Planned procedure"),
        "written_on": _("Date of this letter"),
        "before": _("Before the procedure"),
        "pain": _("Pain relief and anaesthesia"),
        "after": _("After the procedure"),
        "sources": _("Sources: the clinic's clinical reference (naltrack); policy"),
        "not_advice": _("This letter informs; the treating clinicians decide."),
    }
