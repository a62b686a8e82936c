"""Per-request context the audit log reads (client IP), set by ``RequestContextMiddleware``."""

from __future__ import annotations

import contextvars
import ipaddress

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("skillcert_client_ip", default=None)


def client_ip_from_request(request) -> str | None:
    """The client address. Behind a load balancer set SKILLCERT_TRUSTED_PROXY_COUNT so the
    right-most untrusted X-Forwarded-For entry is used; a forged header cannot spoof it."""
    from django.conf import settings

    trusted = int(getattr(settings, "SKILLCERT_TRUSTED_PROXY_COUNT", 0) or 0)
    candidate = request.META.get("REMOTE_ADDR")
    if trusted:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= trusted:
            candidate = forwarded[-trusted]
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None


def get_client_ip() -> str | None:
    return _client_ip.get()


def set_client_ip(ip: str | None):
    return _client_ip.set(ip)


def reset_client_ip(token) -> None:
    _client_ip.reset(token)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_client_ip(client_ip_from_request(request))
        try:
            return self.get_response(request)
        finally:
            reset_client_ip(token)
