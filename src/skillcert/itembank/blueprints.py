"""The 认定要素细目表 (§7.2.2.2–7.2.2.3): checking, versioning, Excel import and export.

A table is rows of (code, name, module kind, weight %, importance). Codes are hierarchical::

    B            module  (理论知识·专业知识) weight 80
    B.02         unit    weight 15          — units' weights add up to their module's
    B.02.03      element importance X/Y/Z   — elements carry importance (weight optional)

Modules' weights add up to 100 within each part (theory, practical, defence).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skillcert.core import audit
from skillcert.core.excel import cell_text, read_rows, workbook_bytes

from . import rules
from .enums import MODULE_PART, Importance, ModuleKind, Part
from .models import Bank, Blueprint, BlueprintNode

CODE_RE = re.compile(r"^[A-Z](\.\d{2}(\.\d{2,3})?)?$")
HEADERS = ["代码*", "名称*", "模块类别", "比重(%)", "重要程度"]
MODULE_WORDS = {
    "基础知识": ModuleKind.THEORY_BASIC, "理论知识·基础知识": ModuleKind.THEORY_BASIC,
    "专业知识": ModuleKind.THEORY_PRACTICE, "相关知识": ModuleKind.THEORY_PRACTICE, "实务": ModuleKind.THEORY_PRACTICE,
    "理论知识·专业知识（实务）": ModuleKind.THEORY_PRACTICE,
    "实际操作": ModuleKind.PRACTICAL, "操作技能": ModuleKind.PRACTICAL,
    "综合评审": ModuleKind.DEFENCE, "答辩": ModuleKind.DEFENCE, "综合评审·答辩": ModuleKind.DEFENCE,
}
KIND_WORD = {ModuleKind.THEORY_BASIC: "基础知识", ModuleKind.THEORY_PRACTICE: "专业知识",
             ModuleKind.PRACTICAL: "实际操作", ModuleKind.DEFENCE: "答辩"}
TOLERANCE = Decimal("0.01")


@dataclass
class NodeRow:
    code: str
    name: str
    module_kind: str = ""
    weight: Decimal | None = None
    importance: str = ""
    row: int = 0  # spreadsheet row, for error messages


def check(rows: list[NodeRow]) -> list[tuple[int, str]]:
    """Every problem as (row, message); empty means the table is consistent."""
    errors: list[tuple[int, str]] = []
    seen: dict[str, NodeRow] = {}
    children: dict[str, list[NodeRow]] = defaultdict(list)
    for r in rows:
        where = r.row or len(seen) + 1
        if not CODE_RE.match(r.code):
            errors.append((where, _("代码“%(c)s”格式不对，应为 B、B.02 或 B.02.03。") % {"c": r.code}))
            continue
        if r.code in seen:
            errors.append((where, _("代码“%(c)s”重复。") % {"c": r.code}))
            continue
        if not r.name:
            errors.append((where, _("代码“%(c)s”缺少名称。") % {"c": r.code}))
        depth = r.code.count(".") + 1
        if depth == 1:
            if r.module_kind not in ModuleKind.values:
                errors.append((where, _("模块“%(c)s”须注明模块类别（基础知识、专业知识、实际操作或答辩）。")
                               % {"c": r.code}))
        else:
            parent = r.code.rsplit(".", 1)[0]
            if parent not in seen:
                errors.append((where, _("“%(c)s”的上级“%(p)s”不存在或排在其后。") % {"c": r.code, "p": parent}))
                continue
            r.module_kind = seen[parent].module_kind
            children[parent].append(r)
        if depth <= 2 and r.weight is None:
            errors.append((where, _("“%(c)s”须填写比重。") % {"c": r.code}))
        if r.weight is not None and not (Decimal(0) < r.weight <= 100):
            errors.append((where, _("“%(c)s”的比重应在0到100之间。") % {"c": r.code}))
        if depth == 3 and r.importance not in Importance.values:
            errors.append((where, _("认定点“%(c)s”须注明重要程度 X、Y 或 Z。") % {"c": r.code}))
        seen[r.code] = r
    if errors:
        return errors
    part_total: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        depth = r.code.count(".") + 1
        if depth == 1:
            part_total[MODULE_PART[r.module_kind]] += r.weight
        if depth < 3 and not children[r.code]:
            errors.append((r.row, _("“%(c)s”下没有%(what)s。") % {
                "c": r.code, "what": _("鉴定范围（单元）") if depth == 1 else _("认定点")}))
        weighted = [c.weight for c in children[r.code] if c.weight is not None]
        if weighted and len(weighted) == len(children[r.code]) and abs(sum(weighted) - r.weight) > TOLERANCE:
            errors.append((r.row, _("“%(c)s”下各项比重之和为%(s)s，应等于其比重%(w)s。") % {
                "c": r.code, "s": sum(weighted).normalize(), "w": r.weight.normalize()}))
    for part, total in part_total.items():
        if abs(total - 100) > TOLERANCE:
            errors.append((0, _("%(part)s各模块比重之和为%(t)s，应为100。") % {
                "part": dict(Part.choices)[part], "t": total.normalize()}))
    return errors


def parse_xlsx(data: bytes) -> tuple[list[NodeRow], list[tuple[int, str]]]:
    rows: list[NodeRow] = []
    errors: list[tuple[int, str]] = []
    for number, values in read_rows(data, HEADERS):
        code, name, kind, weight, importance = (cell_text(v) for v in values)
        parsed_weight = None
        if weight:
            try:
                parsed_weight = Decimal(weight.rstrip("%"))
            except InvalidOperation:
                errors.append((number, _("比重“%(w)s”不是数字。") % {"w": weight}))
        module_kind = MODULE_WORDS.get(kind, kind if kind in ModuleKind.values else "") if kind else ""
        if kind and not module_kind:
            errors.append((number, _("模块类别“%(k)s”无法识别。") % {"k": kind}))
        rows.append(NodeRow(code.upper(), name, module_kind, parsed_weight, importance.upper(), number))
    return rows, errors


@transaction.atomic
def blueprint_create(*, actor, bank_id: int, rows: list[NodeRow], note: str = "") -> Blueprint:
    """A new draft version of the bank's blueprint; refused with every row problem listed."""
    bank = Bank.objects.select_for_update().get(pk=bank_id)
    if not rules.manages(actor, bank):
        raise PermissionDenied(_("只有本题库的题库管理员可以编写认定要素细目表。"))
    problems = check(rows)
    if problems:
        raise ValidationError([_("第%(r)d行：%(m)s") % {"r": r, "m": m} if r else m for r, m in problems])
    version = (bank.blueprints.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    blueprint = Blueprint.objects.create(bank=bank, version=version, note=note, created_by=actor)
    BlueprintNode.objects.bulk_create([
        BlueprintNode(blueprint=blueprint, code=r.code, name=r.name, depth=r.code.count(".") + 1,
                      module_kind=r.module_kind, weight=r.weight, importance=r.importance if r.code.count(".") == 2
                      else "", sort_order=i) for i, r in enumerate(rows)])
    audit.record(actor, "itembank.blueprint.created", target=blueprint,
                 data={"version": version, "nodes": len(rows),
                       "elements": sum(1 for r in rows if r.code.count(".") == 2)})
    return blueprint


def blueprint_import(*, actor, bank_id: int, data: bytes, note: str = "") -> Blueprint:
    from django.conf import settings

    from skillcert.core import limits

    limits.check_size(data, settings.SKILLCERT_IMPORT_MAX_BYTES, label=_("细目表"))
    rows, errors = parse_xlsx(data)
    if errors:
        raise ValidationError([_("第%(r)d行：%(m)s") % {"r": r, "m": m} for r, m in errors])
    return blueprint_create(actor=actor, bank_id=bank_id, rows=rows, note=note)


@transaction.atomic
def blueprint_approve(*, actor, blueprint_id: int) -> Blueprint:
    """§7.2.2.3 审定: the version becomes the one new items are written against. It is frozen from now on."""
    blueprint = Blueprint.objects.select_for_update(of=("self",)).select_related("bank").get(pk=blueprint_id)
    if not rules.manages(actor, blueprint.bank):
        raise PermissionDenied(_("只有本题库的题库管理员可以审定细目表。"))
    if blueprint.approved_at:
        raise ValidationError(_("该版本已审定。"))
    blueprint.approved_by, blueprint.approved_at = actor, timezone.now()
    blueprint.save(update_fields=["approved_by", "approved_at"])
    audit.record(actor, "itembank.blueprint.approved", target=blueprint, data={"version": blueprint.version})
    return blueprint


def export_bytes(blueprint: Blueprint) -> bytes:
    return workbook_bytes(_("认定要素细目表"), HEADERS, (
        [n.code, n.name, KIND_WORD[n.module_kind] if n.depth == 1 else "",
         float(n.weight) if n.weight is not None else None, n.importance]
        for n in blueprint.nodes.order_by("sort_order")))
