"""The text of a reminder: neutral, in the patient's language, configurable per clinic.

Each kind and channel has a template under templates/reminders/messages/ (a clinic may put its own
wording in its templates folder); the words come from Django's translation machinery (English and
Spanish, reminders/locale/). Whatever a template says, `render` refuses a text that names the
medicine, the injection, a drug test, a diagnosis or the program's nature
(config.FORBIDDEN_REMINDER_WORDS): such a message is never sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import dateformat, translation

from naltrack.config import ReminderConfig, forbidden_words_in

# The portal's sign-in page, under the clinic's public address.
LOGIN_PATH = "/portal/"
# The public page with the notice prohibiting re-disclosure (42 CFR 2.32) that goes, by link,
# with every notice to a support person: the message itself stays neutral on a lock screen.
NOTICE_PATH = "/r/notice/"
LANGUAGES = ("en", "es")
# How a day is written, by language and channel: "Thursday 3 December", "jueves 3 de diciembre";
# a text message uses the short names.
DAY_FORMATS = {
    ("en", "email"): "l j F", ("en", "sms"): "D j M",
    ("es", "email"): r"l j \d\e F", ("es", "sms"): r"D j \d\e M",
}  # fmt: skip


class UnsafeWording(ValueError):
    """A message that would reveal the program; it is not sent (a retry cannot help)."""


@dataclass(frozen=True, slots=True)
class Message:
    subject: str  # email only
    body: str


@dataclass(frozen=True, slots=True)
class Details:
    """What a reminder may say: the clinic, the day (and time when known), where to log in."""

    kind: str  # a ReminderKind value, or support_<notice> for a notice to a support person
    channel: str  # a ReminderChannel value
    language: str
    day: date
    name: str = ""  # whom the email greets: the patient, or the support person
    about: str = ""  # a notice to a support person: the patient's given name
    time: time | None = None
    unsubscribe_url: str = ""


def notice_url(language: str, config: ReminderConfig) -> str:
    """The public page of the 42 CFR 2.32 notice, introduced in the reader's language."""
    return f"{config.public_url}{NOTICE_PATH}" + ("" if language == "en" else f"?lang={language}")


def template_names(kind: str, channel: str) -> list[str]:
    names = [f"reminders/messages/{kind}_{channel}.txt"]
    if channel == "email":
        names.append(f"reminders/messages/{kind}_subject.txt")
    return names


def render(details: Details, config: ReminderConfig | None = None) -> Message:
    config = config or settings.REMINDERS
    language = details.language if details.language in LANGUAGES else "en"
    context = {
        "clinic": config.clinic_short_name,
        "time": details.time,
        "name": details.name,
        "about": details.about,
        "login_url": config.public_url + LOGIN_PATH,
        "unsubscribe_url": details.unsubscribe_url,
        "notice_url": notice_url(language, config),
    }
    base = f"reminders/messages/{details.kind}"
    with translation.override(language):
        context["day"] = dateformat.format(details.day, DAY_FORMATS[(language, details.channel)])
        body = render_to_string(f"{base}_{details.channel}.txt", context).strip()
        subject = (
            " ".join(render_to_string(f"{base}_subject.txt", context).split())
            if details.channel == "email"
            else ""
        )
    # The wording is checked, not the people's names in it (a patient named Mat still gets
    # reminders); the clinic's name and address were checked when the settings were read, and
    # the tokens in links are hex.
    checked = f"{subject}\n{body}"
    for name in (details.name, details.about):
        if name.strip():
            checked = checked.replace(name, " ")
    words = forbidden_words_in(checked)
    if words:
        raise UnsafeWording(
            f"the {details.kind} {details.channel} text names {', '.join(words)}: not sent"
        )
    return Message(subject, body)
