"""A request signed with a staff bearer token: the one check the JSON API (naltrack.api) and the
FHIR endpoints (naltrack.fhir) share.

A locked address is refused before its token is looked up; a bad token (unknown, expired,
revoked, disabled account) counts against its address, as a failed sign-in does (django-axes),
and is audited. A good token without the scope the request needs is not a failure."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest

from naltrack import clock
from naltrack.accounts.services import Actor, actor_for
from naltrack.accounts.tokens import TokenRefused, authenticate

from .lockout import token_address_locked, token_failed


class AddressLocked(Exception):
    """Too many failed sign-ins or bad tokens from this address (signin.lockout)."""


def bearer_actor(request: HttpRequest, token: str) -> tuple[User, Actor]:
    """The staff member `token` stands for, and the actor their request acts as; AddressLocked or
    TokenRefused (saying why, with its status: 401, or 403 for a missing scope) otherwise."""
    if token_address_locked(request):
        raise AddressLocked
    try:
        user = authenticate(token, method=str(request.method), at=clock.now())
    except TokenRefused as exc:
        if exc.status == 401:
            token_failed(request)
        raise
    return user, actor_for(user, request.META.get("REMOTE_ADDR"))
