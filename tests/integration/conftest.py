"""Database tests run on SQLite and, with NALTRACK_DATABASE_URL=postgresql://..., on PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor, create_staff
from naltrack.clinical.vocab import Indication
from naltrack.monitoring.services import record_observation
from naltrack.patients.models import Patient
from naltrack.patients.records import AssessmentInput, record_assessment
from naltrack.patients.services import PatientInput, open_episode, register_patient
from naltrack.screening.models import ScreeningRecord
from naltrack.screening.services import items_to_review, run_screening, sign_screening
from naltrack.treatment.services import AdministrationInput, record_administration, sign_order

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)

# The named cast (style.md habit 9): one per role, and an outsider with no role.
PRESCRIBER = Actor(1, "pat.prescriber", Role.PRESCRIBER, "10.0.0.7")
NURSE = Actor(2, "nina.nurse", Role.NURSE, "10.0.0.8")
COUNSELOR = Actor(3, "cole.counselor", Role.COUNSELOR, "10.0.0.9")
COORDINATOR = Actor(4, "cora.coordinator", Role.COORDINATOR, "10.0.0.10")
DIRECTOR = Actor(5, "dana.director", Role.DIRECTOR, "10.0.0.11")
OUTSIDER = Actor(6, "oscar.outsider", None, "10.0.0.12")
CAST = (PRESCRIBER, NURSE, COUNSELOR, COORDINATOR, DIRECTOR, OUTSIDER)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `postgresql` checks PostgreSQL itself (pg_stat_activity, the pool): on the
    SQLite pass it is deselected, so that a run never reports a skip (a skip in CI is a failure)."""
    from django.conf import settings

    if str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql"):
        return
    keep = [item for item in items if item.get_closest_marker("postgresql") is None]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


@pytest.fixture
def vendor() -> str:
    return connection.vendor


@pytest.fixture
def alice(db: None) -> Patient:
    """Alice Example, a synthetic patient."""
    return register_patient(
        PatientInput(mrn="MRN-0001", given_name="Alice", family_name="Example",
                     birth_date=datetime(1988, 4, 2).date(), sex_at_birth="female"),
        actor=COORDINATOR, at=NOW,
    )  # fmt: skip


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


TODAY = NOW.date()


def make_patient(mrn: str = "MRN-0100", *, indications: frozenset[Indication] = frozenset({Indication.OUD}),
                 start: date = TODAY - timedelta(days=10), sex: str = "male") -> Patient:  # fmt: skip
    """A registered patient with an active episode (no clinical facts yet)."""
    p = register_patient(
        PatientInput(mrn=mrn, given_name="Test", family_name=f"Patient {mrn}", birth_date=date(1985, 6, 1),
                     sex_at_birth=sex),
        actor=COORDINATOR, at=at(start - timedelta(days=1)),
    )  # fmt: skip
    open_episode(p, indications, start, actor=COORDINATOR, at=at(start))
    return p


def make_ready(p: Patient, day: date, *, last_use_days: int = 14) -> None:
    """Facts for an OUD start on `day`: last use, a negative urine screen, COWS, liver, BMI."""
    record_assessment(p, AssessmentInput(
        assessed_on=day - timedelta(days=1), substance="OUD", dsm5_criteria=("craving", "tolerance", "cut_down", "time_spent"),
        last_opioid_use=day - timedelta(days=last_use_days), last_opioid_kind="short_acting",
    ), actor=PRESCRIBER, at=at(day - timedelta(days=1)))  # fmt: skip
    for kind, data in (
        (
            "urine_screen",
            {
                "results": {
                    "opioids": "negative",
                    "fentanyl": "negative",
                    "buprenorphine": "negative",
                }
            },
        ),
        ("cows", {"items": [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]}),
        ("liver", {"alt": 30, "ast": 28, "alt_uln": 40, "ast_uln": 40}),
        ("weight", {"weight_kg": 80, "height_cm": 178}),
        ("phq9", {"items": [0, 1, 0, 0, 0, 0, 0, 0, 0]}),
    ):
        record_observation(p, kind=kind, observed_on=day, data=data, actor=NURSE, at=at(day, 9))


def injection(day: date, **changes: Any) -> AdministrationInput:
    values: dict[str, Any] = dict(formulation="xr_injection", given_at=at(day), site="left", needle="1.5in",
                                  lot="LOT-1", expiry=day + timedelta(days=200), reversal_agent_discussed=True,
                                  reversal_agent_on_hand=True)  # fmt: skip
    values.update(changes)
    return AdministrationInput(**values)


ATTESTATION_NOTE = "Reviewed the findings and the facts with the patient."


def attested(screening_id: int, *, overriding: bool = False) -> dict[str, Any]:
    """A full attestation for a stored screening: every item the core requires it to name as
    reviewed (clinical.signoff), and a note."""
    rec = ScreeningRecord.objects.get(pk=screening_id)
    return {"reviewed": items_to_review(rec, overriding=overriding), "note": ATTESTATION_NOTE}


ORDER_DOSES = {"xr_injection": 380, "oral_daily": 50, "oral_mwf": 150, "oral_weekdays_sat": 100,
               "oral_every_other_day": 100, "oral_every_third_day": 150, "oral_targeted": 50}  # fmt: skip


def order(p: Patient, day: date, regimen: str = "xr_injection", hour: int = 9) -> None:
    """A prescriber's signed order on `day` (the MAR gives only what the active order orders)."""
    formulation = "xr_injection" if regimen == "xr_injection" else "oral"
    sign_order(p, formulation=formulation, regimen=regimen, dose_mg=ORDER_DOSES[regimen],
               actor=PRESCRIBER, at=at(day, hour))  # fmt: skip


def started_on_injection(mrn: str, first: date) -> Patient:
    """A patient screened, signed, ordered the injection and given a first one on `first`."""
    p = make_patient(mrn, start=first - timedelta(days=2))
    make_ready(p, first)
    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(first, 9))
    sign_screening(rec.pk, actor=PRESCRIBER, at=at(first, 9), **attested(rec.pk))
    order(p, first)
    record_administration(p, injection(first), actor=NURSE, at=at(first))
    return p


# Pages: a logged-in client per role, and the clinic's "today" pinned (pages read clock.today()).
PASSWORD = "a-long-demo-password-1"


@pytest.fixture
def fixed_today(settings: Any) -> None:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)


def login(role: Role, username: str) -> Client:
    create_staff(username, PASSWORD, role)
    c = Client()
    assert c.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return c


@pytest.fixture
def wsgi_keeps_the_test_connection() -> Iterator[None]:
    """The WSGI application called directly (schemathesis) ends each request with Django's
    close_old_connections, which closes a connection left outside autocommit: the test's own
    transaction, on the SQLite file the tests use (tests/settings.py). Django's test client
    disconnects it for the same reason; so does this, for the test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
