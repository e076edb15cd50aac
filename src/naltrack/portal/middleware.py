"""The wall between the portal and the staff side: a patient account's session reaches only the
portal's pages (and static files). Any staff page or the staff JSON API answers 403, whether the
patient signed in through the portal or tried the staff sign-in page."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .receivers import PATIENT_SESSION_KEY

Handler = Callable[[HttpRequest], HttpResponse]
PORTAL_PREFIX = "/portal/"
# The wallet card's QR page is public (no sign-in; it shows only what the card states): a patient
# signed in to the portal who scans their own card reaches it too.
CARD_CHECK_PREFIX = "/card/check/"


class PortalBoundaryMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if (
            SESSION_KEY in session
            and session.get(PATIENT_SESSION_KEY) is not None
            and not self._open_to_patients(request.path)
        ):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _open_to_patients(path: str) -> bool:
        # /r/: reminders' public links (unsubscribe, calendar), opened from the patient's own mail;
        # the wallet card's check page, opened from its QR code
        return path.startswith(
            (PORTAL_PREFIX, CARD_CHECK_PREFIX, f"/{settings.STATIC_URL}", "/r/")
        ) or path in (
            "/healthz",
            "/readyz",
        )

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            body = {"detail": "a patient portal account cannot use the staff API"}
            return HttpResponse(json.dumps(body), status=403, content_type="application/json")
        html = render_to_string("portal/staff_only.html", request=request)
        return HttpResponse(html, status=403)
