"""Every response carries the security headers, whatever the page: a Content-Security-Policy
(django-csp) with no inline script or style, framing refused, no referrer sent to other sites."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

import naltrack
from naltrack.accounts.roles import Role
from tests.integration.conftest import login

# The policy, written out on its own: a change to settings.py that is not also made here fails.
EXPECTED_POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def policy(header: str) -> dict[str, set[str]]:
    directives = (d.strip().split() for d in header.split(";") if d.strip())
    return {d[0]: set(d[1:]) for d in directives}


def assert_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert policy(headers["Content-Security-Policy"]) == EXPECTED_POLICY
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_security_headers_on_every_response(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_headers(response)


@pytest.mark.django_db
def test_security_headers_on_pages_and_the_api(client: Client) -> None:
    assert_headers(client.get("/login/"))
    assert_headers(login(Role.NURSE, "nina.nurse").get("/today/"))
    api = client.get("/api/patients", HTTP_AUTHORIZATION="Bearer nt_not-a-token")
    assert api.status_code == 401
    assert_headers(api)


TEMPLATES = sorted(Path(naltrack.__file__).parent.glob("**/templates/**/*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_template_has_inline_script_or_style(template: Path) -> None:
    """The policy would block them in the browser: a page must not depend on any."""
    html = template.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "an inline event handler (onclick=...)"
    assert not re.search(r"<style\b", html), "an inline <style> element"
    assert not re.search(r"\sstyle\s*=", html), "an inline style attribute"
    assert "javascript:" not in html.lower()
