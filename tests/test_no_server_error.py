"""No input a user can send answers 500 (issue #20 item 16; §10.9 系统应稳定运行，对非法输入给出明确提示).

For every URL pattern of the site (enumerated from the resolver, as the permission matrix does) and every
principal the matrix lets in, the test POSTs and GETs garbage — non-numbers, huge numbers, empty values,
unknown choices, dates that do not exist, missing fields, ids of objects the user may not reach — and
asserts that no answer is a server error. The client does not re-raise a view's exception, so a 500 is a
status (with its exception named in the failure), not a crash of the test.
"""

from __future__ import annotations

import inspect
import json
import re
import traceback
from pathlib import Path

import pytest
from django import forms as django_forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from skillcert.accounts.enums import Role
from tests.test_permission_matrix import ANON, MATRIX, build_matrix_world

# Garbage into every URL; CI runs it on PostgreSQL, the production database, only (issue #21 item 9).
pytestmark = pytest.mark.garbage

FACES = ("console", "portal", "exam", "public", "api", "accounts")
SRC = Path(__file__).resolve().parent.parent / "src" / "skillcert"
# Actions whose POST ends the principal's session or deletes the fixture object: they run last.
LAST = ("logout", "delete", "remove", "revoke", "withdraw")


def _field_names() -> list[str]:
    """Every field a face's form declares or a view reads from the request: the names garbage goes into."""
    import importlib

    names: set[str] = set()
    for face in FACES:
        for path in (SRC / face).glob("*.py"):
            text = path.read_text(encoding="utf-8")
            names.update(re.findall(r"""(?:POST|GET|data|FILES)(?:\.get|\.getlist|\[)\(?["']([\w-]+)["']""", text))
            module_name = f"skillcert.{face}.{path.stem}"
            if path.stem.endswith("forms"):
                module = importlib.import_module(module_name)
                for _, cls in inspect.getmembers(module, inspect.isclass):
                    if issubclass(cls, django_forms.BaseForm) and cls.__module__ == module.__name__:
                        names.update(getattr(cls, "base_fields", {}))
    names.update({"target", "action", "decision", "ids", "page", "q", "status", "form", "copies", "paper",
                  "session", "item", "number", "a", "b", "body", "announcement", "offer", "certificate"})
    return sorted(names)


def _page_field_names(response) -> set[str]:
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return set()
    return set(re.findall(r'name="([\w-]+)"', response.content.decode("utf-8", "replace")))


GARBAGE = ["x", "", "-1", "0", "99999999999999999999", "1.5e400", "NaN", "-Infinity",
           "２", "2024-13-45", "<b>&", "a" * 5000]


def _payloads(fields: list[str], foreign_ids: list[int]) -> list[dict]:
    payloads: list[dict] = [{}]
    payloads += [dict.fromkeys(fields, value) for value in GARBAGE]
    payloads += [{key: [str(i), "x"] for key in fields} for i in foreign_ids]
    payloads.append({f: ["1", "2", "y"] for f in fields})
    return payloads


def _foreign_ids(world) -> list[int]:
    """Primary keys of objects that belong to nobody the principals serve (another body's, or far off)."""
    return [world.other_body.pk, 2**31 - 1]


def _allowed(expected: dict[str, int]) -> list[str]:
    """One privileged principal the matrix lets reach the view (a 2xx, a 4xx after the gate such as 405/409,
    or a flow redirect), and the candidate or anonymous visitor too where they are let in."""
    let_in = [p for p, status in expected.items()
              if status in (200, 400, 405, 409) or (status == 302 and p != ANON)]
    staff = [p for p in let_in if p not in (ANON, Role.CANDIDATE)]
    return staff[:1] + [p for p in let_in if p in (ANON, Role.CANDIDATE)]


def _order(name: str) -> tuple[int, str]:
    return (any(word in name for word in LAST), name)


# The URLs are dealt round-robin into PARTS cases, each on a fresh matrix world: the longest test of the suite
# (about a fifth of a CI stage on its own) becomes cases that pytest-xdist runs side by side (issue #21 item 9).
PARTS = 4


@pytest.mark.django_db
@pytest.mark.parametrize("part", range(PARTS))
def test_no_url_answers_500_to_garbage(world, part):
    objects, principals = build_matrix_world(world)
    fields = _field_names()
    foreign = _foreign_ids(world)
    client = Client(raise_request_exception=False)
    failures: list[str] = []

    def check(label: str, response) -> None:
        if response.status_code >= 500:
            exc = response.exc_info[1] if getattr(response, "exc_info", None) else None
            ours = [f for f in traceback.extract_tb(exc.__traceback__) if "skillcert" in f.filename] if exc else []
            where = f" at {Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else ""
            failures.append(f"{label}: {response.status_code} {type(exc).__name__}{where}: {str(exc)[:160]}")

    for name in sorted(MATRIX, key=_order)[part::PARTS]:
        kwargs_for, expected = MATRIX[name]
        kwargs = kwargs_for(objects)
        urls = [reverse(name, kwargs=kwargs)]
        for key, value in kwargs.items():  # a path value nobody has: an id out of range, an unknown choice
            urls.append(reverse(name, kwargs={**kwargs, key: 2**31 - 1 if isinstance(value, int) else "bogus"}))
        for principal in _allowed(expected):
            user = principals[principal]
            client.logout()
            if user is not None:
                client.force_login(user)
            page_fields = sorted(_page_field_names(client.get(urls[0])) | set(fields))
            for url in urls:
                for payload in _payloads(page_fields, foreign) if url == urls[0] else [{}]:
                    check(f"POST {name} as {principal} {str(payload)[:60]}", client.post(url, payload))
                    if user is not None and principal != ANON:
                        client.force_login(user)  # a logout or a role change must not end the round
                check(f"POST {name} as {principal} (files)", client.post(url, {
                    f: SimpleUploadedFile("x.xlsx", b"PK\x03\x04garbage") for f in page_fields[:40]}))
                check(f"POST {name} as {principal} (json)", client.post(
                    url, "{not json", content_type="application/json"))
                check(f"POST {name} as {principal} (json fields)", client.post(
                    url, json.dumps(dict.fromkeys(page_fields, "x")), content_type="application/json"))
                for value in ("x", "99999999999999999999", "", "-1"):
                    check(f"GET {name}?…={value!r} as {principal}", client.get(url, dict.fromkeys(page_fields, value)))
                if user is not None:
                    client.force_login(user)
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "kwargs", "data", "who", "status_after"), [
    # a draft nobody submitted cannot be taken for review (§7.2.4): the reviewer is told so, it stays a draft
    ("console:item_transition", lambda o: {"pk": o["item"].pk}, {"target": "in_review"}, "item_reviewer", "draft"),
    # a sealed paper cannot be locked again (§6.3.2.3)
    ("console:paper_action", lambda o: {"pk": o["paper"].pk, "action": "lock"}, {}, "bank_manager", "sealed"),
    # the batch already has its tickets: it cannot go back to planned
    ("console:batch_transition", lambda o: {"pk": o["batch"].pk}, {"target": "planned"}, "exam_affairs",
     "tickets_issued"),
])
def test_an_illegal_move_is_a_message_not_a_server_error(client, world, url_name, kwargs, data, who, status_after):
    objects, principals = build_matrix_world(world)
    client.force_login(principals[who])
    url = reverse(url_name, kwargs=kwargs(objects))
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any("不能从" in m for m in shown), shown
    target = objects[{"console:item_transition": "item", "console:paper_action": "paper"}.get(url_name, "batch")]
    target.refresh_from_db()
    assert target.status == status_after
