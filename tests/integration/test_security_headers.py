"""Every response carries the security headers, whatever the page."""

from __future__ import annotations

from django.test import Client

from naltrack.security import CONTENT_SECURITY_POLICY


def test_security_headers_on_every_response(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
