"""Moving items in and out of a bank: the Excel layout Chinese bank tools use, and IMS QTI 3.0 packages
(QTI 2.1 read too) so a bank can move to and from TAO or Moodle.

Imports are all or nothing: every row (or package item) is checked — type, stem, options, answer,
difficulty, element code in the current blueprint — before anything is written; on any error nothing
is written and the caller gets every error with its row and column. Items come in as drafts by the
importer and go through review and acceptance like any other (§7.2.4, §7.2.6).
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from skillcert.core import audit, limits
from skillcert.core.crypto import keyring
from skillcert.core.excel import XLSX_MIME, RowError, cell_text, read_rows, safe_cell

from . import content as content_mod
from . import rules
from .enums import MODULE_PART, OPTION_KEYS, TYPE_CODE_PREFIX, TYPE_PART, ItemType
from .meta import META_FIELDS, clean_meta
from .models import Bank, Item, ItemVersion

__all__ = ["XLSX_MIME", "import_qti", "import_xlsx", "qti_export", "template_bytes", "xlsx_export"]

COLUMNS = [
    ("type", "题型*"), ("stem", "题干*"), *[(f"option_{k}", f"选项{k}") for k in OPTION_KEYS],
    ("answer", "答案*"), ("difficulty", "难度*"), ("element_code", "认定点代码*"), ("explanation", "解析"),
    ("rubric", "评分标准"), ("expected_seconds", "预计用时(秒)"), ("source", "来源"), ("enemy_group", "互斥组"),
    ("time_minutes", "考核时间(分钟)"), ("materials", "材料与工具"), ("scoring_sheet", "评分记录表"),
]
HEADERS = [h for _k, h in COLUMNS]
LETTER = {key: chr(ord("A") + i) for i, (key, _h) in enumerate(COLUMNS)}
LABEL = dict(COLUMNS)
EXPORT_EXTRA = ["试题编号", "状态", "版本"]
TYPE_WORDS = {str(label): value for value, label in ItemType.choices} | {
    "单选": ItemType.SINGLE, "多选": ItemType.MULTIPLE, "判断": ItemType.JUDGE, "填空": ItemType.FILL,
    "简答": ItemType.SHORT, "计算": ItemType.CALCULATION, "案例分析": ItemType.CASE, "案例题": ItemType.CASE,
    "实际操作": ItemType.PRACTICAL, "操作题": ItemType.PRACTICAL, "论文答辩": ItemType.DEFENCE,
    "技术评审": ItemType.DEFENCE, **{t.value: t.value for t in ItemType},
}
TYPE_WORD = {ItemType.SINGLE: "单选题", ItemType.MULTIPLE: "多选题", ItemType.JUDGE: "判断题", ItemType.FILL: "填空题",
             ItemType.SHORT: "简答题", ItemType.CALCULATION: "计算题", ItemType.CASE: "案例分析题",
             ItemType.PRACTICAL: "实操题", ItemType.DEFENCE: "答辩题"}
MAX_ROWS = 20000
# The template's two example rows: recognised and refused if they are left in the sheet.
EXAMPLE_STEMS = ("《温室气体排放核算与报告要求》中，化石燃料燃烧排放量的计算公式是？",
                 "根据给定企业的燃料消耗台账，核算其年度二氧化碳排放量并填写报告表。")


@dataclass
class Parsed:
    """One checked item waiting to be written."""

    meta: dict[str, Any]
    content: dict[str, Any]


@dataclass
class ImportResult:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    codes: tuple[str, str] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.created > 0


# --- Excel --------------------------------------------------------------------------------------------

def template_bytes() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("试题")
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(["单选题", EXAMPLE_STEMS[0], "活动数据×排放因子",
               "活动数据÷排放因子", "排放因子÷活动数据", "活动数据+排放因子", "", "", "A", 2, "B.01.01",
               "排放量等于活动数据乘以排放因子。", "", 60, "自编", "", "", "", ""])
    ws.append(["实操题", EXAMPLE_STEMS[1], *[""] * 6,
               "按报告模板完成核算，结果误差不超过1%。", 3, "C.01.01", "", "", 1800, "自编", "", 30,
               "计算器、排放因子表、报告模板",
               "数据整理 | 20 | 台账数据完整、单位正确\n排放计算 | 60 | 每处计算错误扣10分\n报告填写 | 20 | 格式规范"])
    for col, width in zip("ABCDEFGHIJKLMNOPQRS", [10, 50, *[18] * 6, 10, 6, 12, 30, 30, 10, 10, 10, 10, 20, 40],
                          strict=True):
        ws.column_dimensions[col].width = width
    notes = wb.create_sheet(_("填写说明"))
    for line in [
        _("题型：单选题、多选题、判断题、填空题、简答题、计算题、案例分析题、实操题、答辩题。"),
        _("答案：单选填一个字母（如 B），多选填多个字母（如 ACD），判断题填“正确”或“错误”，其他题型填标准答案。"),
        _("难度：1（容易）至5（难）。认定点代码须是现行认定要素细目表中的认定点，如 B.02.03。"),
        _("主观题（简答、计算、案例分析、答辩）须填评分标准；"
          "实操题须填考核时间和评分记录表，每行“评分项 | 配分 | 评分方法”。"),
        _("导入全部成功或全部不导入；有错误时可下载错误报告逐行修改。"),
    ]:
        notes.append([line])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _raw_from_values(v: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    word = cell_text(v["type"])
    item_type = TYPE_WORDS.get(word, "")
    meta = {"type": item_type, "element_code": cell_text(v["element_code"]), "difficulty": cell_text(v["difficulty"]),
            "expected_seconds": cell_text(v["expected_seconds"]) or 60, "source": cell_text(v["source"]),
            "enemy_group": cell_text(v["enemy_group"])}
    raw = {"stem": cell_text(v["stem"]), "options": [cell_text(v[f"option_{k}"]) for k in OPTION_KEYS],
           "answer": cell_text(v["answer"]), "explanation": cell_text(v["explanation"]),
           "rubric": cell_text(v["rubric"]), "time_minutes": cell_text(v["time_minutes"]),
           "materials": cell_text(v["materials"]), "scoring_sheet": cell_text(v["scoring_sheet"])}
    return meta, raw, word


class _Checker:
    """Checks rows against one bank: its current blueprint, its level, the content rules."""

    FIELD_COLUMN = {"type": "type", "element_code": "element_code", "difficulty": "difficulty",
                    "expected_seconds": "expected_seconds", "stem": "stem", "options": "option_A", "answer": "answer",
                    "rubric": "rubric", "scoring_sheet": "scoring_sheet", "time_minutes": "time_minutes"}

    def __init__(self, bank: Bank):
        from .selectors import current_blueprint

        self.bank = bank
        blueprint = current_blueprint(bank)
        if blueprint is None:
            raise ValidationError({"file": _("本题库尚无审定的认定要素细目表，请先编写并审定细目表（§7.2.2.2）。")})
        self.parts = {code: MODULE_PART[kind] for code, kind
                      in blueprint.nodes.filter(depth=3).values_list("code", "module_kind")}
        self.codes = set(self.parts)
        self.errors: list[RowError] = []

    def _error(self, row: int, key: str, message: str) -> None:
        column = self.FIELD_COLUMN.get(key, key)
        where = f"{LETTER[column]}（{LABEL[column].rstrip('*')}）" if column in LETTER else str(key)
        self.errors.append(RowError(row, where, message))

    def check(self, row: int, meta: dict[str, Any], raw: dict[str, Any], type_word: str = "") -> Parsed | None:
        if meta["type"] not in ItemType.values:
            self._error(row, "type", _("题型“%(t)s”无法识别。") % {"t": type_word or "—"})
            return None
        try:
            cleaned = clean_meta(self.bank, meta, element_codes=self.codes)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    self._error(row, key, message)
            cleaned = None
        try:
            clean = content_mod.normalise(meta["type"], raw)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for message in messages:
                    self._error(row, key, message)
            return None
        if cleaned is None:
            return None
        if self.parts[cleaned["element_code"]] != TYPE_PART[cleaned["type"]]:
            self._error(row, "element_code", _("认定点“%(c)s”与题型“%(t)s”不属于同一部分。") % {
                "c": cleaned["element_code"], "t": TYPE_WORD[cleaned["type"]]})
            return None
        return Parsed(cleaned, clean)


def parse_xlsx(bank: Bank, data: bytes) -> tuple[list[Parsed], _Checker, int]:
    checker = _Checker(bank)
    parsed: list[Parsed] = []
    count = 0
    limits.check_size(data, settings.SKILLCERT_IMPORT_MAX_BYTES, label=_("试题表"))
    for number, values in read_rows(data, HEADERS, max_rows=MAX_ROWS):
        count += 1
        if count > MAX_ROWS:
            raise ValidationError({"file": _("一次最多导入%(n)d道试题。") % {"n": MAX_ROWS}})
        meta, raw, word = _raw_from_values(dict(zip([k for k, _h in COLUMNS], values, strict=True)))
        if raw["stem"] in EXAMPLE_STEMS:
            checker._error(number, "stem", _("这是模板中的示例题，请删除后再导入。"))
            continue
        found = checker.check(number, meta, raw, word)
        if found:
            parsed.append(found)
    return parsed, checker, count


def import_xlsx(*, actor, bank_id: int, data: bytes, file_name: str = "") -> ImportResult:
    bank = Bank.objects.select_related("level").get(pk=bank_id)
    if not rules.writes(actor, bank):
        raise PermissionDenied(_("只有本题库的命题员或题库管理员可以导入试题。"))
    parsed, checker, count = parse_xlsx(bank, data)
    return _finish(actor, bank, parsed, checker.errors, count, source="xlsx", file_name=file_name, data=data)


def _finish(actor, bank: Bank, parsed: list[Parsed], errors: list[RowError], count: int, *, source: str,
            file_name: str, data: bytes) -> ImportResult:
    result = ImportResult(rows=count, errors=errors)
    if errors:
        return result
    if not parsed:
        result.errors.append(RowError(0, "", _("文件中没有试题。")))
        return result
    codes = write_items(actor=actor, bank_id=bank.pk, parsed=parsed, source=source, file_name=file_name,
                        file_sha256=hashlib.sha256(data).hexdigest())
    result.created, result.codes = len(parsed), (codes[0], codes[-1])
    return result


@transaction.atomic
def write_items(*, actor, bank_id: int, parsed: list[Parsed], source: str, file_name: str = "",
                file_sha256: str = "") -> list[str]:
    """Write checked items as drafts by ``actor``: items, their first sealed versions, one audit entry."""
    bank = Bank.objects.select_for_update().get(pk=bank_id)
    if not rules.writes(actor, bank):
        raise PermissionDenied(_("只有本题库的命题员或题库管理员可以导入试题。"))
    first = bank.item_seq + 1
    Bank.objects.filter(pk=bank.pk).update(item_seq=F("item_seq") + len(parsed))
    items = [Item(bank=bank, code=f"{TYPE_CODE_PREFIX[TYPE_PART[p.meta['type']]]}{first + i:06d}",
                  part=TYPE_PART[p.meta["type"]], author=actor, **p.meta) for i, p in enumerate(parsed)]
    Item.objects.bulk_create(items, batch_size=500)
    if items[0].pk is None:  # a backend that does not return ids
        ids = dict(Item.objects.filter(bank=bank, code__in=[i.code for i in items]).values_list("code", "pk"))
        for item in items:
            item.pk = ids[item.code]
    ring = keyring()
    note = _("导入")
    versions = []
    for item, p in zip(items, parsed, strict=True):
        v = ItemVersion(item=item, number=1, note=note, created_by=actor, digest=content_mod.digest(p.content),
                        meta={f: getattr(item, f) for f in META_FIELDS})
        v.key_id, v.sealed = ring.seal(content_mod.encode(p.content), v.aad())
        versions.append(v)
    ItemVersion.objects.bulk_create(versions, batch_size=500)
    Item.objects.filter(bank=bank, current_version__isnull=True).update(current_version=Subquery(
        ItemVersion.objects.filter(item=OuterRef("pk"), number=1).values("pk")[:1]))
    codes = [i.code for i in items]
    audit.record(actor, "itembank.item.imported", target=bank, data={
        "source": source, "file": file_name, "sha256": file_sha256, "items": len(items),
        "first": codes[0], "last": codes[-1]})
    return codes


def xlsx_export(rows: list[tuple[Item, dict[str, Any]]], *, watermark: str) -> bytes:
    """The template layout plus 试题编号/状态/版本; watermarked in the header and footer of every printed
    page, the document properties and a cover sheet."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("试题"))
    ws.oddHeader.center.text = watermark
    ws.oddFooter.center.text = watermark
    ws.append(HEADERS + EXPORT_EXTRA)
    for item, c in rows:
        options = (c.get("options") or []) + [""] * len(OPTION_KEYS)
        answer = c.get("answer", "")
        if item.type == ItemType.JUDGE:
            answer = "正确" if answer == "T" else "错误"
        ws.append([safe_cell(v) for v in [
            TYPE_WORD[item.type], c.get("stem", ""), *options[:len(OPTION_KEYS)], answer, item.difficulty,
            item.element_code, c.get("explanation", ""), c.get("rubric", ""), item.expected_seconds, item.source,
            item.enemy_group, c.get("time_minutes") or "", c.get("materials", ""),
            content_mod.sheet_as_text(c.get("scoring_sheet") or []), item.code, item.get_status_display(),
            item.current_version.number]])
    cover = wb.create_sheet(_("导出说明"))
    cover.append([watermark])
    cover.append([_("本文件含保密的题库内容（§7.3.2、§10.2），未经授权不得复制、传播；用后按规定登记销毁（§10.10）。")])
    wb.properties.creator = "skillcert"
    wb.properties.description = watermark
    wb.properties.keywords = "机密"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- IMS QTI 3.0 -------------------------------------------------------------------------------------------

