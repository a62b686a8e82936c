"""The assembly plan (组卷方案, §6.3.2.1, §6.5.1, §7.2.2.6): checking it, proposing one from the approved
blueprint, and turning the bank's active items into the engine's input.

A plan is stored as the engine's plan.json (docs/assembly.md) plus what the engine does not need::

    points          {type: points per item}; the paper totals 100 (§6.5.1 百分制)
    exclude_recent  items used in the bank's last K locked papers are left out (0 = none)
    exposure_limit  items used this many times or more are left out (null = no limit)
    time_limit      seconds the solver may take
    seed            fixes the result for the same bank and plan
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from skillcert.itembank.enums import TYPE_PART, ItemStatus, ItemType, ModuleKind, Part

MAX_FORMS = 6
TOTAL_POINTS = Decimal(100)
# Designed difficulty 1 (easy) … 5 (hard) as an expected proportion correct, used until grading (#8)
# gives the item an empirical one; discrimination defaults to a modest 0.3 until then.
DESIGNED_P = {1: 0.90, 2: 0.78, 3: 0.65, 4: 0.50, 5: 0.35}
DEFAULT_DISCRIMINATION = 0.3


def part_for_session(kind: str) -> str:
    from skillcert.scheduling.enums import SessionKind

    return {SessionKind.PRACTICAL: Part.PRACTICAL, SessionKind.REVIEW: Part.DEFENCE}.get(kind, Part.THEORY)


def _int(value: Any, where: str, *, low: int = 0, high: int | None = None) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({where: _("应为整数。")}) from None
    if number < low or (high is not None and number > high):
        raise ValidationError({where: _("应在 %(lo)s 到 %(hi)s 之间。") % {"lo": low, "hi": high if high is not None
                                                                         else "∞"}})
    return number


def _float(value: Any, where: str, low: float, high: float) -> float:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({where: _("应为数字。")}) from None
    if not low <= number <= high:
        raise ValidationError({where: _("应在 %(lo)s 到 %(hi)s 之间。") % {"lo": low, "hi": high}})
    return number


def clean_plan(raw: dict[str, Any], part: str) -> dict[str, Any]:
    """Check a plan for a paper of ``part``; ValidationError names the field (and row) that is wrong."""
    errors: dict[str, list[str]] = {}

    def run(where: str, fn, row: int | None = None):
        try:
            return fn()
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                errors.setdefault(where, []).extend(
                    messages if row is None else [_("第 %(n)d 行：%(m)s") % {"n": row, "m": m} for m in messages])
            return None

    forms = run("forms", lambda: _int(raw.get("forms"), "forms", low=2, high=MAX_FORMS))
    length = run("length", lambda: _int(raw.get("length"), "length", low=1, high=500))
    types, points = {}, {}
    allowed = {t for t, p in TYPE_PART.items() if p == part}
    for kind, count in (raw.get("types") or {}).items():
        if kind not in allowed:
            errors.setdefault("types", []).append(_("题型“%(t)s”不属于本部分。") % {"t": kind})
            continue
        n = run("types", lambda c=count, k=kind: _int(c, "types", low=0, high=500))
        try:
            pts = Decimal(str((raw.get("points") or {}).get(kind, "")))
            if pts <= 0 or pts.as_tuple().exponent < -2:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.setdefault("types", []).append(
                _("题型“%(t)s”每题分值应为正数（至多两位小数）。") % {"t": ItemType(kind).label})
            continue
        if n:
            types[kind], points[kind] = n, str(pts.normalize())
    if not types and "types" not in errors:
        errors["types"] = [_("请至少设置一种题型的题量。")]
    if length is not None and types and sum(types.values()) != length:
        errors.setdefault("types", []).append(_("各题型题量之和为 %(s)d，应等于试卷题量 %(n)d。")
                                             % {"s": sum(types.values()), "n": length})
    total = sum(Decimal(points[k]) * n for k, n in types.items())
    if types and total != TOTAL_POINTS:
        errors.setdefault("types", []).append(_("试卷总分为 %(t)s，应为 100 分（§6.5.1 百分制）。") % {"t": total})
    elements = []
    for n, row in enumerate(raw.get("elements") or [], start=1):
        prefix = str(row.get("prefix", "")).strip()
        where = "elements"
        lo = run(where, lambda r=row: _int(r.get("min", 0), "min"), n)
        hi = run(where, lambda r=row: _int(r.get("max", length or 0), "max"), n)
        if not prefix:
            errors.setdefault(where, []).append(_("第 %(n)d 行：请填写认定要素代码前缀。") % {"n": n})
        elif lo is not None and hi is not None and lo > hi:
            errors.setdefault(where, []).append(
                _("第 %(n)d 行（%(p)s）：最少题数大于最多题数。") % {"n": n, "p": prefix})
        elif lo is not None and hi is not None:
            elements.append({"prefix": prefix, "min": lo, "max": hi})
    bands = []
    for n, row in enumerate(raw.get("difficulty_bands") or [], start=1):
        where = "difficulty_bands"
        low = run(where, lambda r=row: _float(r.get("low"), "low", 0.0, 1.0), n)
        high = run(where, lambda r=row: _float(r.get("high"), "high", 0.0, 1.01), n)
        lo = run(where, lambda r=row: _int(r.get("min", 0), "min"), n)
        hi = run(where, lambda r=row: _int(r.get("max", length or 0), "max"), n)
        if None in (low, high, lo, hi):
            continue
        if low >= high or lo > hi:
            errors.setdefault(where, []).append(_("第 %(n)d 行：难度区间或题数范围不成立。") % {"n": n})
        else:
            bands.append({"low": low, "high": high, "min": lo, "max": hi})
    mean = None
    window = raw.get("mean_difficulty") or {}
    if window.get("min") not in (None, "") or window.get("max") not in (None, ""):
        lo = run("mean_difficulty", lambda: _float(window.get("min"), "mean_difficulty", 0.0, 1.0))
        hi = run("mean_difficulty", lambda: _float(window.get("max"), "mean_difficulty", 0.0, 1.0))
        if lo is not None and hi is not None:
            if lo > hi:
                errors.setdefault("mean_difficulty", []).append(_("平均难度下限大于上限。"))
            else:
                mean = {"min": lo, "max": hi}
    exclude_recent = run("exclude_recent", lambda: _int(raw.get("exclude_recent") or 0, "exclude_recent", high=50))
    limit = raw.get("exposure_limit")
    exposure_limit = (None if limit in (None, "") else
                      run("exposure_limit", lambda: _int(limit, "exposure_limit", low=1, high=10_000)))
    time_limit = run("time_limit", lambda: _int(raw.get("time_limit") or 20, "time_limit", low=1, high=600))
    seed = run("seed", lambda: _int(raw.get("seed") or 0, "seed", high=2**31 - 1))
    if errors:
        raise ValidationError(errors)
    return {"forms": forms, "length": length, "types": types, "points": points, "elements": elements,
            "difficulty_bands": bands, "mean_difficulty": mean, "exclude_recent": exclude_recent,
            "exposure_limit": exposure_limit, "time_limit": time_limit, "seed": seed,
            "objective": "maximin_discrimination"}


def default_plan(blueprint, part: str) -> dict[str, Any]:
    """A starting plan from the approved blueprint (§7.2.2.6): for a theory paper 100 items (60 single,
    20 multiple, 20 judge, 1 point each), each weighted unit asked for its weight's share ± 20 %; for a
    practical paper four tasks of 25 points, each practical unit one or two of them; 3 forms (the main paper and two
    backups); four difficulty bands and a mean window around 0.65."""
    units = []
    if blueprint is not None:
        kinds = {Part.THEORY: {ModuleKind.THEORY_BASIC, ModuleKind.THEORY_PRACTICE},
                 Part.PRACTICAL: {ModuleKind.PRACTICAL}, Part.DEFENCE: {ModuleKind.DEFENCE}}[part]
        units = [n for n in blueprint.nodes.all() if n.depth == 2 and n.module_kind in kinds and n.weight]
    if part == Part.THEORY:
        length, types, points = 100, {"single": 60, "multiple": 20, "judge": 20}, {"single": "1", "multiple": "1",
                                                                                   "judge": "1"}
        elements = []
        for u in units:
            target = length * float(u.weight) / 100
            elements.append({"prefix": u.code, "min": max(0, math.floor(target * 0.8)),
                             "max": max(1, math.ceil(target * 1.2))})
        bands = [{"low": 0.0, "high": 0.4, "min": 0, "max": 15}, {"low": 0.4, "high": 0.6, "min": 10, "max": 50},
                 {"low": 0.6, "high": 0.8, "min": 20, "max": 70}, {"low": 0.8, "high": 1.01, "min": 5, "max": 40}]
        mean = {"min": 0.55, "max": 0.75}
    else:
        kind = ItemType.PRACTICAL if part == Part.PRACTICAL else ItemType.DEFENCE
        length = 4  # 4 tasks × 25 points; every weighted unit gets one or two of them
        types, points = {kind: length}, {kind: "25"}
        elements = [{"prefix": u.code, "min": 1, "max": 2} for u in units] if len(units) <= length else []
        bands, mean = [], None
    return {"forms": 3, "length": length, "types": types, "points": points, "elements": elements,
            "difficulty_bands": bands, "mean_difficulty": mean, "exclude_recent": 2, "exposure_limit": None,
            "time_limit": 20, "seed": 0, "objective": "maximin_discrimination"}


def item_difficulty(item) -> float:
    return item.empirical_difficulty if item.empirical_difficulty is not None else DESIGNED_P[item.difficulty]


def item_discrimination(item) -> float:
    return item.discrimination if item.discrimination is not None else DEFAULT_DISCRIMINATION


def engine_bank(bank, plan: dict[str, Any], part: str, *, recent_item_ids: set[int]) -> dict:
    """The bank's active items of ``part`` in the engine's bank.json shape (id = the item's pk as text),
    with items used recently or over the exposure limit marked ``exclude``."""
    kinds = set(plan["types"])
    items = (bank.items.filter(status=ItemStatus.ACTIVE, part=part, type__in=kinds)
             .order_by("pk"))
    limit = plan.get("exposure_limit")
    out = []
    for it in items:
        out.append({"id": str(it.pk), "type": it.type, "element": it.element_code, "difficulty": item_difficulty(it),
                    "discrimination": item_discrimination(it), "score": float(plan["points"][it.type]),
                    "enemies": [it.enemy_group] if it.enemy_group else [],
                    "exclude": it.pk in recent_item_ids or (limit is not None and it.exposure_count >= limit)})
    return {"items": out}


def engine_plan(plan: dict[str, Any]) -> dict[str, Any]:
    keys = ("forms", "length", "types", "elements", "difficulty_bands", "mean_difficulty", "objective")
    return {k: plan[k] for k in keys if plan.get(k) is not None}
