"""The client's address behind the proxy: the audit trail records where each access came from.

Behind nginx or a load balancer every request reaches gunicorn from the proxy's address, so
REMOTE_ADDR would name the proxy on every audit event. When the request comes from a trusted proxy
(NALTRACK_TRUSTED_PROXIES), the address is taken from X-Forwarded-For, read from the right: the
first hop that is not a trusted proxy is the client (the left part can be forged by the client).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(remote_addr: str, forwarded_for: str, trusted: frozenset[str]) -> str:
    if remote_addr not in trusted:
        return remote_addr
    for hop in reversed(forwarded_for.split(",")):
        ip = _ip(hop)
        if ip is None:
            return remote_addr  # a malformed chain: keep what the socket says
        if ip not in trusted:
            return ip
    return remote_addr


class ForwardedForMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trusted = frozenset(settings.NALTRACK_TRUSTED_PROXIES)
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        if trusted and forwarded:
            request.META["REMOTE_ADDR"] = client_address(
                request.META.get("REMOTE_ADDR", ""), forwarded, trusted
            )
        return self.get_response(request)
