"""One API style (issue #21 item 6) and API tokens in accounts (item 4): the supervising platform's API is
django-ninja with the same URLs, bodies, callers and audit records as before; a request that does not fit an
operation's schema gets 422 with a Chinese message naming the field; accounts imports no face."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

import skillcert.accounts
from skillcert.accounts.tokens import token_issue

from .conftest import CSRF, session_cookie


def test_accounts_imports_no_api_module():
    """API tokens live in accounts (accounts/tokens.py, used by the api_token command); nothing in accounts
    imports skillcert.api (or any other face)."""
    faces = ("skillcert.api", "skillcert.console", "skillcert.portal", "skillcert.exam", "skillcert.public")
    offenders = []
    for path in Path(skillcert.accounts.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(faces)]
    assert offenders == []


def test_the_platform_api_is_ninja_at_the_same_urls_with_its_openapi(client):
    assert reverse("api:approved_registrations", args=[3]) == "/api/v1/announcements/3/registrations"
    assert reverse("api:batch_results", args=[4]) == "/api/v1/batches/4/results"
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths) == {"/api/v1/announcements/{pk}/registrations", "/api/v1/batches/{pk}/results"}


@pytest.mark.django_db
def test_platform_api_answers_a_wrong_token_401_even_with_a_session(client, callers):
    """A token that is wrong or revoked is refused — a signed-in session in the same browser does not excuse it —
    and a session alone is accepted (the link on the announcement page). The answer is never cached."""
    url = reverse("api:batch_results", args=[callers.day.session.batch_id])
    client.force_login(callers.day.officer)
    assert client.get(url).status_code == 409  # nothing confirmed yet: the session was accepted
    refused = client.get(url, HTTP_AUTHORIZATION="Bearer sk_wrong")
    assert refused.status_code == 401 and refused.json() == {"error": "authentication required"}
    assert "no-cache" in refused.get("Cache-Control", "") or "max-age=0" in refused.get("Cache-Control", "")
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {callers.platform_token}").json() == {
        "error": "results not confirmed"}


@pytest.mark.django_db
def test_platform_api_refuses_a_user_without_a_reading_role_403(callers):
    proctor_key = token_issue(actor=None, user=callers.day.proctors[0], name="x")
    url = reverse("api:approved_registrations", args=[callers.day.session.batch.announcement_id])
    answer = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {proctor_key}")
    assert answer.status_code == 403 and answer.json() == {"error": "forbidden"}


@pytest.mark.django_db
def test_platform_api_answers_an_id_that_is_not_a_number_422_naming_it(callers):
    """Regression (schemathesis): ninja reads a path id as text and checks it, so ``/announcements/-1.5/…``
    answered 422 — a status the document did not declare, in ninja's English list rather than the API's own
    ``{"error": …}``. Now declared, and in the API's shape, naming the field."""
    answer = Client().get("/api/v1/announcements/-1.5/registrations",
                          HTTP_AUTHORIZATION=f"Bearer {callers.platform_token}")
    assert answer.status_code == 422
    assert "pk" in answer.json()["error"] and "应为整数" in answer.json()["error"]


@pytest.mark.django_db
def test_exam_api_answers_a_body_that_does_not_fit_422_in_chinese_naming_the_field(callers):
    """Ninja's own validation error, in the exam API's error shape (``detail`` is what the console shows)."""
    client = Client(enforce_csrf_checks=True)
    for name, value in {"sessionid": session_cookie(callers.day.chief), "csrftoken": CSRF}.items():
        client.cookies[name] = value
    answer = client.post(f"/api/exam/v1/rooms/{callers.day.sitting.pk}/compensate",
                         data=json.dumps({"minutes": "五"}), content_type="application/json",
                         HTTP_X_CSRFTOKEN=CSRF)
    assert answer.status_code == 422
    body = answer.json()
    assert body["fields"] == {"minutes": ["应为整数"]} and "minutes" in body["detail"]
    not_json = client.post(f"/api/exam/v1/rooms/{callers.day.sitting.pk}/pause", data="{",
                           content_type="application/json", HTTP_X_CSRFTOKEN=CSRF)
    assert not_json.status_code == 400 and not_json.json() == {"detail": "请求内容不是有效的 JSON。"}
    no_csrf = client.post(f"/api/exam/v1/rooms/{callers.day.sitting.pk}/resume")
    assert no_csrf.status_code == 403 and "刷新" in no_csrf.json()["detail"]
