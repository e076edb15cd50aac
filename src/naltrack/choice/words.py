"""The patient version of the choice aid in plain language (gettext: the Spanish is in
choice/locale/es). The core decides which options there are, the patient's opioid-free days and
the cautions; this module only words them, so a translation cannot change a date or a number."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from naltrack.clinical.choice import FORMULATION_OF, REFERRAL_OPTIONS, ChoiceAid, Option

TITLES = {
    Option.NALTREXONE_TABLET: gettext_lazy("Naltrexone tablets"),
    Option.NALTREXONE_INJECTION: gettext_lazy("Naltrexone monthly injection"),
    Option.NALTREXONE_IMPLANT: gettext_lazy("Naltrexone implant"),
    Option.BUPRENORPHINE: gettext_lazy("Buprenorphine"),
    Option.METHADONE: gettext_lazy("Methadone"),
    Option.ACAMPROSATE: gettext_lazy("Acamprosate"),
    Option.DISULFIRAM: gettext_lazy("Disulfiram"),
}


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Sheet:
    heading: str
    intro: str
    sections: tuple[Section, ...]
    footer: str


def _how(option: Option, aid: ChoiceAid) -> str:
    if option is Option.NALTREXONE_TABLET:
        return _("You take a tablet every day, at home or at the clinic.")
    if option is Option.NALTREXONE_INJECTION:
        return _("A nurse gives you a shot at the clinic every %(days)s days.") % {
            "days": aid.injection_every_days
        }
    if option is Option.NALTREXONE_IMPLANT:
        return _(
            "A small implant under the skin, replaced about every %(days)s days. It is not "
            "approved in the United States."
        ) % {"days": aid.implant_every_days}
    if option in REFERRAL_OPTIONS:
        return _("Another program gives this medicine. We can refer you there.")
    return _("Ask us about this medicine: our clinical guide does not describe it.")


def patient_sheet(aid: ChoiceAid, name: str) -> Sheet:
    """The sheet in the active language (call inside translation.override)."""
    free = aid.opioid_free
    sections = []
    for col in aid.columns:
        lines = [_how(col.option, aid)]
        codes = {c.code for c in col.cautions}
        if col.option in FORMULATION_OF:
            if free is not None and free.days_left:
                lines.append(
                    _(
                        "You need to be off opioids first: the first dose can be on %(day)s or later."
                    )
                    % {"day": free.first_day.isoformat()}
                )
            elif free is None:
                lines.append(_(
                    "You need to be off opioids for %(low)s to %(high)s days or more before the "
                    "first dose."
                ) % {"low": aid.free_days_range[0], "high": aid.free_days_range[1]})  # fmt: skip
            lines.append(_(
                "It blocks opioids. If you stop or miss a dose, your body has lost its tolerance: "
                "your usual amount of opioids could kill you. Keep naloxone at hand."
            ))  # fmt: skip
            lines.append(_("It blocks opioid pain medicines. Tell every doctor and dentist you take it."))  # fmt: skip
            if "PREGNANCY" in codes:
                lines.append(_("Because you are pregnant, methadone or buprenorphine are usually preferred."))  # fmt: skip
            if "LIVER_DISEASE" in codes or "LFT_ELEVATED" in codes:
                lines.append(_("Your liver tests need a doctor's look before you start."))
        elif col.option in REFERRAL_OPTIONS and "PREGNANCY" in codes:
            lines.append(_("In pregnancy this is one of the preferred medicines."))
        sections.append(Section(str(TITLES[col.option]), tuple(lines)))
    return Sheet(
        heading=_("Choosing a medicine: %(name)s") % {"name": name},
        intro=_(
            "These are the medicines we can talk about with you. There is no wrong choice: "
            "choosing a medicine another program gives is a good outcome too."
        ),
        sections=tuple(sections),
        footer=_("Cost and insurance: ask the program. Questions? Ask your care team."),
    )
