"""A refused form (issue 12): every error is linked to its field (the field aria-invalid="true",
its aria-describedby naming the error's element) and summarised at the top of the form, with a
link to each field; the summary takes the focus. Through the shared includes, so every form has
it: checked on registration, a dose on the MAR, the plan editor, the screening form and an
observation."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from tests.integration.conftest import PASSWORD, TODAY, login, started_on_injection

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


class _Elements(HTMLParser):
    """Every element's attributes by id, and the summary's links."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.summary_links: list[str] = []
        self.summary: dict[str, str | None] | None = None
        self._in_summary = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.by_id[str(a["id"])] = a | {"tag": tag}
        if "error-summary" in (a.get("class") or "").split():
            self.summary = a
            self._in_summary = 1
        elif self._in_summary and tag == "a":
            self.summary_links.append(str(a.get("href")))


def _check(page: str, fields: list[str]) -> None:
    parsed = _Elements()
    parsed.feed(page)
    assert parsed.summary is not None, "no error summary"
    assert parsed.summary.get("role") == "alert" and parsed.summary.get("tabindex") == "-1"
    assert "autofocus" in parsed.summary  # the focus moves to it on load
    assert page.index("error-summary") < page.index(f'id="id_{fields[0]}"')  # at the top
    for name in fields:
        field = parsed.by_id[f"id_{name}"]
        error_id = f"id_{name}_error"
        assert error_id in parsed.by_id, f"{name}: no error element"
        if field["tag"] == "fieldset":  # a group of checkboxes: described by its error
            assert error_id in str(field.get("aria-describedby")).split()
        else:
            assert field.get("aria-invalid") == "true", name
            assert error_id in str(field.get("aria-describedby")).split(), name
        assert f"#id_{name}" in parsed.summary_links, name
    # every aria-describedby names an element that is on the page
    for el in parsed.by_id.values():
        for ref in str(el.get("aria-describedby") or "").split():
            assert ref in parsed.by_id, ref
    # a field without an error is not marked invalid (a group's checkboxes are, each)
    invalid = [i for i, el in parsed.by_id.items() if el.get("aria-invalid") == "true"]
    assert invalid and all(any(i == f"id_{n}" or i.startswith(f"id_{n}_") for n in fields)
                           for i in invalid)  # fmt: skip


def test_registration() -> None:
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    c = login(Role.COORDINATOR, "cora.coordinator")
    page = c.post("/register/", {"mrn": "MRN-7001", "given_name": "Robin", "family_name": "",
                                 "birth_date": "1990-03-04", "sex_at_birth": "female", "phone": "",
                                 "preferred_reminder_channel": "none", "indications": [],
                                 "start_date": str(TODAY), "prescriber": "pat.prescriber"}).content.decode()  # fmt: skip
    _check(page, ["family_name", "indications"])
    assert "This was not saved: 2 things to fix" in page


def _patient_and(role: Role, username: str) -> tuple[str, Client]:
    p = started_on_injection("MRN-7002", TODAY - timedelta(days=28))
    return p.mrn, login(role, username)


def test_a_dose_on_the_mar() -> None:
    mrn, nurse = _patient_and(Role.NURSE, "nina.nurse")
    page = nurse.post(f"/patients/{mrn}/mar/", {
        "formulation": "xr_injection", "status": "given", "given_at": f"{TODAY}T00:00", "site": "right",
        "needle": "1.5in", "lot": "", "expiry": "2026-02-30", "reversal_agent_discussed": "on",
    }).content.decode()  # fmt: skip
    names = re.findall(r'id="id_(\w+)_error"', page)
    assert "expiry" in names
    _check(page, names)


def test_the_plan_editor() -> None:
    mrn, prescriber = _patient_and(Role.PRESCRIBER, "pat.prescriber")
    page = prescriber.post(f"/patients/{mrn}/plan/", {
        "formulation": "xr_injection", "regimen": "xr_injection", "planned_duration_days": "0", "reason": "",
        "based_on_version": "0",
    }).content.decode()  # fmt: skip
    _check(page, ["planned_duration_days", "reason"])


def test_the_screening_form() -> None:
    mrn, prescriber = _patient_and(Role.PRESCRIBER, "pat.prescriber")
    page = prescriber.post(f"/patients/{mrn}/screen/", {
        "formulation": "xr_injection", "last_opioid_use": "not a day", "platelets_10e9_per_l": "-4",
    }).content.decode()  # fmt: skip
    _check(page, ["last_opioid_use", "platelets_10e9_per_l"])


def test_an_observation() -> None:
    mrn, nurse = _patient_and(Role.NURSE, "nina.nurse")
    page = nurse.post(f"/patients/{mrn}/observe/?kind=phq9", {
        "kind": "phq9", "observed_on": str(TODAY + timedelta(days=400)), "items": "1 0 2",
    }).content.decode()  # fmt: skip
    names = re.findall(r'id="id_(\w+)_error"', page)
    assert "observed_on" in names
    _check(page, names)
