"""Reminders carry no clinical detail (issue 11): every message template, in English and in
Spanish, is rendered and checked against the forbidden-words list; the clinic's configurable
name and address are checked too, and a template that slips is refused at sending."""

from __future__ import annotations

import dataclasses
from datetime import date, time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from naltrack.config import (
    FORBIDDEN_REMINDER_WORDS,
    ConfigError,
    ReminderConfig,
    forbidden_words_in,
    read_reminder_config,
)
from naltrack.reminders import messages
from naltrack.reminders.messages import Details, UnsafeWording, render

TEMPLATES = Path(messages.__file__).parent / "templates" / "reminders" / "messages"
CONFIG = ReminderConfig(
    clinic_short_name="Eastside Health", public_url="https://eastside.example.org"
)
DAY = date(2026, 12, 3)


def kinds_and_channels() -> list[tuple[str, str]]:
    """Every (kind, channel) that has a body template: a new template is checked without editing
    this test."""
    found = set()
    for path in TEMPLATES.glob("*.txt"):
        kind, _, channel = path.stem.rpartition("_")
        if channel in ("email", "sms"):
            found.add((kind, channel))
    return sorted(found)


def test_every_kind_has_both_channels_and_a_subject() -> None:
    pairs = kinds_and_channels()
    kinds = {k for k, _ in pairs}
    assert {
        "visit",
        "dose_due",
        "support_visit",
        "support_missed_visit",
        "support_overdue",
    } <= kinds
    for kind in kinds:
        assert (kind, "email") in pairs and (kind, "sms") in pairs
        assert (TEMPLATES / f"{kind}_subject.txt").exists()


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("kind", "channel"), kinds_and_channels())
def test_no_template_names_the_medicine_the_injection_a_test_or_the_program(
    kind: str, channel: str, language: str
) -> None:
    message = render(
        Details(kind, channel, language, DAY, name="Alice", time=time(9, 30), about="Rosa",
                unsubscribe_url="https://eastside.example.org/r/unsubscribe/" + "ab" * 24 + "/"),
        CONFIG,
    )  # fmt: skip
    text = f"{message.subject}\n{message.body}"
    assert forbidden_words_in(text) == []
    # What a reminder does say: the clinic's short name, the day, the link to log in.
    assert "Eastside Health" in text and "3" in message.body
    if kind.startswith("support_"):
        # A support person reads whose notice it is, and no link into the patient's portal.
        assert "Rosa" in message.body and "/portal/" not in message.body
    else:
        assert "https://eastside.example.org/portal/" in message.body
    if channel == "email":
        assert message.subject
        assert ("/r/unsubscribe/" in message.body) != kind.startswith("support_")
    else:
        assert "STOP" in message.body and len(message.body) <= 320  # two SMS segments at most


@pytest.mark.parametrize(("kind", "channel"), kinds_and_channels())
def test_spanish_is_spanish(kind: str, channel: str) -> None:
    """The Spanish catalogue is compiled and used: a Spanish reminder differs from the English
    one and writes the day in Spanish."""
    english = render(Details(kind, channel, "en", DAY, name="Ana", about="Rosa"), CONFIG)
    spanish = render(Details(kind, channel, "es", DAY, name="Ana", about="Rosa"), CONFIG)
    assert "dic" in spanish.body.lower() and "Dec" in english.body
    # Every sentence is translated: no English word of the templates is left.
    assert "visit" in english.body.lower() and "cita" in spanish.body.lower()
    for english_word in ("visit", "asked", "reminder", "hello", "log in", "reply stop to"):
        assert english_word not in spanish.body.lower() + spanish.subject.lower()


def test_names_are_not_wording_a_patient_named_mat_is_reminded() -> None:
    message = render(
        Details("support_visit", "email", "en", DAY, name="Mat Lab", about="Test"), CONFIG
    )
    assert "Hello Mat Lab" in message.body and "Test has a visit" in message.body


def test_an_unknown_language_falls_back_to_english() -> None:
    assert render(Details("visit", "sms", "fr", DAY), CONFIG) == render(
        Details("visit", "sms", "en", DAY), CONFIG
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Time for your naltrexone shot", ["naltrex*", "shot"]),
        ("Su inyección es el lunes", ["inyec*"]),
        ("Please give a urine sample for your drug test", ["drug*", "urine*", "test*"]),
        ("Your opioid use disorder program", ["opioid*", "disorder*"]),
        ("Alcohol recovery group", ["alcohol*", "recover*"]),
        ("Recaída y sobredosis", ["recaida*", "sobredosis*"]),
        ("Your lab results", ["lab"]),
        # whole words and word starts only: innocent words that contain a stem pass
        ("The latest news is on the label; we are proud of the audio", []),
        ("Eastside Health: you have a visit on Thu 3 Dec.", []),
    ],
)
def test_the_forbidden_words_match_word_starts_and_ignore_accents(
    text: str, found: list[str]
) -> None:
    assert forbidden_words_in(text) == found


