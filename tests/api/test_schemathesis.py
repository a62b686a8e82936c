"""A bounded schemathesis run against each django-ninja API (issue #21 item 6): requests generated from each
OpenAPI document — fitting it and not fitting it — are sent through Django's real WSGI handler with
authenticated callers; no answer may be a 5xx or a status the document does not declare, and every body must fit
the schema declared for its status.

Bounded: MAX_EXAMPLES generated cases per operation and mode (positive, negative), derandomised, so a CI failure
replays. About half of the generated path ids are replaced by real ones, so the operations also run against a
live room, not only into 404. Each operation's failure is collected, so one run names every defect.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from .conftest import CSRF

MAX_EXAMPLES = int(os.environ.get("SKILLCERT_FUZZ_EXAMPLES", "12"))  # raise it locally for a deeper hunt
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app(db):
    """Django's own WSGI handler, as gunicorn runs it. Like Django's test client, it leaves the database connection
    open at the end of each request (the test's transaction holds it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def use_real_ids(case, ids: dict[str, int]) -> None:
    """Swap a generated path id for a real one when the generated value is even (about half the cases)."""
    for name, value in (case.path_parameters or {}).items():
        if name in ids and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = ids[name]


def fuzz(app, openapi: str, call: Callable) -> None:
    """Every operation of the document at ``openapi``, MAX_EXAMPLES positive and MAX_EXAMPLES negative cases each;
    ``call(case)`` sends one and validates the answer. Fails listing every operation that failed."""
    schema = schemathesis.openapi.from_wsgi(openapi, app)
    failures = []
    # Submitting ends the candidate's log-in: those operations go last, so the others run logged in.
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda op: op.path.endswith("submit"))
    assert operations
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                call(case)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # collected, reported below
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.django_db
def test_exam_api_answers_only_what_its_openapi_declares(wsgi_app, callers):
    """The candidate's bearer token and the chief examiner's session (with CSRF) on every request: each operation
    takes the one its security names."""
    def call(case):
        use_real_ids(case, callers.ids)
        case.call_and_validate(headers={"Authorization": f"Bearer {callers.candidate_token}",
                                        "X-CSRFToken": CSRF}, cookies=callers.staff_cookies, checks=CHECKS)

    fuzz(wsgi_app, "/api/exam/v1/openapi.json", call)


@pytest.mark.django_db
def test_platform_api_answers_only_what_its_openapi_declares(wsgi_app, callers):
    """The exam affairs officer's API token; an even generated ``pk`` is swapped for the exam day's announcement or
    batch."""
    batch = callers.day.session.batch

    def call(case):
        pk = (case.path_parameters or {}).get("pk")
        if isinstance(pk, int) and pk % 2 == 0:
            case.path_parameters["pk"] = batch.pk if "batches" in case.path else batch.announcement_id
        case.call_and_validate(headers={"Authorization": f"Bearer {callers.platform_token}"}, checks=CHECKS)

    fuzz(wsgi_app, "/api/v1/openapi.json", call)


@pytest.mark.django_db
def test_verify_api_answers_only_what_its_openapi_declares(wsgi_app):
    fuzz(wsgi_app, "/api/verify/v1/openapi.json", lambda case: case.call_and_validate(checks=CHECKS))
