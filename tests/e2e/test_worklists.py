"""Work lists in a real browser (issue 12): a nurse marks a liver test done from Today's grouped
labs-and-reviews list (and sees it as done, with an undo); a nurse acknowledges two alerts at once
in the inbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.alerts.models import Alert
from naltrack.alerts.services import refresh_patient
from naltrack.worklist.models import DoneMark
from tests.e2e.conftest import sign_in
from tests.integration.conftest import TODAY, at, started_on_injection

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"


def test_a_nurse_marks_an_overdue_liver_test_done_from_today(page: Any) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    p = started_on_injection("MRN-0811", TODAY - timedelta(days=100))  # liver test due 10 days ago
    refresh_patient(p, at=at(TODAY))
    sign_in(page, "nina.nurse", PASSWORD)
    labs = page.locator("section", has=page.get_by_role("heading", name="Labs and reviews due"))
    group = labs.locator("#due-liver_tests-overdue")
    group.locator("summary").click()  # collapsed, with its count
    assert "1" in group.locator("summary").inner_text()
    group.get_by_role("button", name=f"Mark liver tests of {p.mrn} done").click()
    assert (
        f"Liver tests of {p.mrn}: marked done by nina.nurse."
        in page.locator(".messages").inner_text()
    )
    labs = page.locator("section", has=page.get_by_role("heading", name="Labs and reviews due"))
    assert labs.locator("#due-liver_tests-overdue summary").inner_text().startswith("0")
    done = labs.locator("#due-done")
    done.locator("summary").click()
    assert "nina.nurse" in done.inner_text() and p.family_name in done.inner_text()
    assert DoneMark.objects.filter(patient=p, item="liver_tests", done_by="nina.nurse").exists()
    done.get_by_role("button", name=f"Undo: Liver tests of {p.mrn}").click()
    assert "back on today" in page.locator(".messages").inner_text()
    assert not DoneMark.objects.exists()


def test_a_nurse_acknowledges_two_alerts_at_once(page: Any) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    patients = [
        started_on_injection(mrn, TODAY - timedelta(days=40)) for mrn in ("MRN-0821", "MRN-0822")
    ]
    for p in patients:
        refresh_patient(p, at=at(TODAY))
    alerts = [Alert.objects.get(patient=p, code="INJECTION_OVERDUE") for p in patients]
    sign_in(page, "nina.nurse", PASSWORD)
    page.goto("/alerts/")
    page.get_by_label("Kind").select_option("INJECTION_OVERDUE")
    page.get_by_role("button", name="Filter").click()
    for a in alerts:
        page.locator(f"#select-{a.pk}").check()
    page.get_by_role("button", name="Acknowledge selected").click()
    assert "2 alerts acknowledged." in page.locator(".messages").inner_text()
    assert "kind=INJECTION_OVERDUE" in page.url  # back on the same filtered inbox
    assert sorted(Alert.objects.filter(pk__in=[a.pk for a in alerts]).values_list("status", flat=True)) == [
        "acknowledged", "acknowledged"]  # fmt: skip