def test_the_list_covers_both_languages() -> None:
    for word in (
        "naltrex*",
        "inject*",
        "inyec*",
        "drug*",
        "droga*",
        "addict*",
        "adicc*",
        "alcohol*",
    ):
        assert word in FORBIDDEN_REMINDER_WORDS


def test_a_template_that_slips_is_refused_at_sending(settings: object) -> None:
    """A clinic's own template that names the injection is never sent."""
    from django.template import engines

    engine: Any = engines["django"].engine  # type: ignore[attr-defined]
    slipped = "{{ clinic }}: your injection is due on {{ day }}."
    original = engine.get_template

    def clinic_template(name: str, *args: Any, **kwargs: Any) -> Any:
        return engine.from_string(slipped) if name.endswith("visit_sms.txt") else original(name)

    with (
        mock.patch.object(engine, "get_template", clinic_template),
        pytest.raises(UnsafeWording, match="inject"),
    ):
        render(Details("visit", "sms", "en", DAY), CONFIG)


@pytest.mark.parametrize(
    "name", ["Naltrexone Clinic", "Eastside Recovery", "Clínica de Adicciones"]
)
def test_a_clinic_name_that_reveals_the_program_is_refused(name: str) -> None:
    with pytest.raises(ConfigError) as err:
        read_reminder_config({"NALTRACK_DEBUG": "true", "NALTRACK_CLINIC_SHORT_NAME": name})
    assert err.value.variable == "NALTRACK_CLINIC_SHORT_NAME"


def test_a_public_address_that_reveals_the_program_is_refused() -> None:
    with pytest.raises(ConfigError) as err:
        read_reminder_config({"NALTRACK_DEBUG": "true", "NALTRACK_PUBLIC_URL": "https://opioid-care.example.org"})  # fmt: skip
    assert err.value.variable == "NALTRACK_PUBLIC_URL"


def test_defaults_and_bounds() -> None:
    config = read_reminder_config({"NALTRACK_DEBUG": "true"})
    assert dataclasses.astuple(config)[:7] == (
        "Demo Clinic",
        "http://127.0.0.1:8000",
        5,
        60,
        30,
        600,
        10,
    )
    production = read_reminder_config({"NALTRACK_ALLOWED_HOSTS": "clinic.example.org"})
    assert production.public_url == "https://clinic.example.org"
    for variable, value in [("NALTRACK_REMINDER_MAX_ATTEMPTS", "0"), ("NALTRACK_REMINDER_MAX_ATTEMPTS", "21"),
                            ("NALTRACK_REMINDER_BACKOFF_SECONDS", "soon"), ("NALTRACK_REMINDER_SEND_HOUR", "24"),
                            ("NALTRACK_SMS_PROVIDER", "pigeon"), ("NALTRACK_EMAIL_FROM", "nobody")]:  # fmt: skip
        with pytest.raises(ConfigError) as err:
            read_reminder_config({"NALTRACK_DEBUG": "true", variable: value})
        assert err.value.variable == variable


def test_twilio_needs_its_account_token_and_sender() -> None:
    with pytest.raises(ConfigError) as err:
        read_reminder_config(
            {"NALTRACK_SMS_PROVIDER": "twilio", "NALTRACK_TWILIO_ACCOUNT_SID": "AC1"}
        )
    assert err.value.variable == "NALTRACK_TWILIO_AUTH_TOKEN"


def test_the_clinics_own_wording_folder_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        read_reminder_config(
            {"NALTRACK_DEBUG": "true", "NALTRACK_REMINDER_TEMPLATES": str(tmp_path)}
        )
    assert err.value.variable == "NALTRACK_REMINDER_TEMPLATES"
    (tmp_path / "reminders" / "messages").mkdir(parents=True)
    config = read_reminder_config(
        {"NALTRACK_DEBUG": "true", "NALTRACK_REMINDER_TEMPLATES": str(tmp_path)}
    )
    assert config.templates_dir == tmp_path


def test_the_clinics_own_wording_is_used_and_checked(tmp_path: Path, settings: Any) -> None:
    folder = tmp_path / "reminders" / "messages"
    folder.mkdir(parents=True)
    (folder / "visit_sms.txt").write_text(
        "{{ clinic }} here: see you {{ day }}. Reply STOP to stop."
    )
    (folder / "dose_due_sms.txt").write_text("{{ clinic }}: your injection is due {{ day }}.")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    assert (
        render(Details("visit", "sms", "en", DAY), CONFIG).body
        == "Eastside Health here: see you Thu 3 Dec. Reply STOP to stop."
    )
    with pytest.raises(UnsafeWording, match="inject"):
        render(Details("dose_due", "sms", "en", DAY), CONFIG)
