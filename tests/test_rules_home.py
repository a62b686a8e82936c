"""One home for permissions (issue #21 item 3; §10.9 访问应当按照权限控制).

- Every permission predicate lives in its app's ``rules.py``: no other module defines an ``is_*``/``can_*``/
  ``may_*`` function that checks roles, and no other module calls ``has_role`` (services, selectors and views call
  a named predicate of a rules module instead).
- One name, one meaning: no two apps' rules define a predicate of the same name (one ``is_office``), unless one
  merely hands over to the other (papers.rules.manages → itembank.rules.manages).
- The separation-of-duties declarations live beside the predicates: each app's rules.py declares the steps its
  services enforce, and accounts.duties collects them.
- Scoping happens in the query: the rooms a staff member sees and the papers an office scores are filtered by the
  database, giving exactly what the predicate gives row by row, in a number of queries that does not grow with
  the rows.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from skillcert.accounts import duties
from skillcert.accounts.enums import Role

SRC = Path(__file__).resolve().parents[1] / "src" / "skillcert"
PREDICATE = re.compile(r"^_?(is|can|may)_")
# Calls that read a user's roles: the accounts primitives, and any predicate reached through a rules module.
ROLE_CHECKS = {"has_role", "roles_of", "active_assignments", "scope_org_ids", "office_scope_ids", "is_office",
               "is_body_admin", "is_platform_admin", "is_staff_member", "is_candidate"}
HOMES = {"accounts/duties.py"}  # besides every app's rules.py


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if "/migrations/" not in rel:
            yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_home(rel: str) -> bool:
    return rel.endswith("/rules.py") or rel in HOMES


def _called(node: ast.AST) -> str | None:
    func = node.func if isinstance(node, ast.Call) else None
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _checks_roles(fn: ast.FunctionDef) -> bool:
    for node in ast.walk(fn):
        if not isinstance(node, ast.Call):
            continue
        if _called(node) in ROLE_CHECKS:
            return True
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id.endswith("rules"):
            return True
    return False


def role_predicates_outside_rules() -> list[str]:
    found = []
    for rel, tree in _modules():
        if _is_home(rel):
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and PREDICATE.match(node.name)
                    and _checks_roles(node)):
                found.append(f"{rel}:{node.lineno} {node.name}")
    return found


def role_checks_outside_rules() -> list[str]:
    found = []
    for rel, tree in _modules():
        if _is_home(rel):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) == "has_role":
                found.append(f"{rel}:{node.lineno}")
    return found


def _hands_over(fn: ast.FunctionDef) -> bool:
    """The body is one ``return <module>.<same name>(...)`` (after an optional docstring)."""
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return (len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Call)
            and isinstance(body[0].value.func, ast.Attribute) and body[0].value.func.attr == fn.name)


def same_name_different_meaning() -> list[str]:
    homes: dict[str, list[tuple[str, ast.FunctionDef]]] = defaultdict(list)
    for rel, tree in _modules():
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and (
                    rel.endswith("/rules.py") or PREDICATE.match(node.name)):
                homes[node.name].append((rel, node))
    clashes = []
    for name, defs in sorted(homes.items()):
        own = [(rel, fn) for rel, fn in defs if not _hands_over(fn)]
        if len(own) > 1:
            clashes.append(f"{name}: " + ", ".join(f"{rel}:{fn.lineno}" for rel, fn in own))
    return clashes


def test_no_role_predicate_is_defined_outside_a_rules_module():
    assert role_predicates_outside_rules() == []


def test_no_role_check_is_written_outside_a_rules_module():
    assert role_checks_outside_rules() == []


def test_no_two_apps_define_a_predicate_of_the_same_name():
    assert same_name_different_meaning() == []


def test_one_is_office():
    defined = [f"{rel}:{node.lineno}" for rel, tree in _modules() for node in ast.walk(tree)
               if isinstance(node, ast.FunctionDef) and node.name == "is_office"]
    assert [where.split(":")[0] for where in defined] == ["accounts/rules.py"]


def test_the_checks_name_the_file_and_line(tmp_path, monkeypatch):
    """The checks above fail on what they are meant to catch (and say where)."""
    app = tmp_path / "skillcert" / "shop"
    app.mkdir(parents=True)
    (app / "selectors.py").write_text(
        "from skillcert.accounts import rules\n\n"
        "def is_office(user, body):\n    return rules.has_role(user, 'exam_affairs', org=body)\n", encoding="utf-8")
    (app / "rules.py").write_text("def scores(user, session):\n    return False\n", encoding="utf-8")
    (app / "other").mkdir()
    (app / "other" / "rules.py").write_text("def scores(user, batch):\n    return True\n", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.SRC", tmp_path / "skillcert")
    assert role_predicates_outside_rules() == ["shop/selectors.py:3 is_office"]
    assert role_checks_outside_rules() == ["shop/selectors.py:4"]
    assert same_name_different_meaning() == ["scores: shop/other/rules.py:1, shop/rules.py:1"]


# --- Separation of duties, declared beside the rules ----------------------------------------------------------

def test_each_apps_duties_are_declared_in_its_rules_and_collected_once():
    from importlib import import_module

    collected = list(duties.DIFFERENT_PERSON)
    assert len({d.key for d in collected}) == len(collected)
    by_app: dict[str, list] = defaultdict(list)
    for duty in collected:
        apps = {where.split(".")[0] for where in duty.where}
        assert len(apps) == 1, duty.key
        by_app[apps.pop()].append(duty)
    assert list(by_app["accounts"]) == list(duties.OWN)
    for app, declared in by_app.items():
        if app != "accounts":
            assert list(import_module(f"skillcert.{app}.rules").DIFFERENT_PERSON) == declared
    assert duties.ITEM_REVIEW == import_module("skillcert.itembank.rules").ITEM_REVIEW == "item_review"
    with pytest.raises(AttributeError):
        duties.NOT_DECLARED  # noqa: B018


# --- Scoping in the query ---------------------------------------------------------------------------------------

def _fresh(user):
    """The same account without the per-request memo of its roles."""
    return type(user).objects.get(pk=user.pk)


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_rooms_a_staff_member_sees_are_filtered_in_the_query():
    from skillcert.delivery import rules, selectors
    from tests.delivery.conftest import make_exam_day
    from tests.factories import OrganisationFactory, user_with_role

    day = make_exam_day(6, room_size=2)  # three rooms; the proctors are posted to the first, the chief runs all
    sittings = day.sittings
    assert len(sittings) == 3
    outsider = user_with_role(Role.EXAM_AFFAIRS, OrganisationFactory(kind="body", name="另一机构"),
                              username="outsider")
    supervisor = user_with_role(Role.INTERNAL_SUPERVISOR, day.session.batch.announcement.body, username="sup")
    for user in (day.officer, day.chief, day.proctors[0], day.inspector, outsider, supervisor):
        assert selectors.sittings_visible(_fresh(user), sittings) == [
            s for s in sittings if rules.sees(_fresh(user), s)], user.username
    assert selectors.sittings_visible(_fresh(day.proctors[0]), sittings) == sittings[:1]
    assert selectors.sittings_visible(_fresh(outsider), sittings) == []
    assert selectors.sittings_visible(_fresh(supervisor), sittings) == []
    assert selectors.sittings_visible(_fresh(day.chief), sittings) == sittings
    for user in (day.officer, day.proctors[0]):
        one = _queries(lambda u=user: selectors.sittings_visible(_fresh(u), sittings[:1]))
        three = _queries(lambda u=user: selectors.sittings_visible(_fresh(u), sittings))
        assert one == three, user.username


@pytest.mark.django_db
def test_the_papers_an_office_scores_are_filtered_in_the_query():
    from skillcert.grading import rules, selectors
    from skillcert.papers.models import Paper
    from tests.delivery.conftest import make_exam_day, started
    from tests.factories import OrganisationFactory, user_with_role

    day = make_exam_day(2)
    started(day)  # the chief releases the paper
    outsider = user_with_role(Role.EXAM_AFFAIRS, OrganisationFactory(kind="body", name="另一机构"),
                              username="outsider")
    papers = Paper.objects.select_related("session__batch__announcement").order_by("pk")
    for user in (day.officer, day.chief, outsider):
        scoped = selectors.papers_to_grade(_fresh(user))
        assert isinstance(scoped, QuerySet)
        assert sorted(p.pk for p in scoped) == [
            p.pk for p in papers if p.status in ("released", "used") and rules.scores(_fresh(user), p.session)]
    assert [p.pk for p in selectors.papers_to_grade(_fresh(day.officer))] == [day.paper.pk]
    assert list(selectors.papers_to_grade(_fresh(outsider))) == []
    assert list(selectors.papers_to_grade(_fresh(day.chief))) == []


def test_the_collection_is_complete_whatever_is_imported_first():
    """Importing a service whose rules import another app's rules must not freeze a partial collection (the import
    machinery probes the module for ``__path__`` while the rules modules are half-imported)."""
    import os
    import subprocess
    import sys

    script = ("import django; django.setup(); import skillcert.papers.services; "
              "from skillcert.accounts import duties; "
              "print(len(duties.DUTIES), duties.PAPER_REVIEW, duties.ITEM_REVIEW)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**os.environ, "DJANGO_SETTINGS_MODULE": "skillcert.settings"})
    assert out.stdout.split() == [str(len(duties.DUTIES)), "paper_review", "item_review"]
