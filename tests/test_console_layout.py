"""The console is organised by domain (issue #21 item 5): one views module, one urls module and (where it has
forms) one forms module per domain, shared helpers only in ``console.common``; every route is declared in its
domain's urls module and the package's ``urlpatterns`` is exactly their concatenation."""

from __future__ import annotations

import ast
from pathlib import Path

from django.urls import URLPattern

from skillcert.console import urls

CONSOLE = Path(__file__).resolve().parent.parent / "src" / "skillcert" / "console"


def test_each_domain_has_a_views_and_a_urls_module():
    views = {p.stem for p in (CONSOLE / "views").glob("*.py")} - {"__init__"}
    routes = {p.stem for p in (CONSOLE / "urls").glob("*.py")} - {"__init__"}
    assert views == routes
    assert not list(CONSOLE.glob("*_views.py")) and not list(CONSOLE.glob("*_forms.py"))


def test_every_route_comes_from_its_domains_urls_module():
    modules = [getattr(urls, name) for name in sorted({p.stem for p in (CONSOLE / "urls").glob("*.py")} - {"__init__"})]
    assert sum(len(m.urlpatterns) for m in modules) == len(urls.urlpatterns)
    for module in modules:
        domain = module.__name__.rsplit(".", 1)[-1]
        for pattern in module.urlpatterns:
            assert isinstance(pattern, URLPattern)
            assert pattern.callback.__module__ == f"skillcert.console.views.{domain}", (domain, pattern.name)


def test_view_modules_import_helpers_only_from_common():
    """A views module imports no other views module (helpers they share live in ``console.common``)."""
    for path in (CONSOLE / "views").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                module = node.module or ""
                assert not (node.level == 1 and module == "") or all(
                    a.name not in {p.stem for p in (CONSOLE / "views").glob("*.py")} for a in node.names), path
                assert not (node.level == 1 and module and (CONSOLE / "views" / f"{module}.py").exists()), path
