"""Content-Security-Policy (issue #20 item 6d; §10.9, OWASP ASVS V14.4.3). Django 5.2 has none built in.

Every response carries a policy that allows scripts and style sheets only from this site or with the
request's nonce (``{{ request.csp_nonce }}`` in a template), no plug-ins, no framing, forms posting only
here. Inline event handlers (``onclick=``) are not allowed: behaviour lives in static files
(``skillcert/app.js`` wires ``data-autosubmit``, ``data-confirm`` and ``data-check-all``). Inline ``style=``
attributes stay allowed (``style-src-attr``), they cannot run code.

Enforced when DEBUG is off; in development the same policy is sent as Report-Only, so a page that
would break shows in the browser console before it reaches production.
"""

from __future__ import annotations

import secrets

from django.conf import settings


def policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if getattr(response, "csp_exempt", False):
            return response
        header = "Content-Security-Policy-Report-Only" if settings.DEBUG else "Content-Security-Policy"
        response.headers.setdefault(header, policy(request.csp_nonce))
        return response
