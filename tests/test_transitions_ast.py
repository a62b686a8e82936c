"""One transition mechanism (issue #21 item 2): a workflow status changes only through
``skillcert.core.statemachine.transition`` / ``transition_many``.

The source is read, not run: every module under ``src/skillcert`` (migrations and the state machine itself
excepted) is parsed and searched for writes that would move a status around the helper —
``.update(status=…)``, ``bulk_update(…, ["status"])``, ``update_or_create(defaults={"status": …})``,
``obj.status = …`` and ``setattr(obj, "status", …)``. Creating a row with its first status is allowed.
Every model with a status field must also carry a ``TRANSITIONS`` table over its own choices.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

SRC = Path(__file__).resolve().parent.parent / "src" / "skillcert"
EXEMPT_FILES = {Path("core/statemachine.py")}

STATE_NAME = re.compile(r"^(status|state|stage)$|_(status|state|stage)$")

# Fields with status-like names that record a fact and are not a workflow: they are copied, not moved.
RECORDS = {
    ("papers.Paper", "solver_status"): "the solver's last answer (optimal/feasible/…), rewritten by each solve",
    ("certificates.Certificate", "reported_status"): "the status last sent to the platform (a copy)",
}

# Attribute writes on objects that are not models (checked by hand; the reason is kept here).
NOT_MODELS = {
    ("papers/assembly.py", "status"): "assembly.Result is the solver's dataclass, not a model",
}


def _state_fields():
    """{(label, field name): field} for every status-like choice field of skillcert's models."""
    return {(model._meta.label, field.name): field
            for model in apps.get_models() if model.__module__.startswith("skillcert.")
            for field in model._meta.concrete_fields
            if STATE_NAME.search(field.name) and (model._meta.label, field.name) not in RECORDS}


def state_names() -> set[str]:
    return {name for _label, name in _state_fields()}


