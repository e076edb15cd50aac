"""Every sign-in (the portal's or the staff page's) marks the session: a patient account's session
is kept to the portal by PortalBoundaryMiddleware, whichever sign-in page it came through."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from .models import PatientAccount

PATIENT_SESSION_KEY = "naltrack_patient_account"


@receiver(user_logged_in)
def _mark_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    account = PatientAccount.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    if account is None:
        request.session.pop(PATIENT_SESSION_KEY, None)
    else:
        request.session[PATIENT_SESSION_KEY] = account
