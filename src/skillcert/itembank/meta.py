"""An item's metadata (题型, 认定点, 难度, 预计用时, 来源, 互斥组) and the check every write applies to it (§7.2.2.4).
Below both the services that write items and the exchange that reads them from files, so that the dependency
runs one way: services → exchange → meta (issue #21 item 4)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .enums import ItemType
from .models import Bank

META_FIELDS = ("type", "element_code", "difficulty", "expected_seconds", "source", "enemy_group")


def clean_meta(bank: Bank, meta: dict[str, Any], *, element_codes: set[str] | None) -> dict[str, Any]:
    errors = {}
    item_type = meta.get("type")
    if item_type not in ItemType.values:
        errors["type"] = _("请选择题型。")
    elif item_type == ItemType.DEFENCE and not bank.level.requires_comprehensive_review:
        errors["type"] = _("答辩题仅用于技师、高级技师的综合评审。")
    code = str(meta.get("element_code") or "").strip().upper()
    if element_codes is None:
        errors["element_code"] = _("本题库尚无审定的认定要素细目表，请先编写并审定细目表（§7.2.2.2）。")
    elif code not in element_codes:
        errors["element_code"] = _("认定点代码“%(c)s”不在现行细目表中。") % {"c": code or "—"}
    try:
        difficulty = int(meta.get("difficulty") or 0)
    except (TypeError, ValueError):
        difficulty = 0
    if not 1 <= difficulty <= 5:
        errors["difficulty"] = _("难度应为1至5。")
    try:
        seconds = int(meta.get("expected_seconds") or 60)
    except (TypeError, ValueError):
        seconds = 0
    if not 1 <= seconds <= 4 * 3600:
        errors["expected_seconds"] = _("预计用时应在1秒到4小时之间。")
    if errors:
        raise ValidationError(errors)
    return {"type": item_type, "element_code": code, "difficulty": difficulty, "expected_seconds": seconds,
            "source": str(meta.get("source") or "").strip()[:200],
            "enemy_group": str(meta.get("enemy_group") or "").strip()[:40]}