def _constant_keys(node) -> list[str]:
    if isinstance(node, ast.Dict):
        return [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return []


def _strings(node) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _attr_name(node) -> str | None:
    """The attribute name a ``setattr`` second argument can name: a string, or an f-string's constant tail."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[-1], ast.Constant):
        return "x" + str(node.values[-1].value)  # f"{part}_state" → "x_state"
    return None


def _targets(node):
    for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
        stack = [target]
        while stack:
            t = stack.pop()
            if isinstance(t, (ast.Tuple, ast.List)):
                stack.extend(t.elts)
            elif isinstance(t, ast.Starred):
                stack.append(t.value)
            else:
                yield t


def violations(source: str, filename: str, names: set[str] | None = None) -> list[str]:
    """``filename:line: what`` for every status write in ``source`` that bypasses the transition helper."""
    names = state_names() if names is None else names

    def is_state(name: str | None) -> bool:
        return bool(name) and (name in names or bool(STATE_NAME.search(name) and name.startswith("x_")))

    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call):
            func = node.func
            method = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            keywords = {k.arg for k in node.keywords if k.arg} | {
                key for k in node.keywords if k.arg is None for key in _constant_keys(k.value)}
            if method == "update" and keywords & names:
                found.append(f"{filename}:{node.lineno}: .update({', '.join(sorted(keywords & names))}=…)")
            if method == "update_or_create":
                defaults = [key for k in node.keywords if k.arg in ("defaults", "create_defaults")
                            for key in _constant_keys(k.value)]
                if set(defaults) & names:
                    found.append(f"{filename}:{node.lineno}: update_or_create(defaults={{status…}})")
            if method == "bulk_update":
                fields = [s for arg in node.args[1:2] for s in _strings(arg)]
                fields += [s for k in node.keywords if k.arg == "fields" for s in _strings(k.value)]
                if set(fields) & names:
                    found.append(f"{filename}:{node.lineno}: bulk_update of {sorted(set(fields) & names)}")
            if method == "setattr" and len(node.args) >= 2 and is_state(_attr_name(node.args[1])):
                found.append(f"{filename}:{node.lineno}: setattr(…, {_attr_name(node.args[1])!r}, …)")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for target in _targets(node):
                if isinstance(target, ast.Attribute) and target.attr in names \
                        and (filename.replace("\\", "/").split("skillcert/", 1)[-1], target.attr) not in NOT_MODELS:
                    found.append(f"{filename}:{node.lineno}: assignment to .{target.attr}")
    return found


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if "migrations" in rel.parts or rel in EXEMPT_FILES:
            continue
        yield path, rel


def test_no_status_write_bypasses_the_transition_helper():
    names = state_names()
    found = []
    for path, rel in _modules():
        found += violations(path.read_text(encoding="utf-8"), f"skillcert/{rel.as_posix()}", names)
    assert found == [], "status written outside core.statemachine.transition:\n" + "\n".join(found)


@pytest.mark.parametrize("source", [
    "Result.objects.filter(pk=1).update(status='published')",
    "qs.update(**{'status': 'x'}, note='')",
    "sitting.state = 'running'",
    "previous, app.status = app.status, 'withdrawn'",
    "setattr(result, 'theory_state', 'scored')",
    "setattr(result, f'{part}_state', 'scored')",
    "Attempt.objects.bulk_update(rows, ['status'])",
    "Job.objects.update_or_create(pk=1, defaults={'status': 'done'})",
])
def test_the_checker_finds_a_planted_status_write(source):
    found = violations(source, "skillcert/planted.py", {"status", "state", "theory_state"})
    assert len(found) == 1 and found[0].startswith("skillcert/planted.py:1: ")


@pytest.mark.parametrize("source", [
    "Result.objects.create(status='draft')",
    "Result(status='draft')",
    "transition(result, 'published', published_at=now)",
    "qs.filter(status='draft').update(note='')",
    "seen.update(other)",
    "if app.status == 'draft': pass",
])
def test_the_checker_lets_creation_reads_and_the_helper_through(source):
    assert violations(source, "skillcert/planted.py", {"status", "state"}) == []


def _table_problems(label: str, field, table) -> list[str]:
    if table is None:
        return [f"{label}.{field.name}: no TRANSITIONS table"]
    valid = {value for value, _ in field.flatchoices}
    problems = []
    for source, targets in table.items():
        if source not in valid:
            problems.append(f"{label}.{field.name}: {source!r} is not a choice")
        problems += [f"{label}.{field.name}: {source!r} → {t!r}, not a choice" for t in targets if t not in valid]
    # Every state has its row (set() when final), so a state nobody thought about shows up here.
    problems += [f"{label}.{field.name}: no row for {value!r}" for value in sorted(valid - set(table))]
    return problems


def transition_table(model, field_name: str):
    from skillcert.core.statemachine import table_for

    try:
        return table_for(model, field_name)
    except TypeError:
        return None


def test_every_status_field_has_a_transitions_table_over_its_choices():
    problems = []
    for (label, name), field in sorted(_state_fields().items()):
        model = apps.get_model(label)
        if not field.choices:
            problems.append(f"{label}.{name}: a status without choices")
            continue
        problems += _table_problems(label, field, transition_table(model, name))
    assert problems == []


def test_the_table_check_finds_a_planted_bad_table():
    field = models.CharField(max_length=4, choices=[("a", "A"), ("b", "B")])  # not registered with any model
    field.name = "status"
    assert _table_problems("core.Planted", field, None) == ["core.Planted.status: no TRANSITIONS table"]
    assert _table_problems("core.Planted", field, {"a": {"c"}, "z": {"b"}}) == [
        "core.Planted.status: 'a' → 'c', not a choice", "core.Planted.status: 'z' is not a choice",
        "core.Planted.status: no row for 'b'"]
    assert _table_problems("core.Planted", field, {"a": {"b"}, "b": set()}) == []
