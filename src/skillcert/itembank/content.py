"""An item's content: its shape per type (§7.2.2.4 试题、标准答案、评分标准), sealing and opening.

Content is a dict::

    stem          题干 (required)
    options       list of option texts, A… in order (single/multiple choice: 2–6)
    answer        "B" · "ACD" · "T"/"F" (judge) · the standard answer text (other types)
    rubric        评分标准 (required for subjective types)
    explanation   解析
    scoring_sheet practical/defence: [{"criterion", "points", "method"}] (practical: required)
    time_minutes  practical: the time allowed
    materials     practical: materials, equipment and tools
    attachments   ids of the item's sealed images shown with the stem
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from skillcert.core import limits
from skillcert.core.crypto import keyring

from .enums import CHOICE_TYPES, OPTION_KEYS, ItemType

SUBJECTIVE = frozenset({ItemType.SHORT, ItemType.CALCULATION, ItemType.CASE, ItemType.PRACTICAL, ItemType.DEFENCE})
TRUE_WORDS = {"T", "TRUE", "正确", "对", "√", "✓", "是", "Y"}
FALSE_WORDS = {"F", "FALSE", "错误", "错", "×", "✗", "否", "N"}
MAX_TEXT = 20000
MAX_ATTACHMENT = 2 * 1024 * 1024
# A figure shown with the stem and printed in the paper: 25 megapixels, 8000 pixels a side (core.limits).
ATTACHMENT_IMAGE = limits.FIGURE


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def normalise(item_type: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Check ``raw`` for ``item_type`` and return the canonical content; ValidationError names the field."""
    errors: dict[str, str] = {}
    stem = _text(raw.get("stem"))
    if not stem:
        errors["stem"] = _("请填写题干。")
    content: dict[str, Any] = {"stem": stem, "explanation": _text(raw.get("explanation")),
                               "rubric": _text(raw.get("rubric")),
                               "attachments": sorted({int(a) for a in raw.get("attachments") or []})}
    for key in ("stem", "explanation", "rubric"):
        if len(content[key]) > MAX_TEXT:
            errors[key] = _("内容过长（不超过%(n)d字）。") % {"n": MAX_TEXT}
    answer = _text(raw.get("answer"))
    if item_type in CHOICE_TYPES:
        options = [_text(o) for o in raw.get("options") or []]
        while options and not options[-1]:
            options.pop()
        if len(options) < 2 or len(options) > len(OPTION_KEYS):
            errors["options"] = _("选择题应有2至6个选项。")
        elif any(not o for o in options):
            errors["options"] = _("选项不能留空（中间不能跳过）。")
        keys = OPTION_KEYS[:len(options)]
        letters = sorted({ch for ch in answer.upper() if not ch.isspace() and ch not in ",，、"})
        if not letters:
            errors["answer"] = _("请填写正确答案（选项字母）。")
        elif any(ch not in keys for ch in letters):
            errors["answer"] = _("答案“%(a)s”不在选项%(k)s之内。") % {"a": answer, "k": "/".join(keys) or "—"}
        elif item_type == ItemType.SINGLE and len(letters) != 1:
            errors["answer"] = _("单选题只能有一个正确答案。")
        elif item_type == ItemType.MULTIPLE and len(letters) < 2:
            errors["answer"] = _("多选题至少有两个正确答案。")
        content.update(options=options, answer="".join(letters))
    elif item_type == ItemType.JUDGE:
        word = answer.upper()
        if word in TRUE_WORDS:
            content["answer"] = "T"
        elif word in FALSE_WORDS:
            content["answer"] = "F"
        else:
            errors["answer"] = _("判断题答案应为“正确”或“错误”。")
    else:
        if not answer:
            errors["answer"] = _("请填写标准答案。")
        content["answer"] = answer
    if item_type in SUBJECTIVE and item_type not in (ItemType.PRACTICAL,) and not content["rubric"]:
        errors["rubric"] = _("主观题须有评分标准（§7.2.2.4）。")
    if item_type in (ItemType.PRACTICAL, ItemType.DEFENCE):
        sheet = _scoring_sheet(raw.get("scoring_sheet"), errors)
        if item_type == ItemType.PRACTICAL and not sheet and "scoring_sheet" not in errors:
            errors["scoring_sheet"] = _("实操题须有评分记录表：评分项、配分和评分方法。")
        content["scoring_sheet"] = sheet
    if item_type == ItemType.PRACTICAL:
        try:
            minutes = int(raw.get("time_minutes") or 0)
        except (TypeError, ValueError):
            minutes = 0
        if minutes <= 0:
            errors["time_minutes"] = _("请填写考核时间（分钟）。")
        content.update(time_minutes=minutes, materials=_text(raw.get("materials")))
    if errors:
        raise ValidationError(errors)
    return content


