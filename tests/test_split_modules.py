"""The split modules of issue #21 item 5: ``itembank.services`` and ``grading.models`` are packages with one module
per concern, and the package re-exports exactly the public names its modules define — so a new service or model
is reachable where callers (and Django) look for it, and nothing in ``__all__`` is stale. Cycles between the
modules are the import contract's business (``make lint``)."""

from __future__ import annotations

import ast
import importlib
import inspect
from types import ModuleType

import pytest
from django.apps import apps
from django.db import models

SPLITS = {
    "skillcert.itembank.services": ("items", "acceptance", "exports"),
    "skillcert.grading.models": ("objective", "marking", "practical", "review", "results", "sheets"),
}


def _defined_here(module: ModuleType) -> set[str]:
    """The public functions, classes and constants a module defines at its top level (not the names it imports)."""
    names = set()
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if not name.startswith("_")}


@pytest.mark.parametrize("package", sorted(SPLITS))
def test_the_package_re_exports_exactly_its_modules_public_names(package):
    root = importlib.import_module(package)
    assert hasattr(root, "__path__"), f"{package} should be a package"
    defined: dict[str, str] = {}
    for sub in SPLITS[package]:
        module = importlib.import_module(f"{package}.{sub}")
        for name in _defined_here(module):
            assert name not in defined, f"{name} is defined in both {defined[name]} and {sub}"
            defined[name] = sub
    assert sorted(root.__all__) == sorted(defined)
    for name, sub in defined.items():
        assert getattr(root, name) is getattr(importlib.import_module(f"{package}.{sub}"), name), name


def test_every_grading_model_is_registered_and_reachable_from_grading_models():
    from skillcert.grading import models as grading_models

    registered = {m.__name__ for m in apps.get_app_config("grading").get_models()}
    exported = {n for n in grading_models.__all__ if isinstance(getattr(grading_models, n), type)
                and issubclass(getattr(grading_models, n), models.Model)}
    assert registered == exported
