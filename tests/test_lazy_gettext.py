"""Strings evaluated at import time are translated lazily (issue #21 item 7).

A module body, a class body, a decorator's arguments and a function's default values run once, when the module is
imported — before any request has chosen a language — so a plain ``gettext`` call there freezes the text in
whatever language was active at start-up. This test walks every module of ``src/skillcert`` and fails on such a
call to a non-lazy gettext (``gettext``, ``ngettext``, ``pgettext``, ``npgettext``, under any name they were
imported as — usually ``_`` — or as ``translation.gettext``); ``gettext_lazy`` is the one to use there.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "skillcert"
NON_LAZY = {"gettext", "ngettext", "pgettext", "npgettext", "ugettext", "ungettext"}
MODULES = {"django.utils.translation", "gettext"}


def _bindings(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(names bound to a non-lazy gettext, names bound to a translation module)."""
    funcs, modules = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in MODULES:
            funcs |= {a.asname or a.name for a in node.names if a.name in NON_LAZY}
        elif isinstance(node, ast.ImportFrom) and node.module == "django.utils":
            modules |= {a.asname or a.name for a in node.names if a.name == "translation"}
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name in MODULES:
                    modules.add(a.asname or a.name)
    return funcs, modules


class _ImportTime(ast.NodeVisitor):
    """Visits only what runs at import: skips function and lambda bodies, keeps their defaults and decorators."""

    def __init__(self, funcs: set[str], modules: set[str]):
        self.funcs, self.modules, self.hits = funcs, modules, []

    def visit_FunctionDef(self, node):
        for expr in [*node.decorator_list, *node.args.defaults, *[d for d in node.args.kw_defaults if d]]:
            self.visit(expr)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        for expr in [*node.args.defaults, *[d for d in node.args.kw_defaults if d]]:
            self.visit(expr)

    def visit_Call(self, node):
        f = node.func
        if (isinstance(f, ast.Name) and f.id in self.funcs) or (
                isinstance(f, ast.Attribute) and f.attr in NON_LAZY and isinstance(f.value, ast.Name)
                and f.value.id in self.modules):
            self.hits.append(node.lineno)
        self.generic_visit(node)


def import_time_gettext_calls(source: str) -> list[int]:
    """The lines of ``source`` where a non-lazy gettext is called at import time."""
    tree = ast.parse(source)
    visitor = _ImportTime(*_bindings(tree))
    visitor.visit(tree)
    return visitor.hits


def test_no_module_or_class_level_string_uses_a_non_lazy_gettext():
    hits = [f"{path.relative_to(SRC.parent)}:{line}" for path in sorted(SRC.rglob("*.py"))
            for line in import_time_gettext_calls(path.read_text(encoding="utf-8"))]
    assert hits == [], "use gettext_lazy for strings evaluated at import time:\n" + "\n".join(hits)


PLANTED = '''
from django.utils.translation import gettext as _, gettext_lazy
from django.utils import translation
from django.db import models

TITLE = _("标题")                                         # 6: module level
LAZY = gettext_lazy("可以")

class Status(models.TextChoices):
    OPEN = "open", _("开放")                               # 10: class body
    SHUT = "shut", gettext_lazy("关闭")

    def label_now(self, default=translation.ngettext("一", "多", 2)):   # 13: a default value
        return _("运行时可以")

CHOICES = {k: _(k) for k in ("a",)}                        # 16: a comprehension at import
LATER = lambda: _("调用时")                                 # a lambda body runs later
'''


def test_the_check_finds_each_planted_violation_and_nothing_else():
    assert import_time_gettext_calls(PLANTED) == [6, 10, 13, 16]
