"""The Outcomes page in a browser (issue 14): the director picks a grouping and the curves change
in place (HTMX), the page passes axe-core, and on a 390 px phone nothing is wider than the screen.

Screenshots go to $NALTRACK_SHOTS (a folder) when it is set, for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from tests.e2e.test_print_phone import PHONE, _axe_violations, _shot
from tests.integration.conftest import NOW
from tests.outcomes_results import store_run

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"


def _director(page: Any) -> None:
    create_staff("dana.director", PASSWORD, Role.DIRECTOR)
    page.goto("/login/")
    page.get_by_label("Username").fill("dana.director")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def test_the_director_compares_curves_by_group_in_place(page: Any) -> None:
    store_run(computed_at=NOW)
    _director(page)
    page.goto("/outcomes/")
    assert page.get_by_role("heading", name="Retention by formulation").is_visible()
    assert page.get_by_role("img", name="Retention by formulation", exact=False).is_visible()
    assert _axe_violations(page) == []
    chooser = page.get_by_label("Compare by")
    chooser.focus()
    chooser.select_option("sex")
    page.get_by_role("heading", name="Retention by sex").wait_for()
    assert page.url.endswith("/outcomes/?group=sex")  # the address keeps the choice
    rows = page.locator("#t-km tbody tr")
    assert rows.count() == 2  # female, male
    # the keyboard user stays on the chooser after the swap (htmx keeps the focus by its id)
    assert chooser.evaluate("el => el === document.activeElement")
    _shot(page, "outcomes-by-sex")


def test_on_a_phone_the_page_is_no_wider_than_the_screen(page: Any) -> None:
    store_run(computed_at=NOW)
    page.set_viewport_size(PHONE)
    _director(page)
    page.goto("/outcomes/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert _axe_violations(page) == []
    _shot(page, "outcomes-phone")
