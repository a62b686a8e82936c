"""The bank-size gate of assembly (§7.1.3.2): a paper is assembled only from a bank that holds the minimum
for the part it examines — 理论知识 ≥ 1,200 active items, 实际操作 ≥ 60, 技师/高级技师 综合评审 ≥ 30 — and
whose blueprint units (knowledge points) each hold their weighted share of that minimum, every element
covered. The numbers come from ``itembank.sufficiency`` (the same report the bank dashboard shows), so
the dashboard and the refusal can never disagree.

``ENFORCED`` is a switch for the test suite only: tests that assemble from small banks run with it off
(tests/conftest.py); the tests of this rule, the demo and production always run with it on.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from skillcert.itembank import sufficiency
from skillcert.itembank.models import Bank

ENFORCED = True
MAX_LINES = 12


def shortfalls(bank: Bank, part: str) -> list[str]:
    """What the bank lacks for the part, one line per shortfall: the part's total, then each knowledge
    point (blueprint unit) below its share and its elements without any active item."""
    report = sufficiency.report(bank)
    out = []
    for p in report.parts:
        if p.part == part and p.short:
            out.append(_("%(label)s试题现有%(have)d题，§7.1.3.2要求不少于%(need)d题，缺%(short)d题。") % {
                "label": p.label, "have": p.active, "need": p.required, "short": p.short})
    if report.blueprint_version is None:
        out.append(_("题库没有生效的鉴定要素细目表，无法核对各知识点的题量。"))
    for u in report.units:
        if u.part != part or u.ok:
            continue
        if u.active < u.target:
            out.append(_("知识点 %(code)s %(name)s：现有%(have)d题，按权重%(w)s%%应不少于%(need)d题，"
                         "缺%(short)d题。") % {
                "code": u.code, "name": u.name, "have": u.active, "w": f"{u.weight:g}", "need": u.target,
                "short": u.target - u.active})
        if u.uncovered:
            elements = "、".join(u.uncovered[:8]) + ("等" if len(u.uncovered) > 8 else "")
            out.append(_("知识点 %(code)s %(name)s：鉴定要素%(e)s没有可用试题。") % {
                "code": u.code, "name": u.name, "e": elements})
    return out


def require_bank_minimum(bank: Bank, part: str) -> None:
    """Refuse assembly from a bank below §7.1.3.2 for ``part``, naming every shortfall."""
    if not ENFORCED or part not in sufficiency.minimums(bank):
        return
    lines = shortfalls(bank, part)
    if lines:
        more = len(lines) - MAX_LINES
        shown = lines[:MAX_LINES] + ([_("……另有%(n)d项不足。") % {"n": more}] if more > 0 else [])
        raise ValidationError({"bank": [_("题库“%(b)s”题量未达到§7.1.3.2的要求，不能组卷：") % {"b": bank}, *shown]})