QTI3 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
QTI21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP3 = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
SC = "https://skillcert.org/xsd/itembank/v1"
MATCH_CORRECT = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"
QTI_TYPES = frozenset({ItemType.SINGLE, ItemType.MULTIPLE, ItemType.JUDGE, ItemType.FILL, ItemType.SHORT,
                       ItemType.CALCULATION, ItemType.CASE, ItemType.DEFENCE})
MAX_PACKAGE_BYTES = 50 * 1024 * 1024
MAX_PACKAGE_FILES = 25000
MAX_ITEM_FILE_BYTES = 1024 * 1024  # one item's XML; ours are a few KB
# Judged from the zip's central directory before anything is inflated (core.limits).
PACKAGE_LIMITS = limits.ZipLimits(members=MAX_PACKAGE_FILES, member_bytes=16 * 1024 * 1024,
                                  total_bytes=MAX_PACKAGE_BYTES, ratio=200)


def _q(tag: str) -> str:
    return f"{{{QTI3}}}{tag}"


def _paragraphs(parent: ET.Element, text: str) -> None:
    for line in text.splitlines() or [""]:
        ET.SubElement(parent, _q("p")).text = line


def _qti_item(item: Item, c: dict[str, Any]) -> bytes:
    root = ET.Element(_q("qti-assessment-item"), {
        "identifier": item.code, "title": item.code, "adaptive": "false", "time-dependent": "false",
        "{http://www.w3.org/XML/1998/namespace}lang": "zh-CN"})
    choice = item.type in (ItemType.SINGLE, ItemType.MULTIPLE, ItemType.JUDGE)
    decl = ET.SubElement(root, _q("qti-response-declaration"), {
        "identifier": "RESPONSE", "cardinality": "multiple" if item.type == ItemType.MULTIPLE else "single",
        "base-type": "identifier" if choice else "string"})
    correct = ET.SubElement(decl, _q("qti-correct-response"))
    answers = list(c["answer"]) if item.type in (ItemType.MULTIPLE, ItemType.SINGLE, ItemType.JUDGE) else [c["answer"]]
    for value in answers:
        ET.SubElement(correct, _q("qti-value")).text = value
    ET.SubElement(root, _q("qti-outcome-declaration"), {"identifier": "SCORE", "cardinality": "single",
                                                        "base-type": "float"})
    body = ET.SubElement(root, _q("qti-item-body"))
    _paragraphs(body, c["stem"])
    if choice:
        interaction = ET.SubElement(body, _q("qti-choice-interaction"), {
            "response-identifier": "RESPONSE", "shuffle": "false",
            "max-choices": "0" if item.type == ItemType.MULTIPLE else "1"})
        options = [("T", "正确"), ("F", "错误")] if item.type == ItemType.JUDGE else list(
            zip(OPTION_KEYS, c.get("options") or [], strict=False))
        for key, text in options:
            ET.SubElement(interaction, _q("qti-simple-choice"), {"identifier": key}).text = text
    elif item.type == ItemType.FILL:
        p = ET.SubElement(body, _q("p"))
        ET.SubElement(p, _q("qti-text-entry-interaction"), {"response-identifier": "RESPONSE"})
    else:
        ET.SubElement(body, _q("qti-extended-text-interaction"), {"response-identifier": "RESPONSE"})
    for cls, text in (("sc-rubric", c.get("rubric")), ("sc-explanation", c.get("explanation"))):
        if text:
            block = ET.SubElement(body, _q("qti-rubric-block"), {"view": "scorer", "use": "scoring", "class": cls})
            _paragraphs(ET.SubElement(block, _q("qti-content-body")), text)
    if choice:
        ET.SubElement(root, _q("qti-response-processing"), {"template": MATCH_CORRECT})
    ET.register_namespace("", QTI3)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def qti_export(rows: list[tuple[Item, dict[str, Any]]], *, watermark: str) -> bytes:
    """A QTI 3.0 content package: imsmanifest.xml + one item file per choice, true/false or text item.
    Element code, difficulty and type travel in the manifest's resource metadata (skillcert namespace);
    practical tasks have no QTI equivalent and are listed in SKIPPED.txt."""
    ET.register_namespace("", CP3)
    ET.register_namespace("sc", SC)
    manifest = ET.Element(f"{{{CP3}}}manifest", {"identifier": f"MANIFEST-{uuid.uuid4().hex[:12]}"})
    meta = ET.SubElement(manifest, f"{{{CP3}}}metadata")
    ET.SubElement(meta, f"{{{CP3}}}schema").text = "QTI Package"
    ET.SubElement(meta, f"{{{CP3}}}schemaversion").text = "3.0.0"
    ET.SubElement(meta, f"{{{SC}}}watermark").text = watermark
    ET.SubElement(manifest, f"{{{CP3}}}organizations")
    resources = ET.SubElement(manifest, f"{{{CP3}}}resources")
    buffer = io.BytesIO()
    skipped = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for item, c in rows:
            if item.type not in QTI_TYPES:
                skipped.append(f"{item.code}\t{TYPE_WORD[item.type]}")
                continue
            href = f"items/{item.code}.xml"
            zf.writestr(href, _qti_item(item, c))
            res = ET.SubElement(resources, f"{{{CP3}}}resource", {
                "identifier": item.code, "type": "imsqti_item_xmlv3p0", "href": href})
            rmeta = ET.SubElement(res, f"{{{CP3}}}metadata")
            ET.SubElement(rmeta, f"{{{SC}}}item", {
                "type": item.type, "element": item.element_code, "difficulty": str(item.difficulty),
                "seconds": str(item.expected_seconds), "enemy": item.enemy_group, "source": item.source})
            ET.SubElement(res, f"{{{CP3}}}file", {"href": href})
        ET.register_namespace("", CP3)
        zf.writestr("imsmanifest.xml", ET.tostring(manifest, encoding="utf-8", xml_declaration=True))
        zf.writestr("WATERMARK.txt", watermark + "\n")
        if skipped:
            zf.writestr("SKIPPED.txt", _("以下实操题没有对应的 QTI 题型，未导出：") + "\n" + "\n".join(skipped) + "\n")
    return buffer.getvalue()


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _local(tag: str) -> str:
    """QTI 3.0 local name of a 3.0 or 2.1 tag (``choiceInteraction`` → ``qti-choice-interaction``)."""
    ns, _sep, name = tag.rpartition("}")
    if ns.endswith(QTI21):
        html = {"p", "div", "span", "br", "b", "i", "strong", "em", "img", "table", "tr", "td", "th", "ul", "ol",
                "li", "sub", "sup"}
        return name if name in html else "qti-" + _CAMEL.sub("-", name).lower()
    return name


