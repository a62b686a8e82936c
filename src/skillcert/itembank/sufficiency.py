"""Is the bank big enough and does it cover the blueprint? (§7.1.3.2)

Per trade × level: active theory items ≥ 1,200, practical items ≥ 60, and for 技师/高级技师 defence or
technical-review items ≥ 30. Coverage: each weighted unit of the current blueprint should hold at least
its share of the minimum (weight % × minimum, rounded up), and every element at least one active item.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count

from .enums import MIN_DEFENCE, MIN_PRACTICAL, MIN_THEORY, MODULE_PART, ItemStatus, Part
from .models import Bank, Item


def minimums(bank: Bank) -> dict[str, int]:
    need = {Part.THEORY: MIN_THEORY, Part.PRACTICAL: MIN_PRACTICAL}
    if bank.level.requires_comprehensive_review:
        need[Part.DEFENCE] = MIN_DEFENCE
    return need


@dataclass
class PartCount:
    part: str
    label: str
    active: int
    required: int

    @property
    def short(self) -> int:
        return max(0, self.required - self.active)


@dataclass
class UnitCoverage:
    code: str
    name: str
    part: str
    weight: float
    target: int
    active: int
    uncovered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.active >= self.target and not self.uncovered


@dataclass
class Sufficiency:
    bank: Bank
    parts: list[PartCount]
    units: list[UnitCoverage]
    blueprint_version: int | None
    pipeline: dict[str, int]

    @property
    def ok(self) -> bool:
        return all(p.short == 0 for p in self.parts) and self.blueprint_version is not None and all(
            u.ok for u in self.units)


def part_counts(banks: list[Bank]) -> dict[int, Counter]:
    """bank id → Counter(part → active items), in one query for many banks."""
    counts: dict[int, Counter] = {b.pk: Counter() for b in banks}
    for bank_id, part, n in (Item.objects.filter(bank__in=banks, status=ItemStatus.ACTIVE)
                             .values_list("bank", "part").annotate(n=Count("id")).order_by()):
        counts[bank_id][part] = n
    return counts


def summary(bank: Bank, counts: Counter) -> list[PartCount]:
    labels = dict(Part.choices)
    return [PartCount(part, str(labels[part]), counts.get(part, 0), required)
            for part, required in minimums(bank).items()]


def report(bank: Bank) -> Sufficiency:
    from .selectors import current_blueprint

    counts = part_counts([bank])[bank.pk]
    pipeline = dict(Item.objects.filter(bank=bank).values_list("status").annotate(n=Count("id")).order_by())
    blueprint = current_blueprint(bank)
    units: list[UnitCoverage] = []
    if blueprint is not None:
        active = Counter(Item.objects.filter(bank=bank, status=ItemStatus.ACTIVE)
                         .values_list("element_code", flat=True))
        need = minimums(bank)
        nodes = list(blueprint.nodes.order_by("sort_order"))
        for unit in (n for n in nodes if n.depth == 2):
            part = MODULE_PART[unit.module_kind]
            elements = [n.code for n in nodes if n.depth == 3 and n.code.startswith(unit.code + ".")]
            required = need.get(part, 0)
            units.append(UnitCoverage(
                unit.code, unit.name, part, float(unit.weight or 0),
                math.ceil(required * float(unit.weight or 0) / 100) if required else 0,
                sum(active[e] for e in elements), [e for e in elements if not active[e]]))
    return Sufficiency(bank, summary(bank, counts), units, blueprint.version if blueprint else None, pipeline)
