"""No private name crosses an app boundary (issue #21 item 4): code in one app of ``skillcert`` neither imports
``_name`` (or a ``_module``) from another app nor reaches ``other_module._name`` through an imported module.
What another app may use is public; what is private may change without telling anyone. import-linter checks
private modules (``make lint``); names and attributes are checked here, on the source (AST)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
# Django's own private API that every app may use.
ALLOWED_ATTRIBUTES = {"_meta", "_default_manager", "_base_manager", "_state"}
KNOWN: set[tuple[str, str]] = set()  # no exception: every crossing is refused


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "skillcert" else None


def crossings(source: str, module: str, where: str) -> list[str]:
    """Every private name ``module`` (in app ``_app(module)``) takes from another app, as "where:line: …"."""
    here = _app(module)
    tree = ast.parse(source)
    found, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").startswith("skillcert."):
            foreign = _app(node.module) != here
            for alias in node.names:
                if foreign:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                if foreign and (_private(alias.name) or any(map(_private, node.module.split(".")))):
                    found.append(f"{where}:{node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("skillcert.") and _app(alias.name) != here:
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name
                    if any(map(_private, alias.name.split("."))):
                        found.append(f"{where}:{node.lineno}: import {alias.name}")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and _private(node.attr) and node.attr not in ALLOWED_ATTRIBUTES):
            found.append(f"{where}:{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    return found


def test_no_private_name_is_imported_across_apps():
    found = []
    for path in sorted((SRC / "skillcert").rglob("*.py")):
        rel = path.relative_to(SRC)
        if "migrations" in rel.parts:
            continue
        module = ".".join(rel.with_suffix("").parts)
        found += crossings(path.read_text(encoding="utf-8"), module, str(path.relative_to(ROOT)))
    unexpected = [f for f in found if (f.split(":")[0], f.split(": ", 1)[1]) not in KNOWN]
    assert unexpected == [], "private names used across apps — make them public in their app:\n" + "\n".join(unexpected)


def test_the_check_names_file_and_line_of_each_crossing():
    source = "\n".join([
        "from skillcert.scheduling.documents import _photo, mask_id",
        "from skillcert.core._secret import thing",
        "import skillcert.core._hidden",
        "from skillcert.accounts import selectors",
        "selectors._one_or_404(qs, 1)",
        "selectors.site_body()",
        "from skillcert.grading import _mine",
        "from . import _local_helper",
        "from skillcert.accounts.models import User",
        "User._meta.get_field('username')",
    ])
    assert crossings(source, "skillcert.grading.documents", "grading/documents.py") == [
        "grading/documents.py:1: from skillcert.scheduling.documents import _photo",
        "grading/documents.py:2: from skillcert.core._secret import thing",
        "grading/documents.py:3: import skillcert.core._hidden",
        "grading/documents.py:5: skillcert.accounts.selectors._one_or_404",
    ]


def test_import_contracts_hold():
    """The import-linter contracts of pyproject.toml (layers, independent faces, no cycles inside a package,
    private modules) — the same check as ``make lint``, so the test suite catches a dependency turned round."""
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