def _scoring_sheet(rows: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    """Rows as dicts, or text lines “评分项 | 配分 | 评分方法”."""
    if isinstance(rows, str):
        rows = [dict(zip(("criterion", "points", "method"), [p.strip() for p in line.split("|")], strict=False))
                for line in rows.splitlines() if line.strip()]
    sheet = []
    for n, row in enumerate(rows or [], start=1):
        criterion, method = _text(row.get("criterion")), _text(row.get("method"))
        try:
            points = Decimal(_text(row.get("points")))
        except InvalidOperation:
            points = Decimal(0)
        if not criterion or points <= 0:
            errors["scoring_sheet"] = _(
                "评分记录表第%(n)d行：应写明评分项和大于0的配分（格式：评分项 | 配分 | 评分方法）。") % {"n": n}
            return []
        sheet.append({"criterion": criterion, "points": _plain(points), "method": method})
    return sheet


def _plain(number: Decimal) -> str:
    """60 → "60", 2.50 → "2.5" (never "6E+1")."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def sheet_as_text(sheet: list[dict[str, Any]]) -> str:
    return "\n".join(f"{r['criterion']} | {r['points']} | {r.get('method', '')}" for r in sheet or [])


def encode(content: dict[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(encode(content)).hexdigest()


def seal(content: dict[str, Any], aad: bytes) -> tuple[str, bytes]:
    return keyring().seal(encode(content), aad)


def open_sealed(key_id: str, sealed: bytes, aad: bytes) -> dict[str, Any]:
    return json.loads(keyring().open(key_id, sealed, aad))


def readable_lines(item_type: str, content: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) rows for display and comparison, in reading order."""
    rows = [(_("题干"), content.get("stem", ""))]
    for key, text in zip(OPTION_KEYS, content.get("options") or [], strict=False):
        rows.append((_("选项%(k)s") % {"k": key}, text))
    answer = content.get("answer", "")
    if item_type == ItemType.JUDGE:
        answer = _("正确") if answer == "T" else _("错误")
    rows.append((_("答案"), answer))
    if content.get("rubric"):
        rows.append((_("评分标准"), content["rubric"]))
    if content.get("scoring_sheet"):
        rows.append((_("评分记录表"), sheet_as_text(content["scoring_sheet"])))
    if content.get("time_minutes"):
        rows.append((_("考核时间（分钟）"), str(content["time_minutes"])))
    if content.get("materials"):
        rows.append((_("材料与工具"), content["materials"]))
    if content.get("explanation"):
        rows.append((_("解析"), content["explanation"]))
    if content.get("attachments"):
        rows.append((_("附图"), "、".join(f"#{a}" for a in content["attachments"])))
    return rows


def attachment_bytes(upload) -> bytes:
    """The uploaded figure, refused before reading past MAX_ATTACHMENT."""
    return limits.read_upload(upload, MAX_ATTACHMENT, label=_("附图"))


def check_attachment(data: bytes) -> str:
    """PNG or JPEG, its pixel count checked from the header before anything decodes it; returns the format."""
    kind, _width, _height = limits.check_image(data, ATTACHMENT_IMAGE, label=_("附图"))
    return kind
