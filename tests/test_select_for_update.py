"""``select_for_update()`` on a queryset that also joins with ``select_related`` names what it locks (issue #21
item 7): ``of=("self",)`` locks the rows of the model queried only. Without ``of``, PostgreSQL's ``FOR UPDATE``
locks every joined row as well (a lookup of a result would lock its batch, announcement and candidate, serialising
unrelated writers) and refuses a nullable outer join outright ("FOR UPDATE cannot be applied to the nullable side of
an outer join"). SQLite ignores the clause, so only this check catches it before PostgreSQL does. Where a joined
row really must be locked too, ``of`` names it (with a comment saying why).

The check walks every method chain in ``src/skillcert`` (a queryset built across several statements is not seen;
build it in one chain).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "skillcert"


def _chain(node: ast.AST) -> list[ast.Call]:
    """The method calls of one chain ``a.b(…).c(…).d(…)``, outermost first."""
    calls = []
    while True:
        if isinstance(node, ast.Call):
            calls.append(node)
            node = node.func
        elif isinstance(node, ast.Attribute):
            node = node.value
        else:
            return calls


def _name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else ""


def unnamed_locks(source: str) -> list[int]:
    """Lines of ``source`` where a chain has ``select_related(…)`` and a ``select_for_update(…)`` without ``of``."""
    tree = ast.parse(source)
    inner = {id(n.func.value) for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    inner |= {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    hits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in inner:
            continue  # only whole chains, from their outermost call
        calls = _chain(node)
        names = [_name(c) for c in calls]
        if "select_related" in names:
            hits += [c.func.end_lineno for c in calls if _name(c) == "select_for_update"
                     and not any(k.arg == "of" for k in c.keywords)]
    return sorted(hits)


def test_every_locking_query_with_joins_names_what_it_locks():
    hits = [f"{path.relative_to(SRC.parent)}:{line}" for path in sorted(SRC.rglob("*.py"))
            for line in unnamed_locks(path.read_text(encoding="utf-8"))]
    assert hits == [], 'select_for_update() with select_related() needs of=("self",):\n' + "\n".join(hits)


PLANTED = '''
a = Batch.objects.select_for_update().select_related("announcement").get(pk=1)          # 2
b = Batch.objects.select_for_update(of=("self",)).select_related("announcement").get(pk=1)
c = (Result.objects.select_related("batch")
     .filter(pk=1)
     .select_for_update(nowait=True)                                                      # 6
     .first())
d = Batch.objects.select_for_update().get(pk=1)                                           # no join: fine
e = f(Batch.objects.select_for_update().select_related("x").get(pk=1), Batch.objects.select_related("y").get())  # 9
'''


def test_the_check_finds_each_planted_violation_and_nothing_else():
    assert unnamed_locks(PLANTED) == [2, 6, 9]
