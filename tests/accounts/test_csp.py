"""Content-Security-Policy (issue #20 item 6d; §10.9, ASVS V14.4.3): enforced with DEBUG off, and no template
carries a script, style sheet or event handler the policy would block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as conf
from django.urls import reverse

from skillcert.core.csp import policy

TEMPLATE_ROOTS = [Path(d) for t in conf.TEMPLATES for d in t["DIRS"]] + list(
    Path(conf.BASE_DIR).glob("*/templates"))
TEMPLATES = sorted({p for root in TEMPLATE_ROOTS for p in root.rglob("*.html")})

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")(?![^>]*\bnonce=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b(?![^>]*\bnonce=)[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_templates_were_found():
    assert len(TEMPLATES) > 50
    assert any(p.name == "player.html" for p in TEMPLATES)


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, INLINE_STYLE, HANDLER, re.compile("javascript:", re.I)],
                         ids=["script-without-nonce", "style-without-nonce", "on-handler", "javascript-url"])
def test_no_template_has_inline_code_the_policy_blocks(pattern):
    offenders = [f"{p.relative_to(conf.BASE_DIR)}: {m.group(0)[:80]}" for p in TEMPLATES
                 for m in pattern.finditer(p.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/portal/login/", "/accounts/login/", "/exam/"])
def test_policy_is_enforced_with_debug_off(client, settings, url):
    settings.DEBUG = False
    response = client.get(url)
    header = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in header and "frame-ancestors 'none'" in header and "object-src 'none'" in header
    nonce = re.search(r"'nonce-([^']+)'", header).group(1)
    assert f"script-src 'self' 'nonce-{nonce}'" in header
    assert "unsafe-inline'" not in header.split("style-src-attr")[0]  # scripts and style sheets: never inline
    assert "Content-Security-Policy-Report-Only" not in response.headers


@pytest.mark.django_db
def test_each_response_has_its_own_nonce(client, settings):
    """A fresh nonce per response: a nonce seen once is useless for the next page."""
    settings.DEBUG = False
    a = client.get("/").headers["Content-Security-Policy"]
    b = client.get("/").headers["Content-Security-Policy"]
    assert a != b
    assert policy("n1") != policy("n2")


@pytest.mark.django_db
def test_development_sends_the_same_policy_report_only(client, settings):
    settings.DEBUG = True
    response = client.get(reverse("accounts:login"))
    assert "default-src 'self'" in response.headers["Content-Security-Policy-Report-Only"]
    assert "Content-Security-Policy" not in response.headers


def test_the_static_helper_replaces_the_removed_handlers():
    js = (Path(conf.BASE_DIR) / "static" / "skillcert" / "app.js").read_text()
    for hook in ("data-autosubmit", "data-confirm", "data-check-all"):
        assert hook in js
    used = "".join(p.read_text(encoding="utf-8") for p in TEMPLATES)
    for hook in ("data-autosubmit", "data-confirm=", "data-check-all="):
        assert hook in used
