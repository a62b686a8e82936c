"""One way from a POST to a service (issue #21 item 1), checked on the source: the faces read request input only
through a Django form, import no view module's private helpers, and invent no sentinel for bad input.

The walk is over the ASTs of every module of the console, the portal, the exam player and the public pages, and
of accounts/views.py. What is refused:

* ``request.POST`` / ``request.GET`` anywhere but as an argument of a form's constructor
  (``SomeForm(request.POST or None, ...)`` is fine; ``request.POST.get``, ``request.POST[...]``, ``.getlist``,
  ``posted_id(request.POST, ...)`` and ``q = request.GET`` are not);
* ``from .x_views import _helper`` (a private name of another view module), and a public helper of
  ``console.common`` imported under a private alias (``perform as _attempt``);
* the sentinels that stood in for bad input: ``date.max`` / ``date.min``, ``Decimal(-1)``, ``-10 ** n``,
  and ``posted_decimal`` (which returns ``Decimal(-1)``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "skillcert"
FACES = ("console", "portal", "exam", "public")


def _modules() -> list[Path]:
    paths = [p for face in FACES for p in sorted((SRC / face).rglob("*.py"))]
    return [*paths, SRC / "accounts" / "views.py"]


MODULES = _modules()
IDS = [str(p.relative_to(SRC)) for p in MODULES]

REQUEST_DATA = {"POST", "GET"}
#: A callable that binds request data: a form class (``…Form``, ``…FormSet``) or a view's ``form_class``.
FORM_SUFFIXES = ("Form", "FormSet")
SENTINEL_CALLS = {"posted_decimal"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_request(node: ast.AST) -> bool:
    """``request`` or ``self.request``."""
    return _name(node) == "request"


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def _binds_a_form(call: ast.Call) -> bool:
    name = _name(call.func)
    return name.endswith(FORM_SUFFIXES) or name == "form_class"


def hand_parsing(tree: ast.AST) -> list[tuple[int, str]]:
    """Every ``request.POST`` / ``request.GET`` that is not an argument of a form's constructor."""
    parents, found = _parents(tree), []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in REQUEST_DATA and _is_request(node.value)):
            continue
        child, parent = node, parents.get(node)
        while isinstance(parent, ast.BoolOp | ast.IfExp) and not (
                isinstance(parent, ast.IfExp) and child is parent.test):
            child, parent = parent, parents.get(parent)
        if isinstance(parent, ast.keyword):
            child, parent = parent, parents.get(parent)
        ok = (isinstance(parent, ast.Call) and child is not parent.func and _binds_a_form(parent))
        if not ok:
            found.append((node.lineno, f"request.{node.attr} read by hand"))
    return found


def private_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """A private name imported from a view module, or a ``console.common`` helper renamed private."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        last = node.module.rsplit(".", 1)[-1]
        for alias in node.names:
            if last.endswith("views") and alias.name.startswith("_"):
                found.append((node.lineno, f"private {alias.name} imported from {node.module}"))
            if last == "common" and alias.asname and alias.asname.startswith("_"):
                found.append((node.lineno, f"{alias.name} imported as {alias.asname}"))
    return found


def _negative_constant(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip().startswith("-")


def sentinels(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr in ("max", "min") and _name(node.value) == "date"):
            found.append((node.lineno, f"date.{node.attr} as a value"))
        elif isinstance(node, ast.Call) and _name(node.func) == "Decimal" and node.args and _negative_constant(
                node.args[0]):
            found.append((node.lineno, "Decimal(-…) as a value"))
        elif isinstance(node, ast.Call) and _name(node.func) in SENTINEL_CALLS:
            found.append((node.lineno, f"{_name(node.func)}() returns a sentinel"))
        elif (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.BinOp)
              and isinstance(node.operand.op, ast.Pow) and isinstance(node.operand.left, ast.Constant)
              and node.operand.left.value == 10):
            found.append((node.lineno, "-10 ** n as a value"))
    return found


def _check(path: Path, rule) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems = rule(tree)
    assert not problems, "\n".join(f"{path.relative_to(SRC)}:{line}: {what}" for line, what in problems)


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_request_data_is_read_only_through_a_form(path):
    _check(path, hand_parsing)


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_no_private_helper_imported_from_another_view_module(path):
    _check(path, private_imports)


@pytest.mark.parametrize("path", MODULES, ids=IDS)
def test_no_sentinel_stands_in_for_bad_input(path):
    _check(path, sentinels)


def test_the_walk_covers_every_face():
    names = set(IDS)
    console = {f"console/views/{d}.py" for d in ("accounts", "audit", "catalog", "registration", "scheduling",
                                                 "itembank", "papers", "delivery", "grading", "certificates")}
    assert console | {"portal/views.py", "exam/views.py", "public/views.py", "accounts/views.py"} <= names


# --- The checker itself: each rule catches what it is meant to catch (a lint that cannot fail proves nothing) --

BAD = '''
import datetime as dt
from decimal import Decimal
from .registration_views import _helper
from .common import perform as _attempt

def view(request):
    a = request.POST.get("a")
    b = request.POST["b"]
    c = request.POST.getlist("c")
    d = posted_id(request.POST, "d")
    q = request.GET
    e = self.request.GET.get("e")
    when = dt.date.max
    bad = Decimal(-1)
    worse = Decimal("-1")
    far = -10 ** 6
    limit = posted_decimal(data, "limit", "10")
'''

GOOD = '''
from django.utils.translation import gettext as _
from .common import flash_refusal, perform

def view(request):
    form = SomeForm(request.POST or None, request.FILES or None, prefix="p")
    other = forms.OtherForm(data=request.POST)
    login = form_class(request.POST or None)
    choice = PickForm(request.GET if request.method == "GET" else request.POST)
    if request.method == "POST":
        pass
    x = Decimal(1) - 10 ** 6
'''


def test_the_checker_catches_hand_parsing_private_imports_and_sentinels():
    tree = ast.parse(BAD)
    assert sorted(line for line, _what in hand_parsing(tree)) == [8, 9, 10, 11, 12, 13]
    assert len(private_imports(tree)) == 2
    assert len(sentinels(tree)) == 5


def test_the_checker_lets_forms_bind_request_data():
    tree = ast.parse(GOOD)
    assert hand_parsing(tree) == [] and private_imports(tree) == [] and sentinels(tree) == []
