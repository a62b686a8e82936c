"""Every operation of every django-ninja API documents every status it can answer, and nothing more (issue #21
item 6: 401, 403, 404, 409, 422, 429 where they can happen).

What an operation can answer is worked out here from the code, independently of its ``response={...}``:
- from the operation itself (ninja's Operation): an authenticated operation answers 401; a signed-in session's
  unsafe method 403 (CSRF); a path id 404 (the object looked up is absent or not yours) and 422 (not a whole
  number); a JSON body 400 (not JSON) and 422 (does not fit its schema); a query parameter that is not text 422;
- from the services it calls: the exceptions listed in RAISES (read from those services), turned into statuses by
  the API's own exception handlers;
- and what the view returns itself (ANSWERS: the log-in's 429, the platform's 403 and 409, verification's 400 and
  429).
Each exception goes through the API's real handler, and the body it answers must fit the schema the operation
documents for that status.
"""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from ninja.errors import AuthenticationError, HttpError
from ninja.security.apikey import APIKeyCookie

from skillcert.api import exam, platform, verify
from skillcert.api.common import RequestInvalid
from skillcert.core.errors import IllegalTransition, ValidationError
from skillcert.delivery.services import Closed, NotLoggedIn, Paused

APIS = {"exam": exam.api, "platform": platform.api, "verify": verify.api}
OPENAPI = {"exam": "/api/exam/v1/openapi.json", "platform": "/api/v1/openapi.json",
           "verify": "/api/verify/v1/openapi.json"}

FIELD = ValidationError({"reason": ["须填写原因。"]})
RUNNER = [PermissionDenied("只有本考场的监考人员可以操作。"), FIELD, IllegalTransition("考场未暂停。")]
# operation (view function name) → what the services it calls can raise (delivery/services.py, delivery/selectors.py)
RAISES = {
    ("exam", "login"): [ValidationError("准考证号、证件号码或考场码不正确。"), Closed("本考场已结束。")],
    ("exam", "status_view"): [NotLoggedIn("本次登录已失效。")],
    ("exam", "paper"): [FIELD, Paused("考试已暂停。"), Closed("考试已结束。")],
    ("exam", "save"): [FIELD, NotLoggedIn("本次登录已失效。"), Paused("考试已暂停。"), Closed("考试已结束。")],
    ("exam", "submit"): [FIELD, Paused("考试已暂停。"), Closed("考试已结束。")],
    ("exam", "signal"): [ValidationError({"kind": ["类型无效。"]})],
    **{("exam", name): RUNNER for name in (
        "room_start", "room_pause", "room_resume", "room_compensate", "room_check_in", "room_event",
        "attempt_identity", "attempt_force_submit", "attempt_relogin")},
}
# statuses a view answers itself (not through an exception)
ANSWERS = {
    ("exam", "login"): {429},
    ("platform", "approved_registrations"): {403},
    ("platform", "batch_results"): {403, 409},
    ("verify", "certificates"): {400, 429},
}
# operations whose view adds nothing to what ninja answers around it (auth, ids, body)
NOTHING_OF_ITS_OWN = {("exam", "attempt_view"), ("exam", "time_view"), ("exam", "answers"), ("exam", "room"),
                      ("exam", "venue")}
REQUEST_INVALID = RequestInvalid([{"type": "int_parsing", "loc": ("path", "sitting_id"), "msg": "x"}])


def operations():
    for api_name, api in APIS.items():
        for prefix, router in api._routers:
            for path, view in router.path_operations.items():
                for op in view.operations:
                    for method in op.methods:
                        yield api_name, prefix + path, method.lower(), op


def structural(op, method: str) -> list[Exception]:
    """What ninja and Django answer for this operation before (or around) its view."""
    raised: list[Exception] = []
    if op.auth_callbacks:
        raised.append(AuthenticationError())
    if method not in ("get", "head", "options") and any(
            isinstance(a, APIKeyCookie) and a.csrf for a in op.auth_callbacks):
        raised.append(HttpError(403, "CSRF check Failed"))
    sources = {m.__ninja_param_source__: m for m in op.models}
    if "path" in sources:
        raised += [Http404(), REQUEST_INVALID]
    if "body" in sources:
        raised += [HttpError(400, "Cannot parse request body"), REQUEST_INVALID]
    query = sources.get("query")
    if query is not None and any(f.annotation is not str for f in query.model_fields.values()):
        raised.append(REQUEST_INVALID)
    return raised


def answer(api, exc):
    """The API's own handler for ``exc``: (status, body)."""
    response = api.on_exception(RequestFactory().get("/"), exc)
    return response.status_code, json.loads(response.content)


@pytest.fixture(scope="module")
def documents(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return {name: Client().get(url).json() for name, url in OPENAPI.items()}


def test_every_api_operation_is_checked_here():
    """A new operation fails here until someone reads what it can raise and lists it in one of the tables."""
    names = {(api_name, op.view_func.__name__) for api_name, _p, _m, op in operations()}
    assert names == set(RAISES) | set(ANSWERS) | NOTHING_OF_ITS_OWN


@pytest.mark.parametrize("api_name,path,method,op", list(operations()),
                         ids=[f"{a}:{m.upper()} {p}" for a, p, m, _o in operations()])
def test_openapi_documents_exactly_the_statuses_the_operation_can_answer(documents, api_name, path, method, op):
    api = APIS[api_name]
    key = (api_name, op.view_func.__name__)
    expected = {200} | ANSWERS.get(key, set())
    bodies = {}
    for exc in structural(op, method) + RAISES.get(key, []):
        status, body = answer(api, exc)
        expected.add(status)
        bodies.setdefault(status, []).append(body)
    document = documents[api_name]
    responses = document["paths"][OPENAPI[api_name].removesuffix("/openapi.json") + path][method]["responses"]
    assert {int(s) for s in responses} == expected
    for status, found in bodies.items():
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        validator = jsonschema_rs.validator_for({**schema, "components": document.get("components", {})})
        for body in found:
            assert validator.is_valid(body), (status, body, schema)


@pytest.mark.parametrize("exc,status", [
    (AuthenticationError(), 401), (PermissionDenied("x"), 403), (Http404(), 404), (Closed("x"), 409),
    (REQUEST_INVALID, 422), (Paused("x"), 423), (NotLoggedIn("x"), 401), (FIELD, 400),
    (HttpError(403, "CSRF check Failed"), 403), (HttpError(400, "Cannot parse request body"), 400),
])
def test_the_exam_api_handlers_answer_the_documented_statuses(exc, status):
    assert answer(exam.api, exc)[0] == status