def _attr(el: ET.Element, name: str) -> str | None:
    """An attribute by its QTI 3.0 name, or its 2.1 camelCase form."""
    if name in el.attrib:
        return el.attrib[name]
    parts = name.split("-")
    return el.attrib.get(parts[0] + "".join(p.title() for p in parts[1:]))


def _text_of(el: ET.Element, skip=frozenset()) -> str:
    """Readable text of ``el``, paragraphs on their own lines, leaving out the ``skip`` sub-elements."""
    lines: list[str] = []

    def walk(node: ET.Element, line: list[str]) -> None:
        if node.text:
            line.append(node.text)
        for child in node:
            name = _local(child.tag)
            if name in skip:
                pass
            elif name in ("p", "div", "li", "qti-content-body"):
                inner: list[str] = []
                walk(child, inner)
                if "".join(line).strip():
                    lines.append("".join(line).strip())
                    line.clear()
                lines.append("".join(inner).strip())
            elif name == "br":
                lines.append("".join(line).strip())
                line.clear()
            else:
                walk(child, line)
            if child.tail:
                line.append(child.tail)

    rest: list[str] = []
    walk(el, rest)
    if "".join(rest).strip():
        lines.append("".join(rest).strip())
    return "\n".join(s for s in lines if s)


def _parse_qti_item(xml: bytes, extra: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    root = SafeET.fromstring(xml)
    if _local(root.tag) != "qti-assessment-item":
        raise ValueError(_("不是 QTI 试题文件"))
    els = {}
    for el in root.iter():
        els.setdefault(_local(el.tag), el)
    decl = els.get("qti-response-declaration")
    values = [v.text or "" for v in decl.iter() if _local(v.tag) == "qti-value"] if decl is not None else []
    body = els.get("qti-item-body")
    if body is None:
        raise ValueError(_("缺少 item-body"))
    interactions = {"qti-choice-interaction", "qti-extended-text-interaction", "qti-text-entry-interaction",
                    "qti-rubric-block"}
    stem = _text_of(body, skip=interactions)
    rubric, explanation = [], []
    for block in body.iter():
        if _local(block.tag) == "qti-rubric-block":
            (explanation if "sc-explanation" in (block.get("class") or "") else rubric).append(_text_of(block))
    raw: dict[str, Any] = {"stem": stem, "rubric": "\n".join(rubric), "explanation": "\n".join(explanation)}
    item_type = extra.get("type", "")
    if "qti-choice-interaction" in els:
        choices = [(c.get("identifier", ""), _text_of(c)) for c in els["qti-choice-interaction"].iter()
                   if _local(c.tag) == "qti-simple-choice"]
        texts = [t for _k, t in choices]
        if item_type == ItemType.JUDGE or (len(choices) == 2 and texts[0] in content_mod.TRUE_WORDS | {"True"}
                                           and texts[1] in content_mod.FALSE_WORDS | {"False"}):
            item_type = ItemType.JUDGE
            chosen = dict(choices).get(values[0], "") if values else ""
            raw["answer"] = "正确" if chosen in content_mod.TRUE_WORDS | {"True"} else "错误"
        else:
            multiple = (decl is not None and _attr(decl, "cardinality") == "multiple")
            item_type = ItemType.MULTIPLE if multiple else ItemType.SINGLE
            # Foreign identifiers (choice_1, …) become A, B, … in order.
            letter = {ident: OPTION_KEYS[i] for i, (ident, _t) in enumerate(choices[:len(OPTION_KEYS)])}
            raw["options"] = texts
            raw["answer"] = "".join(letter.get(v, "?") for v in values)
    else:
        if item_type not in QTI_TYPES:
            item_type = ItemType.FILL if "qti-text-entry-interaction" in els else ItemType.SHORT
        raw["answer"] = "\n".join(values)
    meta = {"type": item_type, "element_code": extra.get("element", ""), "difficulty": extra.get("difficulty", ""),
            "expected_seconds": extra.get("seconds") or 60, "source": extra.get("source", ""),
            "enemy_group": extra.get("enemy", "")}
    return meta, raw


def _read_package(data: bytes) -> list[tuple[str, bytes, dict[str, str], str]]:
    """(href, item XML, skillcert metadata, problem) for every item resource in the package. The archive is
    judged from its directory first (core.limits); then the number of resources, and each item file's size,
    before it is read — and each member is read at most once: a second resource pointing at the same file is
    an error of that resource, not another copy in memory."""
    zf = limits.open_zip(data, PACKAGE_LIMITS, unreadable=_("无法读取该文件，请上传 QTI 内容包（.zip）。"))
    try:
        manifest = SafeET.fromstring(zf.read("imsmanifest.xml"))
    except (KeyError, ET.ParseError, DefusedXmlException, zipfile.BadZipFile, OSError, EOFError):
        raise ValidationError({"file": _("内容包缺少有效的 imsmanifest.xml。")}) from None
    resources = [res for res in manifest.iter() if res.tag.rpartition("}")[2] == "resource"
                 and res.get("type", "").startswith("imsqti_item_xml")]
    if len(resources) > MAX_ROWS:
        raise ValidationError({"file": _("内容包列出 %(n)d 道试题，超过一次最多导入 %(max)d 道的上限。") % {
            "n": len(resources), "max": MAX_ROWS}})
    found = []
    first_use: dict[str, int] = {}
    for number, res in enumerate(resources, start=1):
        href = res.get("href", "")
        extra: dict[str, str] = {}
        for el in res.iter(f"{{{SC}}}item"):
            extra = dict(el.attrib)
        if href in first_use:
            found.append((href, b"", extra, _("与第 %(n)d 道试题指向同一个文件，每道试题须有自己的文件。") % {
                "n": first_use[href]}))
            continue
        first_use[href] = number
        try:
            info = zf.getinfo(href)
        except KeyError:
            found.append((href, b"", extra, _("内容包中没有该文件。")))
            continue
        if info.file_size > MAX_ITEM_FILE_BYTES:
            found.append((href, b"", extra, _("试题文件解压后有 %(s).1f MB，超过 %(m)d MB 的上限。") % {
                "s": info.file_size / 1048576, "m": MAX_ITEM_FILE_BYTES // 1048576}))
            continue
        try:
            found.append((href, zf.read(info), extra, ""))
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            found.append((href, b"", extra, _("文件已损坏，无法解压。")))
    return found


def import_qti(*, actor, bank_id: int, data: bytes, file_name: str = "", default_element: str = "",
               default_difficulty: int = 3) -> ImportResult:
    """Import a QTI 3.0 (or 2.1) package. Items without skillcert metadata take ``default_element`` and
    ``default_difficulty``; errors are reported per item file."""
    bank = Bank.objects.select_related("level").get(pk=bank_id)
    if not rules.writes(actor, bank):
        raise PermissionDenied(_("只有本题库的命题员或题库管理员可以导入试题。"))
    checker = _Checker(bank)
    parsed: list[Parsed] = []
    limits.check_size(data, MAX_PACKAGE_BYTES, label=_("内容包"))
    entries = _read_package(data)
    for number, (href, xml, extra, problem) in enumerate(entries, start=1):
        if problem:
            checker.errors.append(RowError(number, href, problem))
            continue
        try:
            meta, raw = _parse_qti_item(xml, extra)
        except (ET.ParseError, ValueError, DefusedXmlException) as exc:
            checker.errors.append(RowError(number, href, _("无法解析：%(e)s") % {"e": exc}))
            continue
        meta["element_code"] = meta["element_code"] or default_element
        meta["difficulty"] = meta["difficulty"] or default_difficulty
        before = len(checker.errors)
        found = checker.check(number, meta, raw)
        for e in checker.errors[before:]:
            e.column = f"{href} · {e.column}"
        if found:
            parsed.append(found)
    return _finish(actor, bank, parsed, checker.errors, len(entries), source="qti", file_name=file_name, data=data)
