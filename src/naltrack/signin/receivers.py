"""A new session starts its idle clock and decides, once, whether it needs the second factor (so
that the pages after it spend no query on either)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from naltrack.accounts.services import actor_for

from .second_factor import required_for
from .sessions import LAST_SEEN, SECOND_FACTOR_KEY


@receiver(user_logged_in)
def _session_started(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = timezone.now().timestamp()
        request.session[SECOND_FACTOR_KEY] = "required" if required_for(actor_for(user)) else "no"
