"""Delivery owns its tables (issue #21 item 4): attempts, answers and room sittings are written by delivery's
services only — grading's answer-sheet capture (``grading.sheets``) calls ``delivery.services.attempt_record_sheet``
instead of writing them. Checked on the source (AST): no module outside delivery calls a write on the manager of
a model it imports from ``skillcert.delivery.models``."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "delete", "bulk_update"}


def delivery_writes(source: str, where: str) -> list[str]:
    tree = ast.parse(source)
    owned = {alias.asname or alias.name for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and node.module == "skillcert.delivery.models"
             for alias in node.names}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES):
            continue
        chain = node.func.value
        while isinstance(chain, ast.Call | ast.Attribute):
            if (isinstance(chain, ast.Attribute) and chain.attr == "objects" and isinstance(chain.value, ast.Name)
                    and chain.value.id in owned):
                found.append(f"{where}:{node.lineno}: {chain.value.id}.objects….{node.func.attr}()")
                break
            chain = chain.func if isinstance(chain, ast.Call) else chain.value
    return found


def test_only_delivery_writes_attempts_answers_and_sittings():
    found = []
    for path in sorted((SRC / "skillcert").rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[1] == "delivery" or "migrations" in rel.parts:
            continue
        found += delivery_writes(path.read_text(encoding="utf-8"), str(rel))
    assert found == [], "write delivery's tables through a delivery service:\n" + "\n".join(found)


def test_the_check_finds_a_write_through_a_filtered_manager():
    source = ("from skillcert.delivery.models import Answer, Attempt\n"
              "Answer.objects.filter(attempt=a).delete()\n"
              "Attempt.objects.filter(pk=1).count()\n"
              "Attempt.objects.select_for_update().get_or_create(assignment=s)\n")
    assert delivery_writes(source, "grading/sheets.py") == [
        "grading/sheets.py:2: Answer.objects….delete()",
        "grading/sheets.py:4: Attempt.objects….get_or_create()",
    ]
